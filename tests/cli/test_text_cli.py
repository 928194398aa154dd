import json

import pytest

from augmentlab.data import load_dataset
from tests.conftest import run
from tests.text_data import write_sentiment_tsv


def test_augment_writes_the_same_layout_and_replays_byte_for_byte(tmp_path, capsys):
    src = tmp_path / "news.tsv"
    src.write_text("".join(f"story {i} about the match and the team \tSports\n" if i % 2 else
                           f"story {i} on the talks between leaders \tWorld\n" for i in range(8)), encoding="utf-8")
    before = src.read_bytes()
    out = tmp_path / "aug.tsv"
    code, stdout, err = run(["augment", str(src), "--policy", "eda(m=0.3)", "--copies", "2", "--seed", "4", "--out", str(out)], capsys)
    assert code == 0, err
    assert "24 sentences" in stdout and src.read_bytes() == before  # the input is never modified
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 24 and all(len(line.split("\t")) == 2 for line in lines)
    assert lines[:8] == before.decode().splitlines()  # originals first, unchanged
    aug = load_dataset(out)
    assert aug.layout.header is None and set(aug.class_names) == {"Sports", "World"}
    again = tmp_path / "again.tsv"
    assert run(["replay", str(out) + ".manifest.json", "--out", str(again)], capsys)[0] == 0
    assert again.read_bytes() == out.read_bytes()


def test_preview_shows_originals_beside_their_augmentations(tmp_path, capsys):
    data = write_sentiment_tsv(tmp_path / "train.tsv", 10)
    out = tmp_path / "preview.json"
    code, stdout, err = run(["preview", str(data), "--policy", "swap(m=0.5)", "--rows", "2", "--draws", "2", "--out", str(out)], capsys)
    assert code == 0, err
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) == 2 and {r["label"] for r in rows} == {"0", "1"}
    for r in rows:
        assert len(r["augmented"]) == 2 and all(sorted(a.split()) == sorted(r["original"].split()) for a in r["augmented"])
        assert r["original"].split()[0] in stdout


@pytest.mark.parametrize("content,extra,needle", [
    ("sentence\tscore\nfine\t1\n", [], "no label column"),
    ("", [], "the file is empty"),
    (None, ["--test", "BADTEST"], "label 'maybe' is not in the class set"),
    (None, ["--policy", "contextual(model=./no/such/model)"], "does not exist"),
])
def test_bad_text_input_exits_2_with_one_line(tmp_path, capsys, content, extra, needle):
    data = tmp_path / "train.tsv"
    if content is None:
        write_sentiment_tsv(data, 20)
    else:
        data.write_text(content, encoding="utf-8")
    bad_test = tmp_path / "test.tsv"
    bad_test.write_text("sentence\tlabel\ngood\t1\nhmm\tmaybe\n", encoding="utf-8")
    extra = [str(bad_test) if e == "BADTEST" else e for e in extra]
    argv = ["evaluate", str(data), "--per-class", "5", "--seeds", "1", "--steps", "5", "--runs", str(tmp_path / "runs")]
    if "--policy" not in extra:
        argv += ["--policy", "swap"]
    code, _, err = run(argv + extra, capsys)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_a_text_run_renders_a_report_with_sentence_previews(tmp_path, capsys):
    data = write_sentiment_tsv(tmp_path / "train.tsv", 40)
    runs = tmp_path / "runs"
    code, _, err = run(["evaluate", str(data), "--policy", "swap(m=0.3)", "--copies", "2", "--per-class", "8", "--seeds", "2",
                        "--steps", "20", "--model", "fasttext", "--runs", str(runs)], capsys)
    assert code == 0, err
    run_dir = next(runs.iterdir())
    assert run(["report", str(run_dir)], capsys)[0] == 0
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "Preview: originals, then draws of swap(m=0.3)" in md and "| label | original | draw 1 | draw 2 |" in md
    assert "learning.png" not in md  # text models keep no step history to plot
