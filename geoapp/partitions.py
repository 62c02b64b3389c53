"""An archive cut into partitions that any machine can read on its own, for the Dask engine.

A partition is a short list of :class:`Piece` s: a whole article file (read as the serial run
reads it), a run of whole lines of a big JSONL file (byte offsets and the number of its first
line), or row groups of a Parquet shard. Only descriptions travel to the workers; each worker
reads its own bytes from a file system that it shares with the client (data locality: the text
never passes through the client).

Lines matter twice: a JSONL record without an id is named ``file:line``, and problems are
reported by line. A big JSONL file is therefore split in two steps: each block is first scanned
(on the workers) for its line-aligned bounds and its number of lines, and only then parsed with
the number of its first line known, so a split archive yields exactly the articles of the whole.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .articles import DuplicateIds, read_part, read_path
from .inputfiles import ArticleError, display_path, expand_paths, list_folder

#: Default size of one partition (MB of input): the unit of work, of retry and of output file.
DEFAULT_PARTITION_MB = 32.0
#: Columns of a Parquet shard that become article fields (others are ignored).
PARQUET_FIELDS = ("id", "title", "text", "lang", "url", "source", "published")
_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Piece:
    """One readable part of one input. ``kind``: ``file`` (whole file, as the serial reader does),
    ``jsonl`` (bytes ``start``–``end`` of a JSONL file, whole lines, the first of them line
    ``first_line``), ``parquet`` (``row_groups`` of a shard, its first row numbered ``first_line``)."""

    kind: str
    path: str
    name: str
    size: int = 0
    start: int = 0
    end: int = 0
    first_line: int = 1
    row_groups: tuple[int, ...] = ()

    @property
    def stem(self) -> str:
        return display_path(Path(self.path).stem)

    def describe(self) -> str:
        if self.kind == "jsonl":
            return f"{self.name} (bytes {self.start}-{self.end})"
        if self.kind == "parquet":
            return f"{self.name} (row groups {self.row_groups[0]}-{self.row_groups[-1]})"
        return self.name


@dataclass(frozen=True)
class Partition:
    index: int
    pieces: tuple[Piece, ...]

    def describe(self) -> str:
        names = [p.describe() for p in self.pieces]
        return names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"


# --- finding the inputs -----------------------------------------------------------------------------


def input_files(paths: Iterable[str], errors) -> list[Path]:
    """The files under ``paths`` as the serial run lists them, plus Parquet shards in folders.

    Standard input is refused: workers on other machines cannot read it.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if str(raw) == "-":
            errors.append(ArticleError("<stdin>", "a cluster cannot read standard input: save it to a file"))
        elif path.is_dir():
            problems: list[ArticleError] = []
            files = list_folder(path, problems)
            shards = [p for p in path.rglob("*.parquet")
                      if not any(part.startswith(".") for part in p.relative_to(path).parts)]
            if shards and not files and len(problems) == 1 and problems[0].warning:
                problems = []  # "no article files in this folder": it has shards
            for problem in problems:
                errors.append(problem)
            found.extend(sorted([*files, *shards]))
        else:
            found.extend(expand_paths([raw], errors))
    return found


# --- JSONL blocks --------------------------------------------------------------------------------------


def _line_start(fh, pos: int, size: int) -> int:
    """The first position >= ``pos`` where a line starts (``size`` when none does)."""
    if pos <= 0:
        return 0
    if pos >= size:
        return size
    fh.seek(pos - 1)
    at = pos - 1
    while True:
        chunk = fh.read(_READ_CHUNK)
        if not chunk:
            return size
        k = chunk.find(b"\n")
        if k >= 0:
            return at + k + 1
        at += len(chunk)


def _block_text(data: bytes, start: int) -> str:
    """Text of a block as :func:`geoapp.inputfiles.decode` makes a file's: BOM off, newlines ``\\n``."""
    if start == 0 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class BlockScan:
    start: int
    end: int
    lines: int
    error: str | None = None


def scan_block(path: str, lo: int, hi: int) -> BlockScan:
    """Line-aligned bounds of the block ``[lo, hi)`` of a file, and how many lines it holds (or
    why its bytes are no UTF-8 text). Runs on a worker: the first of two passes over the block."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        start, end = _line_start(fh, lo, size), _line_start(fh, hi, size)
        if start >= end:
            return BlockScan(start, start, 0)
        fh.seek(start)
        data = fh.read(end - start)
    try:
        text = _block_text(data, start)
    except UnicodeDecodeError as exc:
        return BlockScan(start, end, 0, f"byte 0x{data[exc.start]:02x} at offset {start + exc.start}")
    return BlockScan(start, end, text.count("\n"))


def splittable(path: Path) -> bool:
    """Whether a JSONL file may be split by bytes: UTF-8 (no UTF-16/32 mark, no NUL bytes)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) and b"\x00" not in head


def jsonl_pieces(path: Path, name: str, scans: list[BlockScan]) -> list[Piece]:
    """The pieces of a JSONL file from the scans of its blocks, in order, with line numbers; one
    whole-file piece when a block is no UTF-8 (the serial reader then says what is wrong, as it would)."""
    if any(s.error for s in scans):
        return [Piece("file", str(path), name, size=scans[-1].end)]
    pieces, line = [], 1
    for s in scans:
        if s.end > s.start:
            pieces.append(Piece("jsonl", str(path), name, s.end - s.start, s.start, s.end, line))
        line += s.lines
    return pieces


def parquet_pieces(path: Path, name: str, block: int, errors) -> list[Piece]:
    """Runs of whole row groups of a Parquet shard, about ``block`` bytes each (read from the footer)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # not Parquet, truncated, unreadable: one line, as for any bad input
        errors.append(ArticleError(name, f"not a readable Parquet file ({str(exc).splitlines()[0]})"))
        return []
    if "text" not in meta.schema.names:
        errors.append(ArticleError(name, "Parquet shard has no 'text' column"))
        return []
    pieces: list[Piece] = []
    groups: list[int] = []
    size, row, first = 0, 1, 1
    for g in range(meta.num_row_groups):
        if not groups:
            first = row
        groups.append(g)
        size += meta.row_group(g).total_byte_size
        row += meta.row_group(g).num_rows
        if size >= block or g == meta.num_row_groups - 1:
            pieces.append(Piece("parquet", str(path), name, size, first_line=first, row_groups=tuple(groups)))
            groups, size = [], 0
    return pieces


def group(pieces: Iterable[Piece], block: int) -> list[Partition]:
    """Consecutive pieces gathered into partitions of about ``block`` bytes (small files together)."""
    out: list[Partition] = []
    current: list[Piece] = []
    size = 0
    for piece in pieces:
        if current and size + piece.size > block:
            out.append(Partition(len(out), tuple(current)))
            current, size = [], 0
        current.append(piece)
        size += piece.size
    if current:
        out.append(Partition(len(out), tuple(current)))
    return out


# --- reading a partition (on a worker) -----------------------------------------------------------


def _parquet_records(piece: Piece) -> Iterator[tuple[int, dict]]:
    import pyarrow.parquet as pq

    shard = pq.ParquetFile(piece.path)
    columns = [c for c in PARQUET_FIELDS if c in shard.schema_arrow.names]
    row = piece.first_line
    for g in piece.row_groups:
        for record in shard.read_row_group(g, columns=columns).to_pylist():
            yield row, {k: v.isoformat() if isinstance(v, (_dt.date, _dt.datetime)) else v
                        for k, v in record.items() if v is not None}
            row += 1


@dataclass
class Seen:
    """Where each article of a partition came from, for duplicate ids across the whole input."""

    ids: list[tuple[str, str, int | None]] = field(default_factory=list)


def read_partition(partition: Partition, errors: list[ArticleError], seen: Seen) -> Iterator:
    """The articles of a partition, in order; problems go to ``errors``."""
    for piece in partition.pieces:
        if piece.kind == "file":
            for article in read_path(piece.path, errors, None, name=piece.name):
                seen.ids.append((article.id, piece.name, None))
                yield article
            continue
        if piece.kind == "jsonl":
            with open(piece.path, "rb") as fh:
                fh.seek(piece.start)
                text = _block_text(fh.read(piece.end - piece.start), piece.start)
            parts = read_part(piece.name, piece.stem, errors, text=text, first_line=piece.first_line)
        else:
            parts = read_part(piece.name, piece.stem, errors, records=_parquet_records(piece))
        for article, line in parts:
            seen.ids.append((article.id, piece.name, line))
            yield article


def duplicate_warnings(ids: DuplicateIds, seen: Seen) -> list[ArticleError]:
    """Warnings for ids of a partition already seen earlier in the input (checked in input order)."""
    out = []
    for article_id, name, line in seen.ids:
        problem = ids.check(article_id, name, line)
        if problem is not None:
            out.append(problem)
    return out
