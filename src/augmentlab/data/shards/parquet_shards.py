"""Parquet image shards as Hugging Face ``datasets`` writes them: an ``image`` (or ``img``)
column of encoded images, either a struct of ``bytes`` and ``path`` or plain binary, and
an integer ``label`` column (or the one ``--target`` names). Read a batch at a time; the
output keeps the input's schema and metadata, each row followed by its copies (the
image re-encoded as PNG, every other column as it was)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

from augmentlab.data.folder import decode_image
from augmentlab.data.shards.base import Chunk, FileShards, Unit, encode_png, file_digest
from augmentlab.errors import AugmentlabError

IMAGE_COLUMNS = ("image", "img")
LABEL_COLUMNS = ("label", "labels")


def _pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise AugmentlabError("Parquet shards need pyarrow: pip install 'augmentlab[tables]'") from None
    return pq


class ParquetShards(FileShards):
    """A folder of ``.parquet`` shards (each a unit, written under the same name), or one."""

    kind = "parquet-shards"
    suffix = ".parquet"

    def __init__(self, path: Path, label_column: str | None = None):
        super().__init__(path)
        pq = _pyarrow()
        self.columns: tuple[str, str] | None = None
        for p in self.files:
            try:
                meta = pq.ParquetFile(p)
                schema, rows = meta.schema_arrow, meta.metadata.num_rows
            except Exception as e:  # ArrowInvalid, OSError: not Parquet or truncated
                raise AugmentlabError(f"{p}: not a readable Parquet file ({type(e).__name__}: {e})"[:300]) from None
            columns = self._columns(p, schema, label_column)
            if self.columns is not None and columns != self.columns:
                raise AugmentlabError(f"{p}: image and label columns {columns} differ from the first shard's {self.columns}")
            self.columns = columns
            self.counts.append(rows)

    @staticmethod
    def _columns(path: Path, schema, label_column: str | None) -> tuple[str, str]:
        import pyarrow as pa

        names = schema.names
        image = next((c for c in IMAGE_COLUMNS if c in names), None)
        if image is None:
            raise AugmentlabError(f"{path}: no image column; expected one named {' or '.join(IMAGE_COLUMNS)} among {names}"[:300])
        kind = schema.field(image).type
        if not (pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
                or (pa.types.is_struct(kind) and kind.get_field_index("bytes") >= 0)):
            raise AugmentlabError(f"{path}: column {image!r} is {kind}; expected encoded images (binary, or a struct with 'bytes')")
        label = label_column or next((c for c in LABEL_COLUMNS if c in names), None)
        if label is None or label not in names:
            raise AugmentlabError(f"{path}: no label column {label or ' or '.join(LABEL_COLUMNS)!r} among {names}; "
                                  "name it with --target"[:300])
        if not pa.types.is_integer(schema.field(label).type):
            raise AugmentlabError(f"{path}: label column {label!r} is {schema.field(label).type}; expected class indices (integers)")
        return image, label

    def chunks(self, unit: Unit, batch_size: int):
        pq = _pyarrow()
        path = self.files[unit.shard]
        image, label = self.columns
        first = 0
        try:
            batches = pq.ParquetFile(path).iter_batches(batch_size=batch_size)
            for batch in batches:
                yield self._chunk(path, first, batch, image, label)
                first += batch.num_rows
        except AugmentlabError:
            raise
        except Exception as e:
            raise AugmentlabError(f"{path}: not a readable Parquet file ({type(e).__name__}: {e})"[:300]) from None

    @staticmethod
    def _chunk(path: Path, first: int, batch, image: str, label: str) -> Chunk:
        cells = batch.column(image).to_pylist()
        labels = batch.column(label).to_pylist()
        images = []
        for row, (cell, value) in enumerate(zip(cells, labels), start=first):
            data = cell.get("bytes") if isinstance(cell, dict) else cell
            if data is None:
                raise AugmentlabError(f"{path}: row {row} has no image bytes in {image!r}")
            if value is None or value < 0:
                raise AugmentlabError(f"{path}: row {row} has label {value!r}; expected a class index (a non-negative integer)")
            images.append(decode_image(io.BytesIO(data), f"{path}: row {row}"))
        return Chunk(first, images, np.asarray(labels, dtype=np.int64), [batch])

    @contextlib.contextmanager
    def writer(self, unit: Unit, out_root: Path, copies: int):
        pq = _pyarrow()
        path = out_root / unit.output if unit.output else out_root
        schema = pq.ParquetFile(self.files[unit.shard]).schema_arrow
        writer = _ParquetWriter(path, pq.ParquetWriter(path, schema), schema, self.columns[0])
        try:
            yield writer
        finally:
            writer.close()


class _ParquetWriter:
    def __init__(self, path: Path, writer, schema, image: str):
        self.path, self.writer, self.schema, self.image = path, writer, schema, image

    def write(self, chunk: Chunk, copies: list[list[np.ndarray]]) -> None:
        import pyarrow as pa

        batch = chunk.originals[0]
        rows = pa.Table.from_batches([batch]).take(pa.array(np.repeat(np.arange(len(chunk)), len(copies) + 1)))
        cells = batch.column(self.image).to_pylist()
        column = []
        for i, cell in enumerate(cells):
            column.append(cell)
            for copy in copies:
                data = encode_png(copy[i])
                column.append({**cell, "bytes": data, **({"path": None} if "path" in cell else {})} if isinstance(cell, dict) else data)
        where = rows.schema.get_field_index(self.image)
        rows = rows.set_column(where, self.schema.field(self.image), pa.array(column, type=self.schema.field(self.image).type))
        self.writer.write_table(rows)

    def close(self) -> None:
        self.writer.close()

    def digest(self) -> str:
        return file_digest(self.path)
