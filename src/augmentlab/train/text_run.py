"""One training run on text under the lab's protocol.

Text policies are applied offline, as EDA does: every training sentence gets ``copies``
augmented versions (drawn once per seed; copy k comes from its own stream, so 8 copies are
the first 8 of 16), optionally filtered for label preservation, and the model trains on
the originals plus the copies that are kept. Validation and test sentences are never
augmented.
"""

from __future__ import annotations

import time

import numpy as np

from augmentlab.ops.text.base import as_text_batch
from augmentlab.policy.modality import check_modality, text_copies
from augmentlab.rng import child_seeds, torch_generator
from augmentlab.train.text_models import DEFAULT_TEXT_MODEL, build_text_model

CHUNK = 256  # sentences per policy call: model-based ops batch over these


def augment_copies(texts, policy, copies: int, seed: int) -> list[np.ndarray]:
    """``copies`` augmented versions of ``texts``; copy k is drawn from child stream k."""
    texts = as_text_batch(texts)
    out = []
    for copy_seed in child_seeds(seed, copies):
        g = torch_generator(copy_seed)
        out.append(as_text_batch([s for i in range(0, len(texts), CHUNK) for s in policy(texts[i : i + CHUNK], g)]))
    return out


def similarity_keep(originals, augmented, threshold: float, encoder) -> np.ndarray:
    """True where an augmented sentence's embedding has cosine similarity to its original
    of at least ``threshold`` (unit-length embeddings: the dot product)."""
    a, b = encoder.encode(originals), encoder.encode(augmented)
    return (a * b).sum(1) >= threshold


def expand(texts, labels: np.ndarray, policy, copies: int, seed: int, min_similarity: float | None = None,
           encoder=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Originals plus their kept copies: ``(texts, labels, groups, stats)``; ``groups[i]``
    is the index of the original that sentence i came from."""
    texts, labels = as_text_batch(texts), np.asarray(labels)
    index = np.arange(len(texts))
    all_texts, all_labels, groups = [texts], [labels], [index]
    stats = {"copies": copies, "augmented": 0, "dropped": 0, "unchanged": 0}
    for copy in augment_copies(texts, policy, copies, seed):
        keep = np.ones(len(copy), dtype=bool)
        if min_similarity is not None:
            keep = similarity_keep(texts, copy, min_similarity, encoder)
        stats["augmented"] += len(copy)
        stats["dropped"] += int((~keep).sum())
        stats["unchanged"] += int(sum(a == b for a, b in zip(copy, texts)))
        all_texts.append(copy[keep])
        all_labels.append(labels[keep])
        groups.append(index[keep])
    if min_similarity is not None:
        stats["min_similarity"] = min_similarity
    return as_text_batch(np.concatenate(all_texts)), np.concatenate(all_labels), np.concatenate(groups), stats


def expand_for_protocol(texts, labels: np.ndarray, policy, protocol, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """:func:`expand` with the protocol's copies (else the policy's, else 1) and filter,
    from the text stream of run ``seed``, as full runs and search trials both train."""
    encoder = None
    if protocol.min_similarity is not None:
        from augmentlab.ops.text.encoder import shared_encoder

        encoder = shared_encoder(protocol.filter_model)
    copies = protocol.copies or text_copies(policy) or 1
    # child stream 6 augments text (streams 0-5 belong to the trainer and the other arms)
    return expand(texts, labels, policy, copies, child_seeds(seed, 7)[6], protocol.min_similarity, encoder)


def run_text_once(ds, splits, policy, protocol, seed: int, test) -> dict:
    check_modality(policy, "text")
    name = protocol.model or DEFAULT_TEXT_MODEL
    start = time.perf_counter()
    x, y = ds.data[splits.train], ds.labels[splits.train].numpy()
    fit_x, fit_y, groups, extra = x, y, np.arange(len(x)), {}
    if policy is not None:
        fit_x, fit_y, groups, extra["text_augmentation"] = expand_for_protocol(x, y, policy, protocol, seed)
    model = build_text_model(name, ds.num_classes, protocol.steps, protocol.batch_size).fit(fit_x, fit_y, seed, groups)
    test_x, test_y = (test.data, test.labels) if test is not None else (ds.data[splits.test], ds.labels[splits.test])
    if getattr(model, "C", None) is not None:
        extra["C"] = model.C
    return {
        "seed": seed,
        "model": name,
        "train_accuracy": model.accuracy(x, y),
        "val_accuracy": model.accuracy(ds.data[splits.val], ds.labels[splits.val].numpy()),
        "test_accuracy": model.accuracy(test_x, test_y.numpy()),
        "train_sentences": int(len(fit_x)),
        "seconds": time.perf_counter() - start,
        "history": [],
        **extra,
    }
