"""The process reward model: data, training and the metrics that matter for search.

Data, labelled per step by the step checker (a step is right when it keeps the value
of the expression before it, and every step before it was right):
  - solutions sampled from the trained draft and target (their own mistakes);
  - hard negatives: canonical prefixes ending in a near-miss step (a digit of the
    computed number changed, the wrong operation, a copy error, a skipped or
    reordered operation), from scripts/train/hard-negatives.ts;
  - in the second phase, the target's own slips: canonical solutions with one digit swapped
    for the wrong digit the target itself gives a high probability at that point (see target_slips);
  - canonical solutions (clean positives).
The PRM starts from the trained target (same body, a scalar head): checking
"1880+47 = 1927" takes the arithmetic the target already has.

Metrics are measured the way search uses the PRM: among candidates for the same
prefix (pairwise AUC within a candidate set, top-1 pick rate) and best-of-8 over
whole solutions, on the validation problems, which no stage trains on.
"""
import json
import os
import random
import subprocess
import time

import torch
import torch.nn.functional as F

from data import REPO, label_solution, prompt_text, held_out_questions, load_jsonl, make_batches
from evaluate import generate, auc, extract_answer
from model import encode, PAD, STOI, EOS, MAX_POSITIONS, Decoder

NL = STOI["\n"]
# Solutions sampled from each LM for the PRM's training set. The target samples ~6x slower per
# solution on a CPU core than the draft, so it gets fewer: its errors are rarer anyway.
SAMPLES_PER_MODEL = {"draft": 20_000, "target": 8_000}
SAMPLING_TEMPERATURES = [0.7, 1.0]
HARD_NEGATIVES = 40_000
CANONICAL = 15_000
# How likely (at temperature 1) a wrong digit must be to count as one of the target's slips.
SLIP_MIN_PROB = 0.01
METRIC_PROBLEMS = 300
CANDIDATES = 8
CANDIDATE_TEMPERATURE = 0.8
# New in the PRM (not inherited from the target): they learn at the recipe's fast_scale.
FAST_PARAMETERS = ("head.", "surprisal_weights")


def log(msg):
    print(msg, flush=True)


# ---- data ----

def build_example(problem, text, ended):
    """Token ids, positions of step-end tokens and their labels (the runtime reads the
    score at each step's newline, and at <eos> after the answer line). A label says whether
    the step keeps the value of the line before it: search multiplies (or takes the minimum
    of) the scores along a path, so the PRM judges the step it is shown, not the history."""
    labels, complete = label_solution(problem["question"], text, problem["answer"], local=True)
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
    if ended and complete and len(ids) < MAX_POSITIONS:
        ids.append(EOS)
        positions.append(len(ids) - 1)
        ys.append(1.0 if labels[-1] else 0.0)
    ids = ids[:MAX_POSITIONS]
    keep = [(p, y) for p, y in zip(positions, ys) if p < MAX_POSITIONS]
    return ids, [p for p, _ in keep], [y for _, y in keep]


def collate_prm(examples, idx):
    """ids, attention, step labels and their weights at step ends, and lm_mask: 1 on the
    tokens of right steps (what the PRM's language model is also trained to predict)."""
    seqs = [examples[i] for i in idx]
    T = max(len(s[0]) for s in seqs)
    ids = torch.full((len(seqs), T), PAD, dtype=torch.long)
    attn = torch.zeros((len(seqs), T), dtype=torch.long)
    target = torch.zeros((len(seqs), T))
    weight = torch.zeros((len(seqs), T))
    lm_mask = torch.zeros((len(seqs), T))
    for r, (s, pos, ys) in enumerate(seqs):
        ids[r, :len(s)] = torch.tensor(s)
        attn[r, :len(s)] = 1
        start = s.index(NL) + 1 if NL in s else len(s)  # the first step follows the prompt's line
        for p, y in zip(pos, ys):
            target[r, p] = y
            weight[r, p] = 1.0
            if y > 0.5:
                lm_mask[r, start:p + 1] = 1.0
            start = p + 1
    return ids, attn, target, weight, lm_mask


def prm_loss_fn(pos_weight, device, lm_weight=0.0):
    """Class-balanced BCE on the step labels, plus lm_weight x the language-model loss on the
    tokens of right steps: the verifier sees a wrong digit only as well as its own language
    model can add, and the target it starts from still makes confident carry errors."""
    def fn(model, batch):
        n_tokens = int(batch[1].sum())  # on the CPU batch: no device sync per step
        ids, attn, target, weight, lm_mask = (t.to(device) for t in batch)
        logits, token_lp = model.prm_train_forward(ids, attn)
        # Class balance: positives weighted by pos_weight (= n_neg / n_pos).
        w = weight * torch.where(target > 0.5, torch.full_like(target, pos_weight), torch.ones_like(target))
        loss = (F.binary_cross_entropy_with_logits(logits, target, reduction="none") * w).sum() / w.sum().clamp(min=1)
        if lm_weight > 0:
            m = lm_mask[:, 1:]
            loss = loss + lm_weight * (-(token_lp * m).sum() / m.sum().clamp(min=1))
        return loss, n_tokens
    return fn


def stage_sample(name, args, device, work_path, load_lm, seed):
    """Whole solutions sampled from a trained LM on its half of the PRM problem pool."""
    held = held_out_questions()
    problems = [r for r in load_jsonl(work_path("prm-problems.jsonl")) if r["question"] not in held]
    half = len(problems) // 2
    pool = (problems[:half] if name == "draft" else problems[half:])[:SAMPLES_PER_MODEL[name]]
    model = load_lm(name, device)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    out = []
    chunk = 512
    for i in range(0, len(pool), chunk):
        part = pool[i:i + chunk]
        temp = SAMPLING_TEMPERATURES[(i // chunk) % len(SAMPLING_TEMPERATURES)]
        for p, (text, ended) in zip(part, generate(model, [prompt_text(p["question"]) for p in part],
                                                   temperature=temp, generator=gen)):
            out.append({"id": p["id"], "text": text, "ended": ended, "source": f"{name}@{temp}"})
        done = len(out) / len(pool)
        el = time.time() - t0
        log(f"[sample-{name}] {len(out)}/{len(pool)} solutions, {el / 60:.1f}m, eta {el / done * (1 - done) / 60:.1f}m")
    with open(work_path(f"samples-{name}.jsonl"), "w") as f:
        for s in out:
            f.write(json.dumps(s) + "\n")


def hard_negatives(path, seed):
    if not os.path.exists(path):
        subprocess.run(["npx", "--no-install", "tsx", "scripts/train/hard-negatives.ts", "--seed", str(seed),
                        "--count", str(HARD_NEGATIVES), "--out", path], cwd=REPO, check=True)
    return load_jsonl(path)


def padded(seqs):
    """Token id lists as a right-padded batch and its attention mask."""
    ids = torch.full((len(seqs), max(len(x) for x in seqs)), PAD, dtype=torch.long)
    attn = torch.zeros_like(ids)
    for r, x in enumerate(seqs):
        ids[r, :len(x)] = torch.tensor(x)
        attn[r, :len(x)] = 1
    return ids, attn


@torch.no_grad()
def target_slips(lm, problems, min_prob=SLIP_MIN_PROB, batch=64):
    """The target's own near misses, from one teacher-forced pass per canonical solution:
    wherever the target gives a wrong digit probability >= min_prob, the solution up to that
    step with the digit swapped in (the rest of the line as written) is a negative. The
    target's sampled mistakes are one digit off where it hesitates (9*77 = 793, 49*133 =
    5320+1297), which random corruptions rarely hit and a PRM started from the same network
    scores as right."""
    device = next(lm.parameters()).device
    digit_ids = torch.tensor([STOI[str(d)] for d in range(10)])
    out = []
    t0 = time.time()
    for s in range(0, len(problems), batch):
        part = problems[s:s + batch]
        seqs = [encode(p["text"], bos=True, eos=False)[:MAX_POSITIONS] for p in part]
        ids, attn = padded(seqs)
        # probs[r, j]: the digit distribution for text[j] (token j + 1, after <bos>).
        probs = torch.softmax(lm.train_forward(ids.to(device), attn.to(device)).float(), dim=-1).cpu()[:, :, digit_ids]
        for r, p in enumerate(part):
            text, start = p["text"], len(prompt_text(p["question"]))
            for j in range(start, min(len(text), len(seqs[r]) - 1)):
                if not text[j].isdigit():
                    continue
                dist = probs[r, j].clone()
                dist[int(text[j])] = 0.0
                wrong = int(dist.argmax())
                leading = not text[j - 1].isdigit() and j + 1 < len(text) and text[j + 1].isdigit()
                if float(dist[wrong]) < min_prob or (wrong == 0 and leading):
                    continue
                line_end = text.index("\n", j) + 1
                out.append({"id": p["id"], "question": p["question"], "answer": p["answer"],
                            "text": text[start:j] + str(wrong) + text[j + 1:line_end]})
        if (s // batch) % 50 == 0:
            done = min(1.0, (s + batch) / len(problems))
            el = time.time() - t0
            log(f"[prm] target slips: {min(len(problems), s + batch)}/{len(problems)} solutions read, {len(out)} slips, "
                f"eta {el / done * (1 - done) / 60:.1f}m")
    return out


def slip_pairs(slips, problems):
    """Each slip as the (prefix, right step, wrong step) it makes at one decision point, the
    form the shipped-PRM test scores: the right step is the canonical solution's line."""
    texts = {p["id"]: p["text"][len(prompt_text(p["question"])):] for p in problems}
    pairs = []
    for s in slips:
        line_start = s["text"].rfind("\n", 0, len(s["text"]) - 1) + 1
        prefix = s["text"][:line_start]
        right_end = texts[s["id"]].index("\n", line_start) + 1
        pairs.append({"question": s["question"], "prefix": prefix,
                      "right": texts[s["id"]][line_start:right_end], "wrong": s["text"][line_start:]})
    return pairs


def cached_jsonl(path, make):
    if not os.path.exists(path):
        rows = make()
        with open(path, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return load_jsonl(path)


def prm_training_set(work_path, seed, load_target, slip_problems):
    """The labelled solutions, with the target's slips on slip_problems canonical solutions (0: none)."""
    held = held_out_questions()
    problems = {r["id"]: r for r in load_jsonl(work_path("prm-problems.jsonl")) if r["question"] not in held}
    examples, sources = [], {}

    def add(problem, text, ended, source):
        ex = build_example(problem, text, ended)
        if ex[1]:
            examples.append(ex)
            sources[source] = sources.get(source, 0) + 1

    used = set()
    for name in ("draft", "target"):
        for s in load_jsonl(work_path(f"samples-{name}.jsonl")):
            used.add(s["id"])
            add(problems[s["id"]], s["text"], s["ended"], name)
    for r in hard_negatives(work_path("prm-hard-negatives.jsonl"), seed + 1):
        if r["question"] not in held:
            add(r, r["text"], False, "hard-negative")
    unused = [p for pid, p in problems.items() if pid not in used]
    if slip_problems:
        for r in cached_jsonl(work_path(f"prm-target-slips-{slip_problems}.jsonl"),
                              lambda: target_slips(load_target(), unused[:slip_problems])):
            add(r, r["text"], False, "target-slip")
    for p in unused[:CANONICAL]:
        add(p, p["text"][len(prompt_text(p["question"])):], True, "canonical")
    return examples, sources


def init_from_lm(prm, lm):
    """The LM's body, and its vocabulary head as the verifier's language model; the PRM's
    own head and surprisal weights keep their initial values."""
    state = {("lm_head." + k[len("head."):] if k.startswith("head.") else k): v for k, v in lm.state_dict().items()}
    missing, unexpected = prm.load_state_dict(state, strict=False)
    assert not unexpected and set(missing) == {"head.weight", "head.bias", "surprisal_weights"}, (missing, unexpected)


# ---- metrics ----

@torch.no_grad()
def prm_scores(prm, items, batch=64):
    """items: (question, text, ended) -> scores at each step end of text (the last one after
    <eos> when ended), as the runtime reads them."""
    device = next(prm.parameters()).device
    out = []
    for s in range(0, len(items), batch):
        part = items[s:s + batch]
        seqs = [encode(prompt_text(q) + t, bos=True, eos=ended)[:MAX_POSITIONS] for q, t, ended in part]
        ids, attn = padded(seqs)
        p = torch.sigmoid(prm.train_forward(ids.to(device), attn.to(device))).cpu()
        for r, x in enumerate(seqs):
            start = len(encode(prompt_text(part[r][0]), bos=True, eos=False))
            ends = [j for j in range(start, len(x)) if x[j] == NL]
            if x[-1] == EOS and ends and ends[-1] == len(x) - 2:
                ends[-1] = len(x) - 1  # the final step's score sits at <eos>
            out.append([float(p[r, j]) for j in ends])
    return out


def path_score(step_scores):
    """A whole solution's score from its steps' (the runtime's 'prod' aggregation)."""
    score = 1.0
    for s in step_scores:
        score *= s
    return score if step_scores else 0.0


def within_set_auc(sets):
    """Pairwise AUC over (right, wrong) pairs drawn from the same candidate set."""
    wins = pairs = 0.0
    for scores, labels in sets:
        pos = [s for s, y in zip(scores, labels) if y]
        neg = [s for s, y in zip(scores, labels) if not y]
        for a in pos:
            for b in neg:
                wins += 1.0 if a > b else 0.5 if a == b else 0.0
                pairs += 1
    return wins / pairs if pairs else float("nan"), int(pairs)


def candidate_set_metrics(prm, lm, problems, gen):
    """Next-step candidates sampled by one LM for canonical prefixes of each problem."""
    prefixes = []
    for p in problems:
        lines = p["text"][len(prompt_text(p["question"])):].split("\n")[:-1]
        for k in range(len(lines)):
            prefixes.append((p, "".join(line + "\n" for line in lines[:k])))
    sets = []
    for s in range(0, len(prefixes), 32):
        part = prefixes[s:s + 32]
        prompts = [prompt_text(p["question"]) + prefix for p, prefix in part for _ in range(CANDIDATES)]
        outs = generate(lm, prompts, temperature=CANDIDATE_TEMPERATURE, generator=gen, stop_at_newline=True)
        items, labels = [], []
        for i, (p, prefix) in enumerate(part):
            for text, ended in outs[i * CANDIDATES:(i + 1) * CANDIDATES]:
                line = text if text.endswith("\n") else text + "\n"
                full = prefix + line
                step_labels, complete = label_solution(p["question"], full, p["answer"], local=True)
                items.append((p["question"], full, complete))
                labels.append(bool(step_labels) and len(step_labels) == full.count("\n") and step_labels[-1])
        scores = [steps[-1] if steps else 0.0 for steps in prm_scores(prm, items)]
        for i in range(len(part)):
            sets.append((scores[i * CANDIDATES:(i + 1) * CANDIDATES], labels[i * CANDIDATES:(i + 1) * CANDIDATES]))
    mixed = [st for st in sets if any(st[1]) and not all(st[1])]
    a, pairs = within_set_auc(sets)
    top = [st[1][max(range(len(st[0])), key=lambda j: st[0][j])] for st in mixed]
    rand = [sum(st[1]) / len(st[1]) for st in mixed]
    return {"withinSetAuc": a, "pairs": pairs, "sets": len(sets), "mixedSets": len(mixed),
            "candidateAccuracy": sum(sum(st[1]) for st in sets) / (CANDIDATES * len(sets)),
            "top1RightInMixedSets": sum(top) / max(1, len(top)), "randomRightInMixedSets": sum(rand) / max(1, len(rand))}


def best_of_n_metrics(prm, lm, problems, gen):
    """Eight whole solutions per problem; the PRM's pick (product of its step scores) vs a random one."""
    prompts = [prompt_text(p["question"]) for p in problems for _ in range(CANDIDATES)]
    outs = generate(lm, prompts, temperature=CANDIDATE_TEMPERATURE, generator=gen)
    items = [(prompts[i][len("Q: "):-1], text, ended) for i, (text, ended) in enumerate(outs)]
    scores = [path_score(steps) for steps in prm_scores(prm, items)]
    pick = rand = oracle = 0.0
    for i, p in enumerate(problems):
        right = [extract_answer(t) == p["answer"] for t, _ in outs[i * CANDIDATES:(i + 1) * CANDIDATES]]
        sc = scores[i * CANDIDATES:(i + 1) * CANDIDATES]
        pick += right[max(range(CANDIDATES), key=lambda j: sc[j])]
        rand += sum(right) / CANDIDATES
        oracle += any(right)
    n = len(problems)
    return {"pickAccuracy": pick / n, "randomPickAccuracy": rand / n, "oracleAccuracy": oracle / n}


def search_metrics(prm, lms, problems, seed):
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for name, lm in lms.items():
        t = time.time()
        out[name] = {"candidateSets": candidate_set_metrics(prm, lm, problems, gen),
                     "bestOf8": best_of_n_metrics(prm, lm, problems, gen)}
        log(f"[prm] metrics on {name} candidates ({time.time() - t:.0f}s): {json.dumps(out[name])}")
    return out


def pooled_metrics(prm, examples, batch=128):
    device = next(prm.parameters()).device
    scores, labels = [], []
    with torch.no_grad():
        for s in range(0, len(examples), batch):
            ids, attn, target, weight, _ = collate_prm(examples, list(range(s, min(len(examples), s + batch))))
            p = torch.sigmoid(prm.train_forward(ids.to(device), attn.to(device))).cpu()
            m = weight > 0
            scores += p[m].tolist()
            labels += [int(x) for x in target[m].tolist()]
    return {"pooledStepAuc": auc(scores, labels), "heldOutSteps": len(labels),
            "heldOutPositiveRate": sum(labels) / max(1, len(labels))}


def split_held_out(examples, seed, share=0.05):
    rng = random.Random(seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    cut = int(len(order) * share)
    return [examples[i] for i in order[cut:]], [examples[i] for i in order[:cut]]


def prm_batches(examples, tokens_per_batch, seed):
    rng = random.Random(seed)
    queue = []

    def next_batch(_progress):
        if not queue:
            queue.extend(make_batches(examples, tokens_per_batch, rng))
        return collate_prm(examples, queue.pop())
    return next_batch


def new_prm(cfg):
    torch.manual_seed(cfg["seed"])
    return Decoder(cfg["d_model"], cfg["n_layers"], cfg["n_heads"], "prm", rope=True)
