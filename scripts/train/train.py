"""Trains the draft LM, the target LM and the PRM, and exports them to ONNX with
vocab.json and manifest.json. One command runs the shipped recipe:

  /usr/bin/python3 scripts/train/train.py --out models [--minutes M] [--device cpu|cuda]

The recipe is written in tokens (RECIPE below), so it means the same on any
machine, and by default nothing else shapes it: a rerun on the same kind of machine
and thread counts gives the same weights. --minutes M fits the run into M minutes
instead: every stage gets a share of them, its learning-rate schedule follows
whichever budget ends first (then the clock shapes it and reruns differ), and the
manifest records which one did.

On a 2-core CPU two single-threaded processes run side by side (two OpenMP
threads in one process stall each other on a shared 2-core machine):

  core 1: target LM ─────────────────────────────────────┐→ sample target ─┐
  core 2: draft LM → sample draft → draft, 2nd schedule ───────────────────┴→ PRM → PRM on the slips ─┐
  core 1:                                                                     PRM fresh (20M tokens) ┴→ soup

On CUDA the stages run one after another on the GPU.

Every stage writes a resumable checkpoint into the work folder (--resume picks it
up) and its final weights into models/checkpoints/, which is committed, so a
later run can continue from them (--init-from).
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time


def _threads_from_argv(argv):
    return argv[argv.index("--threads") + 1] if "--threads" in argv[:-1] else "1"


# BLAS reads its thread count when it loads: set it before torch is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv(sys.argv)

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Decoder, TOKENS, PAD, BOS, EOS, MAX_POSITIONS, count_params, flops_per_token, FLOPS_FORMULA, FLOPS_CONTEXT  # noqa: E402,E501
from data import REPO, generate, held_out_questions, load_jsonl, to_example, collate_lm, MixtureSampler  # noqa: E402
from train_lm import train_budgeted, lm_loss  # noqa: E402
from evaluate import greedy_accuracy  # noqa: E402
from export import export_onnx, sha256  # noqa: E402
import train_prm as prm  # noqa: E402

# The shipped PRM is a weight average ("model soup", Wortsman et al. 2022) of two PRMs trained
# from the same start, the target's network, which err on different problems
# (experiments/results/trials/search-helps.md §13). Each member is a stage:
# - prm, then prm-slips: from the target on the samples' step labels, hard negatives and
#   canonical solutions; then from those weights, at half the rate, with the target's own slips
#   on 15,000 canonical solutions added (train_prm.target_slips): the confident near misses that a
#   verifier built on the target's network misses most;
# - prm-fresh: from the target in one schedule of 20M tokens, with the slips of 30,000 solutions.
# prm-soup averages the two (no training) into prm.pt, the PRM that ships.
PRM_PHASES = {
    "prm": dict(lr=1e-4, budget_tokens=14_000_000, cap_share=0.15, slip_problems=0, checkpoint="prm-base.pt",
                start="target"),
    "prm-slips": dict(lr=5e-5, budget_tokens=6_020_000, cap_share=0.07, slip_problems=15_000,
                      checkpoint="prm-slips.pt", start="prm"),
    "prm-fresh": dict(lr=1e-4, budget_tokens=20_000_000, cap_share=0.22, slip_problems=30_000,
                      checkpoint="prm-fresh.pt", start="target"),
}
PRM_SOUP = dict(weights={"prm-slips": 0.5, "prm-fresh": 0.5}, checkpoint="prm.pt")
# The shipped draft is the recipe's draft trained on for a second schedule (draft-more), from the
# first one's weights, draft-base.pt, which is also the draft whose samples train the PRM. The first
# schedule ended still climbing (28 % greedy at 32M tokens, 44 % at 40M), and SPECS is faster the
# more drafts the target and the PRM accept (trials §14). The curriculum is over by then: drills
# stay at the first schedule's final share.
LM_PHASES = {
    "draft-more": dict(model="draft", start="draft-base.pt", checkpoint="draft.pt", lr=2e-3, seed=21,
                       budget_tokens=20_000_000, cap_share=0.12),
}
# The shipped recipe. Budgets are tokens seen (padded batch tokens); cap_share = a stage's share of --minutes.
RECIPE = {
    "draft": dict(kind="lm", d_model=64, n_layers=2, n_heads=4, lr=3e-3, seed=11, tokens_per_batch=2048,
                  budget_tokens=40_000_000, cap_share=0.25, checkpoint="draft-base.pt"),
    "target": dict(kind="lm", d_model=128, n_layers=6, n_heads=4, lr=1.5e-3, seed=12, tokens_per_batch=1024,
                   budget_tokens=32_000_000, cap_share=0.78),
    # Fine-tuned from the target: a gentle rate for the body it inherits, 30x for the new
    # head and surprisal weights (fast_scale); its language model keeps learning on the
    # right steps beside the step loss (lm_weight), so it can out-add the target it checks.
    "prm": dict(kind="prm", d_model=128, n_layers=6, n_heads=4, seed=13, tokens_per_batch=2048,
                init_from="target", fast_scale=30.0, lm_weight=1.0),  # trained in PRM_PHASES
}
LM_PROBLEMS, LM_DRILLS = 600_000, 300_000
LM_DATA_SEED, DRILL_SEED, PRM_DATA_SEED = 1001, 1008, 2002
EVAL_PROBLEMS = 200
WORK = os.environ.get("SPECS_TRAIN_WORK", os.path.join(tempfile.gettempdir(), "specs-train-work"))
CHECKPOINTS = os.environ.get("SPECS_TRAIN_CHECKPOINTS", os.path.join(REPO, "models", "checkpoints"))


def log(msg):
    print(msg, flush=True)


def work_path(name):
    return os.path.join(WORK, name)


def resolve_device(name):
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no CUDA device here (torch.cuda.is_available() is False)")
    return torch.device(name)


def stage_seconds(cfg, args):
    """A stage's wall-clock cap: its share of --minutes, none without it."""
    return cfg["cap_share"] * args.minutes * 60 if args.minutes else math.inf


def build_model(name):
    cfg = RECIPE[name]
    torch.manual_seed(cfg["seed"])
    return Decoder(cfg["d_model"], cfg["n_layers"], cfg["n_heads"], cfg["kind"], rope=True)


def drill_weight(progress):
    """Drills first: 70 % of batches at the start, 25 % from 30 % of training on."""
    return 0.7 - 0.45 * min(1.0, progress / 0.3)


def lm_data():
    held = held_out_questions()
    problems = [to_example(r) for r in load_jsonl(work_path("lm-problems.jsonl")) if r["question"] not in held]
    drills = [to_example(r) for r in load_jsonl(work_path("lm-drills.jsonl"))]
    return problems, drills


def shape_record(name, model, cfg):
    """What the manifest says about any shipped model's network: file, size, cost and shape."""
    return {"file": f"{name}.onnx", "kind": cfg["kind"], "parameters": count_params(model),
            "flopsPerToken": flops_per_token(model), "layers": model.L, "heads": model.H, "dModel": model.d,
            "headDim": model.hd, "maxPositions": MAX_POSITIONS, "positions": "rotary", "seed": cfg["seed"]}


def save_checkpoint(model, filename):
    """models/checkpoints/<filename>: the weights on the CPU, whatever device trained them."""
    os.makedirs(CHECKPOINTS, exist_ok=True)
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, os.path.join(CHECKPOINTS, filename))


def describe(name, model, cfg, stats, device):
    """The manifest's record of a trained model (learning rate and token budget as it ran: --lr and
    --budget-scale override the recipe's)."""
    return {**shape_record(name, model, cfg), "learningRate": stats["lr"], "tokensPerBatch": cfg["tokens_per_batch"],
            "budgetTokens": stats["budgetTokens"], "trainTokens": stats["tokens"], "trainSteps": stats["steps"],
            "trainSeconds": round(stats["seconds"], 1), "stoppedBy": stats["stoppedBy"],
            "finalTrainLoss": round(stats["loss"], 5), "device": str(device), "learningCurve": stats["curve"]}


def lm_stage_config(stage):
    """(model name, settings) of an LM stage: a RECIPE model, or an LM_PHASES phase of one."""
    phase = LM_PHASES.get(stage)
    return (phase["model"], {**RECIPE[phase["model"]], **phase}) if phase else (stage, RECIPE[stage])


def stage_lm(stage, args, device):
    """--stage draft, target, draft-more: one schedule, from scratch or from the checkpoint the
    phase starts from (or --init-from); the stage's checkpoint, and the ONNX file of a shipped one."""
    name, cfg = lm_stage_config(stage)
    problems, drills = lm_data()
    validation = load_jsonl(os.path.join(REPO, "experiments/validation.jsonl"))
    model = build_model(name).to(device)
    start = args.init_from or (os.path.join(CHECKPOINTS, cfg["start"]) if "start" in cfg else None)
    continued = continue_from(model, start, name, device)
    budget = int(cfg["budget_tokens"] * args.budget_scale)
    log(f"== {stage}: {count_params(model)} params, {flops_per_token(model)} flops/token, {len(problems)} problems "
        f"+ {len(drills)} drills, budget {budget} tokens or {stage_seconds(cfg, args) / 60:.0f} min, on {device}")
    share = (lambda p: drill_weight(1.0)) if "start" in cfg else drill_weight
    sampler = MixtureSampler({"problems": problems, "drills": drills},
                             lambda p: {"drills": share(p), "problems": 1 - share(p)},
                             cfg["tokens_per_batch"], cfg["seed"], collate_lm)
    stats = train_budgeted(
        model, stage, sampler, lambda m, b: lm_loss(m, b, device), budget_tokens=budget,
        max_seconds=stage_seconds(cfg, args), lr=args.lr or cfg["lr"], device=device,
        seed=cfg["seed"], checkpoint_path=work_path(f"{stage}-resume.pt"), resume=args.resume,
        evaluate=lambda m: {"greedyAccuracy": greedy_accuracy(m, validation[:EVAL_PROBLEMS])[0]})
    finish_lm(stage, name, model, cfg, stats, device, validation, args.out, continued)


def continue_from(model, path, name, device):
    """Loads committed weights (--init-from) for a fresh schedule on top of them; returns what
    the manifest records about them (the tokens they had seen, from the current manifest)."""
    if not path:
        return None
    model.load_state_dict(torch.load(path, map_location=device))
    log(f"== {name}: continuing from {path}")
    before = shipped_record(name)
    if before:
        # A phase's checkpoint has its own record inside the shipped model's.
        before = phase_record(before, os.path.basename(path))
    tokens = before.get("trainTokens") if before else None
    earlier = ((before.get("continuedFrom") or {}).get("trainTokens") or 0) if before else 0
    return {"checkpoint": os.path.relpath(os.path.abspath(path), REPO),
            "trainTokens": earlier + tokens if tokens is not None else None}


def phase_record(shipped, checkpoint):
    """The record, inside a shipped model's, of the phase that wrote `checkpoint`: the model's
    own, its first phase's, or a soup member's (the soup's own record for prm.pt, which has no
    token count of its own). A checkpoint the manifest does not name gets the shipped record."""
    members = shipped.get("soup", {}).get("members", {})
    for record in (shipped, *members.values()):
        for phase in (record, record.get("firstPhase") or {}):
            if phase.get("checkpoint") == f"models/checkpoints/{checkpoint}" and "trainTokens" in phase:
                return phase
    return None if members or "checkpoint" in shipped else shipped


def finish_lm(stage, name, model, cfg, stats, device, validation, out, continued=None):
    """Keeps the stage's checkpoint and record. The model ships (ONNX, record as <name>.json) unless
    a later phase continues it: then its record waits in the work folder as that phase's first."""
    checkpoint = cfg.get("checkpoint", f"{name}.pt")
    save_checkpoint(model, checkpoint)
    acc, gens = greedy_accuracy(model, validation)
    log(f"[{stage}] greedy validation accuracy {acc:.3f} on {len(validation)} problems")
    for (text, _), p in list(zip(gens, validation))[:3]:
        log(f"   Q: {p['question']} (ref {p['answer']})\n   " + text.replace("\n", "\n   "))
    info = describe(name, model, cfg, stats, device)
    info.update({"checkpoint": f"models/checkpoints/{checkpoint}", "validationGreedyAccuracy": acc,
                 "continuedFrom": continued})
    continued_later = any(p["model"] == name and p["start"] == checkpoint for p in LM_PHASES.values())
    if continued_later:
        record = checkpoint.replace(".pt", ".json")
    else:
        record = f"{name}.json"
        first = work_path(cfg["start"].replace(".pt", ".json")) if "start" in cfg else None
        if first and os.path.exists(first):  # this run's own earlier phase
            with open(first) as f:
                info["firstPhase"] = json.load(f)
            info["continuedFrom"]["trainTokens"] = info["firstPhase"]["trainTokens"]
        elif first:
            info["firstPhase"] = shipped_record(name).get("firstPhase")
        info["sha256"] = export_onnx(model, os.path.join(out, f"{name}.onnx"))
    with open(work_path(record), "w") as f:
        json.dump(info, f, indent=2)


def shipped_record(name):
    """The model's record in models/manifest.json ({} where there is none)."""
    path = os.path.join(REPO, "models", "manifest.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)["models"].get(name, {})


def load_lm(name, device, checkpoint=None):
    """A trained LM from models/checkpoints: the shipped one, or the phase that wrote `checkpoint`."""
    model = build_model(name)
    model.load_state_dict(torch.load(os.path.join(CHECKPOINTS, checkpoint or f"{name}.pt"), map_location="cpu"))
    return model.to(device).eval()


def stage_prm(stage, args, device):
    """--stage prm, prm-slips, prm-fresh: one PRM_PHASES schedule, from the target or from the
    phase it starts from (or --init-from), kept as its checkpoint with its record in the work
    folder, where prm-soup reads it."""
    cfg = {**RECIPE["prm"], **PRM_PHASES[stage]}
    examples, sources = prm.prm_training_set(work_path, PRM_DATA_SEED, lambda: load_lm("target", device),
                                             cfg["slip_problems"])
    train_ex, held_ex = prm.split_held_out(examples, cfg["seed"])
    ys = [y for ex in train_ex for y in ex[2]]
    pos_rate = sum(ys) / max(1, len(ys))
    pos_weight = (1 - pos_rate) / max(1e-6, pos_rate)
    log(f"[{stage}] {len(train_ex)} train / {len(held_ex)} held-out solutions {sources}, {len(ys)} labelled steps, "
        f"positive rate {pos_rate:.3f}")
    model = initial_prm(device)
    first = None
    if cfg["start"] == "target":
        continued = continue_from(model, args.init_from, "prm", device)
    else:
        start = PRM_PHASES[cfg["start"]]
        continued = continue_from(model, args.init_from or os.path.join(CHECKPOINTS, start["checkpoint"]), "prm", device)
        if os.path.exists(work_path(prm_record(cfg["start"]))):  # this run's own earlier phase
            with open(work_path(prm_record(cfg["start"]))) as f:
                first = json.load(f)
            continued["trainTokens"] = first["trainTokens"]
    stats = train_budgeted(
        model, stage, prm.prm_batches(train_ex, cfg["tokens_per_batch"], cfg["seed"]),
        prm.prm_loss_fn(pos_weight, device, cfg["lm_weight"]), budget_tokens=int(cfg["budget_tokens"] * args.budget_scale),
        max_seconds=stage_seconds(cfg, args), lr=args.lr or cfg["lr"], device=device, seed=cfg["seed"],
        warmup=0.05, checkpoint_path=work_path(f"{stage}-resume.pt"), resume=args.resume, eval_points=3,
        evaluate=lambda m: prm.pooled_metrics(m, held_ex[:1000]),
        fast=prm.FAST_PARAMETERS, fast_scale=cfg["fast_scale"])
    save_checkpoint(model, cfg["checkpoint"])
    info = describe("prm", model, cfg, stats, device)
    info.update(prm.pooled_metrics(model, held_ex))
    info.update({"checkpoint": f"models/checkpoints/{cfg['checkpoint']}", "initFrom": cfg["init_from"],
                 "continuedFrom": continued, "trainPositiveRate": pos_rate, "trainingSolutions": sources,
                 "samplingTemperatures": prm.SAMPLING_TEMPERATURES})
    if first is not None:
        info["firstPhase"] = first
    with open(work_path(prm_record(stage)), "w") as f:
        json.dump(info, f, indent=2)


def prm_record(stage):
    """A PRM phase's record in the work folder, named after its checkpoint (prm-base.json, ...)."""
    return PRM_PHASES[stage]["checkpoint"].replace(".pt", ".json")


def soup_state(states, weights):
    """The weighted average of state dicts of one architecture, parameter by parameter."""
    first = next(iter(states.values()))
    return {k: sum(weights[name] * states[name][k] for name in weights) for k in first}


def stage_soup(args, device):
    """--stage prm-soup: the shipped PRM, the PRM_SOUP average of its members' checkpoints,
    exported with the search metrics and the manifest's record."""
    weights = PRM_SOUP["weights"]
    states = {name: torch.load(os.path.join(CHECKPOINTS, PRM_PHASES[name]["checkpoint"]), map_location="cpu")
              for name in weights}
    model = prm.new_prm(RECIPE["prm"])
    model.load_state_dict(soup_state(states, weights))
    save_checkpoint(model, PRM_SOUP["checkpoint"])
    model = model.to(device).eval()
    shipped = shipped_record("prm").get("soup", {}).get("members", {})
    members = {}
    for name in weights:
        if os.path.exists(work_path(prm_record(name))):
            with open(work_path(prm_record(name))) as f:
                members[name] = json.load(f)
        else:
            members[name] = shipped[name]
            log(f"[prm-soup] {name}: no record in {WORK}, keeping its record in models/manifest.json")
    cfg = RECIPE["prm"]
    info = {**shape_record("prm", model, cfg),
            "checkpoint": f"models/checkpoints/{PRM_SOUP['checkpoint']}", "initFrom": cfg["init_from"],
            "trainSeconds": round(sum(member_seconds(m) for m in members.values()), 1),
            "soup": {"weights": weights, "members": members}}
    # Exported before the (long) search metrics, so the ONNX file is usable while they run.
    info["sha256"] = export_onnx(model, os.path.join(args.out, "prm.onnx"))
    lms = {name: load_lm(name, device) for name in ("draft", "target")}
    info.update({"search": prm.search_metrics(model, lms, prm_metric_problems(), cfg["seed"]),
                 "searchFirstPhaseDraft": first_phase_draft_metrics(model, device),
                 "searchAtInit": search_metrics_at_init(device)})
    with open(work_path("prm.json"), "w") as f:
        json.dump(info, f, indent=2)


def first_phase_draft_metrics(model, device):
    """The search metrics on the candidates of the draft's first schedule (draft-base.pt, whose
    samples train the PRM). The shipped draft is right so often that best-of-8 on its candidates
    cannot gain 20 points on a random pick (the oracle is less than 20 above it); these sets can."""
    first = {"draft": load_lm("draft", device, RECIPE["draft"]["checkpoint"])}
    return prm.search_metrics(model, first, prm_metric_problems(), RECIPE["prm"]["seed"])


def member_seconds(record):
    """A soup member's training time, its earlier phase's included."""
    return (record.get("trainSeconds") or 0) + ((record.get("firstPhase") or {}).get("trainSeconds") or 0)


def prm_checkpoint_metrics(path, device):
    """The manifest's `search` metrics for any PRM checkpoint (e.g. an earlier commit's), on the
    same problems and candidates as the PRM stage: comparisons between PRMs are like for like."""
    model = prm.new_prm(RECIPE["prm"])
    model.load_state_dict(torch.load(path, map_location="cpu"))
    lms = {name: load_lm(name, device) for name in ("draft", "target")}
    metrics = prm.search_metrics(model.to(device).eval(), lms, prm_metric_problems(), RECIPE["prm"]["seed"])
    print(json.dumps(metrics, indent=2))


SLIP_FIXTURE = "target-slips-validation.jsonl"


def write_slip_fixture(path, device):
    """The target's own slips on the validation problems' canonical solutions, as the pairs the
    shipped-PRM test scores (/usr/bin/python3 scripts/train/train.py --stage slip-fixture --out test/fixtures;
    not through npm run models:train, which verifies ONNX files in --out)."""
    validation = load_jsonl(os.path.join(REPO, "experiments/validation.jsonl"))
    problems = [dict(p, text=t) for p, t in zip(validation, canonical_texts(validation))]
    pairs = prm.slip_pairs(prm.target_slips(load_lm("target", device), problems), problems)
    with open(path, "w") as f:
        for pair in pairs:
            f.write(json.dumps(pair, separators=(",", ":")) + "\n")
    log(f"wrote {len(pairs)} slips of the target on {len(problems)} validation solutions to {path}")


def initial_prm(device):
    cfg = RECIPE["prm"]
    model = prm.new_prm(cfg)
    prm.init_from_lm(model, load_lm(cfg["init_from"], "cpu"))
    return model.to(device)


def prm_metric_problems():
    validation = load_jsonl(os.path.join(REPO, "experiments/validation.jsonl"))
    return [dict(p, text=t) for p, t in zip(validation, canonical_texts(validation))][:prm.METRIC_PROBLEMS]


def search_metrics_at_init(device):
    """The search metrics of the untrained PRM (the target's surprisal alone): what training
    adds is measured against them. Kept in the work folder, so a resumed run reuses them."""
    path = work_path("prm-search-at-init.json")
    if not os.path.exists(path):
        lms = {name: load_lm(name, device) for name in ("draft", "target")}
        metrics = prm.search_metrics(initial_prm(device).eval(), lms, prm_metric_problems(), RECIPE["prm"]["seed"])
        with open(path, "w") as f:
            json.dump(metrics, f, indent=2)
    with open(path) as f:
        return json.load(f)


def canonical_texts(problems):
    """Canonical solution texts of problems that carry only question and answer (the reference solver's)."""
    path = work_path("validation-solutions.jsonl")
    ids = {p["id"] for p in problems}
    if not os.path.exists(path):
        subprocess.run(["npx", "--no-install", "tsx", "scripts/task-generate.ts", "--seed", "101", "--count",
                        str(len(problems)), "--out", path, "--with-solutions"], cwd=REPO, check=True)
    by_id = {r["id"]: r for r in load_jsonl(path) if r["id"] in ids}
    if any(by_id[p["id"]]["question"] != p["question"] for p in problems):
        raise SystemExit(f"{path} does not match experiments/validation.jsonl (seed 101): delete it and rerun")
    return [by_id[p["id"]]["text"] for p in problems]


def write_manifest(args, out):
    """models/manifest.json from the per-model records the stages wrote."""
    models = {}
    shipped = os.path.join(out, "manifest.json")
    for name in ("draft", "target", "prm"):
        if os.path.exists(work_path(f"{name}.json")):
            with open(work_path(f"{name}.json")) as f:
                models[name] = json.load(f)
        else:
            # A stage run alone (e.g. --stage prm --init-from ...) keeps the other models' records.
            with open(shipped) as f:
                models[name] = json.load(f)["models"][name]
            log(f"{name}: no record in {WORK}, keeping its entry in {shipped}")
    manifest = {"vocab": "vocab.json", "vocabSha256": sha256(os.path.join(out, "vocab.json")),
                "flopsFormula": FLOPS_FORMULA, "flopsContext": FLOPS_CONTEXT, "models": models,
                "training": {"command": "npm run models:train", "minutesCap": args.minutes,
                             "device": args.device, "lmDataSeed": LM_DATA_SEED, "drillSeed": DRILL_SEED,
                             "prmDataSeed": PRM_DATA_SEED, "lmProblems": LM_PROBLEMS, "lmDrills": LM_DRILLS,
                             "trainSeconds": round(sum(m["trainSeconds"] for m in models.values()), 1)}}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    log(f"wrote {os.path.join(out, 'manifest.json')}")


def run_stage(stage, args):
    cmd = [sys.executable, "-u", os.path.abspath(__file__), "--stage", stage, "--out", args.out,
           "--device", args.device, "--threads", str(args.threads), "--budget-scale", str(args.budget_scale)]
    if args.minutes:
        cmd += ["--minutes", str(args.minutes)]
    if args.resume:
        cmd.append("--resume")
    return subprocess.Popen(cmd)


def wait_ok(proc, what):
    if proc.wait() != 0:
        raise SystemExit(f"{what} failed with exit code {proc.returncode}")


def prepare_data(out):
    with open(os.path.join(out, "vocab.json"), "w") as f:
        json.dump({"tokens": TOKENS, "pad": PAD, "bos": BOS, "eos": EOS}, f, indent=1)
    for name, seed, count, drills in (("lm-problems.jsonl", LM_DATA_SEED, LM_PROBLEMS, False),
                                      ("lm-drills.jsonl", DRILL_SEED, LM_DRILLS, True),
                                      ("prm-problems.jsonl", PRM_DATA_SEED, 60_000, False)):
        if not os.path.exists(work_path(name)):
            generate(seed, count, work_path(name), drills=drills)


def orchestrate(args):
    prepare_data(args.out)
    # Every stage on --threads (default one) even when it runs alone: the thread count orders a
    # float sum, so it is part of what makes the weights, and one thread trained the PRM faster
    # here than two (6.4k vs 3.4k tokens/s).
    if args.device == "cuda":
        for stage in ("target", "draft", "sample-draft", "draft-more", "sample-target", "prm", "prm-slips", "prm-fresh", "prm-soup"):
            wait_ok(run_stage(stage, args), stage)
    else:
        target = run_stage("target", args)
        draft = run_stage("draft", args)
        wait_ok(draft, "draft training")
        wait_ok(run_stage("sample-draft", args), "draft sampling")
        wait_ok(run_stage("draft-more", args), "the draft's second schedule")
        wait_ok(target, "target training")
        wait_ok(run_stage("sample-target", args), "target sampling")
        # The soup's two members side by side, one core each.
        fresh = run_stage("prm-fresh", args)
        wait_ok(run_stage("prm", args), "PRM training")
        wait_ok(run_stage("prm-slips", args), "PRM training on the target's slips")
        wait_ok(fresh, "PRM training from the target in one schedule")
        wait_ok(run_stage("prm-soup", args), "the PRMs' average")
    write_manifest(args, args.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models")
    ap.add_argument("--minutes", type=float, default=None,
                    help="fit the run into this many minutes (default: the token budgets alone)")
    ap.add_argument("--budget-scale", type=float, default=1.0, help="multiplies every stage's token budget")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", action="store_true", help="continue each stage from its work-folder checkpoint")
    ap.add_argument("--init-from", default=None, help="start a stage from these weights, e.g. models/checkpoints/prm.pt (a fresh schedule)")
    ap.add_argument("--lr", type=float, default=None, help="override the stage's learning rate")
    ap.add_argument("--stage", default="all",
                    choices=["all", "data", "draft", "target", *LM_PHASES, "sample-draft", "sample-target", "prm", "prm-slips",
                             "prm-fresh", "prm-soup", "prm-metrics", "slip-fixture", "manifest"])
    args = ap.parse_args()
    if (args.minutes is not None and args.minutes <= 0) or args.budget_scale <= 0 or args.threads < 1:
        ap.error("--minutes, --budget-scale and --threads must be positive")
    if args.init_from and args.stage not in ("draft", "target", *LM_PHASES, *PRM_PHASES, "prm-metrics"):
        ap.error("--init-from loads one model's weights: use it with --stage draft, target, "
                 f"{', '.join([*LM_PHASES, *PRM_PHASES])} or prm-metrics")
    if args.stage == "prm-metrics" and not args.init_from:
        ap.error("--stage prm-metrics measures a PRM checkpoint: pass it with --init-from")
    if args.init_from and not os.path.isfile(args.init_from):
        ap.error(f"--init-from: no such file {args.init_from}")
    device = resolve_device(args.device)
    t_start = time.time()
    torch.set_num_threads(args.threads)
    random.seed(0)
    args.out = args.out if os.path.isabs(args.out) else os.path.join(REPO, args.out)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(WORK, exist_ok=True)
    if args.stage == "all":
        cap = f"a {args.minutes:.0f}-minute cap" if args.minutes else "its token budgets"
        log(f"recipe with {cap} on {device} -> {args.out} (work folder {WORK})")
        orchestrate(args)
        log(f"all done in {(time.time() - t_start) / 60:.1f} min")
    elif args.stage == "data":
        prepare_data(args.out)
    elif args.stage in ("draft", "target", *LM_PHASES):
        stage_lm(args.stage, args, device)
    elif args.stage == "manifest":
        write_manifest(args, args.out)
    elif args.stage == "prm-metrics":
        prm_checkpoint_metrics(args.init_from, device)
    elif args.stage == "slip-fixture":
        write_slip_fixture(os.path.join(args.out, SLIP_FIXTURE), device)
    elif args.stage.startswith("sample-"):
        name = args.stage[len("sample-"):]
        # The samples come from the recipe's own schedule of each LM (the draft's first: draft-base.pt).
        prm.stage_sample(name, args, device, work_path, lambda n, d: load_lm(n, d, RECIPE[n].get("checkpoint")),
                         PRM_DATA_SEED + (0 if name == "draft" else 1))
    elif args.stage == "prm-soup":
        stage_soup(args, device)
    else:
        stage_prm(args.stage, args, device)


if __name__ == "__main__":
    main()
