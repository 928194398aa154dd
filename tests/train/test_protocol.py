import numpy as np
import pytest
import torch

from augmentlab.data import load_dataset
from augmentlab.errors import AugmentlabError
from augmentlab.policy import parse_policy
from augmentlab.train.models import build_model
from augmentlab.train.protocol import Protocol, evaluate, make_splits
from augmentlab.train.trainer import TrainConfig, train


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_splits_are_disjoint_stratified_and_seeded(digits):
    p = Protocol(per_class=5)
    a = make_splits(digits.labels, p, seed=0, external_test=False)
    b = make_splits(digits.labels, p, seed=0, external_test=False)
    c = make_splits(digits.labels, p, seed=1, external_test=False)
    assert all(np.array_equal(x, y) for x, y in zip((a.train, a.val, a.test), (b.train, b.val, b.test)))
    assert not np.array_equal(a.train, c.train)
    sets = [set(a.train), set(a.val), set(a.test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert len(a.train) + len(a.val) + len(a.test) == len(digits)
    assert np.all(np.bincount(digits.labels.numpy()[a.train]) == 5)


def test_training_is_deterministic_and_leaves_the_global_rng_alone(digits):
    x, y = digits.data[:50], digits.labels[:50]
    state = torch.random.get_rng_state()
    runs = [train(lambda: build_model("mlp", (1, 8, 8), 10), x, y, parse_policy("rotate(m=0.2)"), TrainConfig(steps=20), seed=3)
            for _ in range(2)]
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(runs[0].model.parameters(), runs[1].model.parameters()):
        assert torch.equal(p, q)


def test_evaluate_reports_paired_lift_and_intervals(digits):
    r = evaluate(digits, parse_policy("affine(m=0.2)"), Protocol(per_class=5, seeds=2, steps=30))
    for arm in ("baseline", "augmented"):
        t = r[arm]["test_accuracy"]
        assert t["ci95"][0] <= t["mean"] <= t["ci95"][1] and len(r[arm]["runs"]) == 2
        assert r[arm]["generalization_gap"]["mean"] == pytest.approx(r[arm]["train_accuracy"]["mean"] - t["mean"])
    diffs = [a["test_accuracy"] - b["test_accuracy"] for a, b in zip(r["augmented"]["runs"], r["baseline"]["runs"])]
    assert r["lift"]["mean"] == pytest.approx(sum(diffs) / 2)
    again = evaluate(digits, parse_policy("affine(m=0.2)"), Protocol(per_class=5, seeds=2, steps=30))
    assert again["lift"] == r["lift"]


def test_protocol_rejects_impossible_requests(digits):
    with pytest.raises(AugmentlabError, match="too large"):
        Protocol(per_class=200).check(digits)
    with pytest.raises(AugmentlabError, match="^seeds=0 is out of range") as error:
        Protocol(per_class=5, seeds=0).check(digits)
    assert error.value.fields == ("seeds",)  # the library names the field; the CLI shows --seeds
    small = load_dataset("digits")
    with pytest.raises(AugmentlabError, match="^test images"):
        from augmentlab.data.dataset import Dataset

        other = Dataset(small.data[:10, :, :4, :4].contiguous(), small.labels[:10], small.class_names)
        Protocol(per_class=5).check(small, other)


def test_compare_shares_the_baseline_and_pairs_every_policy(digits):
    from augmentlab.train.protocol import compare

    r = compare(digits, {"a": parse_policy("rotate(m=0.2)"), "b": parse_policy("none")}, Protocol(per_class=5, seeds=2, steps=20))
    assert set(r["arms"]) == {"baseline", "a", "b"} and "lift" not in r["arms"]["baseline"]
    base = [x["test_accuracy"] for x in r["arms"]["baseline"]["runs"]]
    for name in ("a", "b"):
        mine = [x["test_accuracy"] for x in r["arms"][name]["runs"]]
        assert r["arms"][name]["lift"]["mean"] == pytest.approx(sum(m - b for m, b in zip(mine, base)) / 2)
    # "none" is the identity op: same seeds, same splits, same draws -> the baseline exactly
    assert [x["test_accuracy"] for x in r["arms"]["b"]["runs"]] == base


def test_restarted_schedule_matches_one_cycle_and_restarts_annealed():
    from augmentlab.train.trainer import restarted_one_cycle

    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=1.0)
    ref = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=400, pct_start=0.25)
    lrs = []
    for _ in range(400):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        ref.step()
    ours = [restarted_one_cycle(s, (400,)) for s in range(400)]
    assert max(abs(a - b) for a, b in zip(lrs, ours)) < 0.02  # torch's oracle, one cycle
    two = [restarted_one_cycle(s, (100, 300)) for s in range(300)]
    assert two[99] < 1e-3 and two[299] < 1e-3  # annealed at every rung
    assert two[100] == pytest.approx(1 / 25) and max(two[100:]) == pytest.approx(1.0, abs=1e-3)


def test_fixed_test_split_is_shared_by_seeds_and_disjoint_from_all_choosing(digits):
    p = Protocol(per_class=5, test_split="fixed")
    a, b = (make_splits(digits.labels, p, seed=s, external_test=False) for s in (0, 1))
    assert np.array_equal(a.test, b.test) and not np.array_equal(a.train, b.train)
    chosen = set(a.train) | set(a.val) | set(b.train) | set(b.val)
    assert not chosen & set(a.test)
    assert len(a.test) == 10 * (int(torch.bincount(digits.labels).min()) // 2)  # half of the smallest class, per class


def test_four_training_steps_train():
    # torch's OneCycleLR divides by zero at exactly 4 steps; the trainer must not
    x, y = torch.rand(8, 1, 8, 8), torch.arange(8) % 2
    result = train(lambda: build_model("mlp", (1, 8, 8), 2), x, y, None, TrainConfig(steps=4, batch_size=4), 0)
    assert result.model is not None


def test_the_datas_own_split_chooses_on_a_quarter_and_reports_the_model_trained_on_all():
    from augmentlab.data.split import choosing_split

    labels = np.array([0] * 12 + [1] * 8 + [2] * 2)
    splits = choosing_split(labels, seed=3)
    assert np.intersect1d(splits.train, splits.val).size == 0 and len(splits.train) + len(splits.val) == len(labels)
    assert np.bincount(labels[splits.val]).tolist() == [3, 2, 1]  # a quarter of each class, at least one, never all
    assert splits.refit.tolist() == list(range(len(labels))) and splits.test is None
    assert not np.array_equal(choosing_split(labels, seed=4).val, splits.val)
    protocol = Protocol(per_class=None, seeds=1, steps=2)
    assert make_splits(torch.as_tensor(labels), protocol, 3, external_test=True).val.tolist() == splits.val.tolist()


def test_without_a_training_size_a_test_set_is_needed_and_each_run_trains_twice():
    ds = load_dataset("digits").subset(torch.arange(200))
    protocol = Protocol(per_class=None, seeds=1, steps=2)
    with pytest.raises(AugmentlabError, match="or a test set, to train on all of the data"):
        protocol.check(ds)
    test = load_dataset("digits").subset(torch.arange(200, 260))
    run = evaluate(ds, parse_policy("hflip"), protocol, test)["baseline"]["runs"][0]
    assert set(run["choosing_run"]) == {"train_accuracy", "test_accuracy", "seconds"}
    assert run["seconds"] > run["choosing_run"]["seconds"]


@pytest.mark.parametrize("search_vals,seeds_run", [
    ([0.50, 0.99, 0.99], 1),  # behind the free arm after seed 0: not trained again
    ([0.90, 0.60, 0.99], 2),  # ahead, then behind on the mean of two seeds
    ([0.90, 0.90, 0.10], 3),  # ahead until the last seed, which always completes the arm
])
def test_a_racing_arm_stops_once_it_falls_behind_the_best_free_arm(digits, monkeypatch, search_vals, seeds_run):
    import augmentlab.train.protocol as protocol_module

    vals = {"none": [0.70, 0.70, 0.70], "free": [0.80, 0.80, 0.80], "search": search_vals}
    trained = []

    def fake_run(ds, splits, policy, protocol, seed, test, attack=None, before_refit=None):
        name = "none" if policy is None else ("free" if policy == "FREE" else "search")
        trained.append((name, seed))
        v = vals[name][seed]
        return {"train_accuracy": 1.0, "val_accuracy": v, "test_accuracy": v, "seconds": 0.0}

    monkeypatch.setattr(protocol_module, "run_once", fake_run)
    r = protocol_module.compare(digits, {"free": "FREE", "search": "SEARCH"}, Protocol(per_class=5, seeds=3, steps=4),
                                race=("search",))
    assert [s for n, s in trained if n == "search"] == list(range(seeds_run))
    assert sorted(s for n, s in trained if n == "free") == [0, 1, 2]
    arm = r["arms"]["search"]
    assert len(arm["runs"]) == seeds_run and arm.get("dropped_after") == (seeds_run if seeds_run < 3 else None)
    assert arm["lift"]["n"] == seeds_run  # paired with the baseline on the seeds it ran


@pytest.mark.parametrize("search_vals,full_runs,halves", [
    ([0.90, 0.60, 0.99], 1, 1),  # behind after seed 1's choosing half: its refit is skipped
    ([0.50, 0.99, 0.99], 1, 0),  # behind after seed 0: the first seed always completes
    ([0.90, 0.90, 0.10], 3, 0),  # the last seed always completes
])
def test_with_the_data_own_split_a_lost_race_skips_the_refit(digits, monkeypatch, search_vals, full_runs, halves):
    import augmentlab.train.protocol as protocol_module

    vals = {"none": [0.70, 0.70, 0.70], "free": [0.80, 0.80, 0.80], "search": search_vals}
    trained = []

    def fake_run(ds, splits, policy, protocol, seed, test, attack=None, before_refit=None):
        name = "none" if policy is None else ("free" if policy == "FREE" else "search")
        v = vals[name][seed]
        trained.append((name, seed, "choosing"))
        if before_refit is not None and not before_refit(v):
            return None
        trained.append((name, seed, "refit"))
        return {"train_accuracy": 1.0, "val_accuracy": v, "test_accuracy": v, "seconds": 0.0}

    monkeypatch.setattr(protocol_module, "run_once", fake_run)
    r = protocol_module.compare(digits, {"search": "SEARCH", "free": "FREE"}, Protocol(per_class=5, seeds=3, steps=4),
                                race=("search",))
    search = [(seed, part) for n, seed, part in trained if n == "search"]
    assert sum(part == "refit" for _, part in search) == full_runs
    assert sum(part == "choosing" for _, part in search) == full_runs + halves
    arm = r["arms"]["search"]
    assert len(arm["runs"]) == full_runs and arm.get("dropped_before_refit", False) == bool(halves)
    # the racing arm trains after the free arm on every seed, so the race can be judged mid-run
    assert all(trained.index(("free", seed, "refit")) < trained.index(("search", seed, "choosing")) for seed, _ in search)


@pytest.mark.parametrize("winnable,search_trainings", [(False, 2), (True, 3)])
def test_a_racing_arm_skips_a_last_seed_that_could_not_make_it_the_choice(digits, monkeypatch, winnable, search_trainings):
    import augmentlab.train.protocol as protocol_module

    vals = {"none": [0.70, 0.70, 0.70], "free": [0.80, 0.80, 0.80], "search": [0.90, 0.85, 0.99]}
    trained, asked = [], []

    def fake_run(ds, splits, policy, protocol, seed, test, attack=None, before_refit=None):
        name = "none" if policy is None else ("free" if policy == "FREE" else "search")
        trained.append((name, seed))
        v = vals[name][seed]
        return {"train_accuracy": 1.0, "val_accuracy": v, "test_accuracy": v, "seconds": 0.0}

    def can_win(val_runs, name):
        asked.append(({k: list(v) for k, v in val_runs.items()}, name))
        return winnable

    monkeypatch.setattr(protocol_module, "run_once", fake_run)
    r = protocol_module.compare(digits, {"search": "SEARCH", "free": "FREE"}, Protocol(per_class=5, seeds=3, steps=4),
                                race=("search",), can_win=can_win)
    assert [s for n, s in trained if n == "search"] == list(range(search_trainings))
    # asked once, before the search arm's last seed, with every other arm's score on that seed
    assert asked == [({"baseline": [0.70] * 3, "search": [0.90, 0.85], "free": [0.80] * 3}, "search")]
    arm = r["arms"]["search"]
    assert len(arm["runs"]) == search_trainings
    if winnable:
        assert "dropped_after" not in arm and "dropped_reason" not in arm
    else:
        assert arm["dropped_after"] == 2 and arm["dropped_reason"] == "cannot_win"
