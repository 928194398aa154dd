"""The honest low-data protocol.

Per seed: a stratified N-per-class training set, then a validation set and a test set, all
disjoint. Validation is for choosing (strength, policy), test only for reporting. Baseline
and augmented runs share splits and seeds, so their difference is paired.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace

import torch

from augmentlab.data.dataset import Dataset
from augmentlab.data.split import Splits, check_groups, check_split_room, make_splits
from augmentlab.errors import AugmentlabError
from augmentlab.ops.text.encoder import DEFAULT_ENCODER
from augmentlab.policy.training import TrainingPolicy
from augmentlab.rng import child_seeds, torch_generator
from augmentlab.train.adaptive import Adaptive, AdaptiveConfig, StrengthController
from augmentlab.train.models import build_model
from augmentlab.train.stats import paired, seeds_for_halfwidth, summarize, summarize_score
from augmentlab.train.trainer import TrainConfig, accuracy, model_input, train
from augmentlab.values import check_number

TEST_SPLITS = ("per_seed", "fixed")
MAX_SEEDS = 1000


@dataclass(frozen=True)
class Protocol:
    # the training set: per_class samples of every class, or (data without a class per
    # sample, whose modality's ``split`` is "size": annotated images) train_size in all
    per_class: int | None
    seeds: int = 3
    steps: int = 800
    batch_size: int = 64
    val_per_class: int = 100
    model: str | None = None  # None: chosen by input size; "module:factory": the user's own (train/user_models.py)
    weights: str | None = None  # safetensors weights the model starts from
    device: str = "cpu"  # where models train and batches are augmented (data trained batch by batch)
    precision: str = "auto"  # the forward pass's number format for data trained batch by batch (train/precision.py)
    # "per_seed": each seed splits all of DATA anew (train, then validation and test from
    # the rest). "fixed": one test set is held out once, the same for every seed, and each
    # seed draws train and validation from the other half; nothing used for choosing (any
    # seed's training or validation set) ever touches it. The search uses "fixed".
    test_split: str = "per_seed"
    # text only: augmented copies per training sentence (None: the policy's, e.g.
    # eda(copies=16), else 1), and the label-preservation filter's cosine threshold
    copies: int | None = None
    min_similarity: float | None = None
    filter_model: str = DEFAULT_ENCODER
    # data with groups (speakers, patients): these groups are the test set, and train and
    # validation come from the others; None draws whole groups (data/split.py)
    test_groups: tuple[str, ...] | None = None
    train_size: int | None = None
    # how the training set is drawn (``Modality.split``): "ratio" keeps the class ratio
    split: str = "per_class"
    # what runs are scored by (tables: pr_auc, roc_auc, balanced_accuracy, accuracy); None:
    # the data's modality's choice
    metric: str | None = None

    def _check_size(self, ds: Dataset, test: Dataset | None) -> None:
        """``per_class`` for classes, ``train_size`` for data drawn by count; never both.
        Neither, with a test set apart: the whole data trains (the data's own split)."""
        by_size = ds.kind.split in ("size", "ratio")
        wanted, other = ("train_size", "per_class") if by_size else ("per_class", "train_size")
        ratio = ds.kind.split == "ratio"
        if getattr(self, other) is not None:
            how = f"{ds.kind.noun} have no class per sample; the training set is train_size {ds.kind.noun}" if by_size else \
                f"train_size is for data without a class per sample; {ds.kind.noun} are drawn per_class per class"
            if ratio:
                how = (f"{ds.kind.noun} are drawn train_size in all, keeping the class ratio (a count per class would "
                       "balance the classes by sampling)")
            raise AugmentlabError(f"{other}: {how}", field=other)
        if getattr(self, wanted) is None and test is not None and (ratio or not by_size):
            return
        if getattr(self, wanted) is None:
            raise AugmentlabError(f"{wanted}: give the number of training {ds.kind.noun}"
                                  + (" per class" if not by_size else "")
                                  + (" (or a test set, to train on all of the data)" if ratio or not by_size else ""), field=wanted)
        check_number(getattr(self, wanted), wanted, low=1, integer=True)

    @property
    def per_stratum(self) -> int | None:
        """Training samples drawn from each class (annotated images: one class, every image);
        None: every sample trains (the data's own split, ``data/split.choosing_split``)."""
        return self.per_class if self.per_class is not None else self.train_size

    def _check_options(self, ds: Dataset) -> None:
        """Refuse options the data's modality does not train with (copies are for data
        trained on augmented copies made once, such as text)."""
        from augmentlab.modality import modalities
        from augmentlab.ops.text.encoder import resolve_model_path

        custom_filter = self.filter_model != DEFAULT_ENCODER
        given = {"copies": self.copies is not None, "min_similarity": self.min_similarity is not None, "filter_model": custom_filter}
        refused = [name for name, on in given.items() if on and name not in ds.kind.options]
        if refused:
            able = " or ".join(k.name for k in modalities() if refused[0] in k.options)
            how = "are augmented batch by batch while training" if ds.kind.training == "batches" else "take no such option"
            raise AugmentlabError(f"{refused[0]} applies to {able} data; {ds.kind.noun} {how}", field=tuple(refused))
        if custom_filter:
            if self.min_similarity is None:
                raise AugmentlabError(f"filter_model {self.filter_model!r} is the filter's encoder; give min_similarity too",
                                      field=("filter_model", "min_similarity"))
            resolve_model_path(self.filter_model)  # a local path that does not exist fails now, before training

    def check(self, ds: Dataset, test: Dataset | None = None) -> None:
        if self.test_split not in TEST_SPLITS:
            raise AugmentlabError(f"test_split {self.test_split!r} is unknown; expected one of {', '.join(TEST_SPLITS)}")
        check_number(self.seeds, "seeds", low=1, high=MAX_SEEDS, integer=True)
        check_number(self.steps, "steps", low=1, high=10_000_000, integer=True)
        self._check_size(ds, test)
        if self.copies is not None:
            check_number(self.copies, "copies", low=1, high=10_000, integer=True)
        if self.min_similarity is not None:
            check_number(self.min_similarity, "min_similarity", low=-1.0, high=1.0)
        present = int((torch.bincount(ds.labels, minlength=ds.num_classes) > 0).sum())
        if present < 2 and ds.kind.split == "per_class":
            raise AugmentlabError(f"the data has {present} class{'es' if present != 1 else ''} with samples; telling classes "
                                  "apart needs at least two")
        self._check_options(ds)
        if self.split != ds.kind.split:
            raise AugmentlabError(f"split {self.split!r} does not fit {ds.modality} data, which is drawn {ds.kind.split!r}",
                                  field="split")
        if self.metric is not None:
            ds.kind.check_metric(self.metric)
        if self.model is not None:
            ds.kind.check_model(ds.data, self.model)
        from augmentlab.train.user_models import check_user_model, is_user_model, load_weights

        if is_user_model(self.model):  # imported, built and probed now, before any training
            check_user_model(self.model, ds.kind.sample_shape(ds.data), ds.num_classes, ds.data[0])
        if self.device != "cpu":
            from augmentlab.device import resolve_device

            resolve_device(self.device)  # a missing GPU is one line now, not an error mid-run
            if ds.kind.training != "batches":
                raise AugmentlabError(f"device: {ds.kind.noun} train on the CPU; device applies to data augmented batch by "
                                      "batch (images, audio, series)", field="device")
        if self.weights is not None:
            if ds.kind.training != "batches":
                raise AugmentlabError(f"weights: {ds.kind.noun} train models that start from no weights file", field="weights")
            load_weights(build_model(self.model or ds.kind.model_for(ds.data), ds.kind.sample_shape(ds.data), ds.num_classes),
                         self.weights)
        check_groups(ds.groups, ds.labels, self, external_test=test is not None)
        check_split_room(ds.labels, ds.num_classes, self, external_test=test is not None)
        if test is not None:
            ds.kind.same_kind(test, "test")
            ds.kind.check_test(ds.data, test.data)
            if test.num_classes > ds.num_classes:
                raise AugmentlabError(f"test has {test.num_classes} classes but the data only {ds.num_classes}", field="test")


def robust_accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, attack, seed: int, batch_size: int = 512) -> float:
    """Accuracy on inputs perturbed by ``attack`` (every sample attacked) against ``model``."""
    attack = type(attack)(**{**attack.config(), "p": 1.0})
    g = torch_generator(seed)
    correct = 0
    for i in range(0, len(x), batch_size):
        device = next((p.device for p in model.parameters()), x.device)
        xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
        adv = attack.perturb(model, xb, yb, g, lambda v: model_input(model, v))
        correct += round(accuracy(model, adv, yb) * len(yb))
    return correct / max(len(x), 1)


def attack_of(policies) -> object | None:
    """The first adversarial op among the policies: every arm is also tested under it."""
    for pol in policies:
        pol = pol.policy if isinstance(pol, Adaptive) else pol
        if isinstance(pol, TrainingPolicy) and pol.attacks:
            return pol.attacks[0]
    return None


def run_once(ds: Dataset, splits: Splits, policy, protocol: Protocol, seed: int, test: Dataset | None,
             attack=None, before_refit=None) -> dict | None:
    """One training run on ``seed``'s splits, in the way the data's modality trains (inside
    its context: audio ops and models read the data's sample rate there).

    With the data's own split a run trains twice; ``before_refit(val_accuracy)``, if
    given, is asked between the two, and False ends the run there (None is returned): a
    race that has already lost saves the second training."""
    runner = RUNNERS[ds.kind.training]
    with ds.kind.context(ds.layout):
        if splits.refit is None:
            return runner(ds, splits, policy, protocol, seed, test, attack)
        # the data's own split: validation scores the model trained on the choosing part,
        # test the one trained on every training sample (never used to choose)
        choosing = runner(ds, splits, policy, protocol, seed, test, attack)
        if before_refit is not None and not before_refit(choosing["val_accuracy"]):
            return None
        full = runner(ds, replace(splits, train=splits.refit), policy, protocol, seed, test, attack)
    return {**full, "val_accuracy": choosing["val_accuracy"], "seconds": choosing["seconds"] + full["seconds"],
            "choosing_run": {k: choosing[k] for k in ("train_accuracy", "test_accuracy", "seconds")}}


def run_copies_once(ds: Dataset, splits: Splits, policy, protocol: Protocol, seed: int, test: Dataset | None,
                    attack=None) -> dict:
    """Augmented copies of the training split made once, then one fit (text)."""
    from augmentlab.train.text_run import run_text_once

    return run_text_once(ds, splits, policy, protocol, seed, test)


def run_batches_once(ds: Dataset, splits: Splits, policy, protocol: Protocol, seed: int, test: Dataset | None,
                     attack=None) -> dict:
    """The policy applied to every training batch as it is drawn (images)."""
    shape = ds.kind.sample_shape(ds.data)
    name = protocol.model or ds.kind.model_for(ds.data)
    config = TrainConfig(steps=protocol.steps, batch_size=protocol.batch_size, precision=protocol.precision)
    x, y = ds.data[splits.train], ds.labels[splits.train]
    start = time.perf_counter()
    fit_x, fit_y, extra = x, y, {}
    if hasattr(policy, "synthetic"):  # real plus synthetic images (synth/fusion.py: Fused)
        # child stream 5 draws the synthetic samples
        fake_x, fake_y = policy.synthetic(splits.train, y, seed, child_seeds(seed, 6)[5], protocol.per_class)
        fit_x, fit_y = torch.cat([x, fake_x]), torch.cat([y, fake_y])
        extra["synthetic_images"] = len(fake_x)
        policy = policy.policy
    controller = None
    if isinstance(policy, Adaptive):  # the magnitude follows an overfitting signal (train/adaptive.py)
        heldout = (ds.data[splits.val], ds.labels[splits.val])
        # child streams 0-2 belong to the trainer; 3 draws held-out batches, 4 the test attack
        controller = StrengthController(policy, heldout, child_seeds(seed, 4)[3], model_input)
        policy = None
    result = train(lambda: build_model(name, shape, ds.num_classes, protocol.weights), fit_x, fit_y, policy, config, seed, controller=controller,
                   num_classes=ds.num_classes, device=protocol.device)
    test_x, test_y = (test.data, test.labels) if test is not None else (ds.data[splits.test], ds.labels[splits.test])
    if controller is not None:
        extra["adaptive"] = controller.trajectory
    if attack is not None:  # clean and attacked accuracy side by side
        from augmentlab.ops.printing import format_op

        extra["attack"] = format_op(attack)
        extra["robust_test_accuracy"] = robust_accuracy(result.model, test_x, test_y, attack, child_seeds(seed, 5)[4])
    return {
        "seed": seed,
        "model": name,
        "device": str(next((p.device for p in result.model.parameters()), protocol.device)),
        "precision": result.precision,
        "train_accuracy": accuracy(result.model, x, y),
        "val_accuracy": accuracy(result.model, ds.data[splits.val], ds.labels[splits.val]),
        "test_accuracy": accuracy(result.model, test_x, test_y),
        "seconds": time.perf_counter() - start,
        "history": result.history,
        **extra,
    }


def run_targets_once(ds: Dataset, splits: Splits, policy, protocol: Protocol, seed: int, test: Dataset | None,
                     attack=None) -> dict:
    """A segmenter or detector trained with the policy moving every batch's targets (annotated images)."""
    from augmentlab.train.target_run import run_targets_once as run

    return run(ds, splits, policy, protocol, seed, test)


def run_rows_once(ds: Dataset, splits: Splits, policy, protocol: Protocol, seed: int, test: Dataset | None,
                  attack=None) -> dict:
    """A model fitted once on the training rows plus the rows the policy adds (tables)."""
    from augmentlab.train.table_run import run_table_once

    return run_table_once(ds, splits, policy, protocol, seed, test)


RUNNERS = {"batches": run_batches_once, "copies": run_copies_once, "targets": run_targets_once,
           "rows": run_rows_once}  # by Modality.training


def metric_of(ds: Dataset, protocol: Protocol) -> str:
    """What runs on ``ds`` under ``protocol`` are scored by (results name it in ``metric``)."""
    return protocol.metric or ds.kind.metric(ds.data)


def summarize_runs(runs: list[dict]) -> dict:
    keys = ["train_accuracy", "val_accuracy", "test_accuracy"] + (["robust_test_accuracy"] if "robust_test_accuracy" in runs[0] else [])
    out = {k: summarize_score([r[k] for r in runs]) for k in keys}
    out["generalization_gap"] = summarize([r["train_accuracy"] - r["test_accuracy"] for r in runs])
    return out


def compare(ds: Dataset, policies: dict, protocol: Protocol, test: Dataset | None = None, progress=None,
            cache=None, race: tuple[str, ...] = (), can_win=None) -> dict:
    """A baseline and each named policy on seeds 0..K-1, all sharing each seed's splits:
    test and train accuracy, generalisation gap, and every policy's paired lift.

    ``cache`` (``get(name, seed)`` / ``put(name, seed, run)``) keeps finished runs, so an
    interrupted comparison resumes without repeating them.

    Arms named in ``race`` run only while they lead: after each seed, one whose mean
    validation accuracy so far is below the best other arm's on the same seeds is not
    trained on the remaining seeds (it could then win only by catching up). Its summary
    covers the seeds it ran; ``dropped_after`` says how many. With the data's own split,
    where a run trains twice, a racing arm found behind after its first training on a
    seed (but the first and the last) stops there: ``dropped_before_refit`` is then True,
    and that seed's half run is in none of its numbers. ``can_win(val_runs, name)``, if
    given, is asked before a racing arm's last seed, with every arm's validation scores
    so far (the others' on that seed too); False drops the arm there, one seed short
    (``dropped_reason``: ``"cannot_win"``, else ``"behind"``): the caller's choice could
    not go to it whatever that seed gave.
    """
    protocol.check(ds, test)
    start = time.perf_counter()
    runs: dict[str, list[dict]] = {"baseline": [], **{name: [] for name in policies}}
    dropped: dict[str, int] = {}
    reasons: dict[str, str] = {}
    before_refit: set[str] = set()
    attack = attack_of(policies.values())
    # racing arms train last on each seed: the others' scores on it are there to race
    order = [("baseline", None), *((n, p) for n, p in policies.items() if n not in race),
             *((n, p) for n, p in policies.items() if n in race)]
    for seed in range(protocol.seeds):
        splits = make_splits(ds.labels, protocol, seed, external_test=test is not None, groups=ds.groups)
        for name, pol in order:
            if name in dropped:
                continue
            run = cache.get(name, seed) if cache is not None else None
            if (run is None and name in race and can_win is not None and seed == protocol.seeds - 1 > 0
                    and not can_win({n: [r["val_accuracy"] for r in rs] for n, rs in runs.items()}, name)):
                dropped[name], reasons[name] = seed, "cannot_win"
                if progress:
                    progress(1)
                continue
            if run is None:
                still_ahead = None
                if name in race and 0 < seed < protocol.seeds - 1:
                    still_ahead = lambda val, name=name: not _behind({**runs, name: [*runs[name], {"val_accuracy": val}]},  # noqa: E731
                                                                     name, set(race))
                run = run_once(ds, splits, pol, protocol, seed, test, attack, before_refit=still_ahead)
                if run is None:  # behind after the choosing part: dropped without its refit
                    dropped[name] = seed
                    before_refit.add(name)
                    if progress:
                        progress(1)
                    continue
                if cache is not None:
                    cache.put(name, seed, run)
            runs[name].append(run)
            if progress:
                progress(1)
        for name in race:
            if name not in dropped and seed + 1 < protocol.seeds and _behind(runs, name, set(race)):
                dropped[name] = seed + 1
    base = [r["test_accuracy"] for r in runs["baseline"]]
    arms = {name: {**summarize_runs(r), "runs": r} for name, r in runs.items()}
    for name in policies:
        arms[name]["lift"] = paired(base[: len(runs[name])], [r["test_accuracy"] for r in runs[name]])
        if name in dropped:
            arms[name]["dropped_after"] = dropped[name]
            arms[name]["dropped_reason"] = reasons.get(name, "behind")
            if name in before_refit:
                arms[name]["dropped_before_refit"] = True
    return {"protocol": asdict(protocol), "metric": metric_of(ds, protocol), "arms": arms, "seconds": time.perf_counter() - start}


def _behind(runs: dict[str, list[dict]], name: str, racing: set[str]) -> bool:
    """Is ``name``'s mean validation accuracy below the best non-racing arm's, over the seeds
    both have run?"""
    mine = [r["val_accuracy"] for r in runs[name]]
    if not mine or mine[0] is None:
        return False
    k = len(mine)
    others = [[r["val_accuracy"] for r in runs[o][:k]] for o in runs if o not in racing]
    best = max(sum(v) / k for v in others if len(v) == k)
    return sum(mine) / k < best


def evaluate(ds: Dataset, policy, protocol: Protocol, test: Dataset | None = None, progress=None,
             adaptive: AdaptiveConfig | None = None, synthetic=None, target_halfwidth: float | None = None, cache=None) -> dict:
    """Baseline and augmented runs on seeds 0..K-1 with shared splits; test accuracy,
    train accuracy, generalisation gap and the paired lift, each with a 95% CI. With
    ``adaptive``, a third arm adapts the policy's magnitude during training. With
    ``synthetic`` (a ``Fused`` policy), a third arm adds synthetic images, and its lift is
    measured against the same policy on real images only. With ``target_halfwidth`` (a
    fraction: 0.01 is one point), the lift says about how many seeds would give its 95% CI
    that half-width (``seeds_needed``). ``cache`` (``get``/``put`` by arm and seed) serves
    runs already made, as ``--seeds auto`` adds seeds."""
    if adaptive:
        ds.kind.require("adaptive", "adaptive")
        if protocol.per_stratum is None:
            raise AugmentlabError("adaptive steers by a validation set apart from training; with the data's own split every "
                                  "sample trains: give per_class", field=("adaptive", "per_class"))
    if synthetic is not None:
        ds.kind.require("synthetic", "synthetic")
    if synthetic is not None:  # fail before any training if a seed has no generator of its own
        synthetic.source.check_covers(ds, protocol, test is not None)
    arms = {"augmented": policy, **({"adaptive": Adaptive(policy, adaptive)} if adaptive else {}),
            **({"synthetic": synthetic} if synthetic is not None else {})}
    r = compare(ds, arms, protocol, test, progress, cache=cache)
    augmented = r["arms"]["augmented"]
    lift = augmented.pop("lift")
    if target_halfwidth is not None:
        lift["seeds_needed"] = {"target_halfwidth": target_halfwidth, "seeds": seeds_for_halfwidth(lift["std"], target_halfwidth)}
    out = {"protocol": r["protocol"], "metric": r["metric"], "baseline": r["arms"]["baseline"], "augmented": augmented, "lift": lift, "seconds": r["seconds"]}
    if adaptive:
        arm = r["arms"]["adaptive"]
        finals = [run["adaptive"][-1]["magnitude"] for run in arm["runs"]]
        out["adaptive"] = {**arm, "config": asdict(adaptive), "final_magnitude": summarize(finals),
                           "vs_fixed": paired([x["test_accuracy"] for x in augmented["runs"]], [x["test_accuracy"] for x in arm["runs"]])}
    if synthetic is not None:
        arm = r["arms"]["synthetic"]
        out["synthetic"] = {**arm, "lift_vs_none": arm.pop("lift"), "ratio": synthetic.ratio, "model": synthetic.source.model,
                            "checkpoints": [str(p) for p in synthetic.source.paths],
                            "lift_vs_real_only": paired([x["test_accuracy"] for x in augmented["runs"]],
                                                        [x["test_accuracy"] for x in arm["runs"]])}
    return out
