"""Reading articles: plain text, Markdown, HTML, JSON and JSONL, with language detection.

Every problem with an input is reported as an :class:`ArticleError` (one line naming the file, the
line or item where there is one, and the problem) while the other inputs are still read: a batch of
a thousand articles must not die on one broken line, however hostile or careless that line is
(nested 100,000 deep, escaped lone surrogates, UTF-16, a name that is not UTF-8).

Errors and warnings. An *error* means an input, or part of one, could not be read: a file, a JSON
line or item, a metadata file. A *warning* (``ArticleError.warning``, printed with a leading
``warning:``) means the input was read and its article goes on, but something in it needs a look:
lone surrogates replaced by U+FFFD, a JSON field of the wrong type ignored, an id seen twice, a
folder without article files, a symbolic link to a folder not followed. The CLI should print both
and set exit code 1 only for errors: its exit code promises that every input was read, a warning
breaks no such promise, and a batch run under ``set -e`` should not stop on an article that was
parsed in full. (The CLI must pass its error list to :func:`expand_paths` and one
:class:`DuplicateIds` to every :func:`read_path` of a batch; :func:`read_articles` does both.)

Strings from JSON may hold lone surrogates (``"\\ud800"`` is valid JSON but no text): later stages
cannot encode them, so every string field of every article read is passed through
:func:`clean_article`, which keeps lengths (and so offsets) and replaces each by U+FFFD. Articles
built through the library API can go through the same function.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .htmltext import html_to_text
from .inputfiles import (
    STDIN_NAME,
    SUPPORTED_SUFFIXES,
    ArticleError,
    Unreadable,
    decode,
    display_path,
    expand_paths,
    printable,
    read_bytes,
    read_stdin,
    utf8_lines,
)
from .model import Article
from .pagetext import extract_page

__all__ = [
    "SUPPORTED_SUFFIXES",
    "UPLOAD_SUFFIXES",
    "ArticleError",
    "DuplicateIds",
    "article_from_text",
    "clean_article",
    "clean_text",
    "detect_language",
    "expand_paths",
    "html_to_text",
    "read_articles",
    "read_folder",
    "read_part",
    "read_path",
    "read_uploads",
    "sidecar_path",
    "sniff_format",
]

#: What an upload may be (the app); a ``.meta.yaml`` sidecar may come along.
UPLOAD_SUFFIXES = SUPPORTED_SUFFIXES
_METADATA_FIELDS = ("title", "url", "source", "published", "lang")


# --- lone surrogates ---------------------------------------------------------------------------

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> tuple[str, int]:
    """``text`` with each lone surrogate replaced by U+FFFD, and how many there were.

    One character for one, so every offset into the text stays valid. (JSON joins escaped pairs
    into one character, so any surrogate left in a ``str`` is a lone one.)
    """
    if text.isascii():
        return text, 0
    return _SURROGATE_RE.subn("\ufffd", text)


def clean_article(article: Article) -> tuple[Article, list[str]]:
    """The article with lone surrogates replaced in every string field, and one note per field."""
    changes: dict[str, str] = {}
    notes: list[str] = []
    for field in fields(article):
        value = getattr(article, field.name)
        if isinstance(value, str):
            cleaned, count = clean_text(value)
            if count:
                changes[field.name] = cleaned
                notes.append(f"'{field.name}' held {count} lone surrogate(s), replaced by U+FFFD")
    return (replace(article, **changes) if changes else article), notes


# --- duplicate ids ---------------------------------------------------------------------------------


def _where(name: str, line: int | None, item: int | None) -> str:
    if line:
        return f"{name}:{line}"
    return f"{name} (item {item})" if item is not None else name


def _item(item: int | None) -> str:
    return f" (item {item})" if item is not None else ""


def _shown(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


class DuplicateIds:
    """Where each article id of a batch was first seen, to report a second article with that id.

    Ids key the exports, the map's article filter and corrections, so two articles with one id
    mix up silently. Only the id and where it was seen are kept, never the article, so memory grows
    with the number of articles and not with their text.
    """

    def __init__(self) -> None:
        self._first: dict[str, tuple[str, int | None, int | None]] = {}

    def check(
        self, article_id: str, name: str, line: int | None = None, item: int | None = None
    ) -> ArticleError | None:
        """A warning when ``article_id`` was seen before in this batch; ``None`` the first time."""
        here = (name, line, item)
        first = self._first.setdefault(article_id, here)
        if first is here:  # identity: the same file read twice is a duplicate too
            return None
        message = f"duplicate id {_shown(article_id)}{_item(item)}; first seen at {_where(*first)}"
        return ArticleError(name, message, line, warning=True)


# --- language ---------------------------------------------------------------------------------

_DE_WORDS = frozenset(
    "der die das und ist nicht mit von den dem des ein eine einer sich auf für im ist wurde hat "
    "auch als bei nach zu zur zum über wird sind haben dass werden".split()
)
_EN_WORDS = frozenset(
    "the and is not with of a an to in for on that was were has have by from at as it its are be "
    "this which said will".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language.

    German and English, the languages geoapp extracts from, are told apart by their function words,
    which is exact on news prose and costs microseconds; anything else (or too little text) goes to
    py3langid's offline model.
    """
    # the same counts as a generator over the words, with the loops in C
    words = list(map(str.lower, _WORD_RE.findall(text[:5000])))
    de = sum(map(_DE_WORDS.__contains__, words))
    en = sum(map(_EN_WORDS.__contains__, words))
    if de + en >= 3 and max(de, en) >= 2 * min(de, en) + 1:
        share = (de + en) / max(1, len(words))
        if share > 0.08:
            return "de" if de > en else "en"
    try:
        import py3langid

        code, _ = py3langid.classify(text[:5000])
        return code
    except Exception:  # pragma: no cover - the model ships with the package
        return "de" if de > en else "en" if en else "und"


# --- formats -----------------------------------------------------------------------------------

#: Lines listed for one file before the rest are only counted: a CSV renamed to ``.jsonl`` has a
#: problem on every line, and a million lines alike help no one (and fill memory).
MAX_LINES_PER_FILE = 100


class _FileLog:
    """The problems of one file, passed on to the batch's list up to :data:`MAX_LINES_PER_FILE`."""

    def __init__(self, errors: list[ArticleError], name: str) -> None:
        self._errors, self._name = errors, name
        self._listed = self._more_errors = self._more_warnings = 0

    def append(self, error: ArticleError) -> None:
        if self._listed < MAX_LINES_PER_FILE:
            self._errors.append(error)
            self._listed += 1
        elif error.warning:
            self._more_warnings += 1
        else:
            self._more_errors += 1

    def extend(self, errors: Iterable[ArticleError]) -> None:
        for error in errors:
            self.append(error)

    def close(self) -> None:
        """One line for what was not listed, so the count is never lost."""
        if self._more_errors:
            message = f"and {self._more_errors} more problem(s) in this file, not listed one by one"
            self._errors.append(ArticleError(self._name, message))
        if self._more_warnings:
            message = f"and {self._more_warnings} more warning(s) in this file, not listed one by one"
            self._errors.append(ArticleError(self._name, message, warning=True))


@dataclass(frozen=True)
class _Source:
    """One input as messages name it, and the stem its articles' ids fall back on."""

    name: str
    stem: str
    path: Path | None  # None for standard input: no sidecar


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _load_json(text: str, *, lines: bool) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if lines else f"column {exc.colno}"
        raise Unreadable(f"broken JSON ({exc.msg}, {where})") from None
    except RecursionError:
        raise Unreadable("JSON nested too deeply") from None
    except ValueError as exc:  # a number of more than 4300 digits
        raise Unreadable(f"JSON could not be read ({str(exc).partition(':')[0]})") from None


def _metadata(record: dict, key: str, notes: list[str]) -> str | None:
    """A metadata field as a string: numbers are written out, other non-strings ignored with a note."""
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    notes.append(f"'{key}' is {_json_type(value)}, not a string; ignored")
    return None


def _from_record(record: object, source: _Source, fallback_id: str, notes: list[str]) -> Article:
    if not isinstance(record, dict):
        raise Unreadable(f"expected a JSON object, got {_json_type(record)}")
    if "text" not in record:
        raise Unreadable("missing 'text'")
    text = record["text"]
    if not isinstance(text, str):
        raise Unreadable(f"'text' is {_json_type(text)}, not a string")
    if not text.strip():
        raise Unreadable("'text' is empty (only whitespace)" if text else "'text' is empty")
    meta = {key: _metadata(record, key, notes) for key in _METADATA_FIELDS}
    article_id = _metadata(record, "id", notes)
    return Article(
        id=article_id if article_id and article_id.strip() else fallback_id,
        title=meta["title"] or "",
        text=text,
        lang=meta["lang"] or detect_language(text),
        url=meta["url"],
        source=meta["source"],
        published=meta["published"],
        path=source.name,
    )


def _first_line(text: str) -> str:
    return next((line for line in text.split("\n") if line.strip()), "")


def _read_text_file(source: _Source, text: str) -> Article:
    """A plain-text article: its first non-empty line doubles as the title; offsets index the whole file."""
    return Article(
        id=source.stem,
        title=_first_line(text).strip(),
        text=text,
        lang=detect_language(text),
        path=source.name,
        title_in_text=True,
    )


def _read_markdown(source: _Source, text: str) -> Article:
    """Markdown keeps its text as is (offsets stay true); a leading ``# Heading`` is the title."""
    return Article(
        id=source.stem,
        title=_first_line(text).lstrip("#").strip(),
        text=text,
        lang=detect_language(text),
        path=source.name,
        title_in_text=True,
    )


def _read_html(source: _Source, raw: str, errors: _FileLog) -> Article:
    """The article of an HTML page (:func:`geoapp.pagetext.extract_page`): its body without the
    site's menus and footers, and the title, date and outlet the page's metadata give."""
    page = extract_page(raw)
    if not page.text.strip():
        raise Unreadable("HTML has no visible text")
    if page.note:
        errors.append(ArticleError(source.name, page.note, warning=True))
    return Article(
        id=source.stem,
        title=page.title,
        text=page.text,
        lang=detect_language(page.text),
        url=page.url,
        source=page.outlet,
        published=page.published,
        path=source.name,
        title_in_text=bool(page.title) and page.text.startswith(page.title),
    )


def _read_jsonl(
    source: _Source, text: str, errors: _FileLog, first_line: int = 1
) -> Iterator[tuple[Article, int, None]]:
    yield from _read_jsonl_lines(source, enumerate(text.split("\n"), start=first_line), errors)


def _read_jsonl_lines(
    source: _Source, lines: Iterable[tuple[int, str | Unreadable]], errors: _FileLog
) -> Iterator[tuple[Article, int, None]]:
    """Articles of numbered JSONL lines; a line that is unreadable or no article is one problem."""
    blank = True
    for number, line in lines:
        if isinstance(line, Unreadable):
            errors.append(ArticleError(source.name, str(line), number))
            blank = False
            continue
        if not line.strip():
            continue
        blank = False
        try:
            record = _load_json(line, lines=False)
        except Unreadable as exc:
            errors.append(ArticleError(source.name, str(exc), number))
            continue
        yield from _read_records(source, [(number, record)], errors)
    if blank:
        raise Unreadable("empty file (only whitespace)")


def _read_records(
    source: _Source, records: Iterable[tuple[int, object]], errors: _FileLog
) -> Iterator[tuple[Article, int, None]]:
    for number, record in records:
        notes: list[str] = []
        try:
            article = _from_record(record, source, f"{source.stem}:{number}", notes)
        except Unreadable as exc:
            errors.append(ArticleError(source.name, str(exc), number))
            continue
        errors.extend(ArticleError(source.name, note, number, warning=True) for note in notes)
        yield article, number, None


def _read_json(source: _Source, text: str, errors: _FileLog) -> Iterator[tuple[Article, None, int | None]]:
    data = _load_json(text, lines=True)
    if data == []:
        raise Unreadable("empty JSON array, no articles")
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        item = index if isinstance(data, list) else None
        fallback = source.stem if item is None else f"{source.stem}:{index}"
        notes: list[str] = []
        try:
            article = _from_record(record, source, fallback, notes)
        except Unreadable as exc:
            errors.append(ArticleError(source.name, f"{exc}{_item(item)}"))
            continue
        errors.extend(ArticleError(source.name, f"{note}{_item(item)}", warning=True) for note in notes)
        yield article, None, item


_NON_SPACE_RE = re.compile(r"\S")
_HTML_START_RE = re.compile(r"<(?:!doctype|!--|html|head|body|[a-z][a-z0-9]*[\s/>])", re.IGNORECASE)


def sniff_format(text: str) -> str:
    """The suffix of the reader that fits text with no file name (standard input).

    ``[`` followed by an object opens a JSON array; ``{`` a JSON object when the whole text is one,
    else JSONL (one object a line), unless the first line is no complete object (a pretty-printed
    object with an error: one message, not one per line); ``<!doctype``, ``<html`` or another tag
    opens HTML; a ``# `` heading Markdown; anything else is plain text.
    """
    first = _NON_SPACE_RE.search(text)
    if first is None:
        return ".txt"
    start = first.start()
    head = text[start : start + 200]
    if head.startswith("["):
        return ".json" if head[1:].lstrip()[:1] in ("{", "]") else ".txt"
    if head.startswith("{"):
        try:
            json.loads(text)
            return ".json"
        except (ValueError, RecursionError):
            line_end = text.find("\n", start)
            first_line = text[start : None if line_end < 0 else line_end]
            return ".jsonl" if first_line.rstrip().endswith("}") else ".json"
    if _HTML_START_RE.match(head):
        return ".html"
    return ".md" if head.startswith("# ") else ".txt"


def _parse(
    kind: str, source: _Source, text: str, errors: _FileLog
) -> Iterator[tuple[Article, int | None, int | None]]:
    if kind == ".jsonl":
        yield from _read_jsonl(source, text, errors)
    elif kind == ".json":
        yield from _read_json(source, text, errors)
    else:
        if kind in (".html", ".htm"):
            article = _read_html(source, text, errors)
        elif kind == ".md":
            article = _read_markdown(source, text)
        else:
            article = _read_text_file(source, text)
        if source.path is not None:
            article = _with_sidecar(article, source.path, source.name, errors)
        yield article, None, None


def read_path(
    path: str | Path,
    errors: list[ArticleError],
    ids: DuplicateIds | None = None,
    *,
    name: str | None = None,
) -> Iterator[Article]:
    """Articles from one file, or from standard input for ``-``; problems go to ``errors``.

    The file's good parts are kept. Pass one :class:`DuplicateIds` to every call of a batch to have
    a second article with an id already seen reported. ``name`` is how messages and
    ``Article.path`` name the input (default: the path, made printable).
    """
    from_stdin = str(path) == "-"
    path = Path(path)
    shown = name or (STDIN_NAME if from_stdin else display_path(path))
    if not from_stdin and path.suffix.lower() == ".jsonl":
        try:
            lines = utf8_lines(path)
        except Unreadable as exc:
            errors.append(ArticleError(shown, str(exc)))
            return
        if lines is not None:  # a UTF-8 JSONL file: line by line, memory flat in its size
            log = _FileLog(errors, shown)
            source = _Source(shown, display_path(path.stem), path)
            yield from _read_articles(_read_jsonl_lines(source, lines, log), shown, log, ids)
            return
    try:
        text = decode(read_stdin() if from_stdin else read_bytes(path))
    except Unreadable as exc:
        errors.append(ArticleError(shown, str(exc)))
        return
    if from_stdin:
        source, kind = _Source(shown, "stdin", None), sniff_format(text)
    else:
        source, kind = _Source(shown, display_path(path.stem), path), path.suffix.lower()
    log = _FileLog(errors, shown)
    yield from _read_articles(_parse(kind, source, text, log), shown, log, ids)


def _read_articles(
    parsed: Iterable[tuple[Article, int | None, int | None]],
    shown: str,
    log: _FileLog,
    ids: DuplicateIds | None,
) -> Iterator[Article]:
    """The articles of one input, cleaned, with duplicate ids and file-level problems logged."""
    try:
        for article, line, item in parsed:
            article, notes = clean_article(article)
            log.extend(ArticleError(shown, f"{note}{_item(item)}", line, warning=True) for note in notes)
            duplicate = ids.check(article.id, shown, line, item) if ids is not None else None
            if duplicate:
                log.append(duplicate)
            yield article
    except Unreadable as exc:
        log.append(ArticleError(shown, str(exc)))
    finally:
        log.close()


def read_part(
    name: str,
    stem: str,
    errors: list[ArticleError],
    *,
    text: str | None = None,
    first_line: int = 1,
    records: Iterable[tuple[int, object]] = (),
) -> Iterator[tuple[Article, int]]:
    """Articles of one part of a bigger input, with their line (or row) number in the whole input.

    For engines that split an archive among machines: ``text`` is a run of whole JSONL lines that
    starts at line ``first_line`` of the file named ``name``; ``records`` are numbered JSON-like
    records (the rows of a Parquet shard). Each record is read as :func:`read_path` reads a JSONL
    line (fallback id ``stem:number``, the same problems), so a split archive yields the articles
    of the whole. What needs the whole input is left to the caller: decoding the file, and
    duplicate ids across parts.
    """
    source = _Source(name, stem, None)
    log = _FileLog(errors, name)
    try:
        parsed = _read_jsonl(source, text, log, first_line) if text is not None else _read_records(
            source, records, log)
        for article, number, _item_number in parsed:
            article, notes = clean_article(article)
            log.extend(ArticleError(name, note, number, warning=True) for note in notes)
            yield article, number
    finally:
        log.close()


def sidecar_path(path: Path) -> Path:
    """``NAME.meta.yaml`` beside ``NAME.txt``: metadata for a file whose text must stay as it is."""
    return path.with_name(path.stem + ".meta.yaml")


def _meta_value(value: object) -> str | None:
    """A single YAML value as text (dates too); lists and mappings have no place in metadata."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        raise TypeError("a mapping")
    if isinstance(value, (list, set, tuple)):
        raise TypeError("a list")
    return str(value)


def _with_sidecar(article: Article, path: Path, name: str, errors: _FileLog) -> Article:
    """``article`` with the metadata of ``path``'s sidecar; ``name`` is how messages name ``path``."""
    meta_path = sidecar_path(path)
    if not meta_path.is_file():
        return article
    import yaml

    shown = display_path(sidecar_path(Path(name)))
    try:
        data = read_bytes(meta_path)
        meta = yaml.safe_load(decode(data)) if data.strip() else {}
        if not isinstance(meta, dict):
            raise ValueError(f"expected a mapping, got {type(meta).__name__}")
    except Unreadable as exc:
        errors.append(ArticleError(shown, f"metadata ignored: {exc}"))
        return article
    except RecursionError:
        errors.append(ArticleError(shown, "metadata ignored: nested too deeply"))
        return article
    except (ValueError, yaml.YAMLError) as exc:
        errors.append(ArticleError(shown, f"metadata ignored: {str(exc).partition(chr(10))[0]}"))
        return article
    changes: dict[str, str] = {}
    for key in ("id", "title", "lang", "url", "source", "published"):
        try:
            value = _meta_value(meta.get(key))
        except TypeError as exc:
            errors.append(ArticleError(shown, f"'{key}' is {exc}, not a single value; ignored", warning=True))
            continue
        if value is not None:
            changes[key] = value
    return replace(article, **changes)


def read_articles(paths: Iterable[str | Path], errors: list[ArticleError]) -> Iterator[Article]:
    """All articles under ``paths`` in input order; problems (and duplicate ids) go to ``errors``."""
    ids = DuplicateIds()
    for path in expand_paths(paths, errors):
        yield from read_path(path, errors, ids)


def article_from_text(text: str, *, title: str | None = None, lang: str | None = None) -> Article:
    """An article from pasted text (the app): the id is a short content hash, stable across runs."""
    text, _ = clean_text(text)
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    if title is None:
        return Article(
            id=f"pasted-{digest}",
            title=_first_line(text).strip(),
            text=text,
            lang=lang or detect_language(text),
            title_in_text=True,
        )
    title, _ = clean_text(title)
    return Article(id=f"pasted-{digest}", title=title, text=text, lang=lang or detect_language(text))


def read_folder(path: str) -> tuple[list[Article], list[str]]:
    """Articles under a folder (or one file) the user typed, and one line per problem."""
    errors: list[ArticleError] = []
    try:
        target = Path(path).expanduser()
        exists = target.exists()
    except (RuntimeError, ValueError, OSError):  # "~nobody", a NUL in the name
        return [], [str(ArticleError(printable(path), "not a usable file or folder name"))]
    if not exists:
        return [], [str(ArticleError(printable(path), "no such file or folder"))]
    articles = list(read_articles([target], errors))
    if not articles and not errors:
        errors.append(ArticleError(printable(path), "no readable article files found"))
    return articles, [str(e) for e in errors]


def _upload_name(name: str) -> str:
    """The last part of an uploaded file's name, never a way out of the upload folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    return "upload.txt" if base in ("", ".", "..") else base


def read_uploads(files: list[tuple[str, bytes]]) -> tuple[list[Article], list[str]]:
    """Uploaded files through the CLI's own readers: written to a temporary folder, then read.

    Why a folder rather than parsing bytes here: the readers choose the format by suffix and look
    for a ``NAME.meta.yaml`` sidecar beside the file, and both keep working unchanged. Error lines
    and article paths name the upload, not the temporary path.
    """
    articles: list[Article] = []
    errors: list[ArticleError] = []
    ids = DuplicateIds()
    with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
        folder = Path(tmp)
        written: list[tuple[str, Path]] = []
        taken: set[str] = set()
        for name, data in files:
            shown, safe = printable(name), _upload_name(name)
            target = folder / safe
            if safe in taken:
                errors.append(ArticleError(shown, "skipped: another upload has the same file name"))
                continue
            try:
                target.write_bytes(data)
            except OSError as exc:
                errors.append(ArticleError(shown, f"could not be stored ({exc.strerror or exc})"))
                continue
            taken.add(safe)
            written.append((shown, target))
        for shown, target in written:
            if target.name.endswith(".meta.yaml"):
                continue  # read with its article
            if target.suffix.lower() not in UPLOAD_SUFFIXES:
                suffixes = " ".join(UPLOAD_SUFFIXES)
                errors.append(ArticleError(shown, f"skipped: not an article file ({suffixes})"))
                continue
            articles.extend(read_path(target, errors, ids, name=shown))
    return articles, [str(e) for e in errors]
