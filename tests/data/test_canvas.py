"""The built-in canvas sets: seeded, exact boxes and masks, no download."""

import pytest
import torch

from augmentlab.data.canvas import make_canvas
from augmentlab.data.targets import bounding_boxes
from augmentlab.errors import AugmentlabError


@pytest.fixture(params=["sklearn", "mnist"])
def source(request, monkeypatch):
    if request.param == "sklearn":
        monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    else:
        import os
        from pathlib import Path

        if not (Path(os.environ.get("AUGMENTLAB_DATA", "/nonexistent")) / "mnist").is_dir():
            pytest.skip("AUGMENTLAB_DATA has no mnist")
    return request.param


def test_detection_canvases_have_exact_boxes_from_their_masks(source):
    data = make_canvas("canvas-det", 30, seed=1)
    boxes = data.targets.boxes
    assert data.images.shape == (30, 1, 64, 64) and data.layout["source"] == ("mnist" if source == "mnist" else "sklearn-digits")
    assert 30 <= len(boxes.labels) <= 120 and bool((boxes.counts >= 1).all())
    assert torch.equal(boxes.xyxy, bounding_boxes(boxes.masks))
    for row, image in zip(range(len(boxes.labels)), boxes.image_of_row.tolist()):
        inked = data.images[image, 0][boxes.masks[row].bool()]
        assert int(inked.min()) >= 64  # every mask pixel is ink of its digit


def test_segmentation_canvases_label_every_ink_pixel_and_repeat_with_the_seed(source):
    data = make_canvas("canvas-seg", 20, seed=2)
    values = data.targets.mask.values
    assert data.class_names[0] == "background" and int(values.max()) <= 10
    assert bool(((values > 0) == (data.images[:, 0] >= 64)).float().mean() > 0.99)
    again = make_canvas("canvas-seg", 20, seed=2)
    assert torch.equal(again.images, data.images) and torch.equal(again.targets.mask.values, values)
    assert not torch.equal(make_canvas("canvas-seg", 20, seed=3).images, data.images)


def test_unknown_canvas_is_refused():
    with pytest.raises(AugmentlabError, match="canvas: 'canvas-cls' is unknown"):
        make_canvas("canvas-cls", 5)
