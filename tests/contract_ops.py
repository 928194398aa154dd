"""The ops the contract tests sweep: every registered image op that does not need labels,
and every text op."""

from augmentlab.ops import REGISTRY
from augmentlab.ops.batch import is_batch_op

IMAGE_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "image" and not is_batch_op(c))
# model-based text ops need a model to run; tests/ops/test_text_models.py builds tiny ones
TEXT_OPS = sorted(n for n, c in REGISTRY.items() if c.modality == "text" and c.family != "model")
