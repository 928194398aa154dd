from augmentlab.cli_support import as_flags
from augmentlab.errors import AugmentlabError


def test_fields_are_shown_as_flags_and_prose_is_left_alone():
    e = AugmentlabError("per_class 50 is too large: the smallest class has 40 samples", field="per_class")
    assert as_flags(e) == "--per-class 50 is too large: the smallest class has 40 samples"
    both = AugmentlabError("filter_model 'x' is the filter's encoder; give min_similarity too", field=("filter_model", "min_similarity"))
    assert as_flags(both) == "--filter-model 'x' is the filter's encoder; give --min-similarity too"
    # only the first whole word: "test" in prose and test_split stay as they are
    e = AugmentlabError("test has 3 classes but the test_split and test data ...", field="test")
    assert as_flags(e) == "--test has 3 classes but the test_split and test data ..."
    assert as_flags(AugmentlabError("seeds are fine")) == "seeds are fine"  # no field: untouched


def test_a_signal_whose_exit_was_swallowed_stops_the_next_progress_step(monkeypatch):
    import signal

    import pytest

    from augmentlab import cli_support

    monkeypatch.setattr(cli_support, "_pending_exit", None)
    bar, advance = cli_support.progress_bar(10, "working")
    advance(1)
    try:  # as inside a ctypes callback: the SystemExit is raised, and lost
        cli_support.exit_on_signal(signal.SIGTERM, None)
    except SystemExit as e:
        assert e.code == 128 + signal.SIGTERM
    with pytest.raises(SystemExit) as e:
        advance(1)
    assert e.value.code == 128 + signal.SIGTERM


def test_a_lost_exit_is_not_printed_but_other_lost_errors_are(monkeypatch):
    import sys
    import types

    from augmentlab import cli_support

    reported = []
    monkeypatch.setattr(sys, "__unraisablehook__", reported.append)
    monkeypatch.setattr(cli_support, "_pending_exit", 143)
    lost = lambda e: types.SimpleNamespace(exc_value=e)  # noqa: E731
    cli_support.quiet_lost_exit(lost(SystemExit(143)))
    assert reported == []
    cli_support.quiet_lost_exit(bug := lost(ValueError("a real bug")))
    assert reported == [bug]
