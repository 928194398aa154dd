"""Model-based rewriting, batched: back-translation through a pivot language (MarianMT or
any seq2seq model) and contextual substitution with a masked language model.

Models are named like ``Helsinki-NLP/opus-mt-en-de`` or given as local paths; they load
on first use, once per process. Decoding is deterministic (beam search; the fill-mask
scores are exact), and each sentence's seeded stream picks among the candidates, so a
sentence's result depends on its own draw only.
"""

from __future__ import annotations

import random

import torch

from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register
from augmentlab.ops.text.base import TextOp, as_text_batch, check_positive_int, count_to_touch
from augmentlab.ops.text.encoder import resolve_model_path
from augmentlab.ops.text.hf import load

MAX_BEAMS = 8


def n_best(m: float) -> int:
    """Candidates to pick among at strength m: 1 (the top beam) at 0, up to MAX_BEAMS at 1."""
    return 1 + int(round(m * (MAX_BEAMS - 1)))


@torch.no_grad()
def translate(texts: list[str], model_name: str, beams: list[int], rngs: list[random.Random], batch_size: int,
              max_length: int) -> list[str]:
    """Each text translated by beam search; text i takes one of its ``beams[i]`` best
    translations, chosen with ``rngs[i]``."""
    tokenizer, model, device = load("seq2seq", model_name)
    positions = getattr(model.config, "max_position_embeddings", None)
    max_length = min(max_length, positions - 1) if positions else max_length  # the decoder cannot go further
    out = [""] * len(texts)
    for start in range(0, len(texts), batch_size):
        idx = list(range(start, min(start + batch_size, len(texts))))
        k = max(beams[i] for i in idx)
        enc = tokenizer([texts[i] for i in idx], return_tensors="pt", padding=True, truncation=True, max_length=max_length).to(device)
        generated = model.generate(**enc, num_beams=max(k, 1), num_return_sequences=k, do_sample=False,
                                   max_new_tokens=max_length, early_stopping=True)
        decoded = tokenizer.batch_decode(generated, skip_special_tokens=True)
        for row, i in enumerate(idx):
            candidates = decoded[row * k : row * k + beams[i]]
            out[i] = rngs[i].choice(candidates).strip()
    return out


@register
class BackTranslate(TextOp):
    """Translate to a pivot language and back (Sennrich et al. 2016; Xie et al. 2020)."""

    name = "backtranslate"
    magnitude = Magnitude("extra beams to choose from", 7.0, "beams", scale="steps")
    family = "model"
    controls = "paraphrase freedom: each direction picks among the 1 + round(7m) best beams (m = 0: the top beam)"
    identity_at_zero = False

    def __init__(self, m: float = 0.3, p: float = 1.0, mode: str = "fixed", forward: str = "Helsinki-NLP/opus-mt-en-de",
                 backward: str = "Helsinki-NLP/opus-mt-de-en", batch_size: int = 16, max_length: int = 128):
        super().__init__(m, p, mode)
        resolve_model_path(forward)
        resolve_model_path(backward)  # a missing local path fails here, before any work
        self.forward, self.backward = forward, backward
        self.batch_size = check_positive_int(self.name, "batch_size", batch_size)
        self.max_length = check_positive_int(self.name, "max_length", max_length)

    def edit_batch(self, texts, seeds, strengths):
        if len(texts) == 0:
            return as_text_batch([])
        rngs = [random.Random(s) for s in seeds]
        beams = [n_best(s) for s in strengths]
        pivot = translate([str(t) for t in texts], self.forward, beams, rngs, self.batch_size, self.max_length)
        back = translate(pivot, self.backward, beams, rngs, self.batch_size, self.max_length)
        return as_text_batch([b if b else t for b, t in zip(back, texts)])  # an empty decode keeps the original


def _word_like(piece: str) -> bool:
    return bool(piece) and any(ch.isalpha() for ch in piece) and all(ch.isalpha() or ch in "-'" for ch in piece)


class _Vocabulary:
    """Which token ids of a masked LM stand for a whole word on their own."""

    def __init__(self, tokenizer):
        tokens = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
        marked = sum(t.startswith(("Ġ", "▁")) for t in tokens if t) > len(tokens) // 10  # BPE/SentencePiece word starts
        special = set(tokenizer.all_special_ids)
        ok = []
        for i, t in enumerate(tokens):
            if i in special or t is None or t.startswith("##"):
                ok.append(False)
            elif marked:
                ok.append(t.startswith(("Ġ", "▁")) and _word_like(t[1:]))
            else:
                ok.append(_word_like(t))
        self.whole_word = torch.tensor(ok)
        self.tokenizer = tokenizer

    def word(self, token_id: int) -> str:
        return self.tokenizer.decode([token_id]).strip()


_VOCABS: dict[str, _Vocabulary] = {}


@register
class Contextual(TextOp):
    """Replace words with what a masked language model expects in their place (Kobayashi
    2018; Wu et al. 2019): a share m of the words is masked and each is refilled with one
    of the model's top-k whole words (not the original), picked by the sentence's stream
    in proportion to the model's probabilities."""

    name = "contextual"
    magnitude = Magnitude("words masked and refilled", 1.0, "of the words")
    family = "model"
    controls = "share of words masked and refilled by the language model"

    def __init__(self, m: float = 0.15, p: float = 1.0, mode: str = "fixed", model: str = "distilroberta-base",
                 top_k: int = 10, batch_size: int = 32, max_length: int = 128):
        super().__init__(m, p, mode)
        resolve_model_path(model)
        self.model = model
        self.top_k = check_positive_int(self.name, "top_k", top_k)
        self.batch_size = check_positive_int(self.name, "batch_size", batch_size)
        self.max_length = check_positive_int(self.name, "max_length", max_length)

    def edit_batch(self, texts, seeds, strengths):
        tokenizer, model, device = load("masked-lm", self.model)
        vocab = _VOCABS.setdefault(self.model, _Vocabulary(tokenizer))
        out = [str(t) for t in texts]
        jobs = []  # (sentence index, words, masked positions, rng)
        for i, (text, seed, strength) in enumerate(zip(out, seeds, strengths)):
            rng = random.Random(seed)
            words = text.split()
            positions = [k for k, w in enumerate(words) if _word_like(w.strip(".,;:!?\"()"))]
            n = min(count_to_touch(len(words), strength), len(positions))
            if n:
                jobs.append((i, words, sorted(rng.sample(positions, n)), rng))
        for start in range(0, len(jobs), self.batch_size):
            self._fill(jobs[start : start + self.batch_size], tokenizer, model, device, vocab, out)
        return as_text_batch(out)

    @torch.no_grad()
    def _fill(self, jobs, tokenizer, model, device, vocab, out):
        masked = []
        for _, words, positions, _ in jobs:
            masked.append(" ".join(tokenizer.mask_token if k in positions else w for k, w in enumerate(words)))
        enc = tokenizer(masked, return_tensors="pt", padding=True, truncation=True, max_length=self.max_length).to(device)
        probs = model(**enc).logits.float().softmax(-1).cpu()
        probs[..., ~vocab.whole_word] = 0
        ids = enc["input_ids"].cpu()
        for row, (i, words, positions, rng) in enumerate(jobs):
            slots = (ids[row] == tokenizer.mask_token_id).nonzero().flatten().tolist()
            new = list(words)
            for k, slot in zip(positions, slots):  # a truncated sentence keeps its unmasked tail
                original = words[k].lower()
                top = probs[row, slot].topk(self.top_k + 1)
                options = [(vocab.word(int(t)), float(p)) for t, p in zip(top.indices, top.values) if p > 0]
                options = [(w, p) for w, p in options if w.lower() != original][: self.top_k]
                if options:
                    new[k] = rng.choices([w for w, _ in options], weights=[p for _, p in options])[0]
            out[i] = " ".join(new)
