"""WordNet synonyms through NLTK, cached per word, in a stable order (never set order,
which changes with the hash seed and would break replay)."""

from __future__ import annotations

from functools import lru_cache

from augmentlab.errors import AugmentlabError

_INSTALL_HINT = ("install it with `python -m augmentlab.ops.text.wordnet_install` "
                 "(or `python -m nltk.downloader wordnet` with internet)")


@lru_cache(maxsize=1)
def _wordnet():
    try:
        from nltk.corpus import wordnet
    except ImportError:
        raise AugmentlabError("synonym ops need NLTK: pip install 'augmentlab[text]'") from None
    try:
        wordnet.ensure_loaded()
    except LookupError:
        raise AugmentlabError(f"WordNet data for NLTK is not installed; {_INSTALL_HINT}") from None
    return wordnet


@lru_cache(maxsize=200_000)
def synonyms(word: str) -> tuple[str, ...]:
    """WordNet lemma names sharing a synset with ``word`` (lowercased, underscores as
    spaces), without the word itself, in WordNet's order."""
    key = word.lower()
    if not key.isalpha() and not key.replace("-", "").replace("'", "").isalpha():
        return ()
    found: dict[str, None] = {}
    for synset in _wordnet().synsets(key):
        for lemma in synset.lemmas():
            name = lemma.name().replace("_", " ").lower()
            if name != key and all(ch.isalpha() or ch in " -'" for ch in name):
                found[name] = None
    return tuple(found)
