"""COCO: boxes, polygon and RLE instance masks, category ids, round trips, and one clear
line for each kind of bad file."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from augmentlab.data.coco import read_coco, write_coco
from augmentlab.errors import AugmentlabError, AugmentlabNotice

pytest.importorskip("pycocotools")


def _coco(tmp_path, annotations=None, images=None, sizes=((40, 30), (40, 30))):
    (tmp_path / "images").mkdir()
    listed = images or [{"id": 10 + i, "file_name": f"im{i}.jpg", "width": w, "height": h} for i, (w, h) in enumerate(sizes)]
    for i, (w, h) in enumerate(sizes):
        Image.fromarray(np.full((h, w, 3), 60 * i, np.uint8)).save(tmp_path / "images" / f"im{i}.jpg")
    anns = annotations if annotations is not None else [
        {"id": 1, "image_id": 10, "category_id": 7, "bbox": [2, 3, 10, 8], "iscrowd": 0,
         "segmentation": [[2, 3, 12, 3, 12, 11, 2, 11]]},
        {"id": 2, "image_id": 10, "category_id": 3, "bbox": [20, 5, 6, 6], "iscrowd": 0,
         "segmentation": {"size": [30, 40], "counts": [20 * 30 + 5, 6, 24, 6, 24, 6, 24, 6, 24, 6, 24, 6, 439]}},
    ]
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps({"images": listed, "annotations": anns,
                                "categories": [{"id": 7, "name": "cat"}, {"id": 3, "name": "dog"}]}))
    return path


def test_reads_boxes_masks_and_categories_in_id_order(tmp_path):
    data = read_coco(_coco(tmp_path))
    assert data.class_names == ("dog", "cat") and data.images.shape == (2, 3, 30, 40)
    boxes = data.targets.boxes
    assert boxes.offsets.tolist() == [0, 2, 2] and boxes.labels.tolist() == [1, 0]
    assert boxes.xyxy.tolist() == [[2.0, 3.0, 12.0, 11.0], [20.0, 5.0, 26.0, 11.0]]
    assert boxes.masks.shape == (2, 30, 40) and int(boxes.masks[1].sum()) == 36  # the RLE square
    assert boxes.fields["id"].tolist() == [1, 2]


def test_write_then_read_gives_the_same_targets(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    data = read_coco(_coco(source))
    write_coco(tmp_path / "out", data)
    again = read_coco(tmp_path / "out" / "annotations.json")
    assert torch.equal(again.targets.boxes.xyxy, data.targets.boxes.xyxy) and torch.equal(again.targets.boxes.masks, data.targets.boxes.masks)
    assert again.class_names == data.class_names and torch.equal(again.targets.boxes.labels, data.targets.boxes.labels)
    assert json.loads((tmp_path / "out" / "annotations.json").read_text())["categories"][0] == {"id": 3, "name": "dog"}


def test_mixed_sizes_resize_boxes_and_masks_or_are_refused(tmp_path):
    path = _coco(tmp_path, sizes=((40, 30), (40, 30), (80, 60)),
                 annotations=[{"id": 1, "image_id": 12, "category_id": 3, "bbox": [8, 6, 40, 30], "segmentation": [[8, 6, 48, 6, 48, 36, 8, 36]]}])
    with pytest.warns(AugmentlabNotice, match="1 images resized to the common 40x30"):
        data = read_coco(path)
    assert data.targets.boxes.xyxy.tolist() == [[4.0, 3.0, 24.0, 18.0]]
    with pytest.raises(AugmentlabError, match="im2.jpg is not 40x30"):
        read_coco(path, mixed_sizes="reject")


@pytest.mark.parametrize("change,message", [
    (lambda a: a[0].update(image_id=99), r"annotations\[0\] points to image id 99"),
    (lambda a: a[0].update(bbox=[12, 3, -10, 8]), "negative width or height"),
    (lambda a: a[0].update(bbox=[30, 3, 20, 8]), "lies outside the 40x30 image im0.jpg"),
    (lambda a: a[1].update(segmentation={"size": [20, 40], "counts": [800]}), r"annotations\[1\]: its mask is 40x20"),
    (lambda a: a[0].update(bbox=[1, 2, 3]), r"bbox must be \[x, y, width, height\]"),
    (lambda a: a[0].update(category_id=5), "category_id 5 is not among"),
])
def test_bad_annotations_are_named(tmp_path, change, message):
    anns = [{"id": 1, "image_id": 10, "category_id": 7, "bbox": [2, 3, 10, 8], "segmentation": [[2, 3, 12, 3, 12, 11]]},
            {"id": 2, "image_id": 10, "category_id": 3, "bbox": [20, 5, 6, 6], "segmentation": [[20, 5, 26, 5, 26, 11]]}]
    change(anns)
    with pytest.raises(AugmentlabError, match=message):
        read_coco(_coco(tmp_path, annotations=anns))


def test_a_missing_image_file_or_a_wrong_declared_size_is_named(tmp_path):
    path = _coco(tmp_path)
    (tmp_path / "images" / "im1.jpg").unlink()
    with pytest.raises(AugmentlabError, match="image 11 is im1.jpg, which is not in"):
        read_coco(path)
    other = tmp_path / "other"
    other.mkdir()
    path = _coco(other, images=[{"id": 10, "file_name": "im0.jpg", "width": 41, "height": 30}], sizes=((40, 30),), annotations=[])
    with pytest.raises(AugmentlabError, match="im0.jpg: is 40x30, but annotations.json says 41x30"):
        read_coco(path)


def test_partly_segmented_annotations_are_read_as_boxes_with_a_notice(tmp_path):
    anns = [{"id": 1, "image_id": 10, "category_id": 7, "bbox": [2, 3, 10, 8], "segmentation": [[2, 3, 12, 3, 12, 11]]},
            {"id": 2, "image_id": 10, "category_id": 3, "bbox": [20, 5, 6, 6]}]
    with pytest.warns(AugmentlabNotice, match="1 of 2 annotations have no segmentation"):
        data = read_coco(_coco(tmp_path, annotations=anns))
    assert data.targets.boxes.masks is None and len(data.targets.boxes.labels) == 2
