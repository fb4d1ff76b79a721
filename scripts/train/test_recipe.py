"""The shipped models are the recipe's: models/manifest.json records, for each trained model and
phase, the learning rate, token budget, seed and batch size that RECIPE, LM_PHASES and PRM_PHASES
give; the phases continue the committed checkpoints they name; and the shipped PRM is the
PRM_SOUP average of its members' committed checkpoints, bit for bit.

    /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import json
import os
import sys
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train  # noqa: E402

with open(os.path.join(train.REPO, "models", "manifest.json")) as f:
    SHIPPED = json.load(f)["models"]
MEMBERS = SHIPPED["prm"]["soup"]["members"]
CHECKPOINTS = os.path.join(train.REPO, "models", "checkpoints")


def phase(name):
    return {**train.RECIPE["prm"], **train.PRM_PHASES[name]}


DRAFT_MORE = train.lm_stage_config("draft-more")[1]


class ShippedRecipeTest(unittest.TestCase):
    def test_each_record_has_its_recipe_settings(self):
        records = [("draft", train.RECIPE["draft"], SHIPPED["draft"]["firstPhase"]),
                   ("draft-more", DRAFT_MORE, SHIPPED["draft"]),
                   ("target", train.RECIPE["target"], SHIPPED["target"]),
                   ("prm", phase("prm"), MEMBERS["prm-slips"]["firstPhase"]),
                   ("prm-slips", phase("prm-slips"), MEMBERS["prm-slips"]),
                   ("prm-fresh", phase("prm-fresh"), MEMBERS["prm-fresh"])]
        for name, cfg, record in records:
            with self.subTest(model=name):
                self.assertEqual(record["learningRate"], cfg["lr"])
                self.assertEqual(record["budgetTokens"], cfg["budget_tokens"])
                self.assertEqual(record["seed"], cfg["seed"])
                self.assertEqual(record["tokensPerBatch"], cfg["tokens_per_batch"])
                if "trainTokens" in record:  # prm-fresh's own record was not kept (its recordNote)
                    self.assertGreaterEqual(record["trainTokens"], cfg["budget_tokens"])
                if "checkpoint" in cfg:
                    self.assertEqual(record["checkpoint"], f"models/checkpoints/{cfg['checkpoint']}")
                    self.assertTrue(os.path.isfile(os.path.join(train.REPO, record["checkpoint"])))

    def test_the_shipped_draft_continues_the_draft_whose_samples_train_the_prm(self):
        record, first = SHIPPED["draft"], SHIPPED["draft"]["firstPhase"]
        self.assertEqual(DRAFT_MORE["start"], train.RECIPE["draft"]["checkpoint"])
        self.assertEqual(record["continuedFrom"]["checkpoint"], first["checkpoint"])
        self.assertEqual(first["trainTokens"], record["continuedFrom"]["trainTokens"])
        self.assertNotEqual(record["sha256"], first.get("sha256"))

    def test_the_second_phase_continues_the_first_on_the_target_slips(self):
        record, first = MEMBERS["prm-slips"], MEMBERS["prm-slips"]["firstPhase"]
        self.assertEqual(train.PRM_PHASES["prm-slips"]["start"], "prm")
        self.assertEqual(record["continuedFrom"]["checkpoint"], first["checkpoint"])
        self.assertEqual(first["trainTokens"], record["continuedFrom"]["trainTokens"])
        self.assertGreater(record["trainingSolutions"].get("target-slip", 0), 0)
        self.assertNotIn("target-slip", first["trainingSolutions"])

    def test_the_shipped_prm_is_the_soup_of_its_members_checkpoints(self):
        self.assertEqual(SHIPPED["prm"]["soup"]["weights"], train.PRM_SOUP["weights"])
        self.assertAlmostEqual(sum(train.PRM_SOUP["weights"].values()), 1.0)
        states = {name: torch.load(os.path.join(CHECKPOINTS, train.PRM_PHASES[name]["checkpoint"]))
                  for name in train.PRM_SOUP["weights"]}
        soup = train.soup_state(states, train.PRM_SOUP["weights"])
        shipped = torch.load(os.path.join(CHECKPOINTS, train.PRM_SOUP["checkpoint"]))
        self.assertEqual(set(soup), set(shipped))
        for key, value in shipped.items():
            self.assertTrue(torch.equal(soup[key], value), key)
        # The members differ: the soup is not one of them.
        self.assertFalse(all(torch.equal(states["prm-slips"][k], states["prm-fresh"][k]) for k in shipped))


if __name__ == "__main__":
    unittest.main()
