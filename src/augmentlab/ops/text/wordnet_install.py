"""Put WordNet 3.0 where NLTK finds it, without NLTK's downloader when there is no route to it.

Order: already installed (nothing to do); Debian's ``wordnet-base`` and
``wordnet-sense-index`` packages (fetched with ``apt-get download``, unpacked with
``dpkg-deb``, no root needed); ``nltk.download("wordnet")``. NLTK refuses symlinked
data, so files are copied. Debian ships no ``lexnames`` file, which NLTK needs; it is
written from the table in Debian's own lexnames(5WN) man page.

    python -m augmentlab.ops.text.wordnet_install [TARGET]   # default: <venv>/nltk_data
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DEBIAN_PACKAGES = ("wordnet-base", "wordnet-sense-index")
# NLTK's reader needs these, plus lexnames (written here)
NEEDED = ("data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb", "index.adj", "index.adv",
          "noun.exc", "verb.exc", "adj.exc", "adv.exc")


def default_target() -> Path:
    return Path(sys.prefix) / "nltk_data"  # on NLTK's search path inside a virtual environment


def wordnet_available() -> bool:
    try:
        from nltk.corpus import wordnet

        wordnet.ensure_loaded()
        return True
    except (LookupError, OSError, ImportError):
        return False


def lexnames_from_man_page(text: str) -> str:
    """The ``lexnames`` file (number, name, syntactic category) from lexnames(5WN)."""
    category = {"adj": 3, "adv": 4, "noun": 1, "verb": 2}
    rows = re.findall(r"^(\d\d)\t(\w+\.\w+)\s*\t", text, flags=re.MULTILINE)
    if len(rows) != 45:
        raise RuntimeError(f"expected 45 lexicographer files in lexnames(5WN); found {len(rows)}")
    return "".join(f"{num}\t{name}\t{category[name.split('.')[0]]}\n" for num, name in rows)


def install_from_debian(target: Path) -> None:
    corpus = target / "corpora" / "wordnet"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(["apt-get", "download", *DEBIAN_PACKAGES], cwd=work, check=True, capture_output=True)
        for deb in work.glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "root")], check=True, capture_output=True)
        source = work / "root" / "usr" / "share" / "wordnet"
        missing = [name for name in NEEDED if not (source / name).is_file()]
        if missing:
            raise RuntimeError(f"Debian's WordNet packages lack {', '.join(missing)}")
        man = gzip.decompress((work / "root" / "usr/share/man/man5/lexnames.5WN.gz").read_bytes()).decode()
        staging = Path(tempfile.mkdtemp(dir=target.parent if target.parent.exists() else None))
        for f in source.iterdir():
            if f.is_file():
                shutil.copyfile(f, staging / f.name)  # real files: NLTK refuses symlinks
        (staging / "lexnames").write_text(lexnames_from_man_page(man))
        corpus.parent.mkdir(parents=True, exist_ok=True)
        if corpus.exists():
            shutil.rmtree(corpus)
        staging.rename(corpus)


def install(target: Path | None = None) -> str:
    """Install WordNet for NLTK; returns how it was found or installed."""
    target = Path(target or default_target())
    if wordnet_available():
        return "already installed"
    errors = []
    if shutil.which("apt-get") and shutil.which("dpkg-deb"):
        try:
            target.mkdir(parents=True, exist_ok=True)
            install_from_debian(target)
            return f"from Debian's {' and '.join(DEBIAN_PACKAGES)} into {target}"
        except (subprocess.CalledProcessError, RuntimeError, OSError) as e:
            errors.append(f"Debian: {e}")
    try:
        import nltk

        if nltk.download("wordnet", download_dir=str(target), quiet=True, raise_on_error=True):
            return f"with nltk.download into {target}"
    except Exception as e:  # noqa: BLE001 - any failure of the downloader is reported below
        errors.append(f"nltk.download: {e}")
    raise RuntimeError("could not install WordNet: " + "; ".join(errors))


if __name__ == "__main__":
    try:
        print("WordNet:", install(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
    except RuntimeError as e:
        print(e, file=sys.stderr)
        sys.exit(1)
