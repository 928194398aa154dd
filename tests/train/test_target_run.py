"""The segmentation and detection models and their trainer: shapes, the detector's targets
decode back to their boxes, seeded runs repeat; the lab's protocol and search trials on
annotated images."""

import pytest
import torch

from augmentlab.data.canvas import make_canvas
from augmentlab.data.targets import Boxes
from augmentlab.errors import AugmentlabError
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


def _canvas(kind: str, n: int, seed: int = 0):
    from augmentlab.modality.annotated import annotated_dataset

    return annotated_dataset(make_canvas(kind, n, seed=seed))


def test_the_lab_protocol_draws_train_size_images_and_names_the_metric(monkeypatch):
    from augmentlab.data.split import make_splits
    from augmentlab.lab import lab_protocol
    from augmentlab.train.protocol import evaluate

    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    ds = _canvas("canvas-seg", 30)
    protocol = lab_protocol(ds, train_size=8, seeds=2, steps=2)
    assert protocol.batch_size == 32 and protocol.per_class is None
    splits = make_splits(ds.labels, protocol, 0, external_test=False)
    parts = [set(splits.train.tolist()), set(splits.val.tolist()), set(splits.test.tolist())]
    assert [len(p) for p in parts] == [8, 11, 11] and not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    result = evaluate(ds, parse_policy("hflip"), protocol)
    assert result["metric"] == "miou" and result["lift"]["n"] == 2
    for arm in ("baseline", "augmented"):
        assert set(result[arm]) >= {"test_accuracy", "train_accuracy", "val_accuracy", "generalization_gap", "runs"}
        assert 0.0 <= result[arm]["test_accuracy"]["mean"] <= 1.0
        assert {r["model"] for r in result[arm]["runs"]} == {"unet"}


def test_the_lab_refuses_per_class_wrong_models_and_tests_of_another_task(monkeypatch):
    from augmentlab.lab import lab_protocol
    from augmentlab.train.protocol import evaluate

    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    det = _canvas("canvas-det", 20)
    with pytest.raises(AugmentlabError, match="per_class: annotated images have no class per sample; the training set is train_size"):
        lab_protocol(det, per_class=5).check(det)
    with pytest.raises(AugmentlabError, match="train_size: give the number of training annotated images"):
        lab_protocol(det).check(det)
    with pytest.raises(AugmentlabError, match="train_size 19 is too large: the data has 20 samples and 2 must stay out"):
        lab_protocol(det, train_size=19).check(det)
    with pytest.raises(AugmentlabError, match="test is scored by miou but the data by ap50"):
        lab_protocol(det, train_size=5).check(det, _canvas("canvas-seg", 5))
    from dataclasses import replace

    renamed = replace(det, data=replace(det.data, class_names=tuple("abcdefghij")))
    with pytest.raises(AugmentlabError, match="test names the classes a, b, c"):
        lab_protocol(det, train_size=5).check(det, renamed)
    with pytest.raises(AugmentlabError, match="model 'unet' does not fit boxes; expected centernet"):
        evaluate(det, None, lab_protocol(det, train_size=5, steps=1, seeds=1, model="unet"))
    with pytest.raises(AugmentlabError, match="model 'unet' does not fit boxes"):  # before any run: search checks it too
        lab_protocol(det, train_size=5, model="unet").check(det)
    with pytest.raises(AugmentlabError, match="model 'cnn' is not an annotated model; expected one of unet, centernet"):
        lab_protocol(det, train_size=5, model="cnn").check(det)


def test_a_search_trial_reports_every_rung(monkeypatch):
    from augmentlab.lab import lab_protocol
    from augmentlab.search.trials import TrialData, TrialPlan, run_trial

    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    ds = _canvas("canvas-det", 40)
    protocol = lab_protocol(ds, train_size=8, steps=6)
    data = TrialData.from_dataset(ds, protocol, seed=5, external_test=False)
    reports = []
    last = run_trial(data, parse_policy("hflip"), TrialPlan(rung_steps=1, reduction_factor=3, rungs=1), lambda k, v: reports.append((k, v)))
    assert [k for k, _ in reports] == [1, 2, 3] and last == reports[-1][1] and 0.0 <= last <= 1.0


def test_soft_dice_is_zero_for_a_perfect_prediction_and_ignores_ignored_pixels():
    from augmentlab.train.target_run import soft_dice_loss

    labels = torch.tensor([[[0, 1], [2, 255]]])
    perfect = torch.nn.functional.one_hot(labels.clamp(max=2), 3).permute(0, 3, 1, 2).float() * 50.0
    assert float(soft_dice_loss(perfect, labels, 255)) < 1e-3
    wrong = perfect.roll(1, dims=1)
    assert float(soft_dice_loss(wrong, labels, 255)) > 0.6  # 1 - 1/3: the smoothing term keeps it below 1
    perfect[0, :, 1, 1] = torch.tensor([0.0, 0.0, 50.0])  # the ignored pixel's guess does not count
    assert float(soft_dice_loss(perfect, labels, 255)) < 1e-3
