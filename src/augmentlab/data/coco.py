"""COCO detection and instance segmentation: one JSON file of images, annotations and
categories, and a folder of images. Boxes are COCO's ``[x, y, width, height]`` in pixels;
instance masks are polygons or RLE, read and written through pycocotools (the
``detection`` extra). Category ids need not be contiguous: they map to class indices in
id order and back when written."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from augmentlab.data.annotated import AnnotatedImages, boxes_of, common_size, load_rgb_or_grey, png_names, resized, stack_images
from augmentlab.data.targets import EDGE_SLACK, Targets
from augmentlab.errors import AugmentlabError, AugmentlabNotice


def _mask_api():
    try:
        from pycocotools import mask
    except ImportError:
        raise AugmentlabError("COCO segmentation needs pycocotools: pip install 'augmentlab[detection]'") from None
    return mask


def _load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AugmentlabError(f"{path}: not a readable COCO JSON file ({e})") from None
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise AugmentlabError(f"{path}: expected a list under {key!r}, as COCO files have")
    return data


def _number_list(value, n: int) -> bool:
    return isinstance(value, list) and len(value) == n and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def read_coco(annotations: str | Path, images_dir: str | Path | None = None, *, mixed_sizes: str = "resize") -> AnnotatedImages:
    """Read ``annotations`` (COCO JSON) and the images it names, from ``images_dir``
    (default: an ``images`` folder beside the JSON file, else the JSON file's folder)."""
    path = Path(annotations)
    data = _load_json(path)
    folder = Path(images_dir) if images_dir is not None else (path.parent / "images" if (path.parent / "images").is_dir() else path.parent)
    categories = sorted(data["categories"], key=lambda c: c.get("id", 0) if isinstance(c, dict) else 0)
    for i, c in enumerate(categories):
        if not isinstance(c, dict) or not isinstance(c.get("id"), int) or not isinstance(c.get("name"), str):
            raise AugmentlabError(f"{path}: categories[{i}] needs an integer id and a name")
    ids = [c["id"] for c in categories]
    if len(set(ids)) != len(ids):
        raise AugmentlabError(f"{path}: category ids repeat")
    label_of = {cid: k for k, cid in enumerate(ids)}
    images = data["images"]
    index_of = {}
    for i, im in enumerate(images):
        if not isinstance(im, dict) or not isinstance(im.get("id"), int) or not isinstance(im.get("file_name"), str):
            raise AugmentlabError(f"{path}: images[{i}] needs an integer id and a file_name")
        index_of[im["id"]] = i
    if not images:
        raise AugmentlabError(f"{path}: lists no images")
    per_image: list[list[dict]] = [[] for _ in images]
    for a, ann in enumerate(data["annotations"]):
        where = f"{path}: annotations[{a}]"
        if not isinstance(ann, dict) or ann.get("image_id") not in index_of:
            raise AugmentlabError(f"{where} points to image id {ann.get('image_id') if isinstance(ann, dict) else None!r}, "
                                  f"which the file does not list")
        if ann.get("category_id") not in label_of:
            raise AugmentlabError(f"{where}: category_id {ann.get('category_id')!r} is not among the categories {ids}")
        if not _number_list(ann.get("bbox"), 4):
            raise AugmentlabError(f"{where}: bbox must be [x, y, width, height]; got {ann.get('bbox')!r}")
        if ann["bbox"][2] < 0 or ann["bbox"][3] < 0:
            raise AugmentlabError(f"{where}: bbox {ann['bbox']} has a negative width or height")
        per_image[index_of[ann["image_id"]]].append(dict(ann, _index=a))
    segmented = sum("segmentation" in a for a in data["annotations"])
    with_masks = bool(data["annotations"]) and segmented == len(data["annotations"])
    if 0 < segmented < len(data["annotations"]):
        warnings.warn(AugmentlabNotice(f"{path}: {len(data['annotations']) - segmented} of {len(data['annotations'])} annotations have no "
                                       f"segmentation; instance masks are not read"), stacklevel=2)
    mask_api = _mask_api() if with_masks else None
    arrays, sizes = [], []
    for im in images:
        file = folder / im["file_name"]
        if not file.is_file():
            raise AugmentlabError(f"{path}: image {im['id']} is {im['file_name']}, which is not in {folder}")
        arrays.append(load_rgb_or_grey(file))
        sizes.append(arrays[-1].shape[:2])
        declared = (im.get("height"), im.get("width"))
        if None not in declared and tuple(declared) != sizes[-1]:
            raise AugmentlabError(f"{file}: is {sizes[-1][1]}x{sizes[-1][0]}, but {path.name} says {declared[1]}x{declared[0]}")
    size = common_size(sizes, [im["file_name"] for im in images], mixed_sizes, str(path))
    out_images, all_boxes, all_labels, all_masks, fields = [], [], [], [], {"iscrowd": [], "id": []}
    for im, array, anns in zip(images, arrays, per_image):
        h, w = array.shape[:2]
        xywh = np.array([a["bbox"] for a in anns], dtype=np.float64).reshape(-1, 4)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], 1)
        for a, box in zip(anns, xyxy):
            if box[0] < -EDGE_SLACK or box[1] < -EDGE_SLACK or box[2] > w + EDGE_SLACK or box[3] > h + EDGE_SLACK:
                raise AugmentlabError(f"{path}: annotations[{a['_index']}]: bbox {a['bbox']} lies outside the {w}x{h} image {im['file_name']}")
        masks = np.stack([_decode(mask_api, a, h, w, path) for a in anns]) if with_masks and anns else (
            np.zeros((0, h, w), np.uint8) if with_masks else None)
        array, xyxy, masks = resized(array, size, xyxy, masks)
        out_images.append(array)
        all_boxes.append(xyxy)
        all_labels.append(np.array([label_of[a["category_id"]] for a in anns], dtype=np.int64))
        all_masks.append(masks)
        fields["iscrowd"].append(torch.tensor([int(a.get("iscrowd", 0)) for a in anns], dtype=torch.int64))
        fields["id"].append(torch.tensor([int(a.get("id", -1)) for a in anns], dtype=torch.int64))
    masks = [torch.from_numpy(m) for m in all_masks] if with_masks else None
    boxes = boxes_of(all_boxes, all_labels, size, fields=fields, masks=masks)
    return AnnotatedImages(stack_images(out_images), Targets(boxes=boxes), tuple(c["name"] for c in categories),
                           tuple(im["file_name"] for im in images), "coco", layout={"category_ids": ids})


def _decode(mask_api, ann: dict, h: int, w: int, path: Path) -> np.ndarray:
    """An annotation's segmentation (polygons, or RLE with a list or compressed counts) as
    an H x W uint8 mask."""
    seg = ann["segmentation"]
    try:
        if isinstance(seg, list):
            rles = mask_api.frPyObjects(seg, h, w)
            rle = mask_api.merge(rles) if isinstance(rles, list) else rles
        elif isinstance(seg, dict) and isinstance(seg.get("counts"), list):
            rle = mask_api.frPyObjects(seg, h, w)
        elif isinstance(seg, dict) and isinstance(seg.get("counts"), (str, bytes)):
            rle = dict(seg, counts=seg["counts"].encode() if isinstance(seg["counts"], str) else seg["counts"])
        else:
            raise ValueError("expected polygons or RLE")
        mask = mask_api.decode(rle)
    except (TypeError, ValueError, IndexError) as e:
        raise AugmentlabError(f"{path}: annotations[{ann['_index']}]: segmentation is not COCO polygons or RLE ({e})") from None
    if mask.shape[:2] != (h, w):
        raise AugmentlabError(f"{path}: annotations[{ann['_index']}]: its mask is {mask.shape[1]}x{mask.shape[0]}, "
                              f"but its image is {w}x{h}")
    return mask.reshape(h, w).astype(np.uint8)


def write_coco(root: str | Path, data: AnnotatedImages, json_name: str = "annotations.json") -> None:
    """Write ``root/images/<name>`` (PNG for every name, keeping the stem) and
    ``root/<json_name>``: boxes as ``[x, y, width, height]`` (clipped boxes the augmented
    images really show), instance masks as compressed RLE, the input's category ids."""
    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    boxes = data.targets.boxes
    ids = (data.layout or {}).get("category_ids") or list(range(1, len(data.class_names) + 1))
    mask_api = _mask_api() if boxes is not None and boxes.masks is not None else None
    images_json, annotations = [], []
    hwc = data.images.permute(0, 2, 3, 1).numpy()
    H, W = hwc.shape[1:3]
    names = png_names(data.names)
    for i, (array, name) in enumerate(zip(hwc, names)):
        target = root / "images" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(array.squeeze(-1) if array.shape[-1] == 1 else array).save(target)
        images_json.append({"id": i + 1, "file_name": name, "width": int(W), "height": int(H)})
        if boxes is None:
            continue
        start, stop = int(boxes.offsets[i]), int(boxes.offsets[i + 1])
        for row in range(start, stop):
            x1, y1, x2, y2 = boxes.xyxy[row].tolist()
            ann = {"id": len(annotations) + 1, "image_id": i + 1, "category_id": int(ids[int(boxes.labels[row])]),
                   "bbox": [x1, y1, x2 - x1, y2 - y1], "area": (x2 - x1) * (y2 - y1),
                   "iscrowd": int(boxes.fields["iscrowd"][row]) if "iscrowd" in boxes.fields else 0}
            if mask_api is not None:
                rle = mask_api.encode(np.asfortranarray(boxes.masks[row].numpy().astype(np.uint8)))
                ann["segmentation"] = {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}
                ann["area"] = float(mask_api.area(rle))
            annotations.append(ann)
    categories = [{"id": int(cid), "name": name} for cid, name in zip(ids, data.class_names)]
    (root / json_name).write_text(json.dumps({"images": images_json, "annotations": annotations, "categories": categories}, indent=1),
                                  encoding="utf-8")

