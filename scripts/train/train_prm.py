"""PRM data: solutions sampled from the trained LMs (plus canonical ones),
labelled per step by the step checker; BCE at step-end positions only."""
import random
import time

import torch
import torch.nn.functional as F

from data import label_solution, prompt_text
from evaluate import generate, auc
from model import encode, PAD, STOI

NL = STOI["\n"]


def sample_solutions(models, problems, seconds, temperatures, seed, batch_size=256):
    """Round-robin over (model, temperature) until the time budget is spent."""
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    out, i, k = [], 0, 0
    while time.time() - t0 < seconds and i < len(problems):
        name, model = models[k % len(models)]
        temp = temperatures[(k // len(models)) % len(temperatures)]
        chunk = problems[i:i + batch_size]
        texts = generate(model, [prompt_text(p["question"]) for p in chunk], temperature=temp, generator=gen,
                         batch_size=batch_size)
        for p, (t, ended) in zip(chunk, texts):
            out.append({"problem": p, "text": t, "ended": ended, "source": f"{name}@{temp}"})
        i += batch_size
        k += 1
        print(f"[prm-data] sampled {len(out)} solutions ({time.time() - t0:.0f}s)", flush=True)
    return out


def build_example(problem, text, ended):
    """Token ids, positions of step-end tokens and their labels."""
    labels, complete = label_solution(problem["question"], text, problem["answer"])
    prompt = prompt_text(problem["question"])
    ids = encode(prompt + text, bos=True, eos=False)
    positions, ys = [], []
    base = 1 + len(prompt)
    line_no = 0
    for j, ch in enumerate(text):
        if ch == "\n" and line_no < len(labels):
            positions.append(base + j)
            ys.append(1.0 if labels[line_no] else 0.0)
            line_no += 1
    if ended and len(ids) < 256:
        ids.append(STOI["<eos>"])
        # eos: the whole solution is right (every step right and it ended with the answer line)
        positions.append(len(ids) - 1)
        ys.append(1.0 if (complete and labels and all(labels)) else 0.0)
    ids = ids[:256]
    keep = [(p, y) for p, y in zip(positions, ys) if p < 256]
    return ids, [p for p, _ in keep], [y for _, y in keep]


def collate_prm(examples, idx):
    seqs = [examples[i] for i in idx]
    T = max(len(s[0]) for s in seqs)
    ids = torch.full((len(seqs), T), PAD, dtype=torch.long)
    attn = torch.zeros((len(seqs), T), dtype=torch.long)
    target = torch.zeros((len(seqs), T))
    weight = torch.zeros((len(seqs), T))
    for r, (s, pos, ys) in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
        attn[r, :len(s)] = 1
        for p, y in zip(pos, ys):
            target[r, p] = y
            weight[r, p] = 1.0
    return ids, attn, target, weight


def prm_loss_fn(pos_weight, device):
    def fn(model, batch):
        ids, attn, target, weight = (t.to(device) for t in batch)
        logits = model.train_forward(ids, attn)
        # class balance: positives weighted by pos_weight (= n_neg / n_pos)
        w = weight * torch.where(target > 0.5, torch.full_like(target, pos_weight), torch.ones_like(target))
        loss = (F.binary_cross_entropy_with_logits(logits, target, reduction="none") * w).sum() / w.sum().clamp(min=1)
        return loss, int(attn.sum())
    return fn


@torch.no_grad()
def prm_metrics(model, examples, device, batch=128):
    model.eval()
    scores, labels = [], []
    for s in range(0, len(examples), batch):
        idx = list(range(s, min(len(examples), s + batch)))
        ids, attn, target, weight = collate_prm(examples, idx)
        p = torch.sigmoid(model.train_forward(ids.to(device), attn.to(device))).cpu()
        m = weight > 0
        scores += p[m].tolist()
        labels += [int(x) for x in target[m].tolist()]
    acc = sum((sc >= 0.5) == bool(l) for sc, l in zip(scores, labels)) / max(1, len(labels))
    pos = sum(labels)
    bal = 0.5 * (sum(sc >= 0.5 for sc, l in zip(scores, labels) if l) / max(1, pos)
                 + sum(sc < 0.5 for sc, l in zip(scores, labels) if not l) / max(1, len(labels) - pos))
    return {"auc": auc(scores, labels), "accuracy": acc, "balancedAccuracy": bal, "n": len(labels),
            "positiveRate": pos / max(1, len(labels))}
