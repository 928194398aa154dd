import pickle

import numpy as np
import pytest
import torch

from augmentlab.data import load_dataset
from augmentlab.errors import AugmentlabError
from augmentlab.synth.checkpoint import load_checkpoint, save_checkpoint
from augmentlab.synth.fit import fit_generator
from augmentlab.train.protocol import Protocol, make_splits
from tests.conftest import run


@pytest.fixture(scope="module")
def fitted():
    ds = load_dataset("digits")
    return ds, *fit_generator(ds, "cvae", 60, seed=0, per_class=20, split_seed=1)


def test_fit_uses_the_labs_split_and_sampling_is_seeded(fitted):
    ds, gen, meta, idx = fitted
    lab = make_splits(ds.labels, Protocol(per_class=20), 1, external_test=False).train
    assert np.array_equal(idx.numpy(), lab) and meta["train_images"] == 200
    labels = torch.tensor([0, 3, 9, 9])
    a, b, c = gen.sample(labels, 5), gen.sample(labels, 5), gen.sample(labels, 6)
    assert a.dtype == torch.uint8 and a.shape == (4, 1, 8, 8)
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(AugmentlabError, match="outside the trained classes"):
        gen.sample(torch.tensor([10]), 0)


def test_checkpoint_round_trips_and_refuses_foreign_files(fitted, tmp_path):
    ds, gen, meta, idx = fitted
    path = tmp_path / "g.safetensors"
    save_checkpoint(gen, path, meta, {"train_indices": idx})
    again, meta2, extra = load_checkpoint(path)
    labels = torch.arange(10)
    assert torch.equal(again.sample(labels, 3), gen.sample(labels, 3))
    assert meta2["seed"] == 0 and torch.equal(extra["train_indices"], idx)
    pickled = tmp_path / "evil.ckpt"
    pickled.write_bytes(pickle.dumps({"state": "x"}))
    torch_file = tmp_path / "torch.pt"
    torch.save(gen.net.state_dict(), torch_file)
    truncated = tmp_path / "cut.safetensors"
    truncated.write_bytes(path.read_bytes()[:200])
    for bad in (pickled, torch_file, truncated):
        with pytest.raises(AugmentlabError, match="not an augmentlab checkpoint"):
            load_checkpoint(bad)


def test_synth_cli_fit_and_sample(tmp_path, capsys):
    ckpt, out = tmp_path / "g.safetensors", tmp_path / "s.npz"
    assert run(["synth", "fit", "digits", "--model", "cvae", "--per-class", "10", "--steps", "20", "--seed", "1",
                "--out", str(ckpt), "--threads", "1"], capsys)[0] == 0
    assert run(["synth", "sample", str(ckpt), "--n", "30", "--labels", "2,5", "--seed", "0", "--out", str(out)], capsys)[0] == 0
    with np.load(out, allow_pickle=False) as f:
        assert f["images"].dtype == np.uint8 and f["images"].shape == (30, 8, 8)
        assert set(f["labels"].tolist()) == {2, 5}


@pytest.mark.parametrize("argv,needle", [
    (["synth", "fit", "digits", "--model", "gpt", "--out", "x.safetensors"], "--model 'gpt'"),
    (["synth", "sample", "missing.safetensors", "--n", "5", "--out", "s.npz"], "no such checkpoint"),
    (["synth", "fit", "digits", "--model", "cvae", "--out", "x.safetensors", "--device", "tpu0"], "--device 'tpu0'"),
])
def test_synth_bad_input(tmp_path, capsys, argv, needle, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_synth_sample_rejects_bad_counts_labels_and_checkpoints(fitted, tmp_path, capsys):
    ds, gen, meta, idx = fitted
    ckpt = tmp_path / "g.safetensors"
    save_checkpoint(gen, ckpt, meta, {"train_indices": idx})
    corrupt = tmp_path / "bad.safetensors"
    corrupt.write_bytes(b"not a checkpoint at all")
    for argv, needle in ((["--n", "0"], "--n"), (["--n", "3", "--labels", "4,12"], "outside the trained classes"),
                         (["--n", "3", "--labels", "a"], "--labels")):
        code, _, err = run(["synth", "sample", str(ckpt), *argv, "--out", str(tmp_path / "s.npz")], capsys)
        assert code == 2 and needle in err and not (tmp_path / "s.npz").exists()
    code, _, err = run(["synth", "sample", str(corrupt), "--n", "3", "--out", str(tmp_path / "s.npz")], capsys)
    assert code == 2 and "not an augmentlab checkpoint" in err


@pytest.mark.slow
def test_synth_evaluate_reports_every_metric_and_a_grid(fitted, tmp_path, capsys):
    import json

    ds, gen, meta, idx = fitted
    ckpt, out = tmp_path / "g.safetensors", tmp_path / "q.json"
    save_checkpoint(gen, ckpt, meta, {"train_indices": idx})
    code, stdout, err = run(["synth", "evaluate", str(ckpt), "--data", "digits", "--json", str(out), "--per-class", "10",
                             "--threads", "1"], capsys)
    assert code == 0 and "Warning" not in err
    r = json.loads(out.read_text())
    for key in ("conditional_accuracy", "tstr_accuracy", "trtr_accuracy", "precision", "recall", "density", "coverage"):
        assert 0 <= r[key] <= (float("inf") if key == "density" else 1)
    assert r["frechet_distance"] >= 0 and 0 <= r["memorisation"]["share"] <= 1 and r["samples"] == 100
    ind = r["independent_judge"]  # trained on every image the generator did not see
    assert ind["train_images"] == len(ds) - len(idx) and 0 <= ind["conditional_accuracy"] <= 1
    assert ind["accuracy_on_generator_training_images"] > 0.5 and "independent judge" in stdout
    assert (tmp_path / "q.png").stat().st_size > 0
    code, _, err = run(["synth", "evaluate", str(ckpt), "--data", "digits", "--per-class", "3"], capsys)
    assert code == 2 and "--per-class" in err


def test_cgan_fits_samples_and_round_trips(tmp_path):
    from augmentlab.synth.cgan import diff_augment

    ds = load_dataset("digits")
    gen, meta, idx = fit_generator(ds, "cgan", 10, seed=0, per_class=10)
    labels = torch.arange(10)
    a = gen.sample(labels, 1)
    assert a.shape == (10, 1, 8, 8) and a.dtype == torch.uint8 and torch.equal(a, gen.sample(labels, 1))
    save_checkpoint(gen, tmp_path / "g.safetensors", meta, {"train_indices": idx})
    again, _, _ = load_checkpoint(tmp_path / "g.safetensors")
    assert torch.equal(again.sample(labels, 1), a)
    x = torch.rand(4, 1, 8, 8, requires_grad=True)
    diff_augment(x, torch.Generator().manual_seed(0)).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # differentiable, as DiffAugment must be


def test_cosine_schedule_runs_from_signal_to_noise():
    from augmentlab.synth.ddpm import cosine_alpha_bar

    ab = cosine_alpha_bar(1000)
    assert ab.shape == (1001,) and ab[0] == 1 and bool((ab[1:] < ab[:-1]).all())
    assert 0 < float(ab[-1]) < 1e-3 and float(ab[500]) == pytest.approx(0.5, abs=0.02)  # half the signal mid-way


def test_ddpm_learns_fits_samples_with_guidance_and_round_trips(tmp_path):
    from augmentlab.synth.ddpm import DDPM

    ds = load_dataset("digits")
    x, y = ds.data[:200], ds.labels[:200]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        gen = DDPM((1, 8, 8), 10, width=8, sample_steps=4)
    history = gen.fit(x, y, 150, seed=0)
    assert history[-1]["loss"] < history[0]["loss"]  # the denoiser learns something
    labels = torch.tensor([1, 7, 7])
    a = gen.sample(labels, 2)
    assert a.shape == (3, 1, 8, 8) and a.dtype == torch.uint8
    assert torch.equal(a, gen.sample(labels, 2)) and not torch.equal(a, gen.sample(labels, 3))
    gen.settings["guidance"] = 0.0  # unguided sampling takes its own path
    assert not torch.equal(a, gen.sample(labels, 2))
    gen.settings["guidance"] = 2.0
    save_checkpoint(gen, tmp_path / "d.safetensors", {"seed": 0}, {})
    again, _, _ = load_checkpoint(tmp_path / "d.safetensors")
    assert again.settings["sample_steps"] == 4 and torch.equal(again.sample(labels, 2), a)
    with pytest.raises(AugmentlabError, match="sample_steps"):
        DDPM((1, 8, 8), 10, sample_steps=0)


def test_unet_handles_sizes_that_do_not_divide_by_four():
    from augmentlab.synth.unet import ConditionalUNet

    net = ConditionalUNet((3, 10, 13), 4, width=8)
    out = net(torch.rand(2, 3, 10, 13), torch.tensor([5, 900]), torch.tensor([0, 4]))  # 4 is the null class
    assert out.shape == (2, 3, 10, 13)
