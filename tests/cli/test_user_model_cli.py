"""The user's own model in the lab, and TensorBoard: `--model mymodels:tiny` imports the
factory from PYTHONPATH (or a file), records its import path, starts from local
safetensors weights when given, and `--tensorboard DIR` writes event files tensorboard's
own reader reads. A bad factory is one line, exit 2, nothing written."""

import json
import sys

import pytest

from tests.conftest import run

FACTORIES = '''
from torch import nn


def tiny(shape, num_classes):
    n = 1
    for s in shape:
        n *= s
    return nn.Sequential(nn.Flatten(), nn.Linear(n, num_classes))


def too_many(shape, num_classes):
    return tiny(shape, num_classes + 1)


def not_a_module(shape, num_classes):
    return "a model"


def raises(shape, num_classes):
    raise ValueError("no such width")
'''
FAST = ["--policy", "hflip", "--per-class", "5", "--seeds", "1", "--steps", "5", "--threads", "1"]


@pytest.fixture
def mymodels(tmp_path, monkeypatch):
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "mymodels.py").write_text(FACTORIES)
    monkeypatch.syspath_prepend(str(folder))
    yield folder / "mymodels.py"
    sys.modules.pop("mymodels", None)


def test_the_users_model_trains_is_recorded_and_logs_to_tensorboard(tmp_path, capsys, mymodels):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, tb = tmp_path / "r.json", tmp_path / "tb"
    code, stdout, err = run(["evaluate", "digits", *FAST, "--model", "mymodels:tiny", "--tensorboard", str(tb), "--json", str(out),
                             "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert r["protocol"]["model"] == "mymodels:tiny" and r["augmented"]["runs"][0]["model"] == "mymodels:tiny"
    runs = sorted(p for p in tb.glob("*/*/seed*") if p.is_dir())
    assert [p.relative_to(p.parents[1]).as_posix() for p in runs] == ["augmented/seed0", "baseline/seed0"]
    events = EventAccumulator(str(runs[0]))
    events.Reload()
    assert {"train/loss", "final/test_accuracy"} <= set(events.Tags()["scalars"]) and events.Tags()["images"] == ["preview"]
    test = events.Scalars("final/test_accuracy")[0].value
    assert abs(test - r["augmented"]["runs"][0]["test_accuracy"]) < 1e-6


def test_a_factory_in_a_file_and_weights_to_start_from(tmp_path, capsys, mymodels):
    import torch
    from safetensors.torch import save_file

    from augmentlab.train.user_models import build_user_model

    weights = tmp_path / "w.safetensors"
    model = build_user_model(f"{mymodels}:tiny", (1, 8, 8), 10)
    save_file({k: torch.zeros_like(v) for k, v in model.state_dict().items()}, str(weights))
    out = tmp_path / "r.json"
    code, _, err = run(["evaluate", "digits", *FAST, "--model", f"{mymodels}:tiny", "--weights", str(weights), "--json", str(out),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    assert json.loads(out.read_text())["protocol"]["weights"] == str(weights)
    bad = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3)}, str(bad))
    code, _, err = run(["evaluate", "digits", *FAST, "--model", "mymodels:tiny", "--weights", str(bad), "--runs", str(tmp_path / "r2")],
                       capsys)
    assert code == 2 and "do not fit the model" in err and not (tmp_path / "r2").exists()


@pytest.mark.parametrize("model,needle", [
    ("mymodels:too_many", "returns (2, 11) for a batch of 2; expected logits of shape (2, 10)"),
    ("mymodels:not_a_module", "the factory returned str; expected a torch.nn.Module"),
    ("mymodels:raises", "the factory raised ValueError: no such width"),
    ("mymodels:missing", "mymodels has no callable 'missing'"),
    ("nowhere.models:tiny", "no module 'nowhere' on PYTHONPATH"),
    ("tiny", "model 'tiny' is not an image model"),
])
def test_a_bad_factory_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, mymodels, model, needle):
    out, tb = tmp_path / "r.json", tmp_path / "tb"
    code, _, err = run(["evaluate", "digits", *FAST, "--model", model, "--tensorboard", str(tb), "--json", str(out),
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() and not tb.exists() and not (tmp_path / "runs").exists()


def test_a_factory_is_refused_for_data_fitted_once(tmp_path, capsys, mymodels):
    from tests.table_data import write_loans

    code, _, err = run(["evaluate", str(write_loans(tmp_path / "t.csv")), "--target", "deny", "--policy", "gaussian_noise",
                        "--train-size", "50", "--model", "mymodels:tiny", "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and "a model factory trains on data augmented batch by batch" in err


def test_the_device_is_checked_first_and_recorded_with_every_run(tmp_path, capsys):
    import torch

    out = tmp_path / "r.json"
    if not torch.cuda.is_available():
        code, _, err = run(["evaluate", "digits", *FAST, "--device", "cuda", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
        assert code == 2 and "no CUDA device is available here" in err and len(err.strip().splitlines()) == 1
        assert not out.exists() and not (tmp_path / "runs").exists()
    code, _, err = run(["evaluate", "digits", *FAST, "--device", "auto", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert r["protocol"]["device"] in (expected, expected.split(":")[0]) and r["baseline"]["runs"][0]["device"] == expected
    assert r["protocol"]["precision"] == "auto" and r["baseline"]["runs"][0]["precision"] in ("fp32", "bf16")
