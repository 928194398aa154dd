"""The lab as a library: what ``evaluate``, ``sweep``, ``search`` and ``demo`` do between
reading their arguments and printing, so Python users get the same behaviour without the
CLI. Errors name arguments by their Python names (``per_class``); the CLI shows flags."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from augmentlab.data.overlap import check_overlap
from augmentlab.errors import AugmentlabError


@dataclass
class Lab:
    """Validated inputs for a lab run: the data (and a test set), the policy checked
    against the data's modality, and the protocol checked against the data."""

    data: str
    policy_spec: str
    per_class: int | None
    seeds: int = 3
    steps: int | None = None  # None: the data's modality's (800; annotated images 600)
    test: str | None = None
    model: str | None = None
    mixed_sizes: str = "resize"
    copies: int | None = None
    min_similarity: float | None = None
    filter_model: str = "minilm"
    label_from: str | None = None  # file names carry label and group: "{label}_{group}_{_}"
    test_groups: tuple[str, ...] | None = None  # groups held out as the test set
    sample_rate: int | None = None  # audio: resample every clip to this rate
    duration: float | None = None  # audio: pad or crop every clip to this many seconds
    sweepable: bool = False  # refuse policies whose magnitude sets nothing (sweeps, adaptive runs)
    train_size: int | None = None  # data without a class per sample (annotated images): training samples in all
    missing: str = "refuse"  # series: missing values refused, kept as NaN, or interpolated
    target: str | None = None  # tables: the target column (naming it makes a CSV a table)
    column_types: str | None = None  # tables: "name=kind,..." declared column kinds
    unseen: str = "refuse"  # tables: a test category the training data lacks is refused or read as missing
    modality: str | None = None  # read the data as this modality, whichever reader would claim it
    metric: str | None = None  # tables: pr_auc, roc_auc, balanced_accuracy or accuracy (None: the data's default)
    weights: str | None = None  # safetensors weights the model starts from
    device: str = "cpu"  # where models train and batches are augmented
    precision: str = "auto"  # training's number format: auto, fp32 or bf16 (train/precision.py)
    allow_overlap: bool = False  # run even when the test set shares items with the data (recorded)
    ds: object = field(init=False, repr=False)
    test_ds: object = field(init=False, repr=False)
    policy: object = field(init=False, repr=False)
    protocol: object = field(init=False, repr=False)
    read_options: object = field(init=False, repr=False)
    overlap: dict | None = field(init=False, repr=False)  # what the test set shares with the data, when allowed

    def __post_init__(self) -> None:
        from augmentlab.data.read_options import ReadOptions
        from augmentlab.policy import load_policy
        from augmentlab.policy.magnitude import check_sweepable
        from augmentlab.policy.modality import check_modality
        from augmentlab.train.precision import check_precision

        self.read_options = options = ReadOptions(self.mixed_sizes, self.label_from, self.sample_rate, self.duration, self.missing,
                                                  self.target, self.column_types, self.unseen, self.modality)
        self.ds, self.test_ds, self.test = load_with_test(self.data, self.test, options)
        self.overlap = check_overlap(self.ds, self.test_ds, self.allow_overlap, self.data, self.test)
        self.policy = load_policy(self.policy_spec, self.ds.modality)
        check_modality(self.policy, self.ds.modality)
        if self.sweepable:
            check_sweepable(self.policy)  # fails clearly for policies without a magnitude
        self.protocol = lab_protocol(self.ds, per_class=self.per_class, train_size=self.train_size, seeds=self.seeds, steps=self.steps,
                                     model=self.model, copies=self.copies, min_similarity=self.min_similarity,
                                     filter_model=self.filter_model, test_groups=tuple(self.test_groups) if self.test_groups else None,
                                     metric=self.metric, weights=self.weights, device=self.device,
                                     precision=check_precision(self.precision))
        self.protocol.check(self.ds, self.test_ds)

    @property
    def spec(self) -> str:
        """The policy in its compact string form, as it runs."""
        return self.policy.to_spec()

    def use_best_from_sweep(self, path: Path) -> float:
        """Set the policy to the best magnitude a sweep found; returns that magnitude."""
        self.policy, m = best_from_sweep(self.policy, path)
        return m

    def synthetic_source(self, checkpoints: str):
        """The synthetic checkpoints (one fitted on each seed's split; checked before any
        training that they cover every seed)."""
        from augmentlab.data.load import dataset_identity
        from augmentlab.synth.fusion import SyntheticSource

        return SyntheticSource.parse(checkpoints, self.ds, self.data, dataset_identity(self.data))

    def record(self, results: dict, threads: int, **config) -> tuple[dict, dict]:
        """The run's ``(config, results)`` records, each naming the data and the policy."""
        overlap = {"overlap": self.overlap} if self.overlap else {}
        results = {"data": self.data, "test": self.test, "policy": self.spec, **results, **overlap}
        config = {"data": self.data, "test": self.test, "policy": self.spec, "seeds": list(range(self.protocol.seeds)),
                  "protocol": results["protocol"], "threads": threads, "read": asdict(self.read_options), **config, **overlap}
        return config, results


def load_with_test(data: str, test: str | None, options):
    """``(data, test data or None, where the test data came from)``: the ``test`` path, or
    the data's own test set (a folder with NAME_TRAIN.ts and NAME_TEST.ts), never both."""
    from augmentlab.data import load_dataset

    ds = load_dataset(data, options=options)
    own = ds.kind.own_test(Path(data), ds, options) if Path(data).exists() else None
    if own is not None and test:
        raise AugmentlabError(f"test: {data} has its own test set ({own[1]}); drop test, or give the training file "
                              "alone to test on another", field="test")
    if own is not None:  # the data's own split: train on its training part, report on its test part
        return ds, own[0], own[1]
    return ds, (load_dataset(test, like=ds, options=options) if test else None), test


def lab_protocol(ds, *, per_class: int | None = None, steps: int | None = None, **fields):
    """The lab's ``Protocol`` for ``ds``: steps (unless given) and batch size as its modality
    trains them."""
    from augmentlab.train.protocol import Protocol

    return Protocol(per_class=per_class, steps=ds.kind.steps if steps is None else steps, batch_size=ds.kind.batch_size,
                    split=ds.kind.split, **fields)


def best_from_sweep(policy, path: Path):
    """``(policy at the sweep's chosen magnitude, that magnitude)``, read from a sweep's
    ``results.json``: the one-standard-error choice (``chosen_magnitude``), or for sweeps
    recorded before that rule, the best on validation."""
    from augmentlab.policy.magnitude import with_magnitude

    try:
        swept = json.loads(Path(path).read_text(encoding="utf-8"))
        key = "chosen_magnitude" if "chosen_magnitude" in swept else "best_magnitude"
        m = swept[key]
    except (OSError, ValueError, KeyError, TypeError):
        raise AugmentlabError(f"from_sweep {path}: expected a sweep's results.json with best_magnitude", field="from_sweep") from None
    if not isinstance(m, (int, float)) or isinstance(m, bool) or not 0 <= m <= 1:
        raise AugmentlabError(f"from_sweep {path}: {key} {m!r} is not a number in [0, 1]", field="from_sweep")
    return with_magnitude(policy, float(m)), float(m)


# -- the demo: the main job on built-in data ------------------------------------------------------
DEMO_POLICIES = {"affine": "affine(m=0.2)", "randaugment": "rand-n2-m0.5", "trivialaugment": "trivial"}
DEMO_MAGNITUDES = [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0]
DEMO_PER_CLASS, DEMO_SEEDS = 10, 3


def demo_trainings() -> int:
    """Training runs the demo makes (for a progress bar)."""
    return (len(DEMO_POLICIES) + 1 + len(DEMO_MAGNITUDES)) * DEMO_SEEDS


def run_demo(out: Path, steps: int = 300, *, replace: bool = False, progress=None) -> dict:
    """On the built-in digits: a baseline against three policies and a strength sweep of
    affine, under the low-data protocol, written with reports into the folder ``out``
    (all at once). Returns ``{"compare": results, "sweep": results}``."""
    from augmentlab.data import load_dataset
    from augmentlab.io_atomic import atomic_path
    from augmentlab.policy import parse_policy
    from augmentlab.report.records import write_json, write_run
    from augmentlab.report.render import render_report
    from augmentlab.search.sweep import sweep as run_sweep
    from augmentlab.train.protocol import Protocol, compare
    from augmentlab.values import check_number

    check_number(steps, "steps", low=1, integer=True)
    ds = load_dataset("digits")
    protocol = Protocol(per_class=DEMO_PER_CLASS, seeds=DEMO_SEEDS, steps=steps)
    compared = compare(ds, {name: parse_policy(spec) for name, spec in DEMO_POLICIES.items()}, protocol, None, progress)
    swept = run_sweep(ds, parse_policy("affine"), DEMO_MAGNITUDES, protocol, None, progress)
    common = {"data": "digits", "test": None, "seeds": list(range(DEMO_SEEDS)), "protocol": compared["protocol"], "threads": 1}
    runs = {
        "compare": ({**common, "policies": DEMO_POLICIES}, {"data": "digits", **compared}),
        "sweep": ({**common, "policy": "affine", "magnitudes": DEMO_MAGNITUDES},
                  {"data": "digits", "test": None, "policy": "affine", **swept}),
    }
    index = [f"# augmentlab demo: digits, {DEMO_PER_CLASS} per class, {DEMO_SEEDS} seeds", "",
             "- [baseline against three policies](compare/report.html)", "- [strength sweep of affine](sweep/report.html)", ""]
    with atomic_path(out, directory=True, replace=replace) as tmp:  # the whole folder lands at once
        for name, (config, results) in runs.items():
            (tmp / name).mkdir()
            write_run(tmp / name, name, config, results)
            render_report(tmp / name)
        (tmp / "README.md").write_text("\n".join(index), encoding="utf-8")
        write_json(tmp / "summary.json", {"compare": {k: v["test_accuracy"] for k, v in compared["arms"].items()},
                                          "sweep": {"best_magnitude": swept["best_magnitude"], "chosen_magnitude": swept["chosen_magnitude"],
                                                    "overdone_from": swept["overdone_from"]}})
    return {"compare": runs["compare"][1], "sweep": runs["sweep"][1]}


def is_demo_folder(path: Path) -> bool:
    """Whether ``path`` is a folder an earlier demo wrote (so ``overwrite`` may replace it)."""
    try:
        summary = json.loads((Path(path) / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and set(summary) == {"compare", "sweep"} and (Path(path) / "compare" / "config.json").is_file()
