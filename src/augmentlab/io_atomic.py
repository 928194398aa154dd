"""Atomic output: write into temporary siblings, then rename them all into place, so an
interrupted run leaves no partial file or folder behind and a dataset never lands without
its manifest.

Nothing that exists is replaced unless the caller says so (``replace=True``, after
:mod:`augmentlab.outputs` has checked that it is ours to replace). A replaced target is
moved aside first and deleted only once everything new is in place, so a failure puts the
old one back. Outputs get the permissions the umask gives (not ``mkstemp``'s 0600).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from augmentlab.errors import AugmentlabError


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it, then put it back
    os.umask(mask)
    return mask


def _temporary(target: Path, directory: bool) -> Path:
    prefix = f".{target.name}.tmp-"
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
        tmp.chmod(0o777 & ~_umask())
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        tmp.chmod(0o666 & ~_umask())
    return tmp


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_outputs(targets: list[tuple[str | os.PathLike, bool]], *, replace: bool = False) -> Iterator[list[Path]]:
    """Yield one temporary path per ``(target, is_directory)``; when the block succeeds,
    rename every one onto its target, all or none.

    An existing target is an error unless ``replace``; then it is moved aside and removed
    only after every rename succeeded. On any exception (SIGTERM and Ctrl-C included) the
    temporaries are removed and the targets are as they were.
    """
    paths = [(Path(t), bool(d)) for t, d in targets]
    for target, directory in paths:
        if os.path.lexists(target) and not replace:
            raise AugmentlabError(f"{target} exists; refusing to replace it")
        if os.path.lexists(target) and target.is_dir() != directory:
            raise AugmentlabError(f"{target} exists and is a {'folder' if target.is_dir() else 'file'}; "
                                  f"expected a {'folder' if directory else 'file'}")
    temps: list[Path] = []
    made: list[Path] = []  # parent folders this call created, removed again on failure
    try:
        for target, directory in paths:
            made += _make_parents(target.parent)
            temps.append(_temporary(target, directory))
        yield list(temps)
        _commit([t for t, _ in paths], temps)
    except BaseException:
        for tmp in temps:
            _remove(tmp)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise


def _make_parents(folder: Path) -> list[Path]:
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for f in reversed(missing):
        f.mkdir()
    return list(reversed(missing))


def _commit(targets: list[Path], temps: list[Path]) -> None:
    """Rename ``temps`` onto ``targets``; on failure undo the renames already made."""
    done: list[tuple[Path, Path | None]] = []  # (target, where its old version went)
    try:
        for target, tmp in zip(targets, temps):
            aside = None
            if os.path.lexists(target):
                aside = target.with_name(f".{target.name}.old-{os.getpid()}")
                os.replace(target, aside)
            try:
                os.replace(tmp, target)
            except BaseException:
                if aside is not None:
                    os.replace(aside, target)
                raise
            done.append((target, aside))
    except BaseException:
        for target, aside in reversed(done):
            _remove(target)
            if aside is not None:
                os.replace(aside, target)
        raise
    for _, aside in done:
        if aside is not None:
            _remove(aside)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, directory: bool = False, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``.

    On any exception the temporary file or folder is removed and ``target`` is untouched.
    An existing ``target`` is refused unless ``replace``.
    """
    with atomic_outputs([(target, directory)], replace=replace) as (tmp,):
        yield tmp
