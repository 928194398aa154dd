"""Loading Hugging Face models for the model-based text ops: a hub name or a local path,
loaded once per process, on CPU unless CUDA is there, with one clear error when the path
does not exist or transformers is missing."""

from __future__ import annotations

from functools import lru_cache

from augmentlab.errors import AugmentlabError
from augmentlab.ops.text.encoder import quiet_transformers, resolve_model_path


def _transformers():
    try:
        import transformers
    except ImportError:
        raise AugmentlabError("model-based text ops need transformers: pip install 'augmentlab[text]'") from None
    quiet_transformers()
    return transformers


@lru_cache(maxsize=8)
def load(kind: str, name: str):
    """``(tokenizer, model, device)`` for ``kind`` ``seq2seq`` or ``masked-lm``, in eval mode."""
    import torch

    tf = _transformers()
    path = resolve_model_path(name)
    auto = {"seq2seq": tf.AutoModelForSeq2SeqLM, "masked-lm": tf.AutoModelForMaskedLM}[kind]
    try:
        tokenizer = tf.AutoTokenizer.from_pretrained(path)
        model = auto.from_pretrained(path)
    except (OSError, ValueError, KeyError) as e:
        raise AugmentlabError(f"model {name!r}: cannot load a {kind} model ({str(e).splitlines()[0][:160]})") from None
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return tokenizer, model.to(device).eval(), device
