"""YOLO folders and segmentation mask folders: read, write back, and bad input named."""

import numpy as np
import pytest
import torch
from PIL import Image

from augmentlab.data.mask_folder import read_mask_folder, write_mask_folder
from augmentlab.data.yolo import read_yolo, write_yolo
from augmentlab.errors import AugmentlabError


def _yolo(root, lines=("0 0.25 0.5 0.2 0.4", "1 0.75 0.25 0.1 0.2")):
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for name in ("a", "b"):
        Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(root / "images" / f"{name}.jpg")
    (root / "labels" / "a.txt").write_text("\n".join(lines) + "\n")
    (root / "classes.txt").write_text("car\nperson\n")
    return root


def test_yolo_reads_normalised_boxes_and_class_names(tmp_path):
    data = read_yolo(_yolo(tmp_path / "set"))
    assert data.class_names == ("car", "person") and data.names == ("a.jpg", "b.jpg")
    boxes = data.targets.boxes
    assert boxes.offsets.tolist() == [0, 2, 2] and boxes.labels.tolist() == [0, 1]  # b has no label file: no boxes
    assert torch.allclose(boxes.xyxy, torch.tensor([[6.0, 6.0, 14.0, 14.0], [28.0, 3.0, 32.0, 7.0]], dtype=torch.float64))
    write_yolo(tmp_path / "out", data)
    again = read_yolo(tmp_path / "out")
    assert torch.allclose(again.targets.boxes.xyxy, boxes.xyxy, atol=1e-4) and again.class_names == data.class_names


@pytest.mark.parametrize("line,message", [
    ("0 0.5 0.5 0.2", r"a.txt:1: expected 'class cx cy w h' \(5 numbers\), got 4"),
    ("x 0.5 0.5 0.2 0.2", "expected an integer class"),
    ("0 0.95 0.5 0.2 0.2", "is not inside the image"),
    ("3 0.5 0.5 0.2 0.2", "labels use class 3, but the class list names only 2"),
])
def test_bad_yolo_lines_are_named(tmp_path, line, message):
    with pytest.raises(AugmentlabError, match=message):
        read_yolo(_yolo(tmp_path / "set", lines=(line,)))


def _masks(root, mask_size=(20, 40)):
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for k in range(2):
        Image.fromarray(np.full((20, 40, 3), 50 * k, np.uint8)).save(root / "images" / f"{k}.jpg")
        mask = np.zeros(mask_size, np.uint8)
        mask[2:8, 3:9] = 1 + k
        mask[0, :] = 255
        Image.fromarray(mask).save(root / "masks" / f"{k}.png")
    return root


def test_mask_folders_read_and_write_back(tmp_path):
    data = read_mask_folder(_masks(tmp_path / "set"))
    assert data.class_names == ("0", "1", "2") and data.targets.mask.values.shape == (2, 20, 40)
    assert data.targets.mask.ignore == 255 and int(data.targets.mask.values[1, 3, 4]) == 2
    write_mask_folder(tmp_path / "out", data)
    assert torch.equal(read_mask_folder(tmp_path / "out").targets.mask.values, data.targets.mask.values)


def test_a_mask_whose_size_differs_or_is_missing_is_named(tmp_path):
    with pytest.raises(AugmentlabError, match=r"masks/0.png: is 30x20, but its image is 40x20"):
        read_mask_folder(_masks(tmp_path / "a", mask_size=(20, 30)))
    root = _masks(tmp_path / "b")
    (root / "masks" / "1.png").unlink()
    with pytest.raises(AugmentlabError, match=r"1.jpg: has no mask masks/1.png"):
        read_mask_folder(root)
