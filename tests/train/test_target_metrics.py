"""mIoU and AP50 against hand counts and pycocotools' COCOeval."""

import contextlib
import io

import numpy as np
import pytest
import torch

from augmentlab.train.target_metrics import average_precision, box_iou, confusion, mean_iou


def test_mean_iou_leaves_the_ignore_value_out():
    truth = torch.tensor([[0, 0, 1, 1], [255, 255, 1, 1]])
    pred = torch.tensor([[0, 1, 1, 1], [1, 1, 1, 0]])
    counts = confusion(pred, truth, classes=2)
    assert counts.tolist() == [[1, 1], [1, 3]]
    assert mean_iou(counts) == pytest.approx((1 / 3 + 3 / 5) / 2)


def test_box_iou():
    assert box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3], [5, 5, 6, 6]])).tolist() == [[1 / 7, 0.0]]


def _random_set(rng, images=12, classes=3):
    truths, detections = [], []
    for _ in range(images):
        g = rng.integers(0, 5)
        xy = rng.uniform(0, 50, (g, 2))
        gt = np.concatenate([xy, xy + rng.uniform(5, 20, (g, 2))], 1)
        gl = rng.integers(0, classes, g)
        jitter = gt + rng.normal(0, 3, gt.shape)
        extra = rng.integers(0, 4)
        exy = rng.uniform(0, 50, (extra, 2))
        dets = np.concatenate([jitter, np.concatenate([exy, exy + 10], 1)])
        dl = np.concatenate([np.where(rng.random(g) < 0.85, gl, rng.integers(0, classes, g)), rng.integers(0, classes, extra)])
        dets[:, 2:] = np.maximum(dets[:, 2:], dets[:, :2] + 0.5)
        truths.append((gt, gl))
        detections.append((dets, rng.random(len(dets)), dl))
    return detections, truths


def _coco_ap50(detections, truths, classes):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images = [{"id": i + 1, "width": 100, "height": 100} for i in range(len(truths))]
    anns, dets = [], []
    for i, (gt, gl) in enumerate(truths):
        for box, label in zip(gt, gl):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(label) + 1, "iscrowd": 0,
                         "bbox": [*box[:2].tolist(), *(box[2:] - box[:2]).tolist()], "area": float(np.prod(box[2:] - box[:2]))})
    for i, (boxes, scores, labels) in enumerate(detections):
        for box, score, label in zip(boxes, scores, labels):
            dets.append({"image_id": i + 1, "category_id": int(label) + 1, "score": float(score),
                         "bbox": [*box[:2].tolist(), *(box[2:] - box[:2]).tolist()]})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": c + 1, "name": str(c)} for c in range(classes)]}
        gt.createIndex()
        evaluation = COCOeval(gt, gt.loadRes(dets), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation.stats[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ap50_agrees_with_cocoeval(seed):
    pytest.importorskip("pycocotools")
    detections, truths = _random_set(np.random.default_rng(seed))
    assert average_precision(detections, truths, classes=3) == pytest.approx(_coco_ap50(detections, truths, 3), abs=1e-6)


def test_ap_is_one_for_perfect_detections_and_zero_without_any():
    truths = [(np.array([[0.0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0, 1]))]
    perfect = [(truths[0][0], np.array([0.9, 0.8]), truths[0][1])]
    assert average_precision(perfect, truths, classes=2) == 1.0
    assert average_precision([(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))], truths, classes=2) == 0.0
