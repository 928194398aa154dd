"""Distances between real and synthetic samples in a feature space (rows are samples).

- Fréchet distance between Gaussians fitted to the two sets (the FID formula, in
  whatever feature space is given).
- Precision, recall, density and coverage from k-nearest-neighbour balls (Naeem et al.
  2020), the k-NN radii taken within each set.
- Memorisation: the share of synthetic samples closer to a training sample than the
  ``quantile`` of training samples' distances to their own nearest neighbour.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from scipy import linalg


def _as_array(x) -> np.ndarray:
    x = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return x.reshape(len(x), -1).astype(np.float64)


def frechet_distance(real, fake) -> float:
    """||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))."""
    a, b = _as_array(real), _as_array(fake)
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", linalg.LinAlgWarning)
            root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():
            raise linalg.LinAlgError("non-finite square root")
    except (linalg.LinAlgError, linalg.LinAlgWarning):
        # singular product (dead ReLU features, say): regularise, as the FID reference code does
        eps = np.eye(len(cov_a)) * 1e-6
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            root = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    root = np.real(root)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(d, 0))


def _kth_neighbour_radius(x: np.ndarray, k: int) -> np.ndarray:
    d = _distances(x, x)
    np.fill_diagonal(d, np.inf)
    return np.partition(d, k - 1, axis=1)[:, k - 1]


def prdc(real, fake, k: int = 5) -> dict:
    """``{precision, recall, density, coverage}`` of ``fake`` against ``real``."""
    r, f = _as_array(real), _as_array(fake)
    if min(len(r), len(f)) <= k:
        raise ValueError(f"precision/recall need more than k={k} samples in each set")
    real_radius, fake_radius = _kth_neighbour_radius(r, k), _kth_neighbour_radius(f, k)
    d = _distances(r, f)  # real x fake
    inside_real = d < real_radius[:, None]
    return {
        "precision": float(inside_real.any(0).mean()),
        "recall": float((d < fake_radius[None, :]).any(1).mean()),
        "density": float(inside_real.sum(0).mean() / k),
        "coverage": float((d.min(1) < real_radius).mean()),
    }


def memorisation(train, fake, quantile: float = 0.01) -> dict:
    """The share of synthetic samples nearer to some training sample than the ``quantile``
    of training samples' nearest-neighbour distances among themselves."""
    t, f = _as_array(train), _as_array(fake)
    own = _distances(t, t)
    np.fill_diagonal(own, np.inf)
    threshold = float(np.quantile(own.min(1), quantile))
    nearest = _distances(f, t).min(1)
    return {"share": float((nearest < threshold).mean()), "quantile": quantile, "threshold": threshold,
            "median_nearest_distance": float(np.median(nearest))}
