import os
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)


def shared_data(name: str) -> Path:
    """``$AUGMENTLAB_DATA/<name>``, or skip the test when it is not there."""
    root = os.environ.get("AUGMENTLAB_DATA")
    path = Path(root) / name if root else None
    if path is None or not path.is_dir():
        pytest.skip(f"AUGMENTLAB_DATA/{name} is not available")
    return path


@pytest.fixture
def mnist_dir() -> Path:
    return shared_data("mnist")


@pytest.fixture
def ucr_dir() -> Path:
    return shared_data("ucr")


def images(batch=6, channels=3, size=(24, 20), dtype=torch.uint8, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (batch, channels, *size), generator=g, dtype=torch.uint8)
    return x if dtype == torch.uint8 else x.float() / 255.0


def run(argv, capsys):
    """Run the CLI in this process: ``(exit code, stdout, stderr)``."""
    import sys

    from augmentlab.cli import main

    old = sys.argv
    sys.argv = ["augmentlab", *argv]
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code or 0
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err
