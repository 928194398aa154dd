"""The lab as a library: the same checks and records the CLI gives, with errors that name
Python arguments (the CLI shows them as flags)."""

import json

import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.lab import Lab, best_from_sweep, is_demo_folder
from augmentlab.policy import parse_policy


def test_lab_loads_checks_and_records():
    lab = Lab("digits", "affine(m=0.2)", per_class=5, seeds=2, steps=10)
    assert lab.ds.modality == "image" and lab.protocol.per_class == 5 and lab.spec == "affine(m=0.2)"
    config, results = lab.record({"protocol": {"per_class": 5}}, threads=1, magnitudes=[0.1])
    assert config["seeds"] == [0, 1] and config["magnitudes"] == [0.1] and results["policy"] == "affine(m=0.2)"


@pytest.mark.parametrize("kwargs,needle,field", [
    ({"per_class": 500}, "^per_class 500 is too large", "per_class"),
    ({"per_class": 5, "seeds": 0}, "^seeds=0 is out of range", "seeds"),
    ({"per_class": 5, "copies": 3}, "^copies applies to text or table data; images are augmented batch by batch", "copies"),
    ({"per_class": 5, "metric": "pr_auc"}, "^metric: images are scored by their own metric; choosing one is for tables", "metric"),
])
def test_lab_errors_name_fields(kwargs, needle, field):
    with pytest.raises(AugmentlabError, match=needle) as error:
        Lab("digits", "hflip", **kwargs)
    assert error.value.fields[0] == field


def test_sweepable_refuses_a_policy_whose_m_sets_nothing():
    with pytest.raises(AugmentlabError, match="m controls nothing"):
        Lab("digits", "hflip", per_class=5, sweepable=True)


def test_best_from_sweep_reads_the_best_magnitude_and_refuses_bad_files(tmp_path):
    good = tmp_path / "results.json"
    good.write_text(json.dumps({"best_magnitude": 0.3}))
    policy, m = best_from_sweep(parse_policy("affine"), good)
    assert m == 0.3 and policy == parse_policy("affine(m=0.3)")
    for text, needle in (("{}", "with best_magnitude"), ('{"best_magnitude": 2}', "not a number in \\[0, 1\\]"),
                         ('{"best_magnitude": true}', "not a number")):
        good.write_text(text)
        with pytest.raises(AugmentlabError, match=needle) as error:
            best_from_sweep(parse_policy("affine"), good)
        assert error.value.fields == ("from_sweep",)


def test_only_a_folder_the_demo_wrote_counts_as_ours(tmp_path):
    assert not is_demo_folder(tmp_path)
    (tmp_path / "compare").mkdir()
    (tmp_path / "compare" / "config.json").write_text("{}")
    (tmp_path / "summary.json").write_text(json.dumps({"compare": {}, "sweep": {}}))
    assert is_demo_folder(tmp_path)
