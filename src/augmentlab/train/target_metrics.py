"""Scores for segmentation and detection: mean IoU over classes (the ignore value left out)
and COCO-style average precision at one IoU threshold (AP50 by default), as pycocotools'
COCOeval computes it for the "all areas" range: detections matched greedily by score to
the unmatched ground truth of best IoU, precision made monotone, sampled at 101 recall
points, averaged over the classes that have ground truth."""

from __future__ import annotations

import numpy as np
import torch

RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETECTIONS = 100  # per image, as COCOeval's largest maxDets


def confusion(pred: torch.Tensor, truth: torch.Tensor, classes: int, ignore: int | None = 255) -> torch.Tensor:
    """(classes, classes) pixel counts, rows = truth, columns = prediction; pixels whose
    truth is ``ignore`` (or outside the classes) are left out."""
    keep = (truth >= 0) & (truth < classes)
    if ignore is not None:
        keep &= truth != ignore
    t, p = truth[keep].long(), pred[keep].long().clamp(0, classes - 1)
    return torch.bincount(t * classes + p, minlength=classes * classes).view(classes, classes)


def mean_iou(counts: torch.Tensor) -> float:
    """Mean over classes present in the truth or the prediction of TP / (TP + FP + FN)."""
    counts = counts.double()
    tp = counts.diag()
    union = counts.sum(0) + counts.sum(1) - tp
    present = union > 0
    return float((tp[present] / union[present]).mean()) if bool(present.any()) else float("nan")


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) IoU of ``xyxy`` boxes."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: np.clip(x[:, 2:] - x[:, :2], 0, None).prod(-1)  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None, :] - inter, 1e-12)


def average_precision(detections: list[tuple[np.ndarray, np.ndarray, np.ndarray]], truths: list[tuple[np.ndarray, np.ndarray]],
                      classes: int, iou: float = 0.5) -> float:
    """COCO-style AP at ``iou``. ``detections[i]`` = (boxes xyxy (K, 4), scores (K,),
    labels (K,)) and ``truths[i]`` = (boxes (G, 4), labels (G,)) for image i. Returns the
    mean over classes with ground truth (NaN when there is none)."""
    per_class = []
    for c in range(classes):
        scores, hits, total = [], [], 0
        for (d_boxes, d_scores, d_labels), (g_boxes, g_labels) in zip(detections, truths):
            g = np.asarray(g_boxes)[np.asarray(g_labels) == c]
            total += len(g)
            pick = np.asarray(d_labels) == c
            boxes, conf = np.asarray(d_boxes)[pick], np.asarray(d_scores)[pick]
            order = np.argsort(-conf, kind="mergesort")[:MAX_DETECTIONS]
            boxes, conf = boxes[order], conf[order]
            overlaps = box_iou(boxes, g)
            taken = np.zeros(len(g), bool)
            for k in range(len(boxes)):
                candidates = np.where(~taken & (overlaps[k] >= iou - 1e-12), overlaps[k], -1.0) if len(g) else np.zeros(0)
                best = int(np.argmax(candidates)) if len(g) else -1
                hit = best >= 0 and candidates[best] >= 0
                if hit:
                    taken[best] = True
                hits.append(hit)
                scores.append(conf[k])
        if total == 0:
            continue
        order = np.argsort(-np.asarray(scores), kind="mergesort")
        tp = np.cumsum(np.asarray(hits, dtype=np.float64)[order]) if hits else np.zeros(0)
        fp = np.cumsum(1.0 - np.asarray(hits, dtype=np.float64)[order]) if hits else np.zeros(0)
        recall = tp / total
        precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
        envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
        at = np.searchsorted(recall, RECALL_POINTS, side="left")
        sampled = np.where(at < len(envelope), envelope[np.minimum(at, len(envelope) - 1)] if len(envelope) else 0.0, 0.0)
        per_class.append(float(np.mean(sampled)))
    return float(np.mean(per_class)) if per_class else float("nan")
