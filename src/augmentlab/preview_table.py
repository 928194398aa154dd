"""Table previews: a few rows (one per class where possible), each followed by its
augmented draws, changed cells marked; in the terminal, as JSON, and in reports."""

from __future__ import annotations

import json
import math
from pathlib import Path

from augmentlab.data.dataset import Dataset
from augmentlab.io_atomic import atomic_path
from augmentlab.rng import torch_generator


def row_cells(batch, i: int) -> dict:
    """Row ``i`` of a ``TableBatch`` as ``{column: value}`` in the file's order (None where
    missing), numbers rounded to 4 significant digits for reading (whole ones as ints)."""
    cells, n, k = {}, 0, 0
    for column in batch.schema.columns:
        if column.kind == "numeric":
            v = float(batch.numeric[i, n])
            shown = float(f"{v:.4g}") if not math.isnan(v) else None
            cells[column.name] = int(shown) if shown is not None and shown.is_integer() else shown
            n += 1
        else:
            code = int(batch.codes[i, k])
            cells[column.name] = None if code < 0 else column.categories[code]
            k += 1
    return cells


def preview_table(ds: Dataset, policy, seed: int, rows: int, draws: int) -> list[dict]:
    from augmentlab.preview import one_per_class

    g = torch_generator(seed)
    picks = one_per_class(ds, rows, seed)
    x = ds.data[picks]
    made = [policy(x, g) for _ in range(draws)]
    return [{"label": ds.class_names[int(ds.labels[i])], "original": row_cells(x, r),
             "augmented": [row_cells(d, r) for d in made]} for r, i in enumerate(picks)]


def print_table_preview(shown: list[dict], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    columns = list(shown[0]["original"]) if shown else []
    table = Table(title=title)
    for name in ["", "label", *columns]:
        table.add_column(name)
    show = lambda v: "" if v is None else str(v)  # noqa: E731
    for r, row in enumerate(shown):
        table.add_row(f"row {r + 1}", row["label"], *[show(v) for v in row["original"].values()])
        for k, draw in enumerate(row["augmented"], start=1):
            table.add_row(f"  draw {k}", "", *[f"[bold]{show(v)}[/bold]" if v != row["original"][c] else show(v)
                                                for c, v in draw.items()])
    Console().print(table)


class RowsPreview:
    """Tables: rows and their draws in the terminal, optionally saved as JSON."""

    draws = 3
    suffix = ".json"
    default_out: Path | None = None
    suffix_error = "a table preview is written as .json"

    def make(self, ds: Dataset, policy, seed: int, rows: int, draws: int) -> list[dict]:
        return preview_table(ds, policy, seed, rows, draws)

    def show(self, shown, title: str) -> None:
        print_table_preview(shown, title)

    def save(self, shown, out: Path, meta: dict, replace: bool = False) -> None:
        with atomic_path(out, replace=replace) as tmp:
            tmp.write_text(json.dumps({**meta, "rows": shown}, indent=2), encoding="utf-8")

    def for_report(self, ds: Dataset, policy):
        """``("table", (header, rows))``: two originals, each above two draws."""
        if policy.to_spec() == "none":
            return None
        shown = preview_table(ds, policy, seed=0, rows=2, draws=2)
        header = ["", *shown[0]["original"]]
        out = []
        for r, row in enumerate(shown):
            out.append([f"row {r + 1} ({row['label']})", *row["original"].values()])
            out += [[f"draw {k}", *d.values()] for k, d in enumerate(row["augmented"], start=1)]
        return "table", (header, [["" if v is None else str(v) for v in line] for line in out])
