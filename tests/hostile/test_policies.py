"""Hostile policies, policy files and numbers: one line, never a hang or a traceback."""

import pytest

from tests.hostile.harness import assert_refused, cli, snapshot

LAUGHS = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"]
                   + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                      f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)]
                   + ["sequential: *i"])


def refused(tmp_path, needle, *argv):
    (tmp_path / "out").mkdir(exist_ok=True)
    before = snapshot(tmp_path)
    assert_refused(cli(*argv, cwd=tmp_path, timeout=60), needle, before, tmp_path)


def augment(tmp_path, needle, policy, *extra):
    refused(tmp_path, needle, "augment", "digits", "--policy", policy, "--out", "out/o.npz", *extra)


def test_a_billion_laughs_yaml_policy_is_refused_quickly(tmp_path):
    (tmp_path / "laughs.yaml").write_text(LAUGHS)
    augment(tmp_path, "expands to more than", "laughs.yaml")


@pytest.mark.parametrize("policy,needle", [
    ("one_of(hflip,vflip,weights=[nan,1])", "weights[0]='nan' is not a number"),
    ("one_of(hflip,vflip,weights=[inf,1])", "weights[0]='inf' is not a number"),
    ("one_of(hflip,vflip,weights=[1e999,1])", "weights[0]=inf is not a finite number"),
    ("one_of(hflip,vflip,weights=[a,1])", "weights[0]='a' is not a number"),
    ("one_of(hflip,vflip,weights=5)", "weights must be a list of 2"),
    ("one_of(hflip,vflip,weights=[0,0])", "not all zero"),
    ("some_of(hflip,vflip,n=1.5)", "n=1.5 is not an integer"),
    ("rotate(m=nan)", "m='nan' is not a number"),
    ("rotate(p=1e999)", "p=inf is not a finite number"),
    ("rotate(mode=[1])", "mode=[1] is unknown"),
    ("rand-n100-m0.5", "rand: n=100 is out of range"),
    ("rand-n2-m1e999", "rand: m=inf"),
    ("augmix-w1000000", "augmix: w=1000000 is out of range"),
    ("one_of(" * 400 + "hflip" + ")" * 400, "nested more than"),
])
def test_bad_policy_arguments_are_one_line(tmp_path, policy, needle):
    augment(tmp_path, needle, policy)


def test_a_long_bad_policy_is_not_echoed_whole(tmp_path):
    augment(tmp_path, "…", "hflip+" * 2000 + "nosuch(")


def test_nan_in_a_yaml_policy_is_not_finite(tmp_path):
    (tmp_path / "p.yaml").write_text("- one_of: [{op: hflip}, {op: vflip}]\n  weights: [.nan, 1]\n")
    augment(tmp_path, "weights[0]=nan is not a finite number", "p.yaml")


def test_a_policy_file_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "p.yaml").write_bytes(b"- op: rotate\n  m: 0.\xff\n")
    augment(tmp_path, "not UTF-8", "p.yaml")


def test_a_search_space_file_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "s.yaml").write_bytes(b"ops: [rotate\xff]\n")
    refused(tmp_path, "not UTF-8", "search", "digits", "--per-class", "5", "--space", "s.yaml")


@pytest.mark.parametrize("argv,needle", [
    (["augment", "digits", "--policy", "hflip", "--out", "out/o.npz", "--seed", "-1"], "--seed=-1 is out of range"),
    (["augment", "digits", "--policy", "hflip", "--out", "out/o.npz", "--seed", str(2**70)], "--seed=1180591620717411303424"),
    (["search", "digits", "--per-class", "5", "--seed", "-1"], "--seed=-1"),
    (["synth", "fit", "digits", "--model", "cvae", "--out", "out/g.safetensors", "--seed", "-1"], "--seed=-1"),
    (["synth", "fit", "digits", "--model", "cvae", "--out", "out/g.safetensors", "--split-seed", "-1"], "--split-seed=-1"),
    (["synth", "sample", "nosuch.safetensors", "--n", "3", "--out", "out/s.npz", "--seed", "-1"], "--seed=-1"),
    (["preview", "digits", "--policy", "hflip", "--out", "out/p.png", "--seed", str(2**63)], "--seed="),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--synthetic", "x.st", "--synthetic-ratio", "inf"],
     "--synthetic-ratio=inf is not a finite number"),
    (["sweep", "digits", "--policy", "rotate", "--per-class", "5", "--synthetic", "x.st", "--ratios", "0,nan"], "--ratios=nan"),
    (["sweep", "digits", "--policy", "rotate", "--per-class", "5", "--magnitudes", "0,nan"], "--magnitudes=nan"),
    (["sweep", "digits", "--policy", "hflip", "--per-class", "5"], "m controls nothing"),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--seeds", "0"], "--seeds=0 is out of range"),
    (["augment", "digits", "--policy", "hflip", "--out", "out/o.npz", "--copies", "1000000000"], "--no-size-check"),
    (["augment", "digits", "--policy", "hflip", "--out", "out/o.npz", "--batch-size", "0"], "--batch-size=0"),
    (["evaluate", "digits", "--policy", "hflip", "--per-class", "five"], "invalid value for '--per-class'"),
])
def test_numbers_are_checked_in_one_place(tmp_path, argv, needle):
    refused(tmp_path, needle, *argv)
