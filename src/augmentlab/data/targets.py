"""What travels with a batch of images and must move with every geometric change of it:
bounding boxes (with labels and any extra per-box fields), keypoints (with visibility) and
masks (a semantic mask per image, with an ignore value).

Coordinates, as COCO and albumentations mean them:

- boxes are in pixel *edges*: the box (0, 0, 1, 1) in ``xyxy`` covers exactly the top-left
  pixel;
- keypoints are at pixel *centres*: the keypoint (0, 0) is the centre of the top-left
  pixel, where the image ops' matrices put pixel 0.

Boxes and keypoints vary in number per image. They are stored as the rows of one tensor,
image ``i`` owning rows ``offsets[i]:offsets[i + 1]``; nothing is padded.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import torch

from augmentlab.errors import AugmentlabError

BOX_FORMATS = ("xyxy", "xywh", "cxcywh", "yolo")
# how far outside the image a box edge may lie and still count as inside (rounding of
# exported coordinates), in pixels
EDGE_SLACK = 0.5


def to_xyxy(values: torch.Tensor, fmt: str, size: tuple[int, int]) -> torch.Tensor:
    """(N, 4) boxes in ``fmt`` as float64 ``xyxy`` pixel edges; ``size`` is (H, W), used by
    ``yolo`` (normalised centre, width and height)."""
    v = torch.as_tensor(values, dtype=torch.float64).reshape(-1, 4)
    a, b, c, d = v.unbind(1)
    if fmt == "xyxy":
        return v.clone()
    if fmt == "xywh":
        return torch.stack([a, b, a + c, b + d], 1)
    if fmt in ("cxcywh", "yolo"):
        if fmt == "yolo":
            H, W = size
            a, b, c, d = a * W, b * H, c * W, d * H
        return torch.stack([a - c / 2, b - d / 2, a + c / 2, b + d / 2], 1)
    raise AugmentlabError(f"box format {fmt!r} is unknown; expected one of {', '.join(BOX_FORMATS)}", field="format")


def from_xyxy(xyxy: torch.Tensor, fmt: str, size: tuple[int, int]) -> torch.Tensor:
    """The inverse of ``to_xyxy``."""
    x1, y1, x2, y2 = xyxy.unbind(1)
    if fmt == "xyxy":
        return xyxy.clone()
    if fmt == "xywh":
        return torch.stack([x1, y1, x2 - x1, y2 - y1], 1)
    if fmt in ("cxcywh", "yolo"):
        out = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], 1)
        if fmt == "yolo":
            H, W = size
            out = out / torch.tensor([W, H, W, H], dtype=out.dtype)
        return out
    raise AugmentlabError(f"box format {fmt!r} is unknown; expected one of {', '.join(BOX_FORMATS)}", field="format")


def check_pairs(pairs) -> tuple[tuple[int, int], ...]:
    """Label pairs that swap under mirroring, as a tuple of distinct (a, b) integer pairs."""
    out = tuple((int(a), int(b)) for a, b in pairs)
    seen = [v for pair in out for v in pair]
    if len(seen) != len(set(seen)):
        raise AugmentlabError(f"flip_pairs: every label may appear in one pair only; got {list(out)}", field="flip_pairs")
    return out


def swap_pairs(labels: torch.Tensor, pairs, where: torch.Tensor) -> torch.Tensor:
    """``labels`` with every pair (a, b) swapped where ``where`` (broadcastable) is True."""
    out = labels.clone()
    for a, b in pairs:
        out = torch.where(where & (labels == a), b, torch.where(where & (labels == b), a, out)).to(labels.dtype)
    return out


def _ragged(rows, offsets, width: int | None, what: str) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Per-image lists of rows, or one tensor with ``offsets``, as (rows (N, ...), offsets)."""
    if offsets is None:
        if isinstance(rows, torch.Tensor):
            raise AugmentlabError(f"{what}: one concatenated tensor needs offsets (image i owns rows offsets[i]:offsets[i+1])",
                                  field="offsets")
        parts = [torch.as_tensor(r, dtype=torch.float64) for r in rows]
        parts = [p.reshape(-1, width) if width and p.numel() == 0 else p for p in parts]
        counts = [len(p) for p in parts]
        offsets = torch.tensor([0, *torch.tensor(counts, dtype=torch.int64).cumsum(0).tolist()], dtype=torch.int64)
        joined = torch.cat(parts) if parts else torch.zeros(0, width or 0, dtype=torch.float64)
        return joined, offsets
    offsets = torch.as_tensor(offsets, dtype=torch.int64).reshape(-1)
    rows = torch.as_tensor(rows, dtype=torch.float64)
    if len(offsets) < 1 or int(offsets[0]) != 0 or bool((offsets[1:] < offsets[:-1]).any()) or int(offsets[-1]) != len(rows):
        raise AugmentlabError(f"{what}: offsets must start at 0, never decrease and end at the row count {len(rows)}; "
                              f"got {offsets.tolist()}", field="offsets")
    return rows, offsets


def _per_row(values, n: int, what: str, dtype) -> torch.Tensor:
    """Per-row values given per image (a list of sequences) or already concatenated."""
    if isinstance(values, torch.Tensor):
        out = values.to(dtype).reshape(-1)
    else:
        parts = [torch.as_tensor(v, dtype=dtype).reshape(-1) for v in values]
        out = torch.cat(parts) if parts else torch.zeros(0, dtype=dtype)
    if len(out) != n:
        raise AugmentlabError(f"{what}: {len(out)} values for {n} rows; expected one per row", field=what)
    return out


class RaggedRows(ABC):
    """What boxes and keypoints share: rows of one tensor, image ``i`` owning rows
    ``offsets[i]:offsets[i + 1]``. A subclass says how to take rows (``_take``)."""

    offsets: torch.Tensor

    @property
    def batch_size(self) -> int:
        return len(self.offsets) - 1

    @property
    def counts(self) -> torch.Tensor:
        return self.offsets[1:] - self.offsets[:-1]

    @property
    def image_of_row(self) -> torch.Tensor:
        """(N,) the image each row belongs to."""
        return torch.repeat_interleave(torch.arange(self.batch_size), self.counts)

    def keep(self, mask: torch.Tensor):
        """Only the rows where ``mask`` (N,) is True, with everything per row."""
        kept = torch.zeros(self.batch_size + 1, dtype=torch.int64)
        kept[1:] = torch.bincount(self.image_of_row[mask], minlength=self.batch_size).cumsum(0)
        return self._take(mask, kept)

    def images(self, index: torch.Tensor):
        """The rows of the images ``index`` (in that order), as a batch of their own."""
        rows = [torch.arange(int(self.offsets[i]), int(self.offsets[i + 1])) for i in index.tolist()]
        take = torch.cat(rows) if rows else torch.zeros(0, dtype=torch.int64)
        return self._take(take, torch.cat([torch.zeros(1, dtype=torch.int64), self.counts[index].cumsum(0)]))

    @abstractmethod
    def _take(self, rows: torch.Tensor, offsets: torch.Tensor):
        """The rows ``rows`` (an index or a mask) with everything per row, under ``offsets``."""


def joined_offsets(parts: Sequence[RaggedRows]) -> torch.Tensor:
    """The offsets of batches placed one after another."""
    counts = torch.cat([p.counts for p in parts])
    return torch.cat([torch.zeros(1, dtype=torch.int64), counts.cumsum(0)])


@dataclass(frozen=True)
class Boxes(RaggedRows):
    """Bounding boxes of a batch of images, as ``xyxy`` pixel edges (float64), with a label
    and any extra fields per box. Build with ``Boxes.of``."""

    xyxy: torch.Tensor  # (N, 4)
    offsets: torch.Tensor  # (B + 1,) int64
    labels: torch.Tensor  # (N,) int64
    size: tuple[int, int]  # (H, W) of the images
    fields: Mapping[str, torch.Tensor] = field(default_factory=dict)  # name -> (N, ...)
    flip_pairs: tuple[tuple[int, int], ...] = ()  # labels that trade places in a mirrored image
    # instance masks, one (H, W) uint8 per box (0 outside the object), moved with it; with
    # ``rebox`` every moved box is the bounding box of its moved mask
    masks: torch.Tensor | None = None
    rebox: bool = False

    @classmethod
    def of(cls, boxes, labels, *, size: tuple[int, int], format: str = "xyxy", offsets=None,
           fields: Mapping[str, Sequence] | None = None, flip_pairs=(), masks=None, rebox: bool = False) -> Boxes:
        """Boxes given per image (a list of (Ni, 4)) or as one (N, 4) tensor with
        ``offsets``; labels, fields and instance masks likewise, one per box. Refuses,
        naming the image and box, a box whose far edge is before its near edge or that lies
        outside the image by more than half a pixel."""
        if format not in BOX_FORMATS:
            raise AugmentlabError(f"format: {format!r} is unknown; expected one of {', '.join(BOX_FORMATS)}", field="format")
        rows, offsets = _ragged(boxes, offsets, 4, "boxes")
        if rows.ndim != 2 or rows.shape[1] != 4:
            raise AugmentlabError(f"boxes: expected 4 numbers per box, got shape {tuple(rows.shape)}", field="boxes")
        xyxy = to_xyxy(rows, format, size)
        n = len(xyxy)
        extra = {name: _field_rows(values, n, name) for name, values in (fields or {}).items()}
        instance = None if masks is None else _instance_masks(masks, n, tuple(size))
        if rebox and instance is None:
            raise AugmentlabError("rebox: needs instance masks (masks=...) to take the boxes from", field="rebox")
        out = cls(xyxy, offsets, _per_row(labels, n, "labels", torch.int64), tuple(size), extra, check_pairs(flip_pairs),
                  instance, bool(rebox))
        out.check(format)
        return out

    def check(self, fmt: str = "xyxy") -> None:
        """One clear error for the first bad box."""
        H, W = self.size
        x1, y1, x2, y2 = self.xyxy.unbind(1)
        bad = ~torch.isfinite(self.xyxy).all(1)
        bad |= (x2 < x1) | (y2 < y1)
        bad |= (x1 < -EDGE_SLACK) | (y1 < -EDGE_SLACK) | (x2 > W + EDGE_SLACK) | (y2 > H + EDGE_SLACK)
        if bool(bad.any()):
            row = int(bad.nonzero()[0])
            image = int(torch.searchsorted(self.offsets, torch.tensor(row), right=True)) - 1
            given = from_xyxy(self.xyxy[row : row + 1], fmt, self.size)[0].tolist()
            raise AugmentlabError(f"boxes: image {image}, box {row - int(self.offsets[image])}: {fmt} {[round(v, 3) for v in given]} "
                                  f"is not a box inside the {W}x{H} image (expected x1 <= x2, y1 <= y2, within the image)",
                                  field="boxes")

    def formatted(self, fmt: str = "xyxy") -> torch.Tensor:
        return from_xyxy(self.xyxy, fmt, self.size)

    def per_image(self, fmt: str = "xyxy") -> list[torch.Tensor]:
        values = self.formatted(fmt)
        return [values[int(a) : int(b)] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def _take(self, rows, offsets) -> Boxes:
        return replace(self, xyxy=self.xyxy[rows], offsets=offsets, labels=self.labels[rows], fields={k: v[rows] for k, v in self.fields.items()},
                       masks=None if self.masks is None else self.masks[rows])

    @staticmethod
    def join(parts: Sequence[Boxes]) -> Boxes:
        """Boxes of batches placed one after another (as their images are joined)."""
        first = parts[0]
        return replace(first, xyxy=torch.cat([p.xyxy for p in parts]), offsets=joined_offsets(parts),
                       labels=torch.cat([p.labels for p in parts]), fields={k: torch.cat([p.fields[k] for p in parts]) for k in first.fields},
                       masks=None if first.masks is None else torch.cat([p.masks for p in parts]))

    def moved(self, xyxy: torch.Tensor, size: tuple[int, int] | None = None) -> Boxes:
        """The same boxes at new coordinates (and image size)."""
        return replace(self, xyxy=xyxy, size=tuple(size) if size is not None else self.size)


def _instance_masks(masks, n: int, size: tuple[int, int]) -> torch.Tensor:
    """Instance masks per image (a list of (Ni, H, W)) or concatenated (N, H, W), as uint8."""
    if isinstance(masks, torch.Tensor):
        rows = masks
    else:
        parts = [torch.as_tensor(m).reshape(-1, *size) if torch.as_tensor(m).numel() == 0 else torch.as_tensor(m) for m in masks]
        rows = torch.cat(parts) if parts else torch.zeros(0, *size)
    if rows.ndim != 3 or tuple(rows.shape[1:]) != size or len(rows) != n:
        raise AugmentlabError(f"masks: expected one {size[1]}x{size[0]} instance mask per box ({n}), got shape {tuple(rows.shape)}",
                              field="masks")
    return (rows != 0).to(torch.uint8)


def bounding_boxes(masks: torch.Tensor) -> torch.Tensor:
    """(N, 4) ``xyxy`` pixel-edge boxes of instance masks (N, H, W); an empty mask gives a
    box of no area at (0, 0)."""
    N = len(masks)
    out = torch.zeros(N, 4, dtype=torch.float64)
    if N == 0:
        return out
    filled_pixels = masks != 0
    rows, cols = filled_pixels.any(2), filled_pixels.any(1)  # (N, H), (N, W)
    filled = rows.any(1)
    H, W = masks.shape[1:]
    first = lambda hits, n: torch.where(hits, torch.arange(n), n).amin(1)  # noqa: E731
    last = lambda hits, n: torch.where(hits, torch.arange(n), -1).amax(1)  # noqa: E731
    box = torch.stack([first(cols, W), first(rows, H), last(cols, W) + 1, last(rows, H) + 1], 1).double()
    out[filled] = box[filled]
    return out


def _field_rows(values, n: int, name: str) -> torch.Tensor:
    """An extra per-box field (numbers or vectors per box), per image or concatenated."""
    if isinstance(values, torch.Tensor):
        rows = values
    else:
        parts = [torch.as_tensor(v) for v in values]
        rows = torch.cat([p.reshape(len(p), *p.shape[1:]) if p.ndim else p.reshape(1) for p in parts]) if parts else torch.zeros(0)
    if len(rows) != n:
        raise AugmentlabError(f"{name}: {len(rows)} rows for {n} boxes; expected one per box", field=name)
    return rows


@dataclass(frozen=True)
class Keypoints(RaggedRows):
    """Keypoints of a batch of images at pixel centres (float64 x, y), each visible or not,
    optionally with a label (what the point is: "left eye"), which flips can swap."""

    xy: torch.Tensor  # (N, 2)
    offsets: torch.Tensor  # (B + 1,) int64
    visible: torch.Tensor  # (N,) bool
    size: tuple[int, int]  # (H, W)
    labels: torch.Tensor | None = None  # (N,) int64
    flip_pairs: tuple[tuple[int, int], ...] = ()  # labels that trade places in a mirrored image ("left eye", "right eye")

    @classmethod
    def of(cls, points, *, size: tuple[int, int], offsets=None, visible=None, labels=None, flip_pairs=()) -> Keypoints:
        rows, offsets = _ragged(points, offsets, 2, "keypoints")
        if rows.ndim != 2 or rows.shape[1] != 2:
            raise AugmentlabError(f"keypoints: expected (x, y) per point, got shape {tuple(rows.shape)}", field="keypoints")
        if not bool(torch.isfinite(rows).all()):
            raise AugmentlabError("keypoints: coordinates must be finite numbers", field="keypoints")
        n = len(rows)
        shown = torch.ones(n, dtype=torch.bool) if visible is None else _per_row(visible, n, "visible", torch.bool)
        named = None if labels is None else _per_row(labels, n, "labels", torch.int64)
        if flip_pairs and named is None:
            raise AugmentlabError("flip_pairs: keypoints need labels to swap", field="flip_pairs")
        return cls(rows, offsets, shown, tuple(size), named, check_pairs(flip_pairs))

    @staticmethod
    def join(parts: Sequence[Keypoints]) -> Keypoints:
        """Keypoints of batches placed one after another."""
        first = parts[0]
        return replace(first, xy=torch.cat([p.xy for p in parts]), offsets=joined_offsets(parts),
                       visible=torch.cat([p.visible for p in parts]),
                       labels=None if first.labels is None else torch.cat([p.labels for p in parts]))

    def _take(self, rows, offsets) -> Keypoints:
        return replace(self, xy=self.xy[rows], offsets=offsets, visible=self.visible[rows], labels=None if self.labels is None else self.labels[rows])


@dataclass(frozen=True)
class SemanticMask:
    """One integer class id per pixel of every image (B, H, W); ``ignore`` (255 by default)
    marks pixels without a class, and is what geometric ops fill uncovered pixels with."""

    values: torch.Tensor  # (B, H, W) integer
    ignore: int = 255
    flip_pairs: tuple[tuple[int, int], ...] = ()  # classes that trade places in a mirrored image

    def __post_init__(self):
        if self.values.ndim != 3 or self.values.dtype.is_floating_point or self.values.dtype == torch.bool:
            raise AugmentlabError(f"mask: expected integer class ids of shape (B, H, W), got {self.values.dtype} "
                                  f"of shape {tuple(self.values.shape)}", field="mask")

    def matches(self, images: torch.Tensor) -> None:
        """Refuse a mask whose batch or size differs from its images'."""
        if self.values.shape[0] != images.shape[0] or tuple(self.values.shape[-2:]) != tuple(images.shape[-2:]):
            raise AugmentlabError(f"mask: shape {tuple(self.values.shape)} does not match the images' "
                                  f"{(images.shape[0], *images.shape[-2:])} (B, H, W)", field="mask")


@dataclass(frozen=True)
class AlignedImages:
    """Pictures aligned pixel for pixel with the batch (B, C, H, W) that must move with it
    but keep their values: a depth map, a second camera's view warped alike. Geometric ops
    warp them as they warp the images (bilinear, zeros outside); photometric ops leave
    them alone. (For a stereo pair that should get the same colour changes too, apply the
    policy's ``params`` to both batches.)"""

    values: torch.Tensor

    def __post_init__(self):
        if self.values.ndim != 4:
            raise AugmentlabError(f"aligned: expected (B, C, H, W), got shape {tuple(self.values.shape)}", field="aligned")


@dataclass(frozen=True)
class Targets:
    """The targets of one batch of images; any of them may be absent."""

    boxes: Boxes | None = None
    keypoints: Keypoints | None = None
    mask: SemanticMask | None = None
    aligned: AlignedImages | None = None

    def present(self) -> dict:
        """``{name: target}`` for the targets given."""
        pairs = (("boxes", self.boxes), ("keypoints", self.keypoints), ("mask", self.mask), ("aligned", self.aligned))
        return {k: v for k, v in pairs if v is not None}

    def check(self, images: torch.Tensor) -> None:
        """Refuse targets whose batch or image size differs from the images'."""
        B, (H, W) = images.shape[0], tuple(images.shape[-2:])
        for name, target in self.present().items():
            if name == "mask":
                target.matches(images)
            elif name == "aligned":
                if target.values.shape[0] != B or tuple(target.values.shape[-2:]) != (H, W):
                    raise AugmentlabError(f"aligned: shape {tuple(target.values.shape)} does not match the batch's {B} images of {W}x{H}",
                                          field="aligned")
            elif target.batch_size != B or tuple(target.size) != (H, W):
                raise AugmentlabError(f"{name}: given for {target.batch_size} images of {target.size[1]}x{target.size[0]}, "
                                      f"but the batch has {B} images of {W}x{H}", field=name)

    def images(self, index: torch.Tensor) -> Targets:
        """The targets of the images ``index``, as a batch of their own."""
        return Targets(
            boxes=None if self.boxes is None else self.boxes.images(index),
            keypoints=None if self.keypoints is None else self.keypoints.images(index),
            mask=None if self.mask is None else replace(self.mask, values=self.mask.values[index]),
            aligned=None if self.aligned is None else AlignedImages(self.aligned.values[index]),
        )

    @staticmethod
    def join(parts: Sequence[Targets]) -> Targets:
        """The targets of batches placed one after another (each batch with the same kinds)."""
        first = parts[0]
        return Targets(
            boxes=None if first.boxes is None else Boxes.join([p.boxes for p in parts]),
            keypoints=None if first.keypoints is None else Keypoints.join([p.keypoints for p in parts]),
            mask=None if first.mask is None else replace(first.mask, values=torch.cat([p.mask.values for p in parts])),
            aligned=None if first.aligned is None else AlignedImages(torch.cat([p.aligned.values for p in parts])),
        )
