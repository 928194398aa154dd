import json

import optuna
import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.policy import parse_policy
from augmentlab.search.space import DEFAULT_OPS, OpsSpace, RandSpace, parse_space, spec_of


def _suggested(space, seed=0, n=20):
    """Policies a seeded random sampler draws from the space."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append((space.suggest(trial), space.build(trial.params)))
        study.tell(trial, 0.0)
    return out


@pytest.mark.parametrize("spec", [None, "ops", "ops(affine, cutout, hflip)", "rand", "rand(rotate,shear_x)"])
def test_every_drawn_policy_prints_to_a_spec_that_parses_back(spec):
    space = parse_space(spec)
    for params, policy in _suggested(space):
        text = spec_of(policy)
        assert text == "none" if policy is None else parse_policy(text) == policy
        assert space.build(params) == policy  # rebuilt from stored parameters alone


def test_ops_space_can_choose_nothing_and_starts_with_none_and_light():
    space = parse_space("ops(hflip,affine,cutout)")
    none, light = space.warm_starts()
    assert space.build(none) is None
    light_policy = space.build(light)
    assert spec_of(light_policy) == "affine(m=0.1,p=0.5)+cutout(m=0.1,p=0.5)"  # hflip has no magnitude: left out
    assert space.build({"hflip.p": 0.3, "affine.p": 0.0, "affine.m": 0.5, "cutout.p": 1.0, "cutout.m": 0.0}) == parse_policy("hflip(p=0.3)")


def test_rand_space_n_zero_is_none_and_sets_are_a_choice():
    space = parse_space("rand")
    assert isinstance(space, RandSpace) and len(space.op_sets) == 3
    assert space.build({"n": 0, "m": 0.5, "op_set": "all"}) is None
    policy = space.build({"n": 2, "m": 0.3, "op_set": "geometric"})
    assert policy.n == 2 and all(c.mode == "fixed" for c in policy.children if c.name != "identity")


def test_rand_space_starts_with_light_and_two_ops_at_a_moderate_magnitude():
    space = parse_space("rand")
    assert space.warm_starts() == [{"n": 1, "m": 0.1, "op_set": "all"}, {"n": 2, "m": 0.3, "op_set": "all"}]
    # clipped into a narrower space, with repeats dropped
    narrow = RandSpace((("all", ("rotate", "shear_x")),), n=(1, 1), m=(0.2, 0.25))
    assert narrow.warm_starts() == [{"n": 1, "m": 0.2}, {"n": 1, "m": 0.25}]


def test_yaml_space_with_ranges(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("kind: ops\nops:\n  affine: {p: [0.5, 1], m: [0, 0.3]}\n  hflip: {p: [0, 0.5]}\n")
    space = parse_space(str(path))
    assert isinstance(space, OpsSpace) and [o.name for o in space.ops] == ["affine", "hflip"]
    for params, _ in _suggested(space):
        assert 0.5 <= params["affine.p"] <= 1 and params["affine.m"] <= 0.3 and params["hflip.p"] <= 0.5
    (tmp_path / "s.json").write_text(json.dumps(space.to_dict()))
    assert parse_space(str(tmp_path / "s.json")) == space  # to_dict round-trips


def test_default_spaces():
    assert [o.name for o in parse_space("ops").ops] == list(DEFAULT_OPS)
    assert parse_space(None) == parse_space("rand") and dict(parse_space(None).op_sets)["all"]


@pytest.mark.parametrize("spec,needle", [
    ("ops()", "empty"),
    ("rand()", "empty"),
    ("ops(warp_speed)", "unknown op"),
    ("ops(mixup)", "needs labels"),
    ("ops(affine,affine)", "twice"),
    ("bayes", "expected ops"),
    ("missing.yaml", "no such file"),
])
def test_bad_spaces_give_one_clear_error(spec, needle):
    with pytest.raises(AugmentlabError, match=needle):
        parse_space(spec)


@pytest.mark.parametrize("text,needle", [
    ("", "empty"),
    ("kind: ops\nops: {}\n", "empty"),
    ("kind: grid\n", "kind 'grid'"),
    ("kind: ops\nops:\n  affine: {p: [0.8, 0.2]}\n", "ops.affine.p"),
    ("kind: ops\nops:\n  hflip: {m: [0, 1]}\n", "takes no magnitude"),
    ("kind: rand\nop_sets: {geo: []}\n", "empty"),
    ("kind: ops\nopz: [affine]\n", "unknown field 'opz'"),
    ("kind: [ops\n", "not valid YAML"),
])
def test_bad_space_files_name_the_field(tmp_path, text, needle):
    path = tmp_path / "space.yaml"
    path.write_text(text)
    with pytest.raises(AugmentlabError, match=needle):
        parse_space(str(path))


def test_text_gets_a_default_space_of_text_ops_and_refuses_image_ops():
    space = parse_space(None, "text")
    assert space.n[0] == 0  # n = 0: "none" is in the space
    assert {"synonym", "swap", "delete", "insert"} <= {n for _, ops in space.op_sets for n in ops}
    with pytest.raises(AugmentlabError, match="modality 'video' is unknown; expected one of image, text, audio"):
        parse_space(None, "video")
    with pytest.raises(AugmentlabError, match="op 'rotate' works on image data, but this data is text"):
        parse_space("rand(rotate,swap)", "text")
    with pytest.raises(AugmentlabError, match="op 'swap' works on text data, but this data is image"):
        parse_space("ops(hflip,swap)", "image")


def test_every_modality_s_default_space_and_baselines_use_its_own_ops():
    from augmentlab.modality import modalities
    from augmentlab.policy import parse_policy
    from augmentlab.policy.modality import check_modality

    for kind in modalities():
        if kind.default_space is not None:
            parse_space(None, kind.name)  # an op of another kind is refused here
        for spec in kind.baselines.values():
            check_modality(parse_policy(spec, kind.name), kind.name)
