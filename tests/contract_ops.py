"""The ops the contract tests sweep: every registered image op that does not need labels,
and every text op."""

from augmentlab.ops import REGISTRY

IMAGE_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "image" and not getattr(c, "needs_labels", False))
TEXT_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "text")
