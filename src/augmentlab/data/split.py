"""Seeded, stratified N-per-class splits for the low-data protocol, group-aware when the
data has groups (speakers, patients, customers): the test set is then made of whole
groups, so no group is seen both in training and at test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.rng import child_seeds

FIXED_TEST_SEED = 20_240_531  # the fixed test set does not depend on the run's seeds


def stratified_split(labels: torch.Tensor | np.ndarray, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``per_class`` indices of every class (seeded), return ``(chosen, remainder)``.

    Both are sorted and disjoint, and together cover every index. Raises if a class has
    fewer than ``per_class`` samples.
    """
    labels = np.asarray(labels)
    if per_class < 1:
        raise AugmentlabError(f"per-class count must be at least 1; got {per_class}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    chosen = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        if len(idx) < per_class:
            raise AugmentlabError(
                f"per-class count {per_class} is larger than class {int(c)}, which has only {len(idx)} samples"
            )
        chosen.append(rng.choice(idx, size=per_class, replace=False))
    chosen_idx = np.sort(np.concatenate(chosen))
    mask = np.ones(len(labels), dtype=bool)
    mask[chosen_idx] = False
    return chosen_idx, np.flatnonzero(mask)


def proportional_split(labels: np.ndarray, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``size`` indices (seeded) so that each class keeps its share of ``labels``
    (largest remainders round; every class present gets at least one), return
    ``(chosen, remainder)``, both sorted."""
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if not len(classes) <= size <= len(labels):
        raise AugmentlabError(f"cannot draw {size} of {len(labels)} samples with each of {len(classes)} classes in them")
    exact = size * counts / counts.sum()
    take = np.maximum(np.floor(exact).astype(np.int64), 1)
    for k in np.argsort(-(exact - np.floor(exact)), kind="stable"):
        if take.sum() >= size:
            break
        take[k] += 1
    while take.sum() > size:  # the "at least one" floors overshot: trim the largest classes
        take[np.argmax(take)] -= 1
    take = np.minimum(take, counts)
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    chosen = np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), size=int(n), replace=False)
                                     for c, n in zip(classes, take)]))
    mask = np.ones(len(labels), dtype=bool)
    mask[chosen] = False
    return chosen, np.flatnonzero(mask)


def ratio_splits(labels: np.ndarray, plan, seed: int, external_test: bool) -> Splits:
    """Train: ``train_size`` samples in the data's class ratio. Validation: half of the rest
    in that ratio (all of it when the test set is a file). Test: the other half. With the
    "fixed" test split, half of the data in its class ratio is the test set for every seed,
    and train and validation (the rest of that half) come from the other half."""
    if plan.test_split == "fixed" and not external_test:
        test_idx, pool = proportional_split(labels, len(labels) // 2, FIXED_TEST_SEED)
        train_pos, rest_pos = proportional_split(labels[pool], plan.per_stratum, seed)
        return Splits(pool[train_pos], pool[rest_pos], test_idx)
    train_idx, rest = proportional_split(labels, plan.per_stratum, seed)
    if external_test:
        return Splits(train_idx, rest, None)
    val_pos, test_pos = proportional_split(labels[rest], len(rest) // 2, child_seeds(seed, 1)[0])
    return Splits(train_idx, rest[val_pos], rest[test_pos])


@dataclass(frozen=True)
class SplitPlan:
    """How a seed's splits are drawn: ``per_class`` training samples of every class, up to
    ``val_per_class`` for validation, and the test set either drawn anew per seed
    (``per_seed``) or held out once for every seed (``fixed``)."""

    per_class: int  # with split "ratio": the training samples in all
    val_per_class: int = 100
    test_split: str = "per_seed"
    test_groups: tuple[str, ...] | None = None  # groups held out as the test set (data with groups)
    split: str = "per_class"  # "ratio": the training set keeps the class ratio (ratio_splits)

    @property
    def per_stratum(self) -> int:
        return self.per_class


def _size_field(plan) -> str:
    """The argument that set the training size: ``per_class``, or ``train_size`` for data
    drawn by count (one class)."""
    return "per_class" if getattr(plan, "per_class", None) is not None else "train_size"


@dataclass(frozen=True)
class Splits:
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray | None  # None: the test set is a separate file
    # the data's own train/test split: every training sample, on which the model that is
    # scored on test trains (``train`` and ``val`` then only serve choosing); None otherwise
    refit: np.ndarray | None = None


VAL_SHARE = 0.25  # with the data's own split: the share of each class that validates choices


def choosing_split(labels: np.ndarray, seed: int) -> Splits:
    """The data's own split (a test file, every sample trains): a stratified quarter of
    each class (at least one; every class keeps at least one to train on) validates what
    sweeps and searches choose; the model reported on test retrains on all of it."""
    counts = np.bincount(labels)
    rng = np.random.default_rng(np.random.SeedSequence(int(child_seeds(seed, 1)[0])))
    val = []
    for c in np.flatnonzero(counts):
        idx = np.flatnonzero(labels == c)
        k = min(max(1, round(VAL_SHARE * len(idx))), len(idx) - 1)
        val.append(rng.choice(idx, size=k, replace=False))
    val_idx = np.sort(np.concatenate(val))
    mask = np.ones(len(labels), dtype=bool)
    mask[val_idx] = False
    return Splits(np.flatnonzero(mask), val_idx, None, refit=np.arange(len(labels)))


GROUP_TEST_SHARE = 0.2  # with groups and no named test groups: about a fifth of them, at least one


def held_out_groups(groups: np.ndarray, plan, seed: int) -> tuple[str, ...]:
    """The groups whose samples form the test set: the named ones, or (drawn with the
    fixed test seed or the run's seed, as ``plan.test_split`` says) about a fifth of them."""
    named = getattr(plan, "test_groups", None)
    if named:
        return tuple(named)
    names = sorted(set(groups.tolist()))
    k = max(1, round(GROUP_TEST_SHARE * len(names)))
    rng = np.random.default_rng(np.random.SeedSequence(FIXED_TEST_SEED if plan.test_split == "fixed" else int(seed)))
    return tuple(sorted(rng.choice(names, size=k, replace=False).tolist()))


def group_splits(labels: np.ndarray, groups: np.ndarray, plan, seed: int) -> Splits:
    """Test: every sample of the held-out groups. Train: ``per_class`` of every class from
    the other groups; validation: up to ``val_per_class`` of their remaining samples."""
    held = held_out_groups(groups, plan, seed)
    in_test = np.isin(groups, held)
    test_idx, pool = np.flatnonzero(in_test), np.flatnonzero(~in_test)
    train_pos, rest_pos = stratified_split(labels[pool], plan.per_stratum, seed)
    rest = pool[rest_pos]
    counts = np.bincount(labels[rest], minlength=int(labels.max()) + 1)
    smallest = int(counts[np.unique(labels[pool])].min())
    if smallest < 1:
        raise AugmentlabError(f"per_class {plan.per_stratum} leaves a class no validation sample outside the test groups "
                              f"{', '.join(held)}", field="per_class")
    val_pos, _ = stratified_split(labels[rest], min(plan.val_per_class, smallest), child_seeds(seed, 1)[0])
    splits = Splits(pool[train_pos], rest[val_pos], test_idx)
    check_no_group_crosses(splits, groups)
    return splits


def check_no_group_crosses(splits: Splits, groups: np.ndarray) -> None:
    """Refuse splits where a group (a speaker, a patient) has samples both in the test set
    and in training or validation: the model would be scored on someone it has heard."""
    crossing = set(groups[splits.test].tolist()) & set(groups[np.concatenate([splits.train, splits.val])].tolist())
    if crossing:
        raise AugmentlabError(f"groups {', '.join(sorted(map(str, crossing))[:5])} are in the test set and in training or "
                              "validation: group-aware splits must keep every group on one side", field="test_groups")


def make_splits(labels: torch.Tensor, plan: SplitPlan, seed: int, external_test: bool,
                groups: np.ndarray | None = None) -> Splits:
    """Seed ``seed``'s disjoint train, validation and test indices under ``plan`` (a
    ``SplitPlan`` or anything with its fields, such as the lab's ``Protocol``). With
    ``groups`` (one per sample) and no test file, the test set is whole groups."""
    labels = np.asarray(labels)
    if plan.per_stratum is None:  # no training size: the whole data trains, a test file scores
        return choosing_split(labels, seed)
    if getattr(plan, "split", "per_class") == "ratio":
        return ratio_splits(labels, plan, seed, external_test)
    if groups is not None and not external_test:
        return group_splits(labels, np.asarray(groups), plan, seed)
    if plan.test_split == "fixed" and not external_test:
        test_idx, pool = fixed_test_holdout(labels)
        train_pos, rest_pos = stratified_split(labels[pool], plan.per_stratum, seed)
        rest = pool[rest_pos]
        smallest = int(np.bincount(labels[rest]).min())
        val_pos, _ = stratified_split(labels[rest], min(plan.val_per_class, smallest), child_seeds(seed, 1)[0])
        return Splits(pool[train_pos], rest[val_pos], test_idx)
    train_idx, rest = stratified_split(labels, plan.per_stratum, seed)
    rest_labels = labels[rest]
    smallest = int(np.bincount(rest_labels).min())
    # half of what is left goes to validation unless the test set comes from a file
    val_n = min(plan.val_per_class, smallest if external_test else max(1, smallest // 2))
    val_pos, test_pos = stratified_split(rest_labels, val_n, child_seeds(seed, 1)[0])
    return Splits(train_idx, rest[val_pos], None if external_test else rest[test_pos])


def fixed_test_holdout(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Half of every class (rounded down) as a test set that no seed changes; and the rest."""
    smallest = int(np.bincount(labels).min())
    return stratified_split(labels, max(1, smallest // 2), FIXED_TEST_SEED)


def check_groups(groups: np.ndarray | None, labels: torch.Tensor, plan, external_test: bool) -> None:
    """Refuse test groups the data does not have, or that leave a class too few samples."""
    named = getattr(plan, "test_groups", None)
    if not named:
        return
    if groups is None:
        raise AugmentlabError("test_groups needs data with groups; read it with a label pattern that has a {group} field "
                              "(label_from '{label}_{group}_{_}')", field="test_groups")
    if external_test:
        raise AugmentlabError("test_groups and test both name a test set; give one of them", field=("test_groups", "test"))
    known = sorted(set(np.asarray(groups).tolist()))
    unknown = [g for g in named if g not in known]
    if unknown:
        raise AugmentlabError(f"test_groups: no group {unknown[0]!r} in the data; its groups are {', '.join(known[:20])}"
                              f"{', ...' if len(known) > 20 else ''}", field="test_groups")
    if len(set(named)) == len(known):
        raise AugmentlabError("test_groups names every group; leave at least one for training and validation", field="test_groups")
    labels = np.asarray(labels)
    pool = labels[~np.isin(np.asarray(groups), list(named))]
    counts = np.bincount(pool, minlength=int(labels.max()) + 1)[np.unique(labels)]
    if int(counts.min()) < plan.per_stratum + 1:
        raise AugmentlabError(f"per_class {plan.per_stratum} is too large: outside the test groups the smallest class has "
                              f"{int(counts.min())} samples and 1 per class must stay out for validation", field="per_class")


def check_split_room(labels: torch.Tensor, num_classes: int, plan: SplitPlan, external_test: bool) -> None:
    """Refuse a ``per_class`` that leaves a class no validation (or test) sample, and (with
    the data's own split) a class with a single sample, which cannot both train and validate."""
    smallest = int(torch.bincount(torch.as_tensor(labels), minlength=num_classes).min())
    if plan.per_stratum is None:
        present = torch.bincount(torch.as_tensor(labels), minlength=num_classes)
        present = present[present > 0]
        if int(present.min()) < 2:
            raise AugmentlabError("a class has a single training sample; choosing on validation needs two of every class",
                                  field="per_class")
        return
    if getattr(plan, "split", "per_class") == "ratio":
        return _check_ratio_room(np.asarray(labels), plan, external_test)
    room = 1 if external_test else 2  # at least one validation and one test sample per class
    held = ""
    if not external_test and plan.test_split == "fixed":
        smallest -= smallest // 2  # half of every class is held out for the fixed test set
        room, held = 1, " once half of every class is held out for test,"
    name, size = _size_field(plan), plan.per_stratum
    if size < 1 or size + room > smallest:
        if name == "train_size":
            raise AugmentlabError(f"train_size {size} is too large: the data has {smallest} samples{held} and {room} must stay out "
                                  f"for validation{'' if external_test or held else ' and test'}", field=name)
        raise AugmentlabError(
            f"per_class {size} is too large: the smallest class has {smallest} samples{held} and "
            f"{room} per class must stay out for validation{'' if external_test or held else ' and test'}", field=name)


def _check_ratio_room(labels: np.ndarray, plan, external_test: bool) -> None:
    """Refuse a ``train_size`` that the class-ratio split cannot draw with every class in
    training, validation and test."""
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    fixed = plan.test_split == "fixed" and not external_test
    pool = counts - counts // 2 if fixed else counts  # about what the proportional half leaves
    least = 2 if (fixed or external_test) else 3
    if int(counts.min()) < least:
        raise AugmentlabError(f"a class has {int(counts.min())} samples; training, validation and test each need one",
                              field="train_size")
    room = int(pool.sum()) - len(pool) * (least - 1)
    if not len(pool) <= plan.per_stratum <= room:
        where = " once half of every class is held out for test" if fixed else ""
        raise AugmentlabError(f"train_size {plan.per_stratum} must lie between {len(pool)} (one of each class) and {room}: the data "
                              f"has {int(pool.sum())} samples{where}, and every class needs samples left for validation"
                              f"{'' if fixed or external_test else ' and test'}", field="train_size")
