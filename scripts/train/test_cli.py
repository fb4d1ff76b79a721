"""train.py's command line: --init-from is checked before any work starts, and a continued
stage records the tokens its starting weights had seen.

    /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train  # noqa: E402


def run_cli(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "train.py"), *args], capture_output=True, text=True,
                          timeout=120)


class InitFromTest(unittest.TestCase):
    def test_rejects_init_from_without_a_single_stage(self):
        r = run_cli("--init-from", os.path.join(train.REPO, "models", "checkpoints", "prm.pt"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("--init-from loads one model's weights", r.stderr)

    def test_rejects_a_missing_file(self):
        r = run_cli("--stage", "prm", "--init-from", "no/such/file.pt")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--init-from: no such file no/such/file.pt", r.stderr)

    def test_continuing_loads_the_weights_and_counts_their_tokens(self):
        source = train.build_model("draft")
        with torch.no_grad():
            for p in source.parameters():
                p.add_(0.5)
        fresh = train.build_model("draft")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "draft.pt")
            torch.save(source.state_dict(), path)
            record = train.continue_from(fresh, path, "draft", torch.device("cpu"))
        for a, b in zip(fresh.parameters(), source.parameters()):
            self.assertTrue(torch.equal(a, b))
        with open(os.path.join(train.REPO, "models", "manifest.json")) as f:
            shipped = json.load(f)["models"]["draft"]
        earlier = (shipped.get("continuedFrom") or {}).get("trainTokens") or 0
        self.assertEqual(record["trainTokens"], earlier + shipped["trainTokens"])
        self.assertIsNone(train.continue_from(fresh, None, "draft", torch.device("cpu")))

    def test_each_draft_schedule_checkpoint_counts_its_own_tokens(self):
        with open(os.path.join(train.REPO, "models", "manifest.json")) as f:
            shipped = json.load(f)["models"]["draft"]
        first = shipped["firstPhase"]["trainTokens"]
        for checkpoint, tokens in (("draft-base.pt", first), ("draft.pt", first + shipped["trainTokens"])):
            with self.subTest(checkpoint=checkpoint):
                path = os.path.join(train.REPO, "models", "checkpoints", checkpoint)
                got = train.continue_from(train.build_model("draft"), path, "draft", torch.device("cpu"))
                self.assertEqual(got["trainTokens"], tokens)

    def test_a_prm_phase_checkpoint_counts_its_own_tokens(self):
        with open(os.path.join(train.REPO, "models", "manifest.json")) as f:
            members = json.load(f)["models"]["prm"]["soup"]["members"]
        for stage, record in (("prm", members["prm-slips"]["firstPhase"]), ("prm-slips", members["prm-slips"])):
            with self.subTest(stage=stage):
                path = os.path.join(train.REPO, "models", "checkpoints", train.PRM_PHASES[stage]["checkpoint"])
                got = train.continue_from(train.prm.new_prm(train.RECIPE["prm"]), path, "prm", torch.device("cpu"))
                earlier = (record.get("continuedFrom") or {}).get("trainTokens") or 0
                self.assertEqual(got["trainTokens"], earlier + record["trainTokens"])
        self.assertEqual(members["prm-slips"]["firstPhase"]["trainTokens"], members["prm-slips"]["continuedFrom"]["trainTokens"])


if __name__ == "__main__":
    unittest.main()
