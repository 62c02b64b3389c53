"""Writing files all at once or not at all, for every stage that writes (exports, maps, caches).

A temporary file in the target's folder is filled, flushed to disk, given the usual permissions and
moved over the target with :func:`os.replace`: a reader (a browser, Streamlit, a colleague's run)
sees the old file or the complete new one, and a failure or Ctrl-C leaves the old one intact.

Temporary files are named ``.<target name>.<pid>.<random>.tmp``. A run killed outright (SIGKILL,
power loss) cannot remove its own; the next write to the same target removes those whose process
is gone, so hidden leftovers do not pile up beside an output that is written every day.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import IO


class OutputError(OSError):
    """The output cannot be written where it was asked for (a folder, no permission …): one line."""


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work is done, an output path that can never be written as a file."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name for the output")
    parent = target.parent if str(target.parent) else Path(".")
    for folder in (parent, *parent.parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(f"{target}: {folder} is a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK) and folder == parent:
                raise OutputError(f"{target}: no permission to write in {folder}")
            break
    return target


_TMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temporaries(target: Path) -> int:
    """Delete leftover temporary files of ``target`` whose writing process no longer exists."""
    removed = 0
    try:
        entries = list(os.scandir(target.parent if str(target.parent) else "."))
    except OSError:
        return 0
    for entry in entries:
        match = _TMP_RE.match(entry.name)
        if not match or match["name"] != target.name or _alive(int(match["pid"])):
            continue
        try:
            os.unlink(entry.path)
            removed += 1
        except OSError:
            pass
    return removed


def _mode_for_new_file() -> int:
    # mkstemp makes the file 0600; a written file should get the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class AtomicFile:
    """A file that appears at ``path`` complete on :meth:`commit`, or not at all.

    Use as a context manager: leaving the block normally commits, an exception discards. Output
    can be streamed (write as you go, memory stays flat) and the old file stays untouched until
    the new one is whole. ``commit()`` may be skipped deliberately with :meth:`discard` (e.g. when
    nothing was written, so an old good file must not be replaced by an empty one).
    """

    def __init__(self, path: str | os.PathLike[str], mode: str = "w", *, make_folder: bool = True) -> None:
        """``make_folder=False``: a missing folder is an ``OSError`` here instead of being made
        (the cache copies, which an offline run that only reads must not leave behind)."""
        if mode not in ("w", "wb"):
            raise ValueError("mode must be 'w' or 'wb'")
        self.target = Path(path)
        if make_folder:
            self.target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.target)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.target.name}.{os.getpid()}.", suffix=".tmp", dir=self.target.parent or "."
        )
        self.tmp = Path(tmp)
        binary = mode == "wb"
        # errors="replace": a lone surrogate that slipped past the readers costs one "?", not the batch.
        text_args = {"encoding": "utf-8", "errors": "replace", "newline": ""}
        self.fh: IO = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", **text_args)
        self.done = False

    def write(self, data: str | bytes) -> None:
        self.fh.write(data)

    def commit(self) -> Path:
        if self.done:
            return self.target
        try:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            os.chmod(self.tmp, _mode_for_new_file())
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise
        self.done = True
        return self.target

    def discard(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            self.fh.close()
        finally:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; return the path."""
    with AtomicFile(path, "wb") as out:
        out.write(data.encode("utf-8", "replace") if isinstance(data, str) else data)
    return out.target


def terminate_cleanly() -> None:
    """Turn SIGTERM (``kill``, a stopped container, a CI timeout) into ``SystemExit``, so that
    ``finally``/``except`` blocks run and temporary files are removed as on Ctrl-C. Only the
    main thread can install a handler; elsewhere (Streamlit's script thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
