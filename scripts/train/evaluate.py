"""Batched generation with the KV-cache interface (the same one the ONNX runtime
uses: left padding, explicit positions), greedy accuracy, PRM metrics."""
import re
import torch

from model import BOS, EOS, PAD, MAX_POSITIONS, STOI, encode, decode, model_device

NEWLINE = STOI["\n"]
from data import prompt_text


@torch.no_grad()
def generate(model, prompts, temperature=0.0, generator=None, batch_size=256, stop_at_newline=False):
    """prompts: list of prompt strings -> list of (continuation text, ended with eos).

    Runs on the model's device; stop_at_newline ends each row after one line (one step)."""
    model.eval()
    outs = []
    for s in range(0, len(prompts), batch_size):
        outs += _generate_batch(model, prompts[s:s + batch_size], temperature, generator, stop_at_newline)
    return outs


def _generate_batch(model, prompts, temperature, generator, stop_at_newline):
    device = model_device(model)
    enc = [encode(p, bos=True, eos=False) for p in prompts]
    B, P = len(enc), max(len(e) for e in enc)
    ids = torch.full((B, P), PAD, dtype=torch.long)
    mask = torch.zeros((B, P), dtype=torch.long)
    for r, e in enumerate(enc):
        ids[r, P - len(e):] = torch.tensor(e)
        mask[r, P - len(e):] = 1
    ids, mask = ids.to(device), mask.to(device)
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    past = model.empty_past_on(B, device)
    out, past = model(ids, mask, pos, past)
    last_pos = pos[:, -1]
    done = [False] * B
    gen = [[] for _ in range(B)]
    while True:
        logits = out[:, -1, :].clone()
        logits[:, PAD] = -1e9
        logits[:, BOS] = -1e9
        if temperature > 0:
            probs = torch.softmax(logits / temperature, dim=-1)
            # Sampled on the CPU so a seed gives the same draws on any device.
            nxt = torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(device)
        else:
            nxt = logits.argmax(-1)
        last_pos = (last_pos + 1).clamp(max=MAX_POSITIONS - 1)
        tokens, positions = nxt.tolist(), last_pos.tolist()
        for r in range(B):
            if not done[r]:
                gen[r].append(tokens[r])
                if tokens[r] == EOS or positions[r] >= MAX_POSITIONS - 1 or (stop_at_newline and tokens[r] == NEWLINE):
                    done[r] = True
        if all(done):
            break
        live = torch.tensor([not d for d in done], device=device)
        nxt = torch.where(live, nxt, torch.full_like(nxt, PAD))
        mask = torch.cat([mask, live.long().unsqueeze(1)], dim=1)
        out, past = model(nxt.unsqueeze(1), mask, last_pos.unsqueeze(1), past)
    return [(decode(g), bool(g and g[-1] == EOS)) for g in gen]


def extract_answer(text):
    fallback = None
    for line in text.split("\n"):
        if line.startswith("A: "):
            return int(line[3:]) if re.fullmatch(r"0|[1-9][0-9]*", line[3:]) else None
        if line.startswith("= ") and re.fullmatch(r"0|[1-9][0-9]*", line[2:]):
            fallback = int(line[2:])
    return fallback


def greedy_accuracy(model, problems):
    gens = generate(model, [prompt_text(p["question"]) for p in problems])
    correct = sum(extract_answer(t) == p["answer"] for (t, _), p in zip(gens, problems))
    return correct / len(problems), gens


def auc(scores, labels):
    pairs = sorted(zip(scores, labels))
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        avg_rank = (i + j + 1) / 2.0
        rank_sum += avg_rank * sum(l for _, l in pairs[i:j])
        i = j
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
