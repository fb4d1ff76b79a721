"""ONNX export in the decoder-with-past convention."""
import copy
import hashlib
import torch
import torch.nn as nn

from model import Decoder


class ExportWrapper(nn.Module):
    def __init__(self, model: Decoder):
        super().__init__()
        self.m = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(self.m.L)]
        out, presents = self.m(input_ids, attention_mask, position_ids, past)
        if self.m.kind == "prm":
            out = torch.sigmoid(out)
        flat = []
        for k, v in presents:
            flat += [k, v]
        return (out, *flat)


def export_onnx(model: Decoder, path):
    """Exports from a CPU copy (the caller's model stays on its device)."""
    model = copy.deepcopy(model).cpu().eval()
    w = ExportWrapper(model)
    b, t, p = 2, 3, 4
    ids = torch.randint(3, model.vocab, (b, t))
    mask = torch.ones(b, p + t, dtype=torch.long)
    pos = torch.arange(p, p + t).unsqueeze(0).expand(b, t).contiguous()
    past = []
    in_names = ["input_ids", "attention_mask", "position_ids"]
    out_names = ["logits" if model.kind == "lm" else "scores"]
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total_seq"},
           "position_ids": {0: "batch", 1: "seq"}, out_names[0]: {0: "batch", 1: "seq"}}
    for i in range(model.L):
        for kv in ("key", "value"):
            past.append(torch.randn(b, model.H, p, model.hd))
            n = f"past_key_values.{i}.{kv}"
            in_names.append(n)
            dyn[n] = {0: "batch", 2: "past_seq"}
    for i in range(model.L):
        for kv in ("key", "value"):
            n = f"present.{i}.{kv}"
            out_names.append(n)
            dyn[n] = {0: "batch", 2: "total_seq"}
    with torch.no_grad():
        torch.onnx.export(w, (ids, mask, pos, *past), path, input_names=in_names, output_names=out_names,
                          dynamic_axes=dyn, opset_version=14, do_constant_folding=True)
    return sha256(path)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()
