"""The image ops the contract tests sweep: every registered op that does not need labels."""

from augmentlab.ops import REGISTRY

IMAGE_OPS = sorted(n for n, c in REGISTRY.items() if not getattr(c, "needs_labels", False))
