"""Bytes and text out of files, folders and standard input, whatever state they are in.

Every problem becomes one :class:`ArticleError` line and never a traceback: a name that is not
valid UTF-8, a folder that cannot be listed, a FIFO or device where a file was expected, a file that
vanished after the folder was listed, text in UTF-16. :mod:`geoapp.articles` turns the text into
articles; this module only gets the text.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
#: How standard input is named in messages and in ``Article.path``.
STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class ArticleError:
    """A problem with one input: shown to the user as ``path[:line]: message``.

    A ``warning`` is a problem that did not stop the input from being read (a lone surrogate replaced,
    an id seen twice): ``str()`` starts with ``warning:`` so a reader of the log tells the two apart.
    """

    path: str
    message: str
    line: int | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = printable(f"{where}: {self.message}")
        return f"warning: {text}" if self.warning else text


class Unreadable(Exception):
    """One input (or one part of it) cannot be read; the message says why, in the user's terms."""


# --- names a terminal can show ------------------------------------------------------------------

# Lone surrogates (undecodable bytes of a file name, or "\ud800" escapes), C0/C1 controls (a newline
# in a name would split the one-line message), and bidirectional overrides (which reorder a line).
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by Python's surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe to print on one line of a UTF-8 terminal: undecodable bytes as ``\\xe9``."""
    return _UNPRINTABLE_RE.sub(_escape, text)


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as messages and ``Article.path`` show it: ``caf\\xe9.txt`` for a Latin-1 name."""
    return printable(os.fspath(path))


# --- web addresses among the paths -----------------------------------------------------------------

_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(text: str) -> bool:
    """True for anything written as ``scheme://…``: read as a web address (:mod:`geoapp.feeds`), not
    a path; an address of a scheme other than http(s) is then refused as such, not looked for as a
    file."""
    return bool(_URL_RE.match(text))


# --- reading bytes --------------------------------------------------------------------------------


def _not_a_file(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_bytes(path: Path) -> bytes:
    """All bytes of a file or of a FIFO named on purpose; :class:`Unreadable` for anything else.

    The file is opened non-blocking so that a FIFO without a writer reads as empty instead of
    hanging, then read blocking so that a writer that is there (``<(command)``) is read to its end.
    """
    try:
        problem = _not_a_file(os.stat(path).st_mode)
        if problem:
            raise Unreadable(problem)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            problem = _not_a_file(os.fstat(fd).st_mode)  # replaced since the first look
            if problem:
                raise Unreadable(problem)
            if hasattr(os, "O_NONBLOCK"):
                os.set_blocking(fd, True)
            return fh.read()
    except OSError as exc:
        raise Unreadable(_reason(exc)) from None
    except ValueError as exc:  # a NUL in the name
        raise Unreadable(f"not a usable file name ({exc})") from None
    except MemoryError:
        raise Unreadable("too large to read into memory") from None


def read_stdin() -> bytes:
    """All of standard input; :class:`Unreadable` when it is closed or fails."""
    stream = sys.stdin
    if stream is None:
        raise Unreadable("standard input is closed")
    try:
        buffer = getattr(stream, "buffer", None)
        data = buffer.read() if buffer is not None else stream.read()
    except ValueError:  # "I/O operation on closed file"
        raise Unreadable("standard input is closed") from None
    except OSError as exc:
        raise Unreadable(f"standard input could not be read ({_reason(exc)})") from None
    if isinstance(data, str):  # a text stream without a buffer (tests, embedding)
        return data.encode("utf-8", "surrogatepass")
    if data is None:
        raise Unreadable("standard input had no data ready (it is non-blocking)")
    return bytes(data)


# --- decoding ---------------------------------------------------------------------------------------

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def _utf16_without_bom(sample: bytes) -> str | None:
    """``little-endian``/``big-endian`` when NUL bytes fall on every other byte, as in UTF-16 text."""
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 2:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= 0.7 and even_nul <= 0.1:
        return "little-endian"
    if even_nul >= 0.7 and odd_nul <= 0.1:
        return "big-endian"
    return None


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 (a BOM allowed), or UTF-16/UTF-32 with a BOM; newlines made ``\\n``.

    Anything else is :class:`Unreadable` with the reason: empty, binary, UTF-16 without a BOM (which
    cannot be told from binary for sure, so it is named rather than guessed), invalid bytes.
    """
    if not data:
        raise Unreadable("empty file")
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                offset = exc.start + len(bom)
                raise Unreadable(f"not valid {label} ({exc.reason} at byte offset {offset})") from None
            break
    else:
        sample = data[:4096]
        if b"\x00" in sample:
            order = _utf16_without_bom(sample)
            if order:
                raise Unreadable(
                    f"looks like UTF-16 ({order}) without a byte-order mark: save it as UTF-8, "
                    "or as UTF-16 with a byte-order mark"
                )
            raise Unreadable("binary file (NUL bytes), not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Unreadable(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
            ) from None
    if not text.strip():
        raise Unreadable("empty file (only whitespace)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: What :func:`utf8_lines` yields: a line's number and its text, or why that line is unreadable.
NumberedLine = tuple[int, "str | Unreadable"]


def utf8_lines(path: Path) -> Iterator[NumberedLine] | None:
    """The lines of a UTF-8 file one at a time (numbered from 1, newlines made ``\\n`` as
    :func:`decode` makes them), so that a JSONL archive of any size is read in flat memory; a line
    with invalid bytes is an :class:`Unreadable` in its place and the lines after it still come.

    None when the file is better read whole with :func:`read_bytes` and :func:`decode`, which then
    say what it is: not a regular file (a FIFO named on purpose), empty, UTF-16 or UTF-32, or NUL
    bytes near its start. Problems opening it are :class:`Unreadable`.
    """
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return None
        fh = open(path, "rb")  # noqa: SIM115  (closed by _numbered_lines, or below)
    except OSError as exc:
        raise Unreadable(_reason(exc)) from None
    except ValueError as exc:  # a NUL in the name
        raise Unreadable(f"not a usable file name ({exc})") from None
    try:
        head = fh.read(4096)
    except OSError as exc:
        fh.close()
        raise Unreadable(_reason(exc)) from None
    utf8_bom = head.startswith(b"\xef\xbb\xbf")
    other_bom = not utf8_bom and any(head.startswith(bom) for bom, _codec, _label in _BOMS)
    if not head or other_bom or b"\x00" in head:
        fh.close()
        return None
    fh.seek(3 if utf8_bom else 0)
    return _numbered_lines(fh, 3 if utf8_bom else 0)


def _numbered_lines(fh, offset: int) -> Iterator[NumberedLine]:
    """Each line of the binary file ``fh`` (read from byte ``offset``) decoded on its own. A lone
    CR ends a line as in :func:`decode`, so line numbers agree with reading the file whole."""
    number = 0
    with fh:
        for raw in fh:
            body = raw[:-1] if raw.endswith(b"\n") else raw
            if body.endswith(b"\r"):
                body = body[:-1]
            at = offset
            for piece in body.split(b"\r"):
                number += 1
                try:
                    yield number, piece.decode("utf-8")
                except UnicodeDecodeError as exc:
                    byte, where = piece[exc.start], at + exc.start
                    yield number, Unreadable(f"not valid UTF-8 (byte 0x{byte:02x} at offset {where})")
                at += len(piece) + 1
            offset += len(raw)


# --- folders ------------------------------------------------------------------------------------------


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"


def list_folder(root: Path, errors: list[ArticleError]) -> list[Path]:
    """The article files under ``root`` (sorted), and one line in ``errors`` for each thing skipped.

    Walked with a stack, not recursion, so no depth of folders can overflow. A symbolic link to a
    folder is not followed (so no link loop can make the walk endless) but reported, since its
    articles are not read; a symbolic link to a file is read.
    """
    found: list[Path] = []
    start = len(errors)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)  # messages in a stable order
        except OSError as exc:
            errors.append(ArticleError(display_path(folder), f"folder skipped: {_reason(exc)}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            supported = os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES
            try:
                if entry.is_dir():
                    if entry.is_symlink():
                        errors.append(
                            ArticleError(
                                display_path(entry.path),
                                "symbolic link to a folder, not followed: name the folder itself to read it",
                                warning=True,
                            )
                        )
                    else:
                        stack.append(Path(entry.path))
                    continue
                if not supported:
                    continue
                mode = entry.stat().st_mode
            except FileNotFoundError:
                if supported and entry.is_symlink():
                    errors.append(ArticleError(display_path(entry.path), "skipped: broken symbolic link"))
                elif supported:
                    errors.append(ArticleError(display_path(entry.path), "skipped: removed while listed"))
                continue
            except OSError as exc:
                if supported:
                    errors.append(ArticleError(display_path(entry.path), f"skipped: {_reason(exc)}"))
                continue
            if stat.S_ISREG(mode):
                found.append(Path(entry.path))
            else:
                errors.append(
                    ArticleError(display_path(entry.path), f"skipped: {_kind(mode)}, not a regular file")
                )
    if not found and len(errors) == start:
        suffixes = " ".join(SUPPORTED_SUFFIXES)
        errors.append(
            ArticleError(display_path(root), f"no article files ({suffixes}) in this folder", warning=True)
        )
    return sorted(found)


def expand_paths(
    paths: Iterable[str | os.PathLike[str]], errors: list[ArticleError] | None = None
) -> list[Path]:
    """Files named, and the article files inside folders named (sorted, so output order is stable).

    Pass ``errors`` to learn what inside the folders was skipped and why; without it those lines
    are lost. Names that are not folders are kept as they are: reading them reports what is wrong.
    """
    sink: list[ArticleError] = [] if errors is None else errors
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if str(raw) != "-" and path.is_dir():
            found.extend(list_folder(path, sink))
        else:
            found.append(path)
    return found
