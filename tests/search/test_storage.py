import pytest

from augmentlab.errors import AugmentlabError
from augmentlab.search.storage import open_storage, redact


def test_redact_hides_passwords_and_keeps_the_rest():
    assert redact("postgresql://ann:s3cret@db.example:5432/lab") == "postgresql://ann:***@db.example:5432/lab"
    assert redact("sqlite:///search.db") == "sqlite:///search.db"
    assert redact(None) is None


def test_sqlite_storage_opens_and_persists(tmp_path):
    import optuna

    url = f"sqlite:///{tmp_path / 's.db'}"
    study = optuna.create_study(study_name="x", storage=open_storage(url))
    study.enqueue_trial({"a": 1.0})
    again = optuna.load_study(study_name="x", storage=open_storage(url))
    assert len(again.trials) == 1


@pytest.mark.parametrize("url,needle", [
    ("not a url", "not a database URL"),
    ("sqlite:////no/such/dir/x.db", "cannot open"),
    ("postgresql://ann:s3cret@127.0.0.1:1/lab", "cannot open"),
    ("mysql+nosuchdriver://ann:s3cret@127.0.0.1:1/lab", "cannot open"),
])
def test_unreachable_or_malformed_storage_is_one_error_without_the_password(url, needle):
    with pytest.raises(AugmentlabError, match=needle) as info:
        open_storage(url)
    assert "s3cret" not in str(info.value) and len(str(info.value).splitlines()) == 1
