"""`--device` reaches every tensor: the training step, the PRM step and incremental decoding
run on the requested device, with no tensor left behind on the CPU.

The CPU is the only device here, so the test uses PyTorch's `meta` device (shapes without
data) and a TorchFunctionMode probe that records every torch call mixing tensors on the
requested device with tensors elsewhere (work done wholly on the CPU, like counting a batch's
tokens before it moves, is fine; moving a tensor with `.to` is how it gets there).
A missing `.to(device)` anywhere on these paths is a failure, which on a GPU would be a crash
or a silent fallback to the CPU.

    /usr/bin/python3 -m unittest discover -s scripts/train -p 'test_*.py'
"""
import os
import sys
import unittest

import torch
from torch.overrides import TorchFunctionMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from data import collate_lm, to_example  # noqa: E402
from model import Decoder, encode  # noqa: E402
from train_lm import lm_loss, make_optimizer  # noqa: E402
import train_prm as prm  # noqa: E402
from train import resolve_device  # noqa: E402

META = torch.device("meta")
MOVES = {"to", "cpu", "cuda", "__get__"}


class DeviceProbe(TorchFunctionMode):
    def __init__(self, device):
        super().__init__()
        self.device = device
        self.strays = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", str(func))
        if name not in MOVES:
            tensors = [x for t in list(args) + list(kwargs.values())
                       for x in (t if isinstance(t, (list, tuple)) else [t]) if isinstance(x, torch.Tensor)]
            if any(x.device.type == self.device.type for x in tensors):
                self.strays += [f"{name}: {tuple(x.shape)} on {x.device}" for x in tensors if x.device.type != self.device.type]
        return func(*args, **kwargs)


def problem(q, text):
    return {"question": q, "text": f"Q: {q}\n{text}", "steps": None}


EXAMPLES = [to_example(problem("12+7*3", "= 12+21\n= 33\nA: 33\n")), to_example(problem("4*5", "= 20\nA: 20\n"))]


class DeviceFlagTest(unittest.TestCase):
    def probe(self):
        return DeviceProbe(META)

    def test_lm_training_step_stays_on_the_device(self):
        model = Decoder(32, 2, 2, "lm", rope=True).to(META)
        opt = make_optimizer(model, 1e-3)
        batch = collate_lm(EXAMPLES, [0, 1])  # built on the CPU, as the sampler does
        with self.probe() as p:
            loss, _ = lm_loss(model, batch, META)
            loss.backward()
            opt.step()
        self.assertEqual(p.strays, [])
        self.assertEqual(loss.device, META)
        self.assertTrue(all(q.device == META and q.grad.device == META for q in model.parameters()))

    def test_prm_training_step_stays_on_the_device(self):
        model = Decoder(32, 2, 2, "prm", rope=True).to(META)
        ex = prm.build_example({"question": "4*5", "answer": 20}, "= 20\nA: 20\n", True)
        batch = prm.collate_prm([ex, ex], [0, 1])
        with self.probe() as p:
            loss, _ = prm.prm_loss_fn(2.0, META, lm_weight=1.0)(model, batch)
            loss.backward()
        self.assertEqual(p.strays, [])
        self.assertEqual(loss.device, META)

    def test_incremental_decoding_stays_on_the_device(self):
        model = Decoder(32, 2, 2, "lm", rope=True).to(META).eval()
        prompt = torch.tensor([encode("Q: 4*5\n", bos=True, eos=False)] * 2)
        with self.probe() as p, torch.no_grad():
            ids = prompt.to(META)
            mask = torch.ones_like(ids)
            pos = (mask.cumsum(1) - 1).clamp(min=0)
            out, past = model(ids, mask, pos, model.empty_past_on(2, META))
            nxt = out[:, -1, :].argmax(-1)
            mask = torch.cat([mask, torch.ones_like(nxt).unsqueeze(1)], dim=1)
            out, past = model(nxt.unsqueeze(1), mask, pos[:, -1:] + 1, past)
        self.assertEqual(p.strays, [])
        self.assertEqual(out.device, META)
        self.assertTrue(all(k.device == META and v.device == META for k, v in past))

    def test_the_probe_catches_a_tensor_left_on_the_cpu(self):
        model = Decoder(32, 2, 2, "lm", rope=True).to(META)
        ids, attn, weights = collate_lm(EXAMPLES, [0, 1])
        with self.probe() as p:
            try:
                model.train_forward(ids.to(META), attn)  # attn forgotten on the CPU
            except RuntimeError:
                pass  # PyTorch may refuse the mix itself; the probe has recorded it first
        self.assertTrue(any("on cpu" in s for s in p.strays), p.strays)

    def test_cuda_is_refused_where_torch_sees_no_gpu(self):
        if torch.cuda.is_available():
            self.skipTest("a GPU is present")
        with self.assertRaises(SystemExit) as e:
            resolve_device("cuda")
        self.assertIn("no CUDA device", str(e.exception))


if __name__ == "__main__":
    unittest.main()
