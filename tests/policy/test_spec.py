import json

import pytest
import torch

from augmentlab.errors import AugmentlabError
from augmentlab.policy import (
    format_policy,
    load_policy,
    parse_policy,
    policy_from_dict,
    policy_to_dict,
)
from tests.conftest import images

REQUIRED = ["rand-n2-m0.3", "trivial", "autoaugment-cifar10", "autoaugment-svhn", "augmix", "hflip+affine(m=0.3)"]
MORE = ["one_of(hflip,vflip+rotate(m=0.2),weights=[2,1])", "some_of(hflip,rotate,cutout(fill=noise),n=2)",
        "random_apply(rotate,p=0.3)", "none", "sequential(hflip,sequential(rotate,vflip),p=0.5)", "rotate(m=0.2,mode=fixed)"]


@pytest.mark.parametrize("spec", REQUIRED + MORE)
def test_parse_print_parse_round_trip(spec):
    p = parse_policy(spec)
    assert parse_policy(format_policy(p)) == p
    assert policy_from_dict(json.loads(json.dumps(policy_to_dict(p)))) == p
    y = p(images(4, 3, (16, 16)), torch.Generator().manual_seed(0))
    assert y.shape == (4, 3, 16, 16)


@pytest.mark.parametrize("bad,part", [("hflip+rotat(m=0.3)", "rotat"), ("rotate(m=2)", "m=2"), ("rand-n2-q3", "q3"),
                                      ("one_of()", "one_of"), ("hflip+", "end"), ("one_of(hflip,mixup)", "mixup"), ("mixup+hflip", "after every image op"),
                                      ("rotate(m=0.3", "end"), ("hflip$", "'$'")])
def test_bad_spec_names_the_bad_part(bad, part):
    with pytest.raises(AugmentlabError, match=part.replace("$", r"\$").replace("(", r"\(")):
        parse_policy(bad)


def test_empty_policy_rejected():
    with pytest.raises(AugmentlabError, match="empty"):
        parse_policy("  ")


def test_yaml_and_json_files_parse_to_the_same_policy(tmp_path):
    spec = "hflip+one_of(rotate(m=0.2),cutout)"
    (tmp_path / "p.yaml").write_text("- op: hflip\n- one_of:\n  - {op: rotate, m: 0.2}\n  - op: cutout\n")
    (tmp_path / "p.json").write_text(json.dumps(policy_to_dict(parse_policy(spec))))
    assert load_policy(str(tmp_path / "p.yaml")) == parse_policy(spec) == load_policy(str(tmp_path / "p.json"))


def test_yaml_is_parsed_as_data_only(tmp_path):
    f = tmp_path / "evil.yaml"
    f.write_text("!!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(AugmentlabError, match="not valid YAML"):
        load_policy(str(f))


def test_dict_errors_name_the_field():
    with pytest.raises(AugmentlabError, match=r"policy\.one_of\[1\].*rotat"):
        policy_from_dict({"one_of": [{"op": "hflip"}, {"op": "rotat"}]})


@pytest.mark.parametrize("text", ["affine(m=0.1)+mixup(m=0.2)", "pgd(m=0.1,steps=3)", "hflip+affine+fgsm(m=0.3)+cutmix"])
def test_batch_level_ops_close_a_training_policy_and_round_trip(text):
    from augmentlab.policy.training import TrainingPolicy

    policy = parse_policy(text)
    assert isinstance(policy, TrainingPolicy) and format_policy(policy) == text
    assert parse_policy(format_policy(policy)) == policy
    assert all(op.needs_labels for op in policy.batch_ops)


@pytest.mark.parametrize("spec", ["affine(m=0.1)+mixup(m=0.2)", "hflip+pgd(m=0.3,steps=5)", "mixup",
                                  "hflip+rotate(m=0.2)+cutmix(m=0.5)", "one_of(hflip,vflip)+fgsm(m=0.1)"])
def test_training_policies_round_trip_through_yaml(tmp_path, spec):
    import yaml

    policy = parse_policy(spec)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(policy_to_dict(policy)))
    again = load_policy(str(path))
    assert again == policy and format_policy(again) == format_policy(policy)


def test_batch_ops_close_a_yaml_list_and_nowhere_else():
    with pytest.raises(AugmentlabError, match="needs labels"):
        policy_from_dict([{"op": "mixup"}, {"op": "hflip"}])
    with pytest.raises(AugmentlabError, match="needs labels"):
        policy_from_dict({"one_of": [{"op": "hflip"}, {"op": "cutmix"}]})
