"""The shipped models are the recipe's: models/manifest.json records, for each model, the
learning rate, token budget, seed and batch size that RECIPE (and, for the PRM, its last
phase) gives, and the PRM continues the committed first-phase checkpoint.

    /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train  # noqa: E402

with open(os.path.join(train.REPO, "models", "manifest.json")) as f:
    SHIPPED = json.load(f)["models"]


def recipe_of(name):
    cfg = train.RECIPE[name]
    if name == "prm":
        cfg = {**cfg, **train.PRM_PHASES["prm-slips"]}
    return cfg


class ShippedRecipeTest(unittest.TestCase):
    def test_each_record_has_its_recipe_settings(self):
        for name in ("draft", "target", "prm"):
            cfg, record = recipe_of(name), SHIPPED[name]
            with self.subTest(model=name):
                self.assertEqual(record["learningRate"], cfg["lr"])
                self.assertEqual(record["budgetTokens"], cfg["budget_tokens"])
                self.assertEqual(record["seed"], cfg["seed"])
                self.assertEqual(record["tokensPerBatch"], cfg["tokens_per_batch"])
                self.assertGreaterEqual(record["trainTokens"], cfg["budget_tokens"])

    def test_the_prm_continues_the_first_phase_on_the_target_slips(self):
        record, first = SHIPPED["prm"], train.PRM_PHASES["prm"]
        self.assertEqual(record["continuedFrom"]["checkpoint"], f"models/checkpoints/{first['checkpoint']}")
        self.assertTrue(os.path.isfile(os.path.join(train.REPO, record["continuedFrom"]["checkpoint"])))
        self.assertGreaterEqual(record["continuedFrom"]["trainTokens"], first["budget_tokens"])
        self.assertGreater(record["trainingSolutions"].get("target-slip", 0), 0)
        # The first phase's own record, as its stage wrote it.
        self.assertEqual(record["firstPhase"]["learningRate"], first["lr"])
        self.assertEqual(record["firstPhase"]["budgetTokens"], first["budget_tokens"])
        self.assertEqual(record["firstPhase"]["trainTokens"], record["continuedFrom"]["trainTokens"])
        self.assertNotIn("target-slip", record["firstPhase"]["trainingSolutions"])


if __name__ == "__main__":
    unittest.main()
