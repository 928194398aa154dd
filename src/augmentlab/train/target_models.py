"""Small default models for images with targets: a U-Net for semantic segmentation and a
CenterNet-style detector (Zhou et al. 2019: a heatmap of object centres per class, with
each centre's box size and sub-cell offset), both sized for small images on a CPU."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

STRIDE = 4  # the detector's output cell, in pixels


def _double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Encoder(nn.Module):
    """Three stages at full, 1/2 and 1/4 resolution; returns all three feature maps."""

    def __init__(self, channels: int, width: int = 16):
        super().__init__()
        self.stages = nn.ModuleList([_double_conv(channels, width), _double_conv(width, 2 * width), _double_conv(2 * width, 4 * width)])

    def forward(self, x):
        features = []
        for k, stage in enumerate(self.stages):
            x = stage(x if k == 0 else F.max_pool2d(x, 2))
            features.append(x)
        return features


class UNet(nn.Module):
    """Per-pixel class logits (B, classes, H, W) for images whose sides divide by 4. Width 8
    and nearest upsampling keep it cheap on a CPU; the full-resolution decoder is ``top``
    (16) wide, because 8 channels there left some of canvas-seg's 11 classes never
    predicted on some seeds (IoU 0 even on the training images)."""

    def __init__(self, channels: int, classes: int, width: int = 8, top: int = 16):
        super().__init__()
        self.encoder = Encoder(channels, width)
        self.up2 = _double_conv(4 * width + 2 * width, 2 * width)
        self.up1 = _double_conv(2 * width + width, top)
        self.head = nn.Conv2d(top, classes, 1)

    def forward(self, x):
        f1, f2, f4 = self.encoder(x)
        x = self.up2(torch.cat([F.interpolate(f4, size=f2.shape[-2:], mode="nearest"), f2], 1))
        x = self.up1(torch.cat([F.interpolate(x, size=f1.shape[-2:], mode="nearest"), f1], 1))
        return self.head(x)


class CenterNet(nn.Module):
    """Outputs at 1/4 resolution: ``heat`` (B, classes, h, w) logits of object centres,
    ``size`` (B, 2, h, w) box width and height in cells, ``offset`` (B, 2, h, w) of the
    centre within its cell."""

    def __init__(self, channels: int, classes: int, width: int = 16):
        super().__init__()
        self.encoder = Encoder(channels, width)
        self.neck = _double_conv(4 * width + 2 * width, 4 * width)
        self.heat = nn.Sequential(nn.Conv2d(4 * width, 4 * width, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(4 * width, classes, 1))
        self.box = nn.Sequential(nn.Conv2d(4 * width, 4 * width, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(4 * width, 4, 1))
        nn.init.constant_(self.heat[-1].bias, -2.19)  # a prior of 0.1 per cell, as the paper starts

    def forward(self, x):
        _, f2, f4 = self.encoder(x)
        x = self.neck(torch.cat([f4, F.avg_pool2d(f2, 2)], 1))
        box = self.box(x)
        return {"heat": self.heat(x), "size": box[:, :2], "offset": box[:, 2:]}


def centre_targets(boxes_xyxy: torch.Tensor, labels: torch.Tensor, rows: torch.Tensor, batch: int, classes: int,
                   grid: tuple[int, int]) -> dict:
    """The detector's training targets: a Gaussian bump per object centre on its class's
    heatmap (spread with the box size, as CenterNet draws them), and the size and offset
    each centre cell must predict."""
    h, w = grid
    heat = torch.zeros(batch, classes, h, w)
    centres = (boxes_xyxy[:, :2] + boxes_xyxy[:, 2:]) / 2 / STRIDE - 0.5  # cell-centre coordinates
    sizes = (boxes_xyxy[:, 2:] - boxes_xyxy[:, :2]) / STRIDE
    cells = centres.round().long()
    cells[:, 0].clamp_(0, w - 1)
    cells[:, 1].clamp_(0, h - 1)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    for k in range(len(labels)):
        sigma = max(float(sizes[k].min()) / 6.0, 0.5)
        bump = torch.exp(-((xs - cells[k, 0]) ** 2 + (ys - cells[k, 1]) ** 2) / (2 * sigma**2)).float()
        plane = heat[rows[k], labels[k]]
        torch.maximum(plane, bump, out=plane)
    return {"heat": heat, "rows": rows, "cells": cells, "size": sizes.float(), "offset": (centres - cells).float()}


def centre_loss(out: dict, targets: dict) -> torch.Tensor:
    """CornerNet's focal loss on the heatmap (alpha 2, beta 4), plus L1 on the size (weight
    0.1) and the offset at every object's centre cell."""
    p = torch.sigmoid(out["heat"]).clamp(1e-4, 1 - 1e-4)
    t = targets["heat"].to(p.device)
    positive = t >= 1.0 - 1e-6
    pos = -((1 - p) ** 2 * torch.log(p))[positive].sum()
    neg = -((1 - t) ** 4 * p**2 * torch.log(1 - p))[~positive].sum()
    n = max(int(positive.sum()), 1)
    loss = (pos + neg) / n
    if len(targets["rows"]):
        r, c = targets["rows"].to(p.device), targets["cells"].to(p.device)
        size = out["size"][r, :, c[:, 1], c[:, 0]]
        offset = out["offset"][r, :, c[:, 1], c[:, 0]]
        loss = loss + 0.1 * F.l1_loss(size, targets["size"].to(p.device)) + F.l1_loss(offset, targets["offset"].to(p.device))
    return loss


@torch.no_grad()
def decode(out: dict, top: int = 20) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Per image ``(boxes xyxy in pixels, scores, labels)``: the ``top`` strongest local
    maxima of the heatmaps (a 3x3 max-pool keeps peaks, CenterNet's NMS)."""
    heat = torch.sigmoid(out["heat"])
    peaks = heat * (F.max_pool2d(heat, 3, stride=1, padding=1) == heat)
    B, C, h, w = heat.shape
    scores, index = peaks.view(B, -1).topk(min(top, C * h * w))
    labels, cell = index // (h * w), index % (h * w)
    ys, xs = cell // w, cell % w
    results = []
    for b in range(B):
        off = out["offset"][b, :, ys[b], xs[b]]
        size = out["size"][b, :, ys[b], xs[b]].clamp_min(0)
        cx, cy = (xs[b] + off[0] + 0.5) * STRIDE, (ys[b] + off[1] + 0.5) * STRIDE
        bw, bh = size[0] * STRIDE, size[1] * STRIDE
        results.append((torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1), scores[b], labels[b]))
    return results
