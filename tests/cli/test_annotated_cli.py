"""The commands on annotated images: evaluate, sweep and search on the built-in canvases
(the metric named in the JSON and the tables), augment and replay on COCO, YOLO and mask
folders byte for byte, previews with the targets drawn, and bad input answered with one
line, exit 2 and nothing written."""

import json
from pathlib import Path

import pytest

from tests.conftest import run
from tests.data.test_coco import _coco
from tests.data.test_yolo_and_masks import _masks, _yolo

pytest.importorskip("pycocotools")

FAST = ["--train-size", "8", "--seeds", "2", "--steps", "2", "--threads", "1"]


@pytest.fixture(autouse=True)
def small_canvases(monkeypatch):
    monkeypatch.delenv("AUGMENTLAB_DATA", raising=False)  # the canvases draw the bundled digits
    monkeypatch.setattr("augmentlab.data.builtin.CANVAS_IMAGES", 240)  # scoring 900 test images per run is slow here


def _files(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_evaluate_reports_miou_in_the_classification_layout(tmp_path, capsys):
    out = tmp_path / "r.json"
    code, stdout, err = run(["evaluate", "canvas-seg", "--policy", "hflip+affine(m=0.2)", *FAST, "--json", str(out),
                             "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["metric"] == "miou" and r["protocol"]["train_size"] == 8 and r["protocol"]["per_class"] is None
    assert set(r) >= {"baseline", "augmented", "lift"} and r["lift"]["n"] == 2
    assert "test mIoU" in stdout
    (run_dir,) = (tmp_path / "runs").iterdir()
    code, _, err = run(["report", str(run_dir)], capsys)
    assert code == 0, err
    assert "Test mIoU" in (run_dir / "report.html").read_text()


def test_sweep_and_search_on_boxes_report_ap50(tmp_path, capsys):
    out = tmp_path / "s.json"
    code, stdout, err = run(["sweep", "canvas-det", "--policy", "affine", "--magnitudes", "0,0.5", *FAST, "--json", str(out),
                             "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["metric"] == "ap50" and [p["magnitude"] for p in r["points"]] == [0.0, 0.5] and "AP50 against" in stdout
    out = tmp_path / "search.json"
    code, stdout, err = run(["search", "canvas-det", "--train-size", "8", "--seeds", "1", "--steps", "3", "--budget", "2",
                             "--threads", "1", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["metric"] == "ap50" and r["trials"] == 2 and set(r["baselines"]) == {"none", "randaugment", "trivialaugment"}


@pytest.mark.parametrize("args,message", [
    (["evaluate", "canvas-det", "--policy", "hflip", "--per-class", "5"], "--per-class: annotated images have no class per sample"),
    (["evaluate", "canvas-det", "--policy", "hflip", "--train-size", "239"], "--train-size 239 is too large"),
    (["evaluate", "digits", "--policy", "hflip", "--train-size", "5"], "--train-size: train_size is for data without a class per sample"),
    (["evaluate", "canvas-seg", "--policy", "hflip", "--train-size", "5", "--model", "centernet", "--steps", "1", "--seeds", "1"],
     "--model 'centernet' does not fit semantic masks; expected unet"),
])
def test_the_training_size_and_the_model_are_checked(tmp_path, capsys, args, message):
    code, _, err = run([*args, "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_augment_and_replay_each_format_byte_for_byte(tmp_path, capsys):
    (tmp_path / "c").mkdir()
    sources = {"coco": _coco(tmp_path / "c").parent, "yolo": _yolo(tmp_path / "y"), "masks": _masks(tmp_path / "m")}
    for fmt, source in sources.items():
        args = ["augment", str(source), "--policy", "hflip+rotate(m=0.5)", "--copies", "2", "--seed", "3"]
        for name in ("a", "b"):
            code, stdout, err = run([*args, "--out", str(tmp_path / f"{fmt}-{name}")], capsys)
            assert code == 0, err
            assert f"[{fmt}]" in stdout
        a = _files(tmp_path / f"{fmt}-a")
        assert a == _files(tmp_path / f"{fmt}-b") and sum(k.parts[0] == "images" for k in a) == 6
        code, _, err = run(["replay", str(tmp_path / f"{fmt}-a.manifest.json"), "--out", str(tmp_path / f"{fmt}-c")], capsys)
        assert code == 0, err
        assert _files(tmp_path / f"{fmt}-c") == a


def test_box_filters_are_recorded_and_replayed(tmp_path, capsys):
    out = tmp_path / "strict"
    code, _, err = run(["augment", "canvas-det", "--policy", "affine(m=1)", "--min-visibility", "0.9", "--min-area", "30",
                        "--out", str(out)], capsys)
    assert code == 0, err
    manifest = json.loads((tmp_path / "strict.manifest.json").read_text())
    assert manifest["box_filter"]["min_visibility"] == 0.9 and manifest["box_filter"]["min_area"] == 30
    code, _, err = run(["augment", "canvas-det", "--policy", "affine(m=1)", "--out", str(tmp_path / "loose")], capsys)
    assert code == 0, err
    strict, loose = (len(json.loads((tmp_path / n / "annotations.json").read_text())["annotations"]) for n in ("strict", "loose"))
    assert strict < loose  # the same draws, fewer boxes kept
    code, _, err = run(["replay", str(tmp_path / "strict.manifest.json"), "--out", str(tmp_path / "again")], capsys)
    assert code == 0, err
    assert _files(tmp_path / "again") == _files(out)
    code, _, err = run(["augment", "digits", "--policy", "hflip", "--min-area", "4", "--out", str(tmp_path / "d.npz")], capsys)
    assert code == 2 and "--min-area works on annotated data; this data is image" in err
    code, _, err = run(["augment", "canvas-det", "--policy", "hflip", "--min-visibility", "1.5", "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and "--min-visibility" in err and not (tmp_path / "x").exists()


def test_preview_draws_the_targets(tmp_path, capsys):
    out = tmp_path / "p.png"
    code, _, err = run(["preview", "canvas-det", "--policy", "rotate(m=0.5)", "--rows", "2", "--draws", "2", "--out", str(out)], capsys)
    assert code == 0, err
    from PIL import Image

    with Image.open(out) as im:
        assert im.size[0] > im.size[1] > 0  # 2 rows of 3 pictures


def _coco_missing_image(root):
    path = _coco(root)
    (root / "images" / "im1.jpg").unlink()
    return path, "image 11 is im1.jpg, which is not in"


def _coco_unknown_image(root):
    anns = [{"id": 1, "image_id": 99, "category_id": 7, "bbox": [2, 3, 10, 8]}]
    return _coco(root, annotations=anns), "annotations[0] points to image id 99"


def _coco_box(bbox, message):
    def make(root):
        anns = [{"id": 1, "image_id": 10, "category_id": 7, "bbox": bbox}]
        return _coco(root, annotations=anns), message
    return make


def _mask_size(root):
    return _masks(root, mask_size=(21, 40)), "is 40x21, but its image is 40x20"


def _yolo_four(root):
    return _yolo(root, lines=("0 0.5 0.5 0.2",)), "expected 'class cx cy w h' (5 numbers), got 4"


@pytest.mark.parametrize("make", [_coco_missing_image, _coco_unknown_image, _coco_box([12, 3, -10, 8], "negative width or height"),
                                  _coco_box([30, 3, 20, 8], "lies outside the 40x30 image"), _mask_size, _yolo_four],
                         ids=["coco-missing-file", "coco-unknown-image", "coco-x2-before-x1", "coco-outside", "mask-size", "yolo-four-numbers"])
def test_bad_annotated_input_gets_one_line_and_nothing_is_written(tmp_path, capsys, make):
    root = tmp_path / "in"
    root.mkdir()
    path, message = make(root)
    before = _files(root)
    out = tmp_path / "out"
    code, stdout, err = run(["augment", str(path), "--policy", "hflip", "--out", str(out)], capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and not (tmp_path / "out.manifest.json").exists() and _files(root) == before
