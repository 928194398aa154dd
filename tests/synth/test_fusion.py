import json

import numpy as np
import pytest
import torch

from augmentlab.data import load_dataset
from augmentlab.errors import AugmentlabError
from augmentlab.synth.checkpoint import save_checkpoint
from augmentlab.synth.fit import fit_generator
from augmentlab.synth.fusion import Fused, SyntheticSource, parse_ratios, synthetic_labels
from augmentlab.train.protocol import Protocol, make_splits
from tests.conftest import run

PER_CLASS = 10


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    """One small cVAE per seed, each fitted on that seed's training split only."""
    ds = load_dataset("digits")
    out = tmp_path_factory.mktemp("ckpt")
    paths = []
    for split_seed in (0, 1):
        gen, meta, idx = fit_generator(ds, "cvae", 15, seed=3, per_class=PER_CLASS, split_seed=split_seed)
        meta["data"] = "digits"
        path = out / f"seed{split_seed}.safetensors"
        save_checkpoint(gen, path, meta, {"train_indices": idx})
        paths.append(path)
    return ds, paths


def test_synthetic_labels_keep_class_shares_and_every_prefix_balanced():
    y = torch.tensor([2, 0, 1, 2, 1, 0])
    labels = synthetic_labels(y, 9)
    assert labels.tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert torch.equal(synthetic_labels(y, 4), labels[:4])
    skewed = synthetic_labels(torch.tensor([0, 0, 0, 1]), 8)
    assert torch.bincount(skewed).tolist() == [6, 2]


def test_sampling_is_prefix_stable_so_a_sweep_can_share_one_draw(checkpoints):
    ds, paths = checkpoints
    source = SyntheticSource(paths, ds)
    _, gen = next(iter(source.by_split.values()))
    labels = torch.arange(300) % 10
    assert torch.equal(gen.sample(labels[:150], 4), gen.sample(labels, 4)[:150])


def test_each_seed_gets_the_generator_fitted_on_its_own_split(checkpoints):
    ds, paths = checkpoints
    protocol = Protocol(per_class=PER_CLASS, seeds=2)
    source = SyntheticSource(paths, ds, "digits", "digits")
    source.check_covers(ds, protocol, external_test=False)
    for seed in (0, 1):
        train = make_splits(ds.labels, protocol, seed, external_test=False).train
        path, _ = source.generator_for(train, seed, PER_CLASS)
        assert path == paths[seed]
        fused = Fused(None, source, 1.5)
        x, y = fused.synthetic(train, ds.labels[train], seed, 11, PER_CLASS)
        assert x.shape == (150, *ds.data.shape[1:]) and x.dtype == torch.uint8 and len(y) == 150
    only_first = SyntheticSource(paths[:1], ds, "digits")
    with pytest.raises(AugmentlabError, match="seed 1's training split.*--split-seed 1"):
        only_first.check_covers(ds, protocol, external_test=False)
    with pytest.raises(AugmentlabError, match="fitted on digits, not on mnist"):
        SyntheticSource(paths, ds, "mnist", "mnist")


def test_parse_ratios():
    assert parse_ratios("2,0,0.5") == [0.0, 0.5, 2.0]
    for bad, needle in (("-1", "out of range"), ("nan", "not a finite number"), ("inf", "not a finite number"), ("1,1", "repeats"), ("x", "^ratios 'x'")):
        with pytest.raises(AugmentlabError, match=needle):
            parse_ratios(bad)


def test_evaluate_and_sweep_with_synthetic_data(checkpoints, tmp_path, capsys):
    ds, paths = checkpoints
    ckpts = ",".join(str(p) for p in paths)
    common = ["digits", "--per-class", str(PER_CLASS), "--seeds", "2", "--steps", "20", "--threads", "1",
              "--runs", str(tmp_path / "runs"), "--synthetic", ckpts]
    out = tmp_path / "e.json"
    code, stdout, err = run(["evaluate", *common, "--policy", "hflip", "--synthetic-ratio", "2", "--json", str(out)], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    sy = r["synthetic"]
    assert sy["ratio"] == 2 and sy["model"] == "cvae" and len(sy["runs"]) == 2
    assert all(run_["synthetic_images"] == 2 * 10 * PER_CLASS for run_ in sy["runs"])
    real_only = [x["test_accuracy"] for x in r["augmented"]["runs"]]
    fused = [x["test_accuracy"] for x in sy["runs"]]
    assert sy["lift_vs_real_only"]["mean"] == pytest.approx(np.mean(np.subtract(fused, real_only)))
    assert "synthetic" in stdout and "cvae" in stdout

    out = tmp_path / "s.json"
    code, stdout, err = run(["sweep", *common, "--policy", "none", "--ratios", "0,1", "--json", str(out)], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["axis"] == "ratio" and [p["ratio"] for p in r["points"]] == [0, 1] and r["best_ratio"] in (0, 1)
    assert [x["synthetic_images"] for x in r["points"][1]["runs"]] == [10 * PER_CLASS] * 2
    run_dir = next((tmp_path / "runs").glob("sweep-*"))
    assert (run_dir / "strength.png").stat().st_size > 0
    code, _, err = run(["report", str(run_dir)], capsys)
    assert code == 0, err
    md = (run_dir / "report.md").read_text()
    assert "best ratio" in md and "synthetic : real" in md


@pytest.mark.parametrize("extra,needle", [
    (["--synthetic-ratio", "0"], "--synthetic-ratio"),
    (["--seeds", "3"], "--split-seed 2"),
])
def test_evaluate_refuses_bad_synthetic_settings(checkpoints, tmp_path, capsys, extra, needle):
    ds, paths = checkpoints
    argv = ["evaluate", "digits", "--policy", "hflip", "--per-class", str(PER_CLASS), "--seeds", "2", "--steps", "5",
            "--runs", str(tmp_path / "runs"), "--synthetic", ",".join(map(str, paths)), *extra]
    code, _, err = run(argv, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_sweep_refuses_magnitudes_with_synthetic(checkpoints, tmp_path, capsys):
    ds, paths = checkpoints
    code, _, err = run(["sweep", "digits", "--policy", "affine", "--per-class", "10", "--magnitudes", "0,0.5",
                        "--synthetic", str(paths[0])], capsys)
    assert code == 2 and "--ratios" in err
