"""The targets preview: originals and draws with their boxes, masks and keypoints drawn."""

import numpy as np
import torch

from augmentlab.data.canvas import make_canvas
from augmentlab.data.targets import Keypoints, Targets
from augmentlab.policy import parse_policy
from augmentlab.preview_targets import draw_targets, preview_targets


def test_boxes_and_masks_are_drawn_over_each_draw(monkeypatch):
    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)
    det = make_canvas("canvas-det", 4, seed=0)
    grid = preview_targets(det, parse_policy("hflip+rotate(m=0.2)"), seed=0, rows=3, draws=2)
    assert grid.shape == (3 * (128 + 2) + 2, 3 * (128 + 2) + 2, 3)
    coloured = (grid[..., 0] != grid[..., 1]) | (grid[..., 1] != grid[..., 2])
    assert coloured.any()  # box outlines on grey images are coloured
    seg = make_canvas("canvas-seg", 2, seed=0)
    again = preview_targets(seg, parse_policy("hflip"), seed=0, rows=2, draws=1)
    assert np.array_equal(again, preview_targets(seg, parse_policy("hflip"), seed=0, rows=2, draws=1))


def test_hidden_keypoints_are_hollow():
    image = torch.zeros(1, 16, 16, dtype=torch.uint8)
    points = Keypoints.of([[[4.0, 4.0], [11.0, 11.0]]], size=(16, 16), visible=[[True, False]])
    picture = np.asarray(draw_targets(image, Targets(keypoints=points), 0, (), scale=4))
    assert tuple(picture[4 * 4 + 2, 4 * 4 + 2]) == (255, 255, 0)  # filled
    assert tuple(picture[11 * 4 + 2, 11 * 4 + 2]) == (0, 0, 0)  # hollow: the centre is the image
