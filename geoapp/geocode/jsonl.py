"""Reading and writing the cache's JSONL exchange files (``cache export`` / ``cache import``).

Why line by line with a size bound: an import file comes from elsewhere (a colleague, a script); a
single broken or gigantic line must cost one refusal naming ``file:line``, not the whole import and
not the machine's memory.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from geoapp.fileio import atomic_write

log = logging.getLogger("geoapp.geocode")

#: A line longer than this is refused without being parsed.
MAX_LINE_BYTES = 2_000_000
#: Reading stops inside a line longer than this (a device that never ends a line, like /dev/zero).
MAX_SKIP_BYTES = 256_000_000


def report(problems: list[str] | None, message: str) -> None:
    """Add one problem line to ``problems``; log it when the caller keeps no list."""
    if problems is None:
        log.warning(message)
    else:
        problems.append(message)


def write_atomic(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """An export that a reader (or a Ctrl-C) sees whole or not at all; strict JSON (no NaN)."""
    atomic_write(
        path,
        "".join(
            json.dumps(rec, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n" for rec in records
        ),
    )


def read(path: Path, problems: list[str] | None) -> Iterator[tuple[str, Any]]:
    """``(file:line, parsed JSON)`` for each line that is valid JSON of sane size; the others are
    reported in ``problems`` and skipped. Opening the file may raise ``OSError``."""
    with open(path, "rb") as fh:
        n = 0
        while True:
            line = fh.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            n += 1
            where = f"{path}:{n}"
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                skipped = len(line)
                while line and not line.endswith(b"\n"):  # skip the rest of the overlong line
                    if skipped > MAX_SKIP_BYTES:
                        report(problems, f"{where}: no line end in {MAX_SKIP_BYTES} bytes; stopped reading")
                        return
                    line = fh.readline(MAX_LINE_BYTES)
                    skipped += len(line)
                report(problems, f"{where}: line longer than {MAX_LINE_BYTES} bytes")
                continue
            try:
                stripped = line.decode("utf-8").strip()
            except UnicodeDecodeError:
                report(problems, f"{where}: not UTF-8 text")
                continue
            if not stripped:
                continue
            try:
                yield where, json.loads(stripped)
            except (ValueError, RecursionError) as exc:
                report(problems, f"{where}: not JSON ({getattr(exc, 'msg', type(exc).__name__)})")
