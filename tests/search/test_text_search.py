import json

import pytest

from tests.conftest import run
from tests.text_data import write_sentiment_tsv


@pytest.mark.slow
def test_search_on_text_compares_against_none_and_eda_and_chooses_the_best_on_validation(tmp_path, capsys):
    data = write_sentiment_tsv(tmp_path / "train.tsv", 80)
    out = tmp_path / "search.json"
    code, _, err = run(["search", str(data), "--per-class", "10", "--budget", "3", "--seeds", "2", "--steps", "20",
                        "--model", "tfidf", "--copies", "2", "--json", str(out), "--runs", str(tmp_path / "runs")], capsys)
    assert code == 0, err
    r = json.loads(out.read_text())
    assert set(r["baselines"]) == {"none", "eda"} and r["baselines"]["eda"]["policy"] == "eda(m=0.1)"
    assert r["trials"] == 3 and r["protocol"]["copies"] == 2 and r["protocol"]["test_split"] == "fixed"
    assert r["trial_history"][0]["policy"] == "some_of(synonym,insert,swap,delete,n=1)"  # the first warm start (m is for EDA's rate)
    # the chosen arm is the best on validation or a simpler one (none, then eda) that
    # validation cannot tell from it
    arms = {"none": r["baselines"]["none"], "eda": r["baselines"]["eda"], "search": r["search_best"]}
    order = ["none", "eda", "search"]
    best = max(order, key=lambda k: (arms[k]["val_accuracy"]["mean"], -order.index(k)))
    chosen = r["chosen_from"]
    assert order.index(chosen) <= order.index(best) and r["val_accuracy"] == arms[chosen]["val_accuracy"]
