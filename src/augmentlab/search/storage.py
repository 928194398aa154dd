"""Optuna storage from a ``--storage`` URL, with the password kept out of every message."""

from __future__ import annotations

import warnings

from augmentlab.errors import AugmentlabError


def redact(url: str | None) -> str | None:
    """The URL with any password replaced by ``***`` (safe to print, log and save)."""
    if url is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Not parseable as a URL: hide anything between "://user:" and "@" all the same.
        head, sep, rest = url.partition("://")
        if sep and "@" in rest:
            creds, _, host = rest.rpartition("@")
            return f"{head}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
        return url


def _scrub(text: str, url: str) -> str:
    """An error message with the URL's password removed wherever a driver repeated it."""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:  # noqa: BLE001 - an unparseable URL has no password to find
        password = None
    text = text.replace(url, redact(url) or "")
    if password:
        text = text.replace(str(password), "***")
    return text.splitlines()[0] if text else text


def open_storage(url: str | None):
    """An Optuna RDB storage for ``url`` (None: in memory). Raises one clear error, with
    the password hidden, when the URL is malformed or the database cannot be reached."""
    import optuna

    if url is None:
        return optuna.storages.InMemoryStorage()
    shown = redact(url)
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except (ArgumentError, ValueError):
        raise AugmentlabError(f"storage {shown}: not a database URL; expected e.g. sqlite:///search.db", field="storage") from None
    try:
        # A heartbeat lets a later run see that a killed run's trial is no longer running.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(url, heartbeat_interval=30, grace_period=90)
    except Exception as e:  # noqa: BLE001 - drivers raise many types; all mean "cannot open"
        reason = _scrub(f"{type(e).__name__}: {e}", url)
        raise AugmentlabError(f"storage {shown}: cannot open the database ({reason})", field="storage") from None
