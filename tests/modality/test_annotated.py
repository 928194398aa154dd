"""Annotated images as a modality: the built-in canvases, taking and joining batches with
their targets, hashing, which folders and files it claims, and writing back in the
input's format; augment and replay move every target byte for byte."""

import json

import pytest
import torch

from augmentlab.augment import augment_dataset, build_manifest, replay_dataset
from augmentlab.data import load_dataset
from augmentlab.data.canvas import make_canvas
from augmentlab.data.coco import write_coco
from augmentlab.data.load import save_dataset
from augmentlab.data.mask_folder import write_mask_folder
from augmentlab.data.yolo import write_yolo
from augmentlab.errors import AugmentlabError
from augmentlab.modality import get_modality
from augmentlab.modality.annotated import annotated_dataset
from augmentlab.policy import parse_policy


@pytest.fixture
def sklearn_digits(monkeypatch):
    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)


def _digest(ds) -> str:
    import hashlib

    h = hashlib.sha256()
    ds.kind.hash_into(h, ds.data)
    return h.hexdigest()


def test_builtin_canvases_are_annotated_and_name_their_metric(sklearn_digits):
    det, seg = load_dataset("canvas-det"), load_dataset("canvas-seg")
    assert det.modality == seg.modality == "annotated" and len(det) == len(seg) == 1000
    assert det.kind.metric(det.data) == "ap50" and seg.kind.metric(seg.data) == "miou"
    assert det.num_classes == 1 and int(det.labels.max()) == 0  # no class per image
    assert det.data.class_names == tuple(str(d) for d in range(10))
    assert det.kind.sample_shape(det.data) == (1, 64, 64)


def test_take_and_concat_keep_each_image_with_its_targets(sklearn_digits):
    ds = annotated_dataset(make_canvas("canvas-det", 6, seed=3))
    kind = ds.kind
    first, rest = kind.take(ds.data, torch.arange(0, 2)), kind.take(ds.data, torch.arange(2, 6))
    joined = kind.concat([first, rest])
    assert torch.equal(joined.images, ds.data.images) and joined.names == ds.data.names
    assert torch.equal(joined.targets.boxes.xyxy, ds.data.targets.boxes.xyxy)
    assert torch.equal(joined.targets.boxes.offsets, ds.data.targets.boxes.offsets)
    assert torch.equal(joined.targets.boxes.masks, ds.data.targets.boxes.masks)
    assert _digest(annotated_dataset(joined)) == _digest(ds)
    moved = kind.take(ds.data, torch.tensor([1, 0, 2, 3, 4, 5]))
    assert _digest(annotated_dataset(moved)) != _digest(ds)  # order matters: the hash sees the targets too


def test_claims_coco_yolo_and_mask_folders_and_reads_them_back(tmp_path, sklearn_digits):
    det = make_canvas("canvas-det", 5, seed=1)
    seg = make_canvas("canvas-seg", 5, seed=1)
    write_coco(tmp_path / "coco", det)
    write_yolo(tmp_path / "yolo", det)
    write_mask_folder(tmp_path / "masks", seg)
    kind = get_modality("annotated")
    for path in (tmp_path / "coco", tmp_path / "coco" / "annotations.json", tmp_path / "yolo", tmp_path / "masks"):
        assert kind.claims(path) == 3
        ds = load_dataset(path)
        assert ds.modality == "annotated" and len(ds) == 5
    (tmp_path / "other.json").write_text(json.dumps({"rows": []}))
    assert kind.claims(tmp_path / "other.json") == 0
    assert load_dataset(tmp_path / "yolo").data.source_format == "yolo"
    assert torch.equal(load_dataset(tmp_path / "masks").data.targets.mask.values.long(), seg.targets.mask.values.long())


def test_written_in_the_inputs_format_as_a_folder(tmp_path, sklearn_digits):
    ds = annotated_dataset(make_canvas("canvas-seg", 4, seed=2))
    with pytest.raises(AugmentlabError, match="written as a masks folder; give a folder name"):
        ds.kind.output_format(ds, tmp_path / "out.npz")
    assert save_dataset(ds, tmp_path / "out") == "masks"
    back = load_dataset(tmp_path / "out")
    assert torch.equal(back.data.images, ds.data.images)


def test_augment_and_replay_move_targets_byte_for_byte(sklearn_digits):
    ds = annotated_dataset(make_canvas("canvas-det", 10, seed=4))
    policy = parse_policy("hflip+affine(m=0.4)+brightness(m=0.3)")
    out, records = augment_dataset(ds, policy, copies=2, seed=7, batch_size=4)
    assert len(out) == 30 and torch.equal(out.data.images[:10], ds.data.images)
    assert not torch.equal(out.data.images[10:20], ds.data.images)
    manifest = build_manifest("canvas-det", ds, policy, 2, 7, 4, "coco", records)
    again = replay_dataset(ds, manifest)
    assert _digest(again) == _digest(out)
    boxes = out.data.targets.boxes
    assert boxes.batch_size == 30 and bool((boxes.xyxy[:, 2:] >= boxes.xyxy[:, :2]).all())
