"""Trains draft LM, target LM and PRM within a wall-clock budget and exports them
to ONNX (decoder-with-past contract) plus vocab.json and manifest.json.

  /usr/bin/python3 scripts/train/train.py --out models --minutes 55 --device cpu

On a 2-core CPU the schedule runs two single-threaded processes side by side
(single-threaded torch degrades gracefully when the machine is shared, while two
OpenMP threads stall on each other):

  core 1: target LM ──────────────────────────────────┐→ sample target → PRM
  core 2: draft LM ───────────────────→ sample draft (PRM data) ──┘

Small token batches on purpose: at this scale the number of optimizer steps, not
tokens per step, is what teaches the models to copy and to carry.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import (Decoder, TOKENS, PAD, BOS, EOS, MAX_POSITIONS, count_params, flops_per_token,  # noqa: E402
                   FLOPS_FORMULA, FLOPS_CONTEXT)
from data import (REPO, generate, held_out_questions, load_jsonl, to_example, make_batches, collate_lm,  # noqa: E402
                  drill_records)
from train_lm import train_timed, lm_loss  # noqa: E402
from train_prm import sample_solutions, build_example, collate_prm, prm_loss_fn, prm_metrics  # noqa: E402
from evaluate import greedy_accuracy  # noqa: E402
from export import export_onnx  # noqa: E402

CONFIGS = {
    "draft": dict(d_model=64, n_layers=2, n_heads=4, kind="lm", lr=3e-3, seed=11, tokens_per_batch=2048),
    "target": dict(d_model=128, n_layers=6, n_heads=4, kind="lm", lr=1.5e-3, seed=12, tokens_per_batch=1024),
    "prm": dict(d_model=96, n_layers=3, n_heads=4, kind="prm", lr=2e-3, seed=13, tokens_per_batch=4096),
}
# Fractions of the total budget (see the schedule above).
BUDGET = {"draft": 0.55, "target": 0.70, "sample-draft": 0.08, "sample-target": 0.06, "prm": 0.15}
DRILL_FRACTION = 0.5
LM_DATA_SEED = 1001
PRM_DATA_SEED = 2002
SAMPLING_TEMPERATURES = [0.8, 1.0]
WORK = os.environ.get("SPECS_TRAIN_WORK", os.path.join(tempfile.gettempdir(), "specs-train-work"))


def log(msg):
    print(msg, flush=True)


def work_path(name):
    return os.path.join(WORK, name)


def describe(name, model, cfg, stats):
    return {"file": f"{name}.onnx", "kind": cfg["kind"], "parameters": count_params(model),
            "flopsPerToken": flops_per_token(model), "layers": model.L, "heads": model.H,
            "dModel": model.d, "headDim": model.hd, "maxPositions": MAX_POSITIONS, "seed": cfg["seed"],
            "trainSeconds": round(stats["seconds"], 1), "trainTokens": stats["tokens"],
            "trainSteps": stats["steps"], "tokensPerBatch": cfg["tokens_per_batch"],
            "finalTrainLoss": round(stats["loss"], 5), "learningRate": cfg["lr"], "provisional": False,
            "positions": "rotary" if model.rope else "learned"}


def build_model(name):
    cfg = CONFIGS[name]
    torch.manual_seed(cfg["seed"])
    return Decoder(cfg["d_model"], cfg["n_layers"], cfg["n_heads"], cfg["kind"], rope=cfg.get("rope", False)), cfg


def load_trained(name):
    model, _ = build_model(name)
    model.load_state_dict(torch.load(work_path(f"{name}.pt")))
    return model.eval()


def stage_lm(name, args, out, total):
    held = held_out_questions()
    n_train = int(min(400_000, max(20_000, args.minutes * 6000)))
    data_file = work_path("lm-train.jsonl")
    recs = load_jsonl(data_file) if os.path.exists(data_file) else generate(LM_DATA_SEED, n_train, data_file)
    examples = [to_example(r) for r in recs if r["question"] not in held]
    # Arithmetic drills (one operation each) next to the full problems: at this scale the
    # models learn to copy expressions long before they learn to add and multiply.
    examples += [to_example(r) for r in drill_records(int(DRILL_FRACTION * len(examples)), LM_DATA_SEED + 7)]
    validation = load_jsonl(os.path.join(REPO, "experiments/validation.jsonl"))
    model, cfg = build_model(name)
    budget = BUDGET[name] * total
    if args.init_from:
        # Continue a finished run (a fresh warmup + cosine cycle): how the target gets
        # more optimizer steps than one pass of the schedule allows on a 2-core machine.
        model.load_state_dict(torch.load(args.init_from))
        budget = args.stage_minutes * 60
        log(f"== {name}: continuing from {args.init_from} for {args.stage_minutes} min")
    log(f"== {name}: {count_params(model)} params, {flops_per_token(model)} flops/token, "
        f"{len(examples)} training problems")
    if args.tokens_per_batch:
        cfg["tokens_per_batch"] = args.tokens_per_batch
    brng = random.Random(cfg["seed"])
    batches_fn = lambda ep: (collate_lm(examples, b) for b in make_batches(examples, cfg["tokens_per_batch"], brng))
    stats = train_timed(model, name, batches_fn, lambda m, b: lm_loss(m, b, "cpu"), budget,
                        args.lr or cfg["lr"], "cpu", cfg["seed"] + (1 if args.init_from else 0))
    if args.init_from and os.path.exists(work_path(f"{name}.json")):
        with open(work_path(f"{name}.json")) as f:
            previous = json.load(f)
        for key in ("seconds", "tokens", "steps"):
            stats[key] += previous.get({"seconds": "trainSeconds", "tokens": "trainTokens", "steps": "trainSteps"}[key], 0)
    torch.save(model.state_dict(), work_path(f"{name}.pt"))
    t = time.time()
    acc, gens = greedy_accuracy(model, validation)
    log(f"[{name}] greedy validation accuracy {acc:.3f} ({time.time() - t:.0f}s)")
    for (text, _), p in list(zip(gens, validation))[:3]:
        log(f"   Q: {p['question']} (ref {p['answer']})\n   " + text.replace("\n", "\n   "))
    info = describe(name, model, cfg, stats)
    info["validationGreedyAccuracy"] = acc
    info["sha256"] = export_onnx(model, os.path.join(out, f"{name}.onnx"))
    with open(work_path(f"{name}.json"), "w") as f:
        json.dump(info, f, indent=2)


def stage_sample(name, total):
    held = held_out_questions()
    data_file = work_path("prm-problems.jsonl")
    if not os.path.exists(data_file):
        generate(PRM_DATA_SEED, 60_000, data_file)
    problems = [r for r in load_jsonl(data_file) if r["question"] not in held]
    # Draft and target sample disjoint halves of the problem pool.
    half = len(problems) // 2
    pool = problems[:half] if name == "draft" else problems[half:]
    samples = sample_solutions([(name, load_trained(name))], pool, BUDGET[f"sample-{name}"] * total,
                               SAMPLING_TEMPERATURES, CONFIGS["prm"]["seed"] + (0 if name == "draft" else 1))
    with open(work_path(f"samples-{name}.jsonl"), "w") as f:
        for s in samples:
            f.write(json.dumps({"id": s["problem"]["id"], "text": s["text"], "ended": s["ended"],
                                "source": s["source"]}) + "\n")
    log(f"[sample-{name}] wrote {len(samples)} sampled solutions")


def stage_prm(args, out, total, t_start):
    held = held_out_questions()
    problems = {r["id"]: r for r in load_jsonl(work_path("prm-problems.jsonl")) if r["question"] not in held}
    samples = []
    for name in ("draft", "target"):
        for s in load_jsonl(work_path(f"samples-{name}.jsonl")):
            samples.append({"problem": problems[s["id"]], "text": s["text"], "ended": s["ended"], "source": s["source"]})
    n_sampled = len(samples)
    used = {s["problem"]["id"] for s in samples}
    # Canonical solutions add clean positives (about one per four samples).
    canon = [p for p in problems.values() if p["id"] not in used][: max(1, n_sampled // 4)]
    for p in canon:
        samples.append({"problem": p, "text": p["text"][len(f"Q: {p['question']}\n"):], "ended": True,
                        "source": "canonical"})
    # Split by problem so held-out steps come from unseen problems.
    by_problem = sorted({s["problem"]["id"] for s in samples})
    cfg = CONFIGS["prm"]
    rng = random.Random(cfg["seed"])
    rng.shuffle(by_problem)
    held_ids = set(by_problem[: max(1, len(by_problem) // 10)])
    train_ex, held_ex = [], []
    for s in samples:
        ex = build_example(s["problem"], s["text"], s["ended"])
        if ex[1]:
            (held_ex if s["problem"]["id"] in held_ids else train_ex).append(ex)
    ys = [y for ex in train_ex for y in ex[2]]
    pos_rate = sum(ys) / max(1, len(ys))
    pos_weight = (1 - pos_rate) / max(1e-6, pos_rate)
    log(f"[prm] {len(train_ex)} train / {len(held_ex)} held-out solutions, {len(ys)} labelled steps, "
        f"positive rate {pos_rate:.3f}, pos_weight {pos_weight:.3f}")
    prm, cfg = build_model("prm")
    brng = random.Random(cfg["seed"])
    batches_fn = lambda ep: (collate_prm(train_ex, b) for b in make_batches(train_ex, cfg["tokens_per_batch"], brng))
    stats = train_timed(prm, "prm", batches_fn, prm_loss_fn(pos_weight, "cpu"), BUDGET["prm"] * total,
                        cfg["lr"], "cpu", cfg["seed"])
    metrics = prm_metrics(prm, held_ex, "cpu")
    log(f"[prm] held-out: {metrics}")
    info = describe("prm", prm, cfg, stats)
    info.update({"validationAuc": metrics["auc"], "validationAccuracy": metrics["accuracy"],
                 "validationBalancedAccuracy": metrics["balancedAccuracy"], "validationSteps": metrics["n"],
                 "validationPositiveRate": metrics["positiveRate"], "trainPositiveRate": pos_rate,
                 "sampledSolutions": n_sampled, "canonicalSolutions": len(canon),
                 "samplingTemperatures": SAMPLING_TEMPERATURES, "sampledFrom": ["draft", "target"]})
    info["sha256"] = export_onnx(prm, os.path.join(out, "prm.onnx"))
    with open(work_path("prm.json"), "w") as f:
        json.dump(info, f, indent=2)
    write_manifest(args, out)


def write_manifest(args, out):
    """models/manifest.json from the per-model records the stages wrote."""
    models = {}
    for name in ("draft", "target", "prm"):
        with open(work_path(f"{name}.json")) as f:
            models[name] = json.load(f)
    manifest = {"vocab": "vocab.json", "flopsFormula": FLOPS_FORMULA, "flopsContext": FLOPS_CONTEXT,
                "models": models,
                "training": {"minutesBudget": args.minutes, "device": args.device, "schedule": "parallel-1-thread",
                             "lmDataSeed": LM_DATA_SEED, "prmDataSeed": PRM_DATA_SEED,
                             "trainSeconds": round(sum(m["trainSeconds"] for m in models.values()), 1)}}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)


def run_stage(stage, args, threads):
    cmd = [sys.executable, "-u", os.path.abspath(__file__), "--stage", stage, "--out", args.out,
           "--minutes", str(args.minutes), "--device", args.device, "--threads", str(threads), "--rope", str(args.rope)]
    return subprocess.Popen(cmd)


def wait_ok(proc, what):
    if proc.wait() != 0:
        raise SystemExit(f"{what} failed with exit code {proc.returncode}")


def orchestrate(args, out):
    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump({"tokens": TOKENS, "pad": PAD, "bos": BOS, "eos": EOS}, f, indent=1)
    # Generate the data once, before the two trainers race for it.
    held = held_out_questions()
    n_train = int(min(400_000, max(20_000, args.minutes * 6000)))
    for f in ("lm-train.jsonl", "prm-problems.jsonl"):
        if os.path.exists(work_path(f)):
            os.remove(work_path(f))
    generate(LM_DATA_SEED, n_train, work_path("lm-train.jsonl"))
    generate(PRM_DATA_SEED, 60_000, work_path("prm-problems.jsonl"))
    log(f"held-out questions excluded: {len(held)}")
    target = run_stage("target", args, 1)
    draft = run_stage("draft", args, 1)
    wait_ok(draft, "draft training")
    sample_draft = run_stage("sample-draft", args, 1)
    wait_ok(target, "target training")
    sample_target = run_stage("sample-target", args, 1)
    wait_ok(sample_draft, "draft sampling")
    wait_ok(sample_target, "target sampling")
    wait_ok(run_stage("prm", args, 1), "PRM training")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models")
    ap.add_argument("--minutes", type=float, default=45.0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init-from", default=None, help="continue training an LM from this state dict")
    ap.add_argument("--stage-minutes", type=float, default=20.0, help="budget of a continued stage")
    ap.add_argument("--lr", type=float, default=None, help="override the stage's learning rate")
    ap.add_argument("--tokens-per-batch", type=int, default=None, help="override the stage's batch size")
    ap.add_argument("--rope", type=int, default=int(os.environ.get("SPECS_ROPE", "1")))
    ap.add_argument("--stage", default="all",
                    choices=["all", "draft", "target", "sample-draft", "sample-target", "prm", "manifest"])
    args = ap.parse_args()
    t_start = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    out = args.out if os.path.isabs(args.out) else os.path.join(REPO, args.out)
    args.out = out
    os.makedirs(out, exist_ok=True)
    os.makedirs(WORK, exist_ok=True)
    total = args.minutes * 60
    for cfg in CONFIGS.values():
        cfg["rope"] = bool(args.rope)
    if args.stage == "all":
        log(f"budget {args.minutes} min on {args.device} -> {out}")
        orchestrate(args, out)
        log(f"all done in {(time.time() - t_start) / 60:.1f} min")
    elif args.stage in ("draft", "target"):
        stage_lm(args.stage, args, out, total)
    elif args.stage.startswith("sample-"):
        stage_sample(args.stage[len("sample-"):], total)
    elif args.stage == "manifest":
        write_manifest(args, out)
    else:
        stage_prm(args, out, total, t_start)


if __name__ == "__main__":
    main()
