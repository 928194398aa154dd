"""Text classifiers for the lab, chosen with ``--model``:

- ``minilm`` (default): logistic regression on frozen all-MiniLM-L6-v2 sentence
  embeddings (the packaged model; no download);
- ``tfidf``: logistic regression on TF-IDF word uni- and bigrams;
- ``fasttext``: a fastText-style bag of word uni- and bigrams (mean of learned
  embeddings, then a linear layer), trained with the lab's step budget;
- ``textcnn``: a CNN over learned word embeddings (Kim 2014: widths 3, 4, 5, max over
  time, dropout), trained with the lab's step budget.

Each is ``fit(texts, labels, seed, groups)`` then ``predict(texts)``; the same seed gives
the same model. The torch models draw initialisation and batches from ``seed`` only. The
logistic regressions choose their regularisation by 5-fold cross-validation on the
training texts, with an original and its augmented copies always in the same fold
(``groups``, originals first), so no copy of a held-out sentence is trained on, and
held-out folds are scored on originals only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from augmentlab.rng import child_seeds, torch_generator
from augmentlab.train.text_features import PAD, Vocabulary, tokenize, with_bigrams


class TextModel(ABC):
    name = ""

    def __init__(self, num_classes: int, steps: int = 800, batch_size: int = 64):
        self.num_classes, self.steps, self.batch_size = num_classes, steps, batch_size

    @abstractmethod
    def fit(self, texts, labels: np.ndarray, seed: int, groups: np.ndarray | None = None) -> "TextModel":
        """Train on ``texts``; ``groups[i]`` names the original sentence ``texts[i]`` came from."""

    @abstractmethod
    def predict(self, texts) -> np.ndarray:
        """The predicted class index of every text."""

    def accuracy(self, texts, labels) -> float:
        labels = np.asarray(labels)
        return float((self.predict(texts) == labels).mean()) if len(labels) else 0.0


class _LogRegModel(TextModel):
    """L2 logistic regression on fixed features (lbfgs: deterministic), its inverse
    regularisation C chosen from ``CS`` by grouped, stratified 5-fold cross-validation."""

    CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)

    @abstractmethod
    def features(self, texts, fitting: bool) -> np.ndarray:
        """One feature row per text; with ``fitting`` any vocabulary is learnt from these texts first."""

    def fit(self, texts, labels, seed, groups=None):
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedGroupKFold

        x, y = self.features(texts, True), np.asarray(labels)
        groups = np.arange(len(y)) if groups is None else np.asarray(groups)
        folds = min(5, int(np.bincount(y).min()))
        self.C = 1.0  # too few examples per class to cross-validate: the middle of the grid
        if folds >= 2:
            # score held-out folds on originals only (each group's first sentence): copies
            # of a held-out sentence would reward whatever the augmentation preserves
            original = np.zeros(len(y), dtype=bool)
            original[np.unique(groups, return_index=True)[1]] = True
            splits = list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed % 2**32).split(x, y, groups))
            scores = [np.mean([LogisticRegression(C=c, max_iter=3000).fit(x[tr], y[tr]).score(x[va[original[va]]], y[va[original[va]]])
                               for tr, va in splits]) for c in self.CS]
            self.C = self.CS[int(np.argmax(scores))]  # ties go to the stronger regularisation
        self.clf = LogisticRegression(C=self.C, max_iter=3000).fit(x, y)
        return self

    def predict(self, texts):
        return self.clf.predict(self.features(texts, False))


class MiniLMLogReg(_LogRegModel):
    name = "minilm"

    def features(self, texts, fitting):
        from augmentlab.ops.text.encoder import shared_encoder

        return shared_encoder().encode(texts)


class TfidfLogReg(_LogRegModel):
    name = "tfidf"

    def features(self, texts, fitting):
        if fitting:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.vectorizer = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False,
                                              ngram_range=(1, 2), sublinear_tf=True)
            return self.vectorizer.fit_transform(list(texts))
        return self.vectorizer.transform(list(texts))


class _BagOfNgrams(nn.Module):
    def __init__(self, vocab: int, classes: int, dim: int = 64):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=PAD)
        self.out = nn.Linear(dim, classes)

    def forward(self, ids):
        return self.out(self.embed(ids))


class _KimCNN(nn.Module):
    def __init__(self, vocab: int, classes: int, dim: int = 128, filters: int = 100, widths=(3, 4, 5), dropout: float = 0.5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.convs = nn.ModuleList(nn.Conv1d(dim, filters, w) for w in widths)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(filters * len(widths), classes)

    def forward(self, ids):
        h = self.embed(ids).transpose(1, 2)
        pooled = [F.relu(conv(h)).amax(2) for conv in self.convs]
        return self.out(self.drop(torch.cat(pooled, 1)))


class _TorchTextModel(TextModel):
    """Tokenise, build the vocabulary on the training texts, train with AdamW and a
    one-cycle schedule for ``steps`` mini-batches."""

    max_len = 64
    min_len = 1
    lr = 3e-3
    weight_decay = 1e-4

    def tokens(self, text: str) -> list[str]:
        return tokenize(text)

    @abstractmethod
    def build(self, vocab_size: int) -> nn.Module:
        """The network over a vocabulary of ``vocab_size`` token ids."""

    def fit(self, texts, labels, seed, groups=None):
        init_seed, batch_seed, dropout_seed = child_seeds(seed, 3)
        token_lists = [self.tokens(t) for t in texts]
        self.vocab = Vocabulary(token_lists)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(init_seed)  # parameter initialisation draws from the global RNG
            self.net = self.build(len(self.vocab))
        x = self.vocab.padded(token_lists, self.max_len, self.min_len)
        y = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
        opt = torch.optim.AdamW(self.net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=self.steps, pct_start=0.25)
        g = torch_generator(batch_seed)
        n, bs = len(x), min(self.batch_size, len(x))
        order, pos = torch.randperm(n, generator=g), 0
        self.net.train()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(dropout_seed)  # dropout masks come from the global RNG, forked here
            for _ in range(self.steps):
                if pos + bs > n:
                    order, pos = torch.randperm(n, generator=g), 0
                idx = order[pos : pos + bs]
                pos += bs
                batch = x[idx][:, : max(self.min_len, int((x[idx] != PAD).sum(1).max()))]
                loss = F.cross_entropy(self.net(batch), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
        return self

    @torch.no_grad()
    def predict(self, texts):
        self.net.eval()
        out = []
        token_lists = [self.tokens(t) for t in texts]
        for i in range(0, len(token_lists), 512):
            ids = self.vocab.padded(token_lists[i : i + 512], self.max_len, self.min_len)
            out.append(self.net(ids).argmax(1))
        return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)


class FastText(_TorchTextModel):
    name = "fasttext"
    lr = 1e-2
    max_len = 256

    def tokens(self, text):
        return with_bigrams(tokenize(text))

    def build(self, vocab_size):
        return _BagOfNgrams(vocab_size, self.num_classes)


class TextCNN(_TorchTextModel):
    name = "textcnn"
    min_len = 5  # the widest filter
    lr = 1e-3

    def build(self, vocab_size):
        return _KimCNN(vocab_size, self.num_classes)


TEXT_MODELS = {cls.name: cls for cls in (MiniLMLogReg, TfidfLogReg, FastText, TextCNN)}
DEFAULT_TEXT_MODEL = "minilm"


def build_text_model(name: str, num_classes: int, steps: int, batch_size: int) -> TextModel:
    return TEXT_MODELS[name](num_classes, steps, batch_size)
