"""Geometric ops. Each is a per-sample 3x3 matrix, so a chain of them (hflip, crop,
rotate, ...) is composed and resampled once (see ``policy.compose``)."""

from __future__ import annotations

import math
from abc import abstractmethod

import torch

from augmentlab.errors import AugmentlabError
from augmentlab.ops.base import Op, Params
from augmentlab.ops.image import matrices as mx
from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.warp import shift_flip_chain_u8, warp
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register


class GeometricOp(Op):
    family = "geometric"

    @abstractmethod
    def matrix(self, params: Params, shape: tuple[int, ...]) -> torch.Tensor:
        """Forward (B, 3, 3) float64 matrices mapping input pixels to output pixels."""

    def axis_map(self, params: Params, shape: tuple[int, ...]):
        """For exact integer transforms (flips, integer shifts): ``(fx, tx, fy, ty)``,
        flips as bools and shifts as ints, or either as per-sample arrays, with output
        ``x' = (-x if fx else x) + tx`` and the same in y; else None. Chains of these skip
        matrices and go straight to the copy kernel."""
        return None

    def kernel(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        shape = tuple(x.shape[1:])
        if x.dtype == torch.uint8 and native_cpu(x) and (maps := self.axis_map(params, shape)) is not None:
            return shift_flip_chain_u8(x, [(True, maps)])
        return warp(x, self.matrix(params, shape))


@register
class HorizontalFlip(GeometricOp):
    name = "hflip"
    magnitude = None
    controls = "nothing (apply with probability p, 0.5 by default)"
    identity_at_zero = False

    def __init__(self, m: float = 0.5, p: float = 0.5, mode: str = "uniform"):
        super().__init__(m, p, mode)

    def sample_params(self, g, batch, shape):
        return {"flip": torch.ones(batch, dtype=torch.bool)}

    def matrix(self, params, shape):
        return mx.flip(len(params["flip"]), shape[-2], shape[-1], horizontal=True)

    def axis_map(self, params, shape):
        return True, shape[-1] - 1, False, 0


@register
class VerticalFlip(HorizontalFlip):
    name = "vflip"
    magnitude = None

    def matrix(self, params, shape):
        return mx.flip(len(params["flip"]), shape[-2], shape[-1], horizontal=False)

    def axis_map(self, params, shape):
        return False, 0, True, shape[-2] - 1


@register
class PadCrop(GeometricOp):
    """Pad by ``pad`` pixels (zeros) and crop back at a random offset: an integer shift."""

    name = "pad_crop"
    magnitude = Magnitude("padding", 0.5, "of the size")
    controls = "padding: round(m * size / 2) pixels, unless pad is given"

    def __init__(self, m: float = 0.5, p: float = 1.0, mode: str = "uniform", pad: int | None = None):
        super().__init__(m, p, mode)
        if pad is not None and (not isinstance(pad, int) or isinstance(pad, bool) or pad < 0):
            raise AugmentlabError(f"pad_crop: pad={pad!r} must be a non-negative integer")
        self.pad = pad

    def sample_params(self, g, batch, shape):
        H, W = shape[-2:]
        pads = [self.pad if self.pad is not None else round(self.m * s / 2) for s in (W, H)]
        shifts = []
        for pad in pads:
            if self.mode == "fixed":
                s = (torch.randint(0, 2, (batch,), generator=g) * 2 - 1) * pad
            else:
                s = torch.randint(-pad, pad + 1, (batch,), generator=g)
            shifts.append(s)
        return {"dx": shifts[0], "dy": shifts[1]}

    def matrix(self, params, shape):
        return mx.translation(params["dx"].double(), params["dy"].double())

    def axis_map(self, params, shape):
        return False, params["dx"].numpy(), False, params["dy"].numpy()


@register
class Translate(GeometricOp):
    name = "translate"
    magnitude = Magnitude("shift in x and y", 0.5, "of the size", signed=True)
    controls = "shift in x and y: up to m * 0.5 of the size"
    axes = (True, True)

    def sample_params(self, g, batch, shape):
        tx, ty = self.signed(g, batch, 0.5), self.signed(g, batch, 0.5)
        return {"tx": tx * self.axes[0], "ty": ty * self.axes[1]}

    def matrix(self, params, shape):
        H, W = shape[-2:]
        return mx.translation(params["tx"] * W, params["ty"] * H)


@register
class TranslateX(Translate):
    name = "translate_x"
    magnitude = Magnitude("shift in x", 0.5, "of the width", signed=True)
    controls = "shift in x: up to m * 0.5 of the width"
    axes = (True, False)


@register
class TranslateY(Translate):
    name = "translate_y"
    magnitude = Magnitude("shift in y", 0.5, "of the height", signed=True)
    controls = "shift in y: up to m * 0.5 of the height"
    axes = (False, True)


@register
class Rotate(GeometricOp):
    name = "rotate"
    magnitude = Magnitude("rotation angle", 90.0, "degrees", signed=True)
    controls = "angle: up to ±90° * m"

    def sample_params(self, g, batch, shape):
        return {"degrees": self.signed(g, batch, 90.0)}

    def matrix(self, params, shape):
        return mx.about_centre(mx.rotation(params["degrees"]), *shape[-2:])


@register
class ShearX(GeometricOp):
    name = "shear_x"
    magnitude = Magnitude("shear angle along x", 45.0, "degrees", signed=True)
    controls = "shear angle along x: up to ±45° * m"
    axes = (True, False)

    def sample_params(self, g, batch, shape):
        sx, sy = self.signed(g, batch, 45.0), self.signed(g, batch, 45.0)
        return {"shear_x": sx * self.axes[0], "shear_y": sy * self.axes[1]}

    def matrix(self, params, shape):
        return mx.about_centre(mx.shear(params["shear_x"], params["shear_y"]), *shape[-2:])


@register
class ShearY(ShearX):
    name = "shear_y"
    magnitude = Magnitude("shear angle along y", 45.0, "degrees", signed=True)
    controls = "shear angle along y: up to ±45° * m"
    axes = (False, True)


@register
class Scale(GeometricOp):
    name = "scale"
    magnitude = Magnitude("zoom factor", 1.0, "", signed=True, scale="exp2")
    controls = "zoom factor: 2^(±m), from 0.5x to 2x at m=1"

    def sample_params(self, g, batch, shape):
        return {"log2_scale": self.signed(g, batch, 1.0)}

    def matrix(self, params, shape):
        s = torch.exp2(params["log2_scale"])
        return mx.about_centre(mx.scaling(s, s), *shape[-2:])


@register
class Affine(GeometricOp):
    """Rotation, shear, scale and translation together, all set by one ``m``."""

    name = "affine"
    magnitude = Magnitude("rotation angle (shear, zoom and shift scale with it)", 90.0, "degrees", signed=True)
    controls = "rotate ±90°*m, shear ±45°*m, zoom 2^(±m), shift ±0.5*m of the size, together"

    def sample_params(self, g, batch, shape):
        return {
            "degrees": self.signed(g, batch, 90.0),
            "shear": self.signed(g, batch, 45.0),
            "log2_scale": self.signed(g, batch, 1.0),
            "tx": self.signed(g, batch, 0.5),
            "ty": self.signed(g, batch, 0.5),
        }

    def matrix(self, params, shape):
        H, W = shape[-2:]
        s = torch.exp2(params["log2_scale"])
        zero = torch.zeros_like(s)
        linear = mx.rotation(params["degrees"]) @ mx.shear(params["shear"], zero) @ mx.scaling(s, s)
        return mx.translation(params["tx"] * W, params["ty"] * H) @ mx.about_centre(linear, H, W)


@register
class RandomResizedCrop(GeometricOp):
    """Crop a random box and resize it back to the input size."""

    name = "random_resized_crop"
    magnitude = Magnitude("area cropped away", 0.92, "of the image")
    controls = "crop area from 100% down to (1 - 0.92*m) and aspect ratio up to (4/3)^(±m)"

    def sample_params(self, g, batch, shape):
        H, W = shape[-2:]
        area = 1.0 - self.unsigned(g, batch, 0.92)
        log_ratio = self.signed(g, batch, math.log(4.0 / 3.0))
        ratio = torch.exp(log_ratio) * (W / H)  # relative to the image's own aspect ratio
        w = torch.sqrt(area * W * H * ratio).clamp(1.0, W)
        h = torch.sqrt(area * W * H / ratio).clamp(1.0, H)
        x0 = torch.rand(batch, generator=g, dtype=torch.float64) * (W - w)
        y0 = torch.rand(batch, generator=g, dtype=torch.float64) * (H - h)
        return {"x0": x0, "y0": y0, "w": w, "h": h}

    def matrix(self, params, shape):
        H, W = shape[-2:]
        sx, sy = W / params["w"], H / params["h"]
        # Pixel edges: output edge 0 sits on box edge x0, so centres map as
        # out + 0.5 = (in + 0.5 - x0) * sx.
        m = mx.scaling(sx, sy)
        m[:, 0, 2] = (0.5 - params["x0"]) * sx - 0.5
        m[:, 1, 2] = (0.5 - params["y0"]) * sy - 0.5
        return m


@register
class Perspective(GeometricOp):
    name = "perspective"
    magnitude = Magnitude("corner displacement", 0.25, "of the size", signed=True)
    controls = "corner displacement: up to m * 0.25 of the size per coordinate"

    def sample_params(self, g, batch, shape):
        return {"corners": torch.stack([self.signed(g, batch, 0.25) for _ in range(8)], dim=1)}

    def matrix(self, params, shape):
        H, W = shape[-2:]
        b = len(params["corners"])
        src = torch.tensor([[0, 0], [W - 1, 0], [W - 1, H - 1], [0, H - 1]], dtype=torch.float64).repeat(b, 1, 1)
        size = torch.tensor([W, H], dtype=torch.float64)
        dst = src + params["corners"].view(b, 4, 2) * size
        return mx.homography(src, dst)


@register
class Identity(Op):
    """Leaves samples unchanged: the "no augmentation" choice in presets and search spaces,
    for any kind of tensor data."""

    name = "identity"
    modality = "any"
    magnitude = None
    family = "none"
    controls = "nothing"

    def sample_params(self, g, batch, shape):
        return {}

    def kernel(self, x, params):
        return x.clone()

    def apply(self, x, params):
        # batches that are not tensors (table rows) are immutable values: pass them through
        return super().apply(x, params) if isinstance(x, torch.Tensor) else x

    def to_spec(self, inside_sequence: bool = False) -> str:
        return "none" if not self.non_default_config() else super().to_spec()
