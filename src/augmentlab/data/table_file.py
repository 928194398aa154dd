"""Tables as read from CSV and Parquet: each column's kind (numeric, categorical, boolean),
inferred or declared, its values with missing ones kept, the target column's classes, and
what is needed to write the table back with the same columns, order and types.

Missing values are kept (NaN for numbers, code -1 for categories) and counted per column,
never dropped. A column that mixes numbers and text is refused unless the user declares
its kind. Categories keep the file's own spelling, so a written table reads back equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from augmentlab.errors import AugmentlabError

KINDS = ("numeric", "categorical", "boolean")
MISSING_TOKENS = ("", "NA", "N/A", "NaN", "nan", "?", "null", "NULL", "None")
# text pairs read as booleans, as (true, false) spellings, lower-cased
BOOLEAN_PAIRS = (("yes", "no"), ("true", "false"), ("y", "n"), ("t", "f"), ("1", "0"))


@dataclass(frozen=True)
class Column:
    """One feature column: its kind, and for categorical and boolean columns the
    categories in the order their codes index them (booleans: false, then true)."""

    name: str
    kind: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableFile:
    """Feature columns split by kind: ``numeric`` (N, numeric columns) float64 with NaN
    where missing; ``codes`` (N, categorical and boolean columns) int64 indices into each
    column's categories, -1 where missing; ``labels`` (N,) indices into ``class_names``.
    ``order`` is every column of the file, target included, as the file had them."""

    columns: tuple[Column, ...]
    numeric: np.ndarray
    codes: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    target: str
    order: tuple[str, ...]
    name: str
    missing: dict[str, int] = field(default_factory=dict)  # column -> missing values (only columns with some)
    arrow_schema: object = None  # Parquet: the file's schema, so a written file keeps its types


def parse_column_types(text: str | None) -> dict[str, str]:
    """``"ccs=categorical,comdominiom=boolean"`` as a mapping (empty for None)."""
    if not text:
        return {}
    out = {}
    for part in text.split(","):
        name, sep, kind = part.partition("=")
        name, kind = name.strip(), kind.strip()
        if not sep or not name or kind not in KINDS:
            raise AugmentlabError(f"column_types {text!r}: expected name=kind pairs, kind one of {', '.join(KINDS)}; "
                                  f"got {part.strip()!r}", field="column_types")
        out[name] = kind
    return out


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _boolean_pair(values: set[str], *, one: bool = False) -> tuple[str, str] | None:
    """The (false, true) spellings when ``values`` are one boolean pair's two values (or,
    with ``one``, at least one of them): the file's spelling where it has it."""
    lowered = {v.lower(): v for v in values}
    if not (len(lowered) == 2 or (one and len(lowered) == 1)):
        return None
    for true, false in BOOLEAN_PAIRS:
        if set(lowered) <= {true, false}:
            return lowered.get(false, false), lowered.get(true, true)
    return None


def _infer(name: str, tokens: list[str], declared: str | None, where: str) -> tuple[Column, np.ndarray]:
    """A column from its text cells: the kind (declared, or inferred) and its values
    (float64 for numeric, int64 codes otherwise)."""
    present = [t for t in tokens if t not in MISSING_TOKENS]
    numbers = [_number(t) for t in present]
    all_numbers = all(n is not None for n in numbers)
    distinct = set(present)
    if declared is None:
        if present and not all_numbers and any(n is not None for n in numbers):
            text = next(t for t, n in zip(present, numbers) if n is None)
            number = next(t for t, n in zip(present, numbers) if n is not None)
            raise AugmentlabError(f"{where}: column {name!r} holds numbers ({number!r}) and text ({text[:30]!r}); declare its "
                                  f"kind: column_types '{name}=categorical' (or numeric)", field="column_types")
        pair = _boolean_pair(distinct)
        if pair is not None:
            declared = "boolean"
        else:
            declared = "numeric" if all_numbers and present else "categorical"
    if declared == "numeric":
        if not all_numbers:
            bad = next(t for t, n in zip(present, numbers) if n is None)
            raise AugmentlabError(f"{where}: column {name!r} is declared numeric but holds {bad[:30]!r}", field="column_types")
        values = np.array([math.nan if t in MISSING_TOKENS else float(t) for t in tokens], np.float64)
        return Column(name, "numeric"), values
    if declared == "boolean":
        pair = _boolean_pair(distinct, one=True)
        if pair is None:
            raise AugmentlabError(f"{where}: column {name!r} is declared boolean but holds {', '.join(sorted(distinct))[:80]}; "
                                  "expected two values such as yes/no, true/false or 1/0", field="column_types")
        categories = pair
    else:
        categories = tuple(sorted(distinct, key=lambda v: (_number(v) is None, _number(v) or 0.0, v)))
    index = {c: k for k, c in enumerate(categories)}
    return Column(name, declared, categories), np.array([index.get(t, -1) for t in tokens], np.int64)


def _from_tokens(header: list[str], rows: list[list[str]], target: str, types: dict[str, str], path: Path,
                 class_names: tuple[str, ...] | None) -> TableFile:
    if target not in header:
        raise AugmentlabError(f"{path}: no target column {target!r}; its columns are {', '.join(header)[:200]}", field="target")
    unknown = [n for n in types if n not in header or n == target]
    if unknown:
        raise AugmentlabError(f"column_types names {unknown[0]!r}, which is not a feature column of {path}", field="column_types")
    if len(set(header)) != len(header):
        raise AugmentlabError(f"{path}: the header repeats a column name")
    if not rows:
        raise AugmentlabError(f"{path}: holds no rows below its header")
    by_column = list(zip(*rows))
    columns, numeric, codes, missing = [], [], [], {}
    for name, tokens in zip(header, by_column):
        tokens = [t.strip() for t in tokens]
        if name == target:
            target_tokens = tokens
            continue
        column, values = _infer(name, tokens, types.get(name), str(path))
        if len(tokens) and all(t in MISSING_TOKENS for t in tokens):
            raise AugmentlabError(f"{path}: column {name!r} holds no values; drop it (a column that is always missing "
                                  "tells a model nothing)", field="column_types")
        columns.append(column)
        (numeric if column.kind == "numeric" else codes).append(values)
        gaps = int(np.isnan(values).sum()) if column.kind == "numeric" else int((values < 0).sum())
        if gaps:
            missing[name] = gaps
    if not columns:
        raise AugmentlabError(f"{path}: has no columns besides the target {target!r}; a table needs features", field="target")
    labels, names = _labels(target_tokens, target, path, class_names)
    N = len(rows)
    return TableFile(tuple(columns), np.stack(numeric, 1) if numeric else np.zeros((N, 0)),
                     np.stack(codes, 1) if codes else np.zeros((N, 0), np.int64), labels, names, target, tuple(header),
                     path.stem, missing)


def _labels(tokens: list[str], target: str, path: Path, class_names: tuple[str, ...] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    gaps = [i for i, t in enumerate(tokens) if t in MISSING_TOKENS]
    if gaps:
        raise AugmentlabError(f"{path}: row {gaps[0] + 2} has no {target!r} value; every row needs its class", field="target")
    if class_names is None:
        distinct = sorted(set(tokens), key=lambda v: (_number(v) is None, _number(v) or 0.0, v))
        if len(distinct) < 2:
            raise AugmentlabError(f"{path}: target {target!r} has one class ({distinct[0]!r}); telling classes apart needs two",
                                  field="target")
        class_names = tuple(distinct)
        counts = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        alone = sum(1 for n in counts.values() if n == 1)
        if alone > max(10, 0.1 * len(tokens)):  # a measurement, not a class
            raise AugmentlabError(f"{path}: target {target!r} has {len(distinct):,} values, {alone:,} of them in a single row; "
                                  "the table lab classifies: name a column of classes", field="target")
    index = {c: k for k, c in enumerate(class_names)}
    unknown = next((t for t in tokens if t not in index), None)
    if unknown is not None:
        raise AugmentlabError(f"{path}: target value {unknown[:30]!r} is not a class of the training data "
                              f"({', '.join(class_names)[:200]})", field="target")
    return np.array([index[t] for t in tokens], np.int64), tuple(class_names)


def read_table(path: str | Path, target: str, *, column_types: dict[str, str] | None = None,
               class_names: tuple[str, ...] | None = None) -> TableFile:
    """A CSV or Parquet table. ``column_types`` overrides inferred kinds; ``class_names``:
    the training data's classes, which a test file's target values must be among."""
    path = Path(path)
    types = dict(column_types or {})
    if path.suffix.lower() == ".csv":
        header, rows = _csv_tokens(path)
        return _from_tokens(header, rows, target, types, path, class_names)
    if path.suffix.lower() in (".parquet", ".pq"):
        return _read_parquet(path, target, types, class_names)
    raise AugmentlabError(f"{path}: a table is a .csv or .parquet file")


def _csv_tokens(path: Path) -> tuple[list[str], list[list[str]]]:
    from augmentlab.data.csv_rows import csv_rows

    rows = csv_rows(path)
    if not rows:
        raise AugmentlabError(f"{path}: is empty; expected a header row")
    header = [h.strip() for h in rows[0]]
    body = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise AugmentlabError(f"{path}:{number}: {len(row)} cells, but the header has {len(header)} columns")
        body.append(row)
    return header, body


def _read_parquet(path: Path, target: str, types: dict[str, str], class_names) -> TableFile:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise AugmentlabError("reading Parquet needs pyarrow: pip install 'augmentlab[tables]'") from None
    try:
        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for damaged files
        raise AugmentlabError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0][:120]})") from None
    header = list(table.column_names)
    import pyarrow.types as pat

    tokens = []
    for name in header:
        column = table.column(name)
        cells = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else _token(v) for v in column.to_pylist()]
        if name != target:  # the file's own types (text that is a yes/no pair: boolean), unless the user declared others
            numeric = pat.is_floating(column.type) or pat.is_integer(column.type)
            pair = _boolean_pair({c for c in cells if c not in MISSING_TOKENS})
            kind = "numeric" if numeric else "boolean" if pat.is_boolean(column.type) or pair else "categorical"
            types.setdefault(name, kind)
        tokens.append(cells)
    rows = [list(r) for r in zip(*tokens)]
    parsed = _from_tokens(header, rows, target, types, path, class_names)
    return TableFile(**{**parsed.__dict__, "arrow_schema": table.schema})


def _token(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


# -- writing ------------------------------------------------------------------------------------
def _cells(data: TableFile) -> dict[str, list]:
    """Each column's values in file order as Python values (None where missing)."""
    out, n_num, n_cat = {}, 0, 0
    for column in data.columns:
        if column.kind == "numeric":
            values = data.numeric[:, n_num]
            n_num += 1
            out[column.name] = [None if math.isnan(v) else _number_value(v) for v in values.tolist()]
        else:
            codes = data.codes[:, n_cat]
            n_cat += 1
            out[column.name] = [None if k < 0 else column.categories[k] for k in codes.tolist()]
    out[data.target] = [data.class_names[k] for k in data.labels.tolist()]
    return {name: out[name] for name in data.order}


def _number_value(v: float) -> int | float:
    """Whole numbers as ints (written without a decimal point, as files usually spell them)."""
    return int(v) if v == int(v) and abs(v) < 2**53 else v


def write_table_csv(path: str | Path, data: TableFile) -> None:
    """The columns in the file's order; numbers in their shortest round-tripping form
    (whole numbers without a decimal point), missing values as empty cells."""
    import csv

    cells = _cells(data)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(list(cells))
        for row in zip(*cells.values()):
            writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row])


def write_table_parquet(path: str | Path, data: TableFile) -> None:
    """A Parquet file with the columns in order, cast to the schema the table was read
    with (when it came from Parquet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cells = _cells(data)
    arrays = {}
    for column in data.columns:
        values = cells[column.name]
        if column.kind == "boolean" and data.arrow_schema is not None and pa.types.is_boolean(data.arrow_schema.field(column.name).type):
            values = [None if v is None else v == "true" for v in values]
        arrays[column.name] = values
    arrays[data.target] = cells[data.target]
    table = pa.table({name: arrays[name] for name in data.order})
    if data.arrow_schema is not None:
        table = table.cast(data.arrow_schema)
    pq.write_table(table, path)
