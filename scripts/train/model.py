"""Decoder-only pre-LN transformer with an explicit KV-cache interface.

The forward signature mirrors the ONNX contract the TypeScript runtime uses
(Hugging Face / optimum decoder-with-past convention), so the exact module we
train is the module we export.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

TOKENS = ["<pad>", "<bos>", "<eos>"] + list("0123456789+-*()= QA:\n")
PAD, BOS, EOS = 0, 1, 2
STOI = {t: i for i, t in enumerate(TOKENS)}
MAX_POSITIONS = 256
# Large finite negative instead of -inf so a fully-masked row gives a uniform
# softmax rather than NaN.
MASK_VALUE = -1e4
FUTURE_VALUE = -1e9
NL = STOI["\n"]
# Initial weight of the step's least likely token in the PRM logit (its log-probability is
# ~0 on a right step and several nats below on a wrong digit); training calibrates it.
SURPRISAL_MIN_WEIGHT = 1.0


def encode(text, bos=True, eos=True):
    ids = [STOI[c] for c in text]
    return ([BOS] if bos else []) + ids + ([EOS] if eos else [])


def decode(ids):
    out = []
    for i in ids:
        if i == EOS:
            break
        if i > EOS:
            out.append(TOKENS[i])
    return "".join(out)


def rotary(x, cos, sin):
    """Rotary position embedding (rotate-half form) on [b, h, t, hd]."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.hd = h, d // h
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x, bias, past_k, past_v, rope=None):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, self.h, self.hd).transpose(1, 2)
        k = k.view(b, t, self.h, self.hd).transpose(1, 2)
        v = v.view(b, t, self.h, self.hd).transpose(1, 2)
        if rope is not None:
            # Keys enter the cache already rotated, as in Hugging Face's Llama.
            q, k = rotary(q, *rope), rotary(k, *rope)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(self.hd))
        att = att + bias
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        x = x + self.out(F.gelu(self.fc(self.ln2(x))))
        return x, k, v


class Decoder(nn.Module):
    def __init__(self, d_model, n_layers, n_heads, kind="lm", vocab=len(TOKENS), max_pos=MAX_POSITIONS, rope=False):
        super().__init__()
        self.kind, self.d, self.L, self.H = kind, d_model, n_layers, n_heads
        # Rotary positions make "copy the token at the same place in the previous line"
        # a relative-offset pattern, which small models learn far faster than with
        # learned absolute embeddings.
        self.rope = rope
        self.hd = d_model // n_heads
        self.vocab, self.max_pos = vocab, max_pos
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = None if rope else nn.Embedding(max_pos, d_model)
        if rope:
            hd = d_model // n_heads
            self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd)), persistent=False)
        self.blocks = nn.ModuleList([Block(d_model, n_heads) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        if kind == "lm":
            self.head = nn.Linear(d_model, vocab, bias=False)
        else:
            self.head = nn.Linear(d_model, 1)
            # The verifier reads how surprised its own language model is by each token of
            # the step (see step_logits): a wrong digit is an unlikely token to a model that
            # can do the arithmetic, which a classifier head alone had not learned to see.
            self.lm_head = nn.Linear(d_model, vocab, bias=False)
            self.surprisal_weights = nn.Parameter(torch.tensor([SURPRISAL_MIN_WEIGHT, 0.0]))
        self.apply(self._init)
        for n, p in self.named_parameters():
            if n.endswith("proj.weight") or n.endswith("out.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * n_layers))
        if kind == "prm":
            # Starts as the surprisal score alone; the head learns what it adds.
            nn.init.zeros_(self.head.weight)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, input_ids, attention_mask, position_ids, past):
        """past: list of (key, value) [b, H, past_len, hd]; returns (out, presents)."""
        x, presents = self.hidden(input_ids, attention_mask, position_ids, past)
        past_len = past[0][0].shape[2]
        return self.output(x, input_ids, attention_mask[:, past_len:]), presents

    def output(self, x, ids, mask):
        """LM: logits over the vocabulary; PRM: step logits (the exported wrapper applies the
        sigmoid). mask: the attention mask of this call's tokens."""
        return self.step_logits(x, ids, mask) if self.kind == "prm" else self.head(x)

    def hidden(self, input_ids, attention_mask, position_ids, past):
        """The final (normed) hidden states and the new KV cache."""
        b, t = input_ids.shape
        past_len = past[0][0].shape[2]
        total = attention_mask.shape[1]
        q_idx = torch.arange(t, device=input_ids.device).unsqueeze(1) + past_len
        k_idx = torch.arange(total, device=input_ids.device).unsqueeze(0)
        causal = (k_idx <= q_idx).unsqueeze(0)  # [1, t, total]
        allowed = causal & (attention_mask.unsqueeze(1) > 0)  # [b, t, total]
        # Two levels: padding gets MASK_VALUE, the future gets a far lower value,
        # so a query whose visible keys are all padding still only mixes past
        # keys (identical for full and incremental runs) and never yields NaN.
        dev = input_ids.device
        bias = torch.where(allowed, torch.zeros((), dtype=torch.float32, device=dev),
                           torch.where(causal, torch.full((), MASK_VALUE, dtype=torch.float32, device=dev),
                                       torch.full((), FUTURE_VALUE, dtype=torch.float32, device=dev))).unsqueeze(1)
        if self.rope:
            freqs = position_ids.unsqueeze(-1).float() * self.inv_freq  # [b, t, hd/2]
            emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)  # [b, 1, t, hd]
            rope = (emb.cos(), emb.sin())
            x = self.tok(input_ids)
        else:
            rope = None
            x = self.tok(input_ids) + self.pos(position_ids)
        presents = []
        for blk, (pk, pv) in zip(self.blocks, past):
            x, k, v = blk(x, bias, pk, pv, rope)
            presents.append((k, v))
        return self.ln_f(x), presents

    def token_logprobs(self, x, ids):
        """[b, t-1]: log p(ids[:, j+1] | ids[:, :j+1]) under the PRM's own language model."""
        logp = F.log_softmax(self.lm_head(x[:, :-1]), dim=-1)
        return logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)

    def step_logits(self, x, ids, mask, lp=None):
        """PRM logit at every position p: a learned head on the hidden state, plus weighted
        minimum and sum of log p(token) over the tokens of p's line so far.

        Lines are split at newlines (a newline ends its line; <eos> joins the line before it,
        the final answer). A line's first token and the first token of the call are left
        out: their log-probability would come from the previous call's last position, which
        the runtime's incremental calls (each starts at a line start) do not have, and a
        score must not depend on how the text was split into calls.
        lp: token_logprobs(x, ids), when the caller has them already.
        """
        b, t = ids.shape
        lp = self.token_logprobs(x, ids) if lp is None else lp
        counted = (mask[:, :-1] > 0) & (mask[:, 1:] > 0) & (ids[:, :-1] != NL)
        lp = torch.cat([torch.zeros_like(x[:, :1, 0]), torch.where(counted, lp, torch.zeros_like(lp))], dim=1)
        nl = (ids == NL).long()
        line = torch.cumsum(nl, dim=1) - nl - (ids == EOS).long()
        idx = torch.arange(t, device=ids.device)
        same = (line.unsqueeze(2) == line.unsqueeze(1)) & (idx.unsqueeze(0) <= idx.unsqueeze(1)).unsqueeze(0)
        per_key = lp.unsqueeze(1).expand(b, t, t)
        # log-probabilities are <= 0, so 0 is neutral for the minimum as well as the sum.
        line_min = torch.where(same, per_key, torch.zeros_like(per_key)).min(dim=-1).values
        line_sum = (per_key * same.to(per_key.dtype)).sum(dim=-1)
        w = self.surprisal_weights
        return self.head(x).squeeze(-1) + w[0] * line_min + w[1] * line_sum

    def train_hidden(self, ids, mask):
        """Hidden states of a full-sequence pass without cache (positions 0..t-1 per row)."""
        b, t = ids.shape
        pos = torch.arange(t, device=ids.device).unsqueeze(0).expand(b, t)
        return self.hidden(ids, mask, pos, self.empty_past_on(b, ids.device))[0]

    def train_forward(self, ids, mask):
        return self.output(self.train_hidden(ids, mask), ids, mask)

    def prm_train_forward(self, ids, mask):
        """Step logits and token log-probabilities from one full-sequence pass (PRM training
        also trains its language model on the right steps)."""
        x = self.train_hidden(ids, mask)
        lp = self.token_logprobs(x, ids)
        return self.step_logits(x, ids, mask, lp), lp

    def empty_past_on(self, batch, device):
        z = torch.zeros(batch, self.H, 0, self.hd, device=device)
        return [(z, z) for _ in range(self.L)]

    def config(self):
        return {"kind": self.kind, "d_model": self.d, "n_layers": self.L, "n_heads": self.H, "rope": self.rope}


def model_device(model):
    return next(model.parameters()).device


def count_params(model):
    return sum(p.numel() for p in model.parameters())


def nonembedding_matmul_params(model):
    # per layer: qkv 3d^2 + proj d^2 + mlp 8d^2 = 12 d^2, plus the output head.
    d, L = model.d, model.L
    head = d * (model.vocab if model.kind == "lm" else model.vocab + 1)
    return 12 * d * d * L + head


FLOPS_CONTEXT = 128
FLOPS_FORMULA = ("flopsPerToken = 2 * (12 * dModel^2 * layers + dModel * headOutputs)"
                 " + 2 * layers * context * dModel  (forward pass, context = %d)" % FLOPS_CONTEXT)


def flops_per_token(model, context=FLOPS_CONTEXT):
    return 2 * nonembedding_matmul_params(model) + 2 * model.L * context * model.d
