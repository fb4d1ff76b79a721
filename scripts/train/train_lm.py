"""Time-budgeted training loop shared by the LMs and the PRM."""
import math
import random
import time

import torch
import torch.nn.functional as F


def lr_at(frac, base, warmup_frac, min_ratio=0.05):
    if frac < warmup_frac:
        return base * max(frac / warmup_frac, 0.02)
    p = min(1.0, (frac - warmup_frac) / max(1e-9, 1 - warmup_frac))
    return base * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def make_optimizer(model, lr, wd=0.05):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (decay if p.dim() >= 2 and "tok" not in n and "pos" not in n else no_decay).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.98), eps=1e-8)


def train_timed(model, name, batches_fn, loss_fn, seconds, lr, device, seed, warmup_frac=0.04, log_every=20.0):
    """Trains until `seconds` of wall clock are spent; LR follows warmup + cosine on the time fraction.

    batches_fn(epoch) -> iterable of batches; loss_fn(model, batch) -> (loss, n_tokens).
    """
    torch.manual_seed(seed)
    model.to(device).train()
    opt = make_optimizer(model, lr)
    t0 = time.time()
    last_log = t0
    step, tokens, epoch = 0, 0, 0
    ema = None
    finished = False
    while not finished:
        for batch in batches_fn(epoch):
            frac = (time.time() - t0) / seconds
            if frac >= 1.0:
                finished = True
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(frac, lr, warmup_frac)
            loss, n = loss_fn(model, batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            tokens += n
            ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
            now = time.time()
            if now - last_log >= log_every:
                el = now - t0
                print(f"[{name}] step {step} ep {epoch} loss {ema:.4f} lr {opt.param_groups[0]['lr']:.2e} "
                      f"tok/s {tokens / el:.0f} elapsed {el / 60:.1f}m eta {max(0, seconds - el) / 60:.1f}m", flush=True)
                last_log = now
        epoch += 1
    model.eval()
    el = time.time() - t0
    print(f"[{name}] done: {step} steps, {tokens} tokens, {el:.0f}s, final loss {ema:.4f}", flush=True)
    return {"steps": step, "tokens": tokens, "seconds": el, "loss": ema}


def lm_loss(model, batch, device):
    ids, attn, weights = (t.to(device) for t in batch)
    logits = model.train_forward(ids[:, :-1], attn[:, :-1])
    w = weights[:, 1:]
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")
    loss = (nll * w.reshape(-1)).sum() / w.sum().clamp(min=1.0)
    return loss, int(attn.sum())
