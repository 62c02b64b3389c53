"""Reading articles: plain text, Markdown, HTML, JSON and JSONL, with language detection.

Every problem with an input is reported as an :class:`ArticleError` (one line naming the file, the
line where there is one, and the problem) while the other inputs are still read: a batch of a
thousand articles must not die on one broken line.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from .model import Article

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
#: What an upload may be (the app); a ``.meta.yaml`` sidecar may come along.
UPLOAD_SUFFIXES = SUPPORTED_SUFFIXES
_JSON_FIELDS = ("id", "title", "text", "url", "source", "published", "lang")


@dataclass(frozen=True)
class ArticleError:
    """A problem with one input: shown to the user as ``path[:line]: message``."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class _Skip(Exception):
    """Raised inside a reader for a problem with one input."""


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
    words = [w.lower() for w in _WORD_RE.findall(text[:5000])]
    de = sum(w in _DE_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
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


class _VisibleText(HTMLParser):
    """Collects the text a browser shows: no scripts, styles or head; block elements break lines."""

    _HIDDEN = {"script", "style", "head", "noscript", "template", "svg"}
    _BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "section",
        "article",
        "blockquote",
        "header",
        "footer",
        "ul",
        "ol",
        "table",
        "figcaption",
        "pre",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._hidden = 0
        self._in_title = False
        self.h1: str | None = None
        self._h1_parts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._HIDDEN:
            self._hidden += 1
        elif tag == "h1" and self.h1 is None:
            self._h1_parts = []
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "h1" and self._h1_parts is not None:
            self.h1 = " ".join("".join(self._h1_parts).split())
            self._h1_parts = None
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._hidden:
            self.parts.append(data)
            if self._h1_parts is not None:
                self._h1_parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """``(title, visible_text)`` of an HTML page; paragraphs separated by blank lines."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    text = "\n\n".join(line for line in lines if line)
    title = " ".join("".join(parser.title_parts).split()) or parser.h1 or ""
    return title, text


def _article_id(path: Path, suffix: str = "") -> str:
    return path.stem + suffix


def _decode(data: bytes, path: str) -> str:
    if not data.strip():
        raise _Skip("empty file")
    if b"\x00" in data[:4096]:
        raise _Skip("binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Skip(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _from_record(record: object, path: str, fallback_id: str, line: int | None) -> Article:
    if not isinstance(record, dict):
        raise _Skip(f"expected a JSON object, got {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _Skip("missing or empty 'text'" if text in (None, "") else "'text' is not a string")
    fields = {k: record.get(k) for k in _JSON_FIELDS}
    for key in ("title", "url", "source", "published", "lang"):
        value = fields[key]
        if value is not None and not isinstance(value, str):
            fields[key] = str(value)
    article_id = fields["id"]
    article_id = str(article_id) if article_id not in (None, "") else fallback_id
    lang = fields["lang"] or detect_language(text)
    return Article(
        id=article_id,
        title=fields["title"] or "",
        text=text,
        lang=lang,
        url=fields["url"],
        source=fields["source"],
        published=fields["published"],
        path=path,
    )


def _read_text_file(path: Path, text: str) -> Article:
    """A plain-text article: its first non-empty line doubles as the title; offsets index the whole file."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    return Article(
        id=_article_id(path),
        title=first.strip(),
        text=text,
        lang=detect_language(text),
        path=str(path),
        title_in_text=True,
    )


def _read_markdown(path: Path, text: str) -> Article:
    """Markdown keeps its text as is (offsets stay true); a leading ``# Heading`` is the title."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    title = first.lstrip("#").strip()
    return Article(
        id=_article_id(path),
        title=title,
        text=text,
        lang=detect_language(text),
        path=str(path),
        title_in_text=True,
    )


def _read_html(path: Path, raw: str) -> Article:
    title, text = html_to_text(raw)
    if not text.strip():
        raise _Skip("HTML has no visible text")
    title_in_text = bool(title) and text.startswith(title)
    return Article(
        id=_article_id(path),
        title=title,
        text=text,
        lang=detect_language(text),
        path=str(path),
        title_in_text=title_in_text,
    )


def read_path(path: Path, errors: list[ArticleError]) -> Iterator[Article]:
    """Articles from one file; problems are appended to ``errors`` and the file's good parts kept."""
    name = str(path)
    try:
        data = sys.stdin.buffer.read() if name == "-" else path.read_bytes()
        text = _decode(data, name)
    except _Skip as exc:
        errors.append(ArticleError(name, str(exc)))
        return
    except OSError as exc:
        errors.append(ArticleError(name, exc.strerror or str(exc)))
        return
    suffix = ".jsonl" if name == "-" and text.lstrip().startswith("{") else path.suffix.lower()
    if name == "-" and suffix != ".jsonl":
        suffix = ".txt"
    try:
        if suffix == ".jsonl":
            yield from _read_jsonl(path, text, errors)
        elif suffix == ".json":
            yield from _read_json(path, text, errors)
        else:
            if suffix in (".html", ".htm"):
                article = _read_html(path, text)
            elif suffix == ".md":
                article = _read_markdown(path, text)
            else:
                article = _read_text_file(path, text)
            yield _with_sidecar(article, path, errors)
    except _Skip as exc:
        errors.append(ArticleError(name, str(exc)))


def sidecar_path(path: Path) -> Path:
    """``NAME.meta.yaml`` beside ``NAME.txt``: metadata for a file whose text must stay as it is."""
    return path.with_name(path.stem + ".meta.yaml")


def _with_sidecar(article: Article, path: Path, errors: list[ArticleError]) -> Article:
    meta_path = sidecar_path(path)
    if str(path) == "-" or not meta_path.is_file():
        return article
    import yaml

    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
        if not isinstance(meta, dict):
            raise ValueError("expected a mapping")
    except (OSError, ValueError, yaml.YAMLError) as exc:
        errors.append(ArticleError(str(meta_path), f"metadata ignored: {str(exc).splitlines()[0]}"))
        return article
    changes = {
        k: str(meta[k])
        for k in ("id", "title", "lang", "url", "source", "published")
        if meta.get(k) not in (None, "")
    }
    return replace(article, **changes)


def _read_jsonl(path: Path, text: str, errors: list[ArticleError]) -> Iterator[Article]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            yield _from_record(record, str(path), f"{path.stem}:{number}", number)
        except json.JSONDecodeError as exc:
            errors.append(ArticleError(str(path), f"broken JSON ({exc.msg}, column {exc.colno})", number))
        except _Skip as exc:
            errors.append(ArticleError(str(path), str(exc), number))


def _read_json(path: Path, text: str, errors: list[ArticleError]) -> Iterator[Article]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Skip(f"broken JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        try:
            fallback = path.stem if len(records) == 1 else f"{path.stem}:{index}"
            yield _from_record(record, str(path), fallback, None)
        except _Skip as exc:
            where = f" (item {index})" if isinstance(data, list) else ""
            errors.append(ArticleError(str(path), f"{exc}{where}"))


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the supported files inside folders named (sorted, so output order is stable)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if str(raw) == "-":
            found.append(path)
        elif path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
                )
            )
        else:
            found.append(path)
    return found


def read_articles(paths: Iterable[str | Path], errors: list[ArticleError]) -> Iterator[Article]:
    """All articles under ``paths`` in input order; problems go to ``errors``."""
    for path in expand_paths(paths):
        yield from read_path(path, errors)


def article_from_text(text: str, *, title: str | None = None, lang: str | None = None) -> Article:
    """An article from pasted text (the app): the id is a short content hash, stable across runs."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    if title is None:
        first = next((line for line in text.split("\n") if line.strip()), "")
        return Article(
            id=f"pasted-{digest}",
            title=first.strip(),
            text=text,
            lang=lang or detect_language(text),
            title_in_text=True,
        )
    return Article(id=f"pasted-{digest}", title=title, text=text, lang=lang or detect_language(text))


def read_folder(path: str) -> tuple[list[Article], list[str]]:
    """Articles under a folder (or one file) the user typed, and one line per problem."""
    errors: list[ArticleError] = []
    target = Path(path).expanduser()
    if not target.exists():
        return [], [f"{path}: no such file or folder"]
    articles = list(read_articles([target], errors))
    if not articles and not errors:
        errors.append(ArticleError(path, "no readable article files found"))
    return articles, [str(e) for e in errors]


def read_uploads(files: list[tuple[str, bytes]]) -> tuple[list[Article], list[str]]:
    """Uploaded files through the CLI's own readers: written to a temporary folder, then read.

    Why a folder rather than parsing bytes here: the readers choose the format by suffix and look
    for a ``NAME.meta.yaml`` sidecar beside the file, and both keep working unchanged. Error lines
    and article paths name the upload, not the temporary path.
    """
    articles: list[Article] = []
    messages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="geoapp-upload-") as tmp:
        folder = Path(tmp)
        written: list[tuple[str, Path]] = []
        for name, data in files:
            safe = Path(name).name or "upload.txt"
            target = folder / safe
            target.write_bytes(data)
            written.append((name, target))
        for name, target in written:
            if target.suffix.lower() not in UPLOAD_SUFFIXES:
                continue  # a sidecar (.meta.yaml) is read with its article
            errors: list[ArticleError] = []
            for article in read_path(target, errors):
                articles.append(replace(article, path=name))
            messages.extend(str(ArticleError(name, e.message, e.line)) for e in errors)
    return articles, messages
