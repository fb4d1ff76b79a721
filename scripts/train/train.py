"""Trains draft LM, target LM and PRM within a wall-clock budget and exports them
to ONNX (decoder-with-past contract) plus vocab.json and manifest.json.

  /usr/bin/python3 scripts/train/train.py --out models --minutes 60 --device cpu
"""
import argparse
import json
import os
import random
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import (Decoder, TOKENS, PAD, BOS, EOS, MAX_POSITIONS, count_params, flops_per_token,  # noqa: E402
                   FLOPS_FORMULA, FLOPS_CONTEXT)
from data import (REPO, generate, held_out_questions, load_jsonl, to_example, make_batches, collate_lm)  # noqa: E402
from train_lm import train_timed, lm_loss  # noqa: E402
from train_prm import sample_solutions, build_example, collate_prm, prm_loss_fn, prm_metrics  # noqa: E402
from evaluate import greedy_accuracy  # noqa: E402
from export import export_onnx  # noqa: E402

CONFIGS = {
    "draft": dict(d_model=64, n_layers=2, n_heads=4, kind="lm", lr=3e-3, seed=11, tokens_per_batch=8192),
    "target": dict(d_model=128, n_layers=7, n_heads=4, kind="lm", lr=1.5e-3, seed=12, tokens_per_batch=8192),
    "prm": dict(d_model=96, n_layers=3, n_heads=4, kind="prm", lr=2e-3, seed=13, tokens_per_batch=8192),
}
# Fractions of the total budget; the remainder covers data generation, evaluation and export.
BUDGET = {"draft": 0.13, "target": 0.50, "sample": 0.08, "prm": 0.17}
LM_DATA_SEED = 1001
PRM_DATA_SEED = 2002


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    t_start = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    device = args.device
    out = args.out if os.path.isabs(args.out) else os.path.join(REPO, args.out)
    os.makedirs(out, exist_ok=True)
    total = args.minutes * 60
    # Scratch data stays outside the output folder (models/ is committed).
    work = os.path.join(tempfile.gettempdir(), "specs-train-work")
    os.makedirs(work, exist_ok=True)
    print(f"budget {args.minutes} min on {device} ({args.threads} threads) -> {out}", flush=True)

    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump({"tokens": TOKENS, "pad": PAD, "bos": BOS, "eos": EOS}, f, indent=1)

    held = held_out_questions()
    n_train = int(min(400_000, max(20_000, args.minutes * 6000)))
    train_recs = [r for r in generate(LM_DATA_SEED, n_train, os.path.join(work, "lm-train.jsonl"))
                  if r["question"] not in held]
    validation = load_jsonl(os.path.join(REPO, "experiments/validation.jsonl"))
    examples = [to_example(r) for r in train_recs]
    print(f"{len(examples)} LM training sequences (excluded validation/test questions)", flush=True)

    manifest = {"vocab": "vocab.json", "flopsFormula": FLOPS_FORMULA, "flopsContext": FLOPS_CONTEXT,
                "models": {}, "training": {"minutesBudget": args.minutes, "device": device,
                                           "threads": args.threads, "lmDataSeed": LM_DATA_SEED,
                                           "prmDataSeed": PRM_DATA_SEED, "lmTrainProblems": len(examples)}}

    def describe(name, model, cfg, stats):
        return {"file": f"{name}.onnx", "kind": cfg["kind"], "parameters": count_params(model),
                "flopsPerToken": flops_per_token(model), "layers": model.L, "heads": model.H,
                "dModel": model.d, "headDim": model.hd, "maxPositions": MAX_POSITIONS, "seed": cfg["seed"],
                "trainSeconds": round(stats["seconds"], 1), "trainTokens": stats["tokens"],
                "trainSteps": stats["steps"], "finalTrainLoss": round(stats["loss"], 5), "learningRate": cfg["lr"]}

    def save_manifest():
        with open(os.path.join(out, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2)

    lms = {}
    for name in ("draft", "target"):
        cfg = CONFIGS[name]
        torch.manual_seed(cfg["seed"])
        model = Decoder(cfg["d_model"], cfg["n_layers"], cfg["n_heads"], cfg["kind"]).to(device)
        print(f"== {name}: {count_params(model)} params, {flops_per_token(model)} flops/token", flush=True)
        brng = random.Random(cfg["seed"])
        batches_fn = lambda ep, brng=brng, cfg=cfg: (collate_lm(examples, b) for b in make_batches(examples, cfg["tokens_per_batch"], brng))
        stats = train_timed(model, name, batches_fn, lambda m, b: lm_loss(m, b, device), BUDGET[name] * total,
                            cfg["lr"], device, cfg["seed"])
        model.cpu()
        t = time.time()
        acc, gens = greedy_accuracy(model, validation)
        print(f"[{name}] greedy validation accuracy {acc:.3f} ({time.time() - t:.0f}s)", flush=True)
        for (text, _), p in list(zip(gens, validation))[:3]:
            print(f"   Q: {p['question']} (ref {p['answer']})\n   " + text.replace("\n", "\n   "), flush=True)
        info = describe(name, model, cfg, stats)
        info["validationGreedyAccuracy"] = acc
        info["sha256"] = export_onnx(model, os.path.join(out, f"{name}.onnx"))
        manifest["models"][name] = info
        save_manifest()
        lms[name] = model.to(device)

    # ---- PRM ----
    cfg = CONFIGS["prm"]
    prm_problems = [r for r in generate(PRM_DATA_SEED, 60_000, os.path.join(work, "prm-problems.jsonl"))
                    if r["question"] not in held]
    for m in lms.values():
        m.cpu()
    samples = sample_solutions([("draft", lms["draft"]), ("target", lms["target"])], prm_problems,
                               BUDGET["sample"] * total, [0.8, 1.0], cfg["seed"])
    n_sampled = len(samples)
    used = {s["problem"]["id"] for s in samples}
    # Canonical solutions add clean positives (about one per four samples).
    canon = [p for p in prm_problems if p["id"] not in used][: max(1, n_sampled // 4)]
    for p in canon:
        samples.append({"problem": p, "text": p["text"][len(f"Q: {p['question']}\n"):], "ended": True,
                        "source": "canonical"})
    # Split by problem so held-out steps come from unseen problems.
    by_problem = sorted({s["problem"]["id"] for s in samples})
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
    print(f"[prm] {len(train_ex)} train / {len(held_ex)} held-out solutions, {len(ys)} labelled steps, "
          f"positive rate {pos_rate:.3f}, pos_weight {pos_weight:.3f}", flush=True)
    torch.manual_seed(cfg["seed"])
    prm = Decoder(cfg["d_model"], cfg["n_layers"], cfg["n_heads"], "prm").to(device)
    brng = random.Random(cfg["seed"])
    batches_fn = lambda ep: (collate_prm(train_ex, b) for b in make_batches(train_ex, cfg["tokens_per_batch"], brng))
    stats = train_timed(prm, "prm", batches_fn, prm_loss_fn(pos_weight, device), BUDGET["prm"] * total,
                        cfg["lr"], device, cfg["seed"])
    prm.cpu()
    metrics = prm_metrics(prm, held_ex, "cpu")
    print(f"[prm] held-out: {metrics}", flush=True)
    info = describe("prm", prm, cfg, stats)
    info.update({"validationAuc": metrics["auc"], "validationAccuracy": metrics["accuracy"],
                 "validationBalancedAccuracy": metrics["balancedAccuracy"], "validationSteps": metrics["n"],
                 "validationPositiveRate": metrics["positiveRate"], "trainPositiveRate": pos_rate,
                 "sampledSolutions": n_sampled, "canonicalSolutions": len(canon),
                 "samplingTemperatures": [0.8, 1.0], "sampledFrom": ["draft", "target"]})
    info["sha256"] = export_onnx(prm, os.path.join(out, "prm.onnx"))
    manifest["models"]["prm"] = info
    manifest["training"]["totalSeconds"] = round(time.time() - t_start, 1)
    save_manifest()
    print(f"all done in {(time.time() - t_start) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
