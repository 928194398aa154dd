"""Helpers the CLI modules share: progress bars, CPU settings, dataset identity, and the
options several commands take."""

from __future__ import annotations

from pathlib import Path

import typer

from augmentlab.errors import AugmentlabError

# Options that evaluate, sweep and search share (search has its own --copies default).
MODEL = typer.Option(None, "--model", help="Images: cnn, mlp or resnet (default: by size). Text: minilm (default), tfidf, fasttext or textcnn.")
TEXT_COPIES = typer.Option(None, "--copies", help="Text: augmented copies per training sentence (default: the policy's, e.g. eda(copies=16), else 1).")
MIN_SIMILARITY = typer.Option(None, "--min-similarity", help="Text: drop copies whose embedding cosine similarity to the original is below this.")
FILTER_MODEL = typer.Option("minilm", "--filter-model", help="Text: the sentence-transformers model (hub name or local path) --min-similarity embeds with; minilm is the packaged all-MiniLM-L6-v2.")


def progress_bar(total: int, label: str):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
    task = bar.add_task(label, total=total)
    return bar, lambda n: bar.advance(task, n)


def cpu_speed_settings(threads: int) -> None:
    """Pin the torch thread count (results are reproducible for a fixed count) and flush
    denormals, which avoids a 6x slowdown once losses approach zero."""
    import torch

    if threads < 1:
        raise AugmentlabError(f"--threads must be at least 1; got {threads}")
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)


def dataset_identity(data: str) -> str:
    """A dataset's identity for resuming: the resolved path, or the built-in name."""
    path = Path(data)
    return str(path.resolve()) if path.exists() else data
