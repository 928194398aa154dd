import numpy as np
import pytest
import torch

from augmentlab.data.split import SplitPlan, check_groups, make_splits
from augmentlab.errors import AugmentlabError

LABELS = torch.arange(60) % 3
GROUPS = np.array(["ann", "bob", "cat", "dan", "eve", "fay"])[np.arange(60) // 10]


def test_named_test_groups_are_the_whole_test_set():
    plan = SplitPlan(per_class=3, val_per_class=2, test_groups=("cat",))
    s = make_splits(LABELS, plan, seed=0, external_test=False, groups=GROUPS)
    assert set(GROUPS[s.test]) == {"cat"} and len(s.test) == 10
    assert "cat" not in set(GROUPS[s.train]) | set(GROUPS[s.val])
    assert np.bincount(LABELS[s.train].numpy()).tolist() == [3, 3, 3]
    assert not set(s.train) & set(s.val)


def test_without_names_whole_groups_are_drawn_per_seed():
    plan = SplitPlan(per_class=3)
    tests = []
    for seed in range(4):
        s = make_splits(LABELS, plan, seed=seed, external_test=False, groups=GROUPS)
        held = set(GROUPS[s.test])
        assert len(held) == 1 and not held & set(GROUPS[np.concatenate([s.train, s.val])])
        tests.append(tuple(sorted(held)))
    assert len(set(tests)) > 1  # the held-out speaker changes with the seed


def test_a_fixed_test_split_holds_out_the_same_groups_for_every_seed():
    plan = SplitPlan(per_class=3, test_split="fixed")
    held = {tuple(sorted(set(GROUPS[make_splits(LABELS, plan, seed, False, GROUPS).test]))) for seed in range(4)}
    assert len(held) == 1


def test_a_test_file_means_train_and_validation_from_every_group():
    s = make_splits(LABELS, SplitPlan(per_class=3), seed=0, external_test=True, groups=GROUPS)
    assert s.test is None


@pytest.mark.parametrize("groups,plan,external,message", [
    (GROUPS, SplitPlan(3, test_groups=("zed",)), False, "no group 'zed' in the data; its groups are ann, bob"),
    (None, SplitPlan(3, test_groups=("ann",)), False, "test_groups needs data with groups"),
    (GROUPS, SplitPlan(3, test_groups=("ann",)), True, "test_groups and test both name a test set"),
    (GROUPS, SplitPlan(3, test_groups=tuple("ann bob cat dan eve fay".split())), False, "names every group"),
    (GROUPS, SplitPlan(17, test_groups=("ann",)), False, "per_class 17 is too large"),
])
def test_bad_test_groups_are_refused(groups, plan, external, message):
    with pytest.raises(AugmentlabError, match=message):
        check_groups(groups, LABELS, plan, external)


def test_a_group_on_both_sides_is_refused():
    from augmentlab.data.split import Splits, check_no_group_crosses

    ok = Splits(np.arange(0, 10), np.arange(10, 20), np.arange(50, 60))
    check_no_group_crosses(ok, GROUPS)
    leaky = Splits(np.arange(0, 10), np.arange(45, 50), np.arange(50, 60) - 3)  # "eve" on both sides
    with pytest.raises(AugmentlabError, match="eve"):
        check_no_group_crosses(leaky, GROUPS)
