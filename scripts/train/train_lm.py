"""Token-budgeted training loop shared by the LMs and the PRM.

The schedule (linear warmup, cosine decay) follows progress = max(tokens / budget,
seconds / time cap), so the same recipe runs to its token budget on a fast machine
and stops gracefully at the wall-clock cap on a slow one. Progress lines carry an
ETA; a resumable checkpoint is written every few minutes.
"""
import math
import os
import time

import torch
import torch.nn.functional as F


def lr_at(progress, base, warmup, min_ratio=0.05):
    if progress < warmup:
        return base * max(progress / warmup, 0.02)
    p = min(1.0, (progress - warmup) / max(1e-9, 1 - warmup))
    return base * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def make_optimizer(model, lr, wd=0.05, fast=(), fast_scale=1.0):
    """AdamW; parameters whose names start with a prefix in `fast` learn fast_scale times
    faster (a fine-tuned body under a new head: the head has far to go, the body must not)."""
    groups = {}
    for n, p in model.named_parameters():
        decay = p.dim() >= 2 and "tok" not in n and "pos" not in n
        scale = fast_scale if n.startswith(tuple(fast)) else 1.0
        groups.setdefault((decay, scale), []).append(p)
    return torch.optim.AdamW([{"params": ps, "weight_decay": wd if decay else 0.0, "lr_scale": scale}
                              for (decay, scale), ps in groups.items()], lr=lr, betas=(0.9, 0.98), eps=1e-8)


def fmt_minutes(seconds):
    return f"{seconds / 60:.1f}m"


def train_budgeted(model, name, next_batch, loss_fn, *, budget_tokens, max_seconds, lr, device, seed,
                   warmup=0.02, checkpoint_path=None, checkpoint_every=300.0, evaluate=None, eval_points=10,
                   resume=False, log_every=30.0, fast=(), fast_scale=1.0):
    """Trains until budget_tokens are seen or max_seconds pass, whichever is first.

    next_batch(progress) -> batch (tensors on the CPU); loss_fn(model, batch) -> (loss, n_tokens);
    evaluate(model) -> dict, run at eval_points evenly spaced progress marks and at the end.
    Returns {"steps", "tokens", "seconds", "loss", "stoppedBy", "curve", "lr", "budgetTokens"}.
    """
    torch.manual_seed(seed)
    model.to(device).train()
    opt = make_optimizer(model, lr, fast=fast, fast_scale=fast_scale)
    state = {"step": 0, "tokens": 0, "seconds": 0.0, "ema": None, "curve": [], "next_eval": 1}
    if resume and checkpoint_path and os.path.exists(checkpoint_path):
        ck = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state = ck["state"]
        torch.set_rng_state(ck["rng"])
        print(f"[{name}] resumed at step {state['step']}, {state['tokens']} tokens, "
              f"{fmt_minutes(state['seconds'])} trained", flush=True)
    t0 = time.time() - state["seconds"]
    last_log = last_ck = time.time()

    def progress_now():
        return max(state["tokens"] / budget_tokens, (time.time() - t0) / max_seconds)

    def save_checkpoint():
        if checkpoint_path:
            state["seconds"] = time.time() - t0
            tmp = checkpoint_path + ".tmp"
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": state,
                        "rng": torch.get_rng_state()}, tmp)
            os.replace(tmp, checkpoint_path)

    def run_eval():
        if evaluate is None:
            return
        model.eval()
        t = time.time()
        metrics = evaluate(model)
        model.train()
        point = {"tokens": state["tokens"], "steps": state["step"], "minutes": round((time.time() - t0) / 60, 2),
                 "loss": None if state["ema"] is None else round(state["ema"], 5), **metrics}
        state["curve"].append(point)
        print(f"[{name}] eval at {state['tokens']} tokens: {metrics} ({time.time() - t:.0f}s)", flush=True)

    stopped_by = "tokens"
    while True:
        progress = progress_now()
        if progress >= 1.0:
            stopped_by = "tokens" if state["tokens"] >= budget_tokens else "time"
            break
        if evaluate is not None and progress >= state["next_eval"] / eval_points:
            state["next_eval"] += 1
            run_eval()
        for g in opt.param_groups:
            g["lr"] = lr_at(progress, lr, warmup) * g["lr_scale"]
        loss, n = loss_fn(model, next_batch(progress))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        state["tokens"] += n
        value = loss.item()
        state["ema"] = value if state["ema"] is None else 0.98 * state["ema"] + 0.02 * value
        now = time.time()
        if now - last_log >= log_every:
            elapsed = now - t0
            p = progress_now()
            eta = elapsed / max(p, 1e-9) * (1 - p)
            print(f"[{name}] {100 * p:5.1f}% step {state['step']} loss {state['ema']:.4f} "
                  f"lr {lr_at(p, lr, warmup):.2e} tok/s {state['tokens'] / elapsed:.0f} "
                  f"elapsed {fmt_minutes(elapsed)} eta {fmt_minutes(eta)}", flush=True)
            last_log = now
        if now - last_ck >= checkpoint_every:
            save_checkpoint()
            last_ck = now
    run_eval()
    save_checkpoint()
    model.eval()
    state["seconds"] = time.time() - t0
    print(f"[{name}] done ({stopped_by}): {state['step']} steps, {state['tokens']} tokens, "
          f"{fmt_minutes(state['seconds'])}, final loss {state['ema']:.4f}", flush=True)
    return {"steps": state["step"], "tokens": state["tokens"], "seconds": state["seconds"], "loss": state["ema"],
            "stoppedBy": stopped_by, "curve": state["curve"], "lr": lr, "budgetTokens": budget_tokens}


def lm_loss(model, batch, device):
    # Counted on the CPU batch: reading it back from the device would sync every step.
    n_tokens = int(batch[1].sum())
    ids, attn, weights = (t.to(device) for t in batch)
    logits = model.train_forward(ids[:, :-1], attn[:, :-1])
    w = weights[:, 1:]
    nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")
    loss = (nll * w.reshape(-1)).sum() / w.sum().clamp(min=1.0)
    return loss, n_tokens
