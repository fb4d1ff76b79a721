"""The PRM's step score: labels, the surprisal features and their independence from how
the runtime splits a text into calls.

    /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import os
import sys
import unittest

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from data import label_solution  # noqa: E402
from model import Decoder, encode, NL, EOS, STOI, TOKENS  # noqa: E402
import train_prm as prm  # noqa: E402

LABEL_CASES = [
    # question, text, cumulative labels, local labels
    ("12+7*3", "= 12+21\n= 33\nA: 33\n", [True, True, True], [True, True, True]),
    ("12+7*3", "= 12+22\n= 34\nA: 34\n", [False, False, False], [False, True, True]),
    ("12+7*3", "= 12+21\n= 34\nA: 33\n", [True, False, False], [True, False, False]),
    ("4*5", "= 2O\nA: 20\n", [False, False], [False, False]),
    ("4*5", "= 20\nA: 20\n= 20\n", [True, True], [True, True]),
]


def tiny_prm(seed=0):
    torch.manual_seed(seed)
    model = Decoder(32, 2, 2, "prm", rope=True).eval()
    with torch.no_grad():
        model.surprisal_weights.copy_(torch.tensor([1.0, 0.25]))
    return model


def forward_calls(model, ids, cuts):
    """The runtime's incremental calls over one row, with the KV cache carried between them."""
    past, out = model.empty_past_on(1, ids.device), []
    for a, z in zip(cuts, cuts[1:]):
        pos = torch.arange(a, z).unsqueeze(0)
        scores, past = model(ids[:, a:z], torch.ones(1, z, dtype=torch.long), pos, past)
        out.append(scores)
    return torch.cat(out, dim=1)


class LabelTest(unittest.TestCase):
    def test_cumulative_and_local_labels(self):
        for q, text, cumulative, local in LABEL_CASES:
            with self.subTest(q=q, text=text):
                self.assertEqual(label_solution(q, text, None)[0], cumulative)
                self.assertEqual(label_solution(q, text, None, local=True)[0], local)

    def test_example_reads_each_step_at_its_newline_and_the_answer_at_eos(self):
        ids, positions, ys = prm.build_example({"question": "12+7*3", "answer": 33}, "= 12+22\n= 34\nA: 34\n", True)
        self.assertEqual([ids[p] for p in positions], [NL, NL, NL, EOS])
        self.assertEqual(ys, [0.0, 1.0, 1.0, 1.0])


class LanguageModelMaskTest(unittest.TestCase):
    def test_the_language_model_learns_the_right_steps_only(self):
        text = "= 12+22\n= 34\nA: 34\n"
        ex = prm.build_example({"question": "12+7*3", "answer": 33}, text, True)
        *_, lm_mask = prm.collate_prm([ex], [0])
        ids = ex[0]
        learned = "".join("<eos>" if ids[j] == EOS else TOKENS[ids[j]] for j in range(len(ids)) if lm_mask[0, j] > 0)
        self.assertEqual(learned, "= 34\nA: 34\n<eos>")  # "= 12+22" is wrong; the prompt is not a step


class StepScoreTest(unittest.TestCase):
    def test_line_features_match_a_direct_computation(self):
        model = tiny_prm()
        text = "Q: 4*5\n= 20\nA: 20\n"
        ids = torch.tensor([encode(text, bos=True, eos=True)])
        hidden, step_logits = [], model.step_logits
        model.step_logits = lambda x, i, m: hidden.append(x) or step_logits(x, i, m)
        with torch.no_grad():
            got = model.train_forward(ids, torch.ones_like(ids))[0]
            x = hidden[0][0]
            logp = F.log_softmax(model.lm_head(x), dim=-1)
        lp = [0.0] + [float(logp[j - 1, ids[0, j]]) for j in range(1, ids.shape[1])]
        # Line "A: 20\n" + <eos>: its first token "A" is not counted.
        a = text.index("A: 20") + 1  # +1 for <bos>
        counted = list(range(a + 1, ids.shape[1] - 1))
        expected = float(model.head(x[-1])) + 1.0 * min(lp[j] for j in counted) + 0.25 * sum(lp[j] for j in counted)
        self.assertAlmostEqual(float(got[-1]), expected, places=4)

    def test_scores_do_not_depend_on_calls_split_at_line_starts(self):
        model = tiny_prm(1)
        text = "Q: 12+7*3\n= 12+21\n= 33\nA: 33\n"
        ids = torch.tensor([encode(text, bos=True, eos=True)])
        starts = [0] + [j + 1 for j in range(ids.shape[1] - 1) if ids[0, j] == NL and ids[0, j + 1] != EOS]
        with torch.no_grad():
            full = model.train_forward(ids, torch.ones_like(ids))
            for cuts in ([0, ids.shape[1]], starts + [ids.shape[1]], [0, starts[1], ids.shape[1]]):
                with self.subTest(cuts=cuts):
                    torch.testing.assert_close(forward_calls(model, ids, cuts), full, atol=1e-5, rtol=1e-5)

    def test_an_unlikely_token_lowers_its_line_only(self):
        model = tiny_prm(2)
        model.lm_head = SevenIsUnlikely()
        with torch.no_grad():
            model.head.weight.zero_()  # what is left is the line's own tokens
        right = torch.tensor([encode("Q: 1\n= 11\n= 11\n", bos=True, eos=False)])
        wrong = torch.tensor([encode("Q: 1\n= 17\n= 11\n", bos=True, eos=False)])
        with torch.no_grad():
            r = model.train_forward(right, torch.ones_like(right))[0]
            w = model.train_forward(wrong, torch.ones_like(wrong))[0]
        ends = [j for j in range(right.shape[1]) if right[0, j] == NL]
        self.assertLess(float(w[ends[1]]), float(r[ends[1]]) - 1.0)
        self.assertAlmostEqual(float(w[ends[2]]), float(r[ends[2]]), places=4)


class HesitantLm(torch.nn.Module):
    """Predicts the true next token, but gives a wrong digit about 8 % where `slips` says."""

    def __init__(self, slips):
        super().__init__()
        self.slips = slips
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # a device to read

    def train_forward(self, ids, mask):
        nxt = torch.cat([ids[:, 1:], torch.zeros_like(ids[:, :1])], dim=1)
        logits = torch.full((*ids.shape, len(TOKENS)), -30.0)
        logits.scatter_(-1, nxt.unsqueeze(-1), 10.0)
        for right, wrong in self.slips.items():
            logits[..., STOI[wrong]] = torch.where(nxt == STOI[right], 7.5, logits[..., STOI[wrong]])
        return logits


SLIP_CASES = [
    # solution text (after "Q: question\n"), the target's hesitations, slip texts expected
    ("9*77", "= 693\nA: 693\n", {"6": "7"}, ["= 793\n", "= 693\nA: 793\n"]),
    ("6*2", "= 12\nA: 12\n", {"6": "7"}, []),  # the question is not a step
    ("6*2", "= 12\nA: 12\n", {"1": "0"}, []),  # no leading zeros
    ("3-2", "= 1\nA: 1\n", {"1": "0"}, ["= 0\n", "= 1\nA: 0\n"]),
    ("40+8", "= 48\nA: 48\n", {}, []),
]


class TargetSlipsTest(unittest.TestCase):
    def test_a_slip_is_the_digit_the_target_hesitates_on(self):
        for question, text, slips, expected in SLIP_CASES:
            with self.subTest(question=question, slips=slips):
                problem = {"id": "p", "question": question, "answer": 0, "text": prm.prompt_text(question) + text}
                got = prm.target_slips(HesitantLm(slips), [problem], min_prob=0.05)
                self.assertEqual([r["text"] for r in got], expected)

    def test_a_rare_wrong_digit_is_not_a_slip(self):
        problem = {"id": "p", "question": "9*77", "answer": 693, "text": "Q: 9*77\n= 693\nA: 693\n"}
        self.assertEqual(prm.target_slips(HesitantLm({"6": "7"}), [problem], min_prob=0.2), [])

    def test_each_slip_pairs_with_the_right_line_at_its_decision_point(self):
        problem = {"id": "p", "question": "9*77", "answer": 693, "text": "Q: 9*77\n= 693\nA: 693\n"}
        pairs = prm.slip_pairs(prm.target_slips(HesitantLm({"6": "7"}), [problem], min_prob=0.05), [problem])
        self.assertEqual(pairs, [
            {"question": "9*77", "prefix": "", "right": "= 693\n", "wrong": "= 793\n"},
            {"question": "9*77", "prefix": "= 693\n", "right": "A: 693\n", "wrong": "A: 793\n"},
        ])


class SevenIsUnlikely(torch.nn.Module):
    def forward(self, x):
        logits = torch.zeros(*x.shape[:-1], len(STOI), dtype=x.dtype)
        logits[..., STOI["7"]] = -10.0
        return logits


if __name__ == "__main__":
    unittest.main()
