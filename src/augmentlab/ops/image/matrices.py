"""Batched 3x3 forward matrices in pixel coordinates (pixel centres at integers)."""

from __future__ import annotations

import functools
import math

import torch

Matrix = torch.Tensor  # (B, 3, 3) float64


IDENTITY = torch.eye(3, dtype=torch.float64)


def eye(batch: int) -> Matrix:
    return IDENTITY.expand(batch, 3, 3).clone()


def translation(tx: torch.Tensor, ty: torch.Tensor) -> Matrix:
    m = eye(len(tx))
    m[:, 0, 2] = tx
    m[:, 1, 2] = ty
    return m


def about_centre(linear: Matrix, H: int, W: int) -> Matrix:
    """Conjugate a linear map so it acts about the image centre."""
    to, back = _centre_shifts(len(linear), H, W)
    return back @ linear @ to


@functools.lru_cache(maxsize=16)
def _centre_shifts(batch: int, H: int, W: int) -> tuple[Matrix, Matrix]:
    """The shifts to and from the centre of an H x W image, for a batch: the same on every
    batch of that size, and built on the hot path of every rotation, scaling and shear.
    (Cached: read-only, as every caller takes products of them.)"""
    cx, cy = (W - 1) / 2.0, (H - 1) / 2.0
    to = translation(torch.full((batch,), -cx, dtype=torch.float64), torch.full((batch,), -cy, dtype=torch.float64))
    back = translation(torch.full((batch,), cx, dtype=torch.float64), torch.full((batch,), cy, dtype=torch.float64))
    return to, back


def rotation(degrees: torch.Tensor) -> Matrix:
    r = torch.deg2rad(degrees)
    cos, sin = torch.cos(r), torch.sin(r)
    m = eye(len(degrees))
    m[:, 0, 0], m[:, 0, 1] = cos, -sin
    m[:, 1, 0], m[:, 1, 1] = sin, cos
    return m


def shear(degrees_x: torch.Tensor, degrees_y: torch.Tensor) -> Matrix:
    m = eye(len(degrees_x))
    m[:, 0, 1] = torch.tan(torch.deg2rad(degrees_x))
    m[:, 1, 0] = torch.tan(torch.deg2rad(degrees_y))
    return m


def scaling(sx: torch.Tensor, sy: torch.Tensor) -> Matrix:
    m = eye(len(sx))
    m[:, 0, 0] = sx
    m[:, 1, 1] = sy
    return m


def flip(batch: int, H: int, W: int, horizontal: bool) -> Matrix:
    m = eye(batch)
    if horizontal:
        m[:, 0, 0], m[:, 0, 2] = -1.0, W - 1.0
    else:
        m[:, 1, 1], m[:, 1, 2] = -1.0, H - 1.0
    return m


def homography(src: torch.Tensor, dst: torch.Tensor) -> Matrix:
    """The projective maps taking four points ``src`` (B, 4, 2) to ``dst`` (B, 4, 2)."""
    b = len(src)
    a = torch.zeros(b, 8, 8, dtype=torch.float64)
    rhs = torch.zeros(b, 8, dtype=torch.float64)
    for i in range(4):
        x, y = src[:, i, 0], src[:, i, 1]
        u, v = dst[:, i, 0], dst[:, i, 1]
        a[:, 2 * i, 0], a[:, 2 * i, 1], a[:, 2 * i, 2] = x, y, 1
        a[:, 2 * i, 6], a[:, 2 * i, 7] = -u * x, -u * y
        a[:, 2 * i + 1, 3], a[:, 2 * i + 1, 4], a[:, 2 * i + 1, 5] = x, y, 1
        a[:, 2 * i + 1, 6], a[:, 2 * i + 1, 7] = -v * x, -v * y
        rhs[:, 2 * i], rhs[:, 2 * i + 1] = u, v
    h = torch.linalg.solve(a, rhs)
    return torch.cat([h, torch.ones(b, 1, dtype=torch.float64)], dim=1).view(b, 3, 3)


LN2 = math.log(2.0)
