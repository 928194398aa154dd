"""The Ray Tune backend on a local two-CPU cluster (started once for the module, ~12 s)."""

import pytest

ray = pytest.importorskip("ray")

from augmentlab.data import load_dataset  # noqa: E402
from augmentlab.policy import parse_policy  # noqa: E402
from augmentlab.search.space import parse_space  # noqa: E402
from augmentlab.search.study import SearchSettings, run_search  # noqa: E402
from augmentlab.train.protocol import Protocol  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()


@pytest.mark.slow
def test_ray_backend_gives_a_valid_result_with_the_same_fields(local_ray):
    import io

    from rich.console import Console

    from augmentlab.report.search_live import SearchDisplay

    ds = load_dataset("digits")
    settings = SearchSettings(budget=6, backend="ray")  # no storage: a scratch database Ray can pickle
    out = io.StringIO()
    with SearchDisplay(Console(file=out, width=120)) as display:  # the live view must survive Ray's pickling
        r, study = run_search(ds, parse_space("rand"), Protocol(per_class=5, seeds=2, steps=45), settings, display=display)
    assert "best so far" in out.getvalue()
    local, _ = run_search(ds, parse_space("rand"), Protocol(per_class=5, seeds=2, steps=45), SearchSettings(budget=2))
    assert set(local) <= set(r)
    assert r["backend"] == "ray" and r["trials"] == 6 and len(study.trials) == 6
    parse_policy(r["best_policy"])
    assert all(t["policy"] for t in r["trial_history"]) and r["trials_finished"] >= 1
    assert r["train_run_equivalents"] > 0 and r["best_val_accuracy"] == r["val_accuracy"]["mean"]
