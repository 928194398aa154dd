"""Boxes, keypoints and masks as data: formats, ragged batches, and one clear error per bad box."""

import pytest
import torch

from augmentlab.data.targets import BOX_FORMATS, Boxes, Keypoints, SemanticMask, from_xyxy, to_xyxy
from augmentlab.errors import AugmentlabError

SIZE = (40, 60)  # H, W


@pytest.mark.parametrize("fmt", BOX_FORMATS)
def test_every_format_round_trips(fmt):
    xyxy = torch.tensor([[0.0, 0.0, 1.0, 1.0], [10.5, 4.0, 60.0, 40.0]], dtype=torch.float64)
    assert torch.allclose(to_xyxy(from_xyxy(xyxy, fmt, SIZE), fmt, SIZE), xyxy)


def test_formats_mean_what_their_owners_mean():
    assert to_xyxy(torch.tensor([[10.0, 5.0, 20.0, 8.0]]), "xywh", SIZE).tolist() == [[10.0, 5.0, 30.0, 13.0]]  # COCO
    assert to_xyxy(torch.tensor([[20.0, 10.0, 8.0, 4.0]]), "cxcywh", SIZE).tolist() == [[16.0, 8.0, 24.0, 12.0]]
    assert to_xyxy(torch.tensor([[0.5, 0.5, 0.5, 0.25]]), "yolo", SIZE).tolist() == [[15.0, 15.0, 45.0, 25.0]]


def test_boxes_per_image_lists_and_one_tensor_with_offsets_agree():
    listed = Boxes.of([[[0, 0, 5, 5], [1, 1, 3, 4]], [], [[2, 2, 8, 9]]], [[1, 2], [], [3]], size=SIZE,
                      fields={"iscrowd": [[0, 1], [], [0]]})
    joined = Boxes.of(torch.tensor([[0, 0, 5, 5], [1, 1, 3, 4], [2, 2, 8, 9]]), torch.tensor([1, 2, 3]), size=SIZE,
                      offsets=[0, 2, 2, 3], fields={"iscrowd": torch.tensor([0, 1, 0])})
    assert torch.equal(listed.xyxy, joined.xyxy) and listed.offsets.tolist() == [0, 2, 2, 3]
    assert listed.counts.tolist() == [2, 0, 1] and listed.image_of_row.tolist() == [0, 0, 2]
    assert [len(b) for b in listed.per_image()] == [2, 0, 1]
    assert torch.equal(listed.fields["iscrowd"], joined.fields["iscrowd"])


def test_keeping_and_taking_images_carry_labels_and_fields():
    boxes = Boxes.of([[[0, 0, 5, 5], [1, 1, 3, 4]], [[2, 2, 8, 9]]], [[1, 2], [3]], size=SIZE, fields={"id": [[7, 8], [9]]})
    kept = boxes.keep(torch.tensor([True, False, True]))
    assert kept.labels.tolist() == [1, 3] and kept.fields["id"].tolist() == [7, 9] and kept.offsets.tolist() == [0, 1, 2]
    second = boxes.images(torch.tensor([1]))
    assert second.labels.tolist() == [3] and second.offsets.tolist() == [0, 1] and second.fields["id"].tolist() == [9]


@pytest.mark.parametrize("bad,fragment", [
    ([[10, 0, 5, 5]], "image 0, box 0"),  # x2 < x1
    ([[0, 0, 5, 5], [0, 0, 70, 5]], "box 1"),  # outside the 60-wide image
    ([[0, 0, float("nan"), 5]], "box 0"),
])
def test_a_bad_box_is_named(bad, fragment):
    with pytest.raises(AugmentlabError, match=fragment):
        Boxes.of([bad], [[0] * len(bad)], size=SIZE)


def test_rounding_outside_the_image_is_accepted_and_counts_must_match():
    Boxes.of([[[-0.3, 0, 60.2, 40.4]]], [[0]], size=SIZE)
    with pytest.raises(AugmentlabError, match="labels: 1 values for 2 rows"):
        Boxes.of([[[0, 0, 5, 5], [1, 1, 2, 2]]], [[0]], size=SIZE)
    with pytest.raises(AugmentlabError, match="4 numbers per box"):
        Boxes.of([[[0, 0, 5]]], [[0]], size=SIZE)
    with pytest.raises(AugmentlabError, match="offsets"):
        Boxes.of(torch.zeros(3, 4), torch.zeros(3), size=SIZE)


def test_keypoints_and_masks():
    points = Keypoints.of([[[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]], size=SIZE, visible=[[True], [False, True]])
    assert points.offsets.tolist() == [0, 1, 3] and points.visible.tolist() == [True, False, True]
    assert points.images(torch.tensor([1])).xy.tolist() == [[3.0, 4.0], [5.0, 6.0]]
    with pytest.raises(AugmentlabError, match="integer class ids"):
        SemanticMask(torch.zeros(2, 4, 4))
    with pytest.raises(AugmentlabError, match="does not match"):
        SemanticMask(torch.zeros(2, 4, 4, dtype=torch.uint8)).matches(torch.zeros(2, 3, 4, 5))
