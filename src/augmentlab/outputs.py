"""Where a command will write, checked before it computes anything.

The rules (never destroy what we did not make):

- paths are resolved (``~``, ``.``, ``..``, symbolic links) before anything is decided;
- an output equal to, inside, or around any input is refused;
- an output that exists is refused unless the user passed ``--overwrite`` and, where the
  caller can tell (a dataset with its manifest, a demo folder), it is our own earlier
  output; a folder is never replaced unless it is ours;
- the folder it goes in must be a folder we can write in (or creatable under one).

Each check raises one :class:`AugmentlabError` naming the flag (or field) and the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from augmentlab.errors import AugmentlabError

# names that look like files, never taken as a folder's name
FILE_SUFFIXES = {".npz", ".tsv", ".csv", ".json", ".yaml", ".yml", ".png", ".jpg", ".jpeg", ".txt", ".gz", ".safetensors",
                 ".tar", ".parquet"}


def resolved(path: str | os.PathLike) -> Path:
    """``path`` made absolute with ``~``, ``.``, ``..`` and symbolic links resolved."""
    return Path(os.path.realpath(os.path.expanduser(os.fspath(path))))


def _relation(out: Path, inp: Path) -> str | None:
    if out == inp:
        return "is"
    if inp in out.parents:
        return "is inside"
    if out in inp.parents:
        return "contains"
    return None


def input_paths(*specs) -> list[Path]:
    """The resolved paths of the inputs that exist on disk (built-in names are not paths)."""
    found = []
    for spec in specs:
        if spec is None:
            continue
        text = os.fspath(spec)
        if text and os.path.lexists(os.path.expanduser(text)):
            found.append(resolved(text))
    return found


def check_apart(out: Path, flag: str, inputs: Iterable[Path], *, shown: str | None = None) -> None:
    """Refuse an output that is, is inside, or contains an input."""
    for inp in inputs:
        how = _relation(out, inp)
        if how is not None:
            where = "the input" if how == "is" else f"the input {inp}"
            raise AugmentlabError(f"{flag} {shown or out} {how} {where}; write the output somewhere else")


def check_writable_folder(folder: Path, flag: str, shown: str) -> None:
    """The nearest existing ancestor of ``folder`` must be a folder we may write in."""
    probe = folder
    while not os.path.lexists(probe):
        probe = probe.parent
    if not probe.is_dir():
        raise AugmentlabError(f"{flag} {shown}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise AugmentlabError(f"{flag} {shown}: cannot write in {probe} (permission denied)")


@dataclass(frozen=True)
class Output:
    """A checked output location: ``path`` is resolved; ``replace`` says whether an
    existing one may be replaced (the writer passes it on to the atomic write)."""

    path: Path
    replace: bool


def check_output(
    path: str | os.PathLike,
    flag: str,
    *,
    inputs: Iterable[Path] = (),
    folder: bool = False,
    overwrite: bool = False,
    ours: Callable[[Path], bool] | None = None,
    companions: Iterable[Path] = (),
) -> Output:
    """Check that ``path`` may be written; ``folder``: the output is a folder.

    ``ours(path)`` tells whether an existing output is our own earlier one; without it an
    existing file may be replaced with ``overwrite`` and an existing folder never.
    ``companions`` are files written with it (a manifest), checked the same way.
    """
    shown = os.fspath(path)
    if not shown.strip():
        raise AugmentlabError(f"{flag} is empty; expected a {'folder' if folder else 'file'} name")
    out = resolved(path)
    if out == out.parent:  # the file system root
        raise AugmentlabError(f"{flag} {shown}: the file system root is not an output location")
    inputs = list(inputs)
    check_apart(out, flag, inputs, shown=shown)
    check_writable_folder(out.parent, flag, shown)
    exists = os.path.lexists(path)
    if exists:
        kind = "folder" if out.is_dir() else "file"
        if os.path.islink(path):
            raise AugmentlabError(f"{flag} {shown} is a symbolic link; refusing to replace it")
        if out.is_dir() != folder:
            raise AugmentlabError(f"{flag} {shown} is an existing {kind}; expected a {'folder' if folder else 'file'} name")
        if not folder and not out.is_file():
            raise AugmentlabError(f"{flag} {shown} is not a regular file (a device, pipe or socket); refusing to replace it")
        if not overwrite:
            raise AugmentlabError(f"{flag} {shown} exists; pass --overwrite to replace an earlier augmentlab output")
        if ours is not None and not ours(out):
            raise AugmentlabError(f"{flag} {shown} exists and is not an augmentlab output; refusing to replace it")
        if ours is None and folder:
            raise AugmentlabError(f"{flag} {shown} is an existing folder; refusing to replace it")
    for extra in companions:
        extra_out = resolved(extra)
        check_apart(extra_out, flag, inputs, shown=f"{shown}: beside it, {os.fspath(extra)}")
        if os.path.lexists(extra) and (extra_out.is_dir() or os.path.islink(extra)):
            raise AugmentlabError(f"{flag} {shown}: {extra} is in the way (a folder or link where its file goes)")
        if os.path.lexists(extra) and not (exists and overwrite):
            raise AugmentlabError(f"{flag} {shown}: {extra} exists; pass --overwrite to replace an earlier augmentlab output")
    return Output(out, exists)


def check_parent(path: str | os.PathLike, flag: str, *, inputs: Iterable[Path] = ()) -> Path:
    """A folder new outputs are created under (``--runs``): it may exist; it must be a
    folder we can write in and must not be, or be inside, an input."""
    shown = os.fspath(path)
    out = resolved(path)
    for inp in inputs:
        how = _relation(out, inp)
        if how in ("is", "is inside"):
            raise AugmentlabError(f"{flag} {shown} {how} the input {inp}; write the output somewhere else")
    if os.path.lexists(path) and not out.is_dir():
        raise AugmentlabError(f"{flag} {shown} is a file; expected a folder")
    check_writable_folder(out, flag, shown)
    return out


def available_memory() -> int:
    """Bytes of memory available to a new allocation (MemAvailable on Linux)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_room(nbytes: int, folder: Path, what: str, override: str) -> None:
    """Refuse an output of about ``nbytes`` that cannot fit in memory (it is built there)
    or on the disk holding ``folder``; ``override`` names the flag that skips this."""
    gib = lambda n: f"{n / 2**30:,.1f} GiB"  # noqa: E731
    memory = available_memory()
    if nbytes > memory:
        raise AugmentlabError(f"{what} would take about {gib(nbytes)} of memory and {gib(memory)} is available; "
                              f"ask for less, or pass {override} to try anyway")
    check_disk(nbytes, folder, what, override)


def check_disk(nbytes: int, folder: Path, what: str, override: str) -> None:
    """Refuse an output of about ``nbytes`` that cannot fit on the disk holding ``folder``
    (streamed outputs are never held in memory whole)."""
    import shutil

    gib = lambda n: f"{n / 2**30:,.1f} GiB"  # noqa: E731
    probe = folder
    while not os.path.lexists(probe):
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if nbytes > free:
        raise AugmentlabError(f"{what} would take up to {gib(nbytes)} on disk and {probe} has {gib(free)} free; "
                              f"ask for less, or pass {override} to try anyway")
