"""The segmentation and detection models and their trainer: shapes, the detector's targets
decode back to their boxes, seeded runs repeat, and a few steps lower the loss."""

import torch

from augmentlab.data.canvas import make_canvas
from augmentlab.data.targets import Boxes
from augmentlab.policy import parse_policy
from augmentlab.train.target_models import STRIDE, CenterNet, UNet, centre_targets, decode
from augmentlab.train.target_run import score, train_targets
from augmentlab.train.trainer import TrainConfig


def test_models_keep_the_geometry():
    x = torch.randn(2, 1, 64, 64)
    assert UNet(1, 11)(x).shape == (2, 11, 64, 64)
    out = CenterNet(1, 10)(x)
    assert out["heat"].shape == (2, 10, 16, 16) and out["size"].shape == (2, 2, 16, 16) and out["offset"].shape == (2, 2, 16, 16)


def test_perfect_centre_targets_decode_to_their_boxes():
    boxes = Boxes.of([[[8.0, 12.0, 28.0, 36.0]], [[30.0, 2.0, 50.0, 20.0]]], [[3], [7]], size=(64, 64))
    t = centre_targets(boxes.xyxy, boxes.labels, boxes.image_of_row, 2, 10, (64 // STRIDE, 64 // STRIDE))
    logits = torch.logit(t["heat"].clamp(1e-4, 1 - 1e-4))
    size, offset = torch.zeros(2, 2, 16, 16), torch.zeros(2, 2, 16, 16)
    for k in range(2):
        r, (cx, cy) = t["rows"][k], t["cells"][k].tolist()
        size[r, :, cy, cx], offset[r, :, cy, cx] = t["size"][k], t["offset"][k]
    found = decode({"heat": logits, "size": size, "offset": offset}, top=1)
    for k, (b, s, lab) in enumerate(found):
        assert int(lab[0]) == int(boxes.labels[k]) and torch.allclose(b[0].double(), boxes.xyxy[k], atol=1e-4)


def test_training_repeats_with_its_seed_and_scores(monkeypatch):
    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    for kind in ("canvas-seg", "canvas-det"):
        data = make_canvas(kind, 16, seed=0)
        config = TrainConfig(steps=3, batch_size=8)
        policy = parse_policy("hflip+rotate(m=0.1)")
        a, b = train_targets(data, policy, config, seed=1), train_targets(data, policy, config, seed=1)
        assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
        assert 0.0 <= score(a, data) <= 1.0
