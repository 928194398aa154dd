"""Photometric ops: brightness, contrast, gamma, posterize, solarize, invert,
autocontrast, equalize (point ops) and saturation, hue, grayscale, sharpness (colour and
neighbourhood ops). Colour ops leave images that are not RGB unchanged."""

from __future__ import annotations

from abc import abstractmethod

import torch
import torch.nn.functional as F

from augmentlab.modality.image import from_float, to_float
from augmentlab.ops.base import Op
from augmentlab.ops.image.colour import hsv_to_rgb, rgb_to_hsv, to_gray
from augmentlab.ops.image.point import (
    PointOp,
    factor,
    gray_mean,
    level_histogram,
    wmin_max,
)
from augmentlab.ops.kernels.backend import native_cpu
from augmentlab.ops.kernels.chunks import in_chunks
from augmentlab.ops.kernels.colour import hue_shift_u8
from augmentlab.ops.magnitude import Magnitude
from augmentlab.ops.registry import register


@register
class Brightness(PointOp):
    name = "brightness"
    magnitude = Magnitude("factor deviation from 1", 1.0, "", signed=True)
    controls = "multiplicative factor in [1-m, 1+m]"

    def sample_params(self, g, batch, shape):
        return {"factor": 1.0 + self.signed(g, batch, 1.0)}

    def transform(self, v, w, params):
        return v * factor(params)

    def affine(self, params):
        return factor(params), 0.0


@register
class Contrast(PointOp):
    name = "contrast"
    magnitude = Magnitude("factor deviation from 1", 1.0, "", signed=True)
    controls = "factor in [1-m, 1+m] about the mean grey level"
    needs_stats = True
    mean_only = True

    def sample_params(self, g, batch, shape):
        return {"factor": 1.0 + self.signed(g, batch, 1.0)}

    def transform(self, v, w, params):
        mean = gray_mean(v, w)
        return mean + factor(params) * (v - mean)


@register
class Gamma(PointOp):
    name = "gamma"
    magnitude = Magnitude("gamma exponent", 2.0, "", signed=True, scale="exp2")
    controls = "exponent 2^(±2m), from 1/4 to 4 at m=1"

    def sample_params(self, g, batch, shape):
        return {"log2_gamma": self.signed(g, batch, 2.0)}

    def transform(self, v, w, params):
        return v.clamp_min(0.0).pow(torch.exp2(factor(params, "log2_gamma")))


@register
class Posterize(PointOp):
    name = "posterize"
    magnitude = Magnitude("bits removed", 7.0, "bits", scale="steps")
    controls = "bits removed: up to round(7m), keeping 8 down to 1 bit"

    def sample_params(self, g, batch, shape):
        drop = round(7 * self.m)
        if self.mode == "fixed":
            torch.rand(batch, generator=g)
            removed = torch.full((batch,), drop, dtype=torch.int64)
        else:
            removed = torch.randint(0, drop + 1, (batch,), generator=g)
        return {"bits": 8 - removed}

    def transform(self, v, w, params):
        step = torch.exp2(8 - params["bits"].float()).view(-1, 1, 1)
        return torch.floor(torch.round(v * 255.0) / step) * step / 255.0


@register
class Solarize(PointOp):
    name = "solarize"
    magnitude = Magnitude("share of the range inverted", 1.0, "of the value range")
    controls = "threshold 1-m: values above it are inverted (m=1 inverts all but black)"

    def sample_params(self, g, batch, shape):
        return {"threshold": 1.0 - self.unsigned(g, batch, 1.0)}

    def transform(self, v, w, params):
        return torch.where(v > factor(params, "threshold"), 1.0 - v, v)


@register
class Invert(PointOp):
    name = "invert"
    magnitude = None
    controls = "nothing (apply with probability p)"
    identity_at_zero = False

    def sample_params(self, g, batch, shape):
        return {}

    def transform(self, v, w, params):
        return 1.0 - v

    def affine(self, params):
        return -1.0, 1.0


@register
class AutoContrast(PointOp):
    name = "autocontrast"
    magnitude = None
    controls = "nothing (apply with probability p): stretch each channel to the full range"
    identity_at_zero = False
    needs_stats = True

    def sample_params(self, g, batch, shape):
        return {}

    def transform(self, v, w, params):
        lo, hi = wmin_max(v, w)
        span = hi - lo
        flat = span <= 0
        return torch.where(flat, v, (v - lo) / torch.where(flat, torch.ones_like(span), span))


@register
class Equalize(PointOp):
    name = "equalize"
    magnitude = None
    controls = "nothing (apply with probability p): equalise each channel's histogram"
    identity_at_zero = False
    needs_stats = True

    def sample_params(self, g, batch, shape):
        return {}

    def transform(self, v, w, params):
        # PIL/torchvision's algorithm on 256 levels.
        q, hist = level_histogram(v, w)
        last = hist.gather(2, (hist > 0).cumsum(2).argmax(2, keepdim=True))  # count of the top level
        step = torch.div(hist.sum(2, keepdim=True) - last, 255, rounding_mode="floor")
        cdf = hist.cumsum(2) - hist
        safe = torch.where(step > 0, step, torch.ones_like(step))
        lut = torch.div(cdf + torch.div(safe, 2, rounding_mode="floor"), safe, rounding_mode="floor").clamp(0, 255) / 255.0
        lut = torch.where(step > 0, lut, torch.arange(256, device=v.device, dtype=v.dtype) / 255.0)
        return lut.gather(2, q)


class ColourOp(Op):
    family = "photometric"

    @abstractmethod
    def colour(self, x: torch.Tensor, params) -> torch.Tensor:
        """The transform of float RGB images in [0, 1]."""

    def kernel(self, x, params):
        if x.shape[1] != 3:
            return x.clone()
        params = {k: v.to(x.device) for k, v in params.items()}
        return in_chunks(lambda xs, ps: from_float(self.colour(to_float(xs), ps), xs), x, params)


@register
class Saturation(ColourOp):
    name = "saturation"
    magnitude = Magnitude("factor deviation from 1", 1.0, "", signed=True)
    controls = "factor in [1-m, 1+m] (0 is grey)"

    def sample_params(self, g, batch, shape):
        return {"factor": 1.0 + self.signed(g, batch, 1.0)}

    def colour(self, x, params):
        f = params["factor"].float().view(-1, 1, 1, 1)
        gray = to_gray(x)
        return gray + f * (x - gray)


@register
class Hue(ColourOp):
    name = "hue"
    magnitude = Magnitude("hue shift", 0.5, "of the colour circle", signed=True)
    controls = "hue shift up to ±0.5*m of the colour circle"

    def sample_params(self, g, batch, shape):
        return {"shift": self.signed(g, batch, 0.5)}

    def kernel(self, x, params):
        if x.shape[1] == 3 and x.dtype == torch.uint8 and native_cpu(x):
            return hue_shift_u8(x, params["shift"])
        return super().kernel(x, params)

    def colour(self, x, params):
        h, s, v = rgb_to_hsv(x).unbind(1)
        h = torch.remainder(h + params["shift"].float().view(-1, 1, 1), 1.0)
        return hsv_to_rgb(torch.stack([h, s, v], 1))


@register
class Grayscale(ColourOp):
    name = "grayscale"
    magnitude = None
    controls = "nothing (apply with probability p)"
    identity_at_zero = False

    def sample_params(self, g, batch, shape):
        return {}

    def colour(self, x, params):
        return to_gray(x).expand_as(x)


@register
class Sharpness(Op):
    """PIL's sharpness: blend with a 3x3 smoothed copy; border pixels are kept."""

    name = "sharpness"
    magnitude = Magnitude("factor deviation from 1", 0.9, "", signed=True)
    family = "photometric"
    controls = "factor in [1-0.9m, 1+0.9m]: below 1 blurs, above 1 sharpens"

    def sample_params(self, g, batch, shape):
        return {"factor": 1.0 + self.signed(g, batch, 0.9)}

    def kernel(self, x, params):
        if x.shape[-2] < 3 or x.shape[-1] < 3:
            return x.clone()
        return in_chunks(self._sharpen, x, params)

    def _sharpen(self, x, params):
        B, C, H, W = x.shape
        xf = to_float(x)
        k = torch.tensor([[1.0, 1.0, 1.0], [1.0, 5.0, 1.0], [1.0, 1.0, 1.0]], device=x.device) / 13.0
        smooth = F.conv2d(xf.reshape(B * C, 1, H, W), k.view(1, 1, 3, 3)).view(B, C, H - 2, W - 2)
        if x.dtype == torch.uint8:  # PIL rounds the smoothed image to integers
            smooth = (smooth * 255.0).round() / 255.0
        degenerate = xf.clone()
        degenerate[..., 1:-1, 1:-1] = smooth
        f = params["factor"].float().view(-1, 1, 1, 1).to(x.device)
        return from_float(degenerate + f * (xf - degenerate), x)
