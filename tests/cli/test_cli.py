import json

import numpy as np
import pytest

from tests.conftest import run


def test_ops_json_lists_image_ops(capsys):
    code, out, _ = run(["ops", "--json"], capsys)
    ops = json.loads(out)
    assert code == 0 and sum(o["modality"] == "image" for o in ops) >= 25
    assert all({"name", "modality"} <= set(o) for o in ops)


def test_augment_is_deterministic_and_replays(tmp_path, capsys):
    base = ["augment", "digits", "--policy", "rand-n2-m0.5", "--copies", "2"]
    assert run(base + ["--seed", "1", "--out", str(tmp_path / "a.npz")], capsys)[0] == 0
    assert run(base + ["--seed", "1", "--out", str(tmp_path / "b.npz")], capsys)[0] == 0
    assert run(base + ["--seed", "2", "--out", str(tmp_path / "c.npz")], capsys)[0] == 0
    a, b, c = ((tmp_path / f"{n}.npz").read_bytes() for n in "abc")
    assert a == b and a != c
    manifest = json.loads((tmp_path / "a.npz.manifest.json").read_text())
    assert manifest["seed"] == 1 and manifest["policy_spec"] == "rand-n2-m0.5" and manifest["params"]
    assert run(["replay", str(tmp_path / "a.npz.manifest.json"), "--out", str(tmp_path / "r.npz")], capsys)[0] == 0
    assert (tmp_path / "r.npz").read_bytes() == a
    # records kept as JSON text are written as json.dumps writes them
    assert (tmp_path / "r.npz.manifest.json").read_text() == (tmp_path / "a.npz.manifest.json").read_text()
    with np.load(tmp_path / "a.npz") as z:
        assert z["images"].shape == (1797 * 3, 8, 8)


@pytest.mark.parametrize("argv,needle", [
    (["augment", "digits", "--policy", "rotat", "--out", "{o}"], "unknown op 'rotat'"),
    (["augment", "digits", "--policy", "rotate(m=3)", "--out", "{o}"], "m=3 is out of range"),
    (["augment", "nosuch", "--policy", "hflip", "--out", "{o}"], "not a built-in name"),
    (["augment", "digits", "--policy", "", "--out", "{o}"], "empty"),
    (["preview", "digits", "--policy", "hflip", "--out", "{o}"], "expected a .png"),
    (["bench", "--threads", "0"], "--threads"),
    (["bench", "--device", "tpu"], "--device 'tpu' is not a device"),
    (["evaluate", "digits", "--policy", "hflip", "--precision", "fp16", "--runs", "{o}"], "--precision: 'fp16' is not a precision"),
    (["search", "digits", "--precision", "half", "--runs", "{o}"], "--precision: 'half' is not a precision"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, argv, needle):
    out = tmp_path / "out.npz"
    code, _, err = run([a.format(o=out) for a in argv], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a CUDA device is present")
def test_bench_on_a_missing_gpu_is_one_line(capsys):
    code, _, err = run(["bench", "--device", "cuda"], capsys)
    assert code == 2 and "no CUDA device" in err and len(err.strip().splitlines()) == 1


def test_interrupted_augment_leaves_nothing(tmp_path, capsys, monkeypatch):
    import augmentlab.data.npz as npz

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(npz.NpzBatchWriter, "write", boom)  # halfway through writing the batches
    code, _, _ = run(["augment", "digits", "--policy", "hflip", "--out", str(tmp_path / "x.npz")], capsys)
    assert code == 130  # Ctrl-C
    assert list(tmp_path.iterdir()) == []


def test_preview_writes_png(tmp_path, capsys):
    code, _, _ = run(["preview", "digits", "--policy", "affine(m=0.3)", "--out", str(tmp_path / "g.png")], capsys)
    from PIL import Image

    assert code == 0 and Image.open(tmp_path / "g.png").size[0] > 100


def test_folder_input_gives_folder_output(tmp_path, capsys):
    from PIL import Image

    for cls in ("a", "b"):
        (tmp_path / "in" / cls).mkdir(parents=True)
        Image.fromarray(np.zeros((6, 6), np.uint8)).save(tmp_path / "in" / cls / "0.png")
    code, _, _ = run(["augment", str(tmp_path / "in"), "--policy", "hflip", "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and len(list((tmp_path / "out").rglob("*.png"))) == 4


def _bad_datasets(root):
    """Each bad input the CLI must reject: (path, text the error must contain)."""
    import gzip

    from PIL import Image

    from augmentlab.data.idx import write_idx

    idx = root / "idx"
    idx.mkdir()
    write_idx(idx / "t-images-idx3-ubyte.gz", np.zeros((4, 5, 5), np.uint8))
    write_idx(idx / "t-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    raw = gzip.decompress((idx / "t-images-idx3-ubyte.gz").read_bytes())
    (idx / "t-images-idx3-ubyte.gz").write_bytes(gzip.compress(raw[:-3]))
    np.savez(root / "counts.npz", images=np.zeros((3, 4, 4), np.uint8), labels=np.zeros(2, np.int64))
    (root / "notimg" / "a").mkdir(parents=True)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "notimg" / "a" / "0.png")
    (root / "notimg" / "a" / "x.txt").write_text("hello")
    (root / "empty" / "a").mkdir(parents=True)
    (root / "empty" / "b").mkdir()
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(root / "empty" / "a" / "0.png")
    return [(idx, "truncated"), (root / "counts.npz", "3 images but 2 labels"),
            (root / "notimg", "x.txt: not an image"), (root / "empty", "empty class folder")]


def test_bad_datasets_exit_2_with_one_line(tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for path, needle in _bad_datasets(inputs):
        before = sorted(p.stat().st_mtime_ns for p in inputs.rglob("*"))
        code, _, err = run(["augment", str(path), "--policy", "hflip", "--out", str(out_dir / "o.npz")], capsys)
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, (path, err)
        assert list(out_dir.iterdir()) == []
        assert sorted(p.stat().st_mtime_ns for p in inputs.rglob("*")) == before  # input untouched


def test_replay_works_from_another_directory(tmp_path, capsys, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    np.savez(tmp_path / "a" / "in.npz", images=np.random.default_rng(0).integers(0, 256, (6, 8, 8), dtype=np.uint8),
             labels=np.arange(6) % 2)
    monkeypatch.chdir(tmp_path / "a")
    assert run(["augment", "in.npz", "--policy", "rotate(m=0.3)", "--copies", "1", "--out", "out.npz"], capsys)[0] == 0
    monkeypatch.chdir(tmp_path / "b")
    assert run(["replay", str(tmp_path / "a" / "out.npz.manifest.json"), "--out", "again.npz"], capsys)[0] == 0
    assert (tmp_path / "b" / "again.npz").read_bytes() == (tmp_path / "a" / "out.npz").read_bytes()


@pytest.mark.parametrize("argv", [["augment", "digits", "--out", "o.npz"],  # missing --policy
                                  ["evaluate", "digits", "--policy", "hflip", "--per-class", "five"]])
def test_usage_errors_exit_2_without_traceback(capsys, argv):
    code, _, err = run(argv, capsys)
    assert code == 2 and "Traceback" not in err and ("Missing" in err or "Invalid value" in err)


def test_unpaired_idx_file_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "t-idx2-ubyte").write_bytes(b"x")
    code, _, err = run(["augment", str(tmp_path / "t-idx2-ubyte"), "--policy", "hflip", "--out", str(tmp_path / "o.npz")], capsys)
    assert code == 2 and "idx3-ubyte" in err and len(err.strip().splitlines()) == 1


def test_corrupt_manifest_is_one_clear_error(tmp_path, capsys):
    assert run(["augment", "digits", "--policy", "rotate(m=0.2)", "--out", str(tmp_path / "a.npz")], capsys)[0] == 0
    good = json.loads((tmp_path / "a.npz.manifest.json").read_text())
    cases = {
        "short": (lambda m: m.update(params=m["params"][:1]), "batch records"),
        "bogus": (lambda m: m["params"].__setitem__(0, {"bogus": 1}), "params[0]"),
        "misfit": (lambda m: m["params"].__setitem__(0, {"apply": m["params"][0]["apply"]}), "params[0]: expected the keys"),
    }
    for name, (corrupt, needle) in cases.items():
        m = json.loads(json.dumps(good))
        corrupt(m)
        (tmp_path / f"{name}.json").write_text(json.dumps(m))
        code, _, err = run(["replay", str(tmp_path / f"{name}.json"), "--out", str(tmp_path / "r.npz")], capsys)
        assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, (name, err)
        assert not (tmp_path / "r.npz").exists()


@pytest.mark.parametrize("command", ["augment", "preview"])
def test_batch_level_policies_are_refused_outside_training(tmp_path, capsys, command):
    out = tmp_path / ("a.npz" if command == "augment" else "p.png")
    code, _, err = run([command, "digits", "--policy", "affine+fgsm(m=0.2)", "--out", str(out)], capsys)
    assert code == 2 and "fgsm" in err and "evaluate" in err and not out.exists()


def test_augment_writes_batch_by_batch_the_same_bytes_as_the_whole_set(tmp_path, capsys):
    from augmentlab.augment import augment_dataset
    from augmentlab.data import load_dataset
    from augmentlab.data.load import save_dataset
    from augmentlab.policy import load_policy

    for out in ("a.npz", "folder"):
        argv = ["augment", str(tmp_path / "imgs") if out == "folder" else "digits", "--policy", "affine(m=0.3)", "--copies", "2",
                "--batch-size", "100", "--out", str(tmp_path / f"cli-{out}")]
        if out == "folder":
            save_dataset(load_dataset("digits").subset(np.arange(150)), tmp_path / "imgs", "folder")
        assert run(argv, capsys)[0] == 0
        ds = load_dataset(argv[1])
        whole, _ = augment_dataset(ds, load_policy("affine(m=0.3)", "image"), 2, 0, 100)
        save_dataset(whole, tmp_path / f"whole-{out}", "npz" if out == "a.npz" else "folder")
        cli_files = sorted(p for p in (tmp_path / f"cli-{out}").rglob("*") if p.is_file()) if out == "folder" else [tmp_path / f"cli-{out}"]
        whole_files = sorted(p for p in (tmp_path / f"whole-{out}").rglob("*") if p.is_file()) if out == "folder" else [tmp_path / f"whole-{out}"]
        assert [p.read_bytes() for p in cli_files] == [p.read_bytes() for p in whole_files] and len(cli_files) >= 1


def test_main_run_twice_in_one_process_does_not_wrap_its_own_warning_printer(capsys):
    import augmentlab.cli as cli

    run(["ops", "--json"], capsys)
    run(["ops", "--json"], capsys)
    # wrapped in itself, any warning that is not a notice recursed until the stack ran out
    assert cli._default_showwarning is not cli._show_notice
