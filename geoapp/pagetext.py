"""The article of a news page: its body text and metadata, without the site around it.

Why not the visible text: a real news page wraps its article in menus, a "most read" sidebar,
related links, comments and a footer, and all of it names places ("Paris, Rom, Madrid" in a menu)
that the article never mentions. trafilatura, a maintained extractor made for news pages, finds the
body and reads the title, the publication date and the outlet's name from the page's metadata.

The reader of :mod:`geoapp.htmltext` stays as the fallback: when trafilatura is not installed,
fails, finds no body (a bare fragment such as ``<p>In Rom regnet es.</p>``), or when the page is too
large for it. trafilatura builds an lxml tree and walks it in Python, which is linear but costs
tens of microseconds per element (a hostile page of 150,000 elements took 13 s); above
:data:`MAX_EXTRACT_CHARS` characters or :data:`MAX_EXTRACT_TAGS` tags the linear reader reads the
whole visible text instead, and :attr:`PageText.note` says why.

Offsets into the article index :attr:`PageText.text`, which is the article's text as extracted:
one paragraph a line, paragraphs separated by a blank line, as the fallback writes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from .htmltext import html_to_text

log = logging.getLogger("geoapp.pagetext")

#: Larger pages go to the linear reader (the largest news pages seen are around 2 MB, most of it
#: scripts, which do not count towards :data:`MAX_EXTRACT_TAGS`).
MAX_EXTRACT_CHARS = 4_000_000
#: More ``<`` than this and the page goes to the linear reader (~3 s of trafilatura at worst).
MAX_EXTRACT_TAGS = 40_000


@dataclass(frozen=True)
class PageText:
    """What a page says about its article. ``extractor`` is ``trafilatura`` or ``visible-text``
    (the fallback, which keeps menus and footers); ``note`` says why the fallback was used when that
    is worth telling the user (a page too large), else it is empty."""

    title: str
    text: str
    published: str | None = None
    outlet: str | None = None
    url: str | None = None
    extractor: str = "trafilatura"
    note: str = ""


def _paragraphs(text: str) -> str:
    """One paragraph a line, blank lines between, spaces inside a line collapsed."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


def _one_line(value: Any, limit: int = 500) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:limit]
    return text or None


def _web_address(value: Any) -> str | None:
    """An http(s) address with a host, else None (a page's metadata is as untrusted as its text)."""
    text = _one_line(value, 2000)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _iso_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` when the value is a real calendar date, else None."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


_TRAFILATURA: Any = None


def _trafilatura() -> Any:
    """The trafilatura module, imported once; None when it cannot be imported (said once in the log)."""
    global _TRAFILATURA
    if _TRAFILATURA is None:
        try:
            import trafilatura
        except Exception as exc:  # ImportError, or a broken dependency failing on import
            log.warning("trafilatura cannot be used (%s): HTML is read as its whole visible text", exc)
            _TRAFILATURA = False
        else:
            _TRAFILATURA = trafilatura
    return _TRAFILATURA or None


def _fallback(source: str, note: str = "") -> PageText:
    title, text = html_to_text(source)
    return PageText(title=title, text=text, extractor="visible-text", note=note)


def extract_page(source: str, url: str | None = None) -> PageText:
    """The article of the HTML page ``source`` (fetched from ``url``, when known).

    Never raises for what the page holds: anything trafilatura cannot handle goes to the fallback.
    ``url`` helps trafilatura name the outlet; the returned ``url`` is the page's own canonical
    address (untrusted: a page may claim any address).
    """
    if len(source) > MAX_EXTRACT_CHARS or source.count("<") > MAX_EXTRACT_TAGS:
        return _fallback(source, "page too large for the article extractor; read as its whole visible text")
    trafilatura = _trafilatura()
    if trafilatura is None:
        return _fallback(source)
    try:
        doc = trafilatura.bare_extraction(
            source,
            url=url,
            with_metadata=True,
            include_comments=False,
            # The date from the page's metadata only: a search of the text would take any date the
            # article mentions for the day it was published.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # a bug or a parser limit in a dependency must not lose the article
        log.info("trafilatura failed on %s (%s); reading the visible text", url or "a page", exc)
        return _fallback(source)
    text = _paragraphs(doc.text) if doc is not None and isinstance(doc.text, str) else ""
    if not text:
        return _fallback(source)
    return PageText(
        title=_one_line(doc.title) or html_to_text(source)[0],
        text=text,
        published=_iso_date(doc.date),
        outlet=_one_line(doc.sitename, 200),
        url=_web_address(doc.url),
    )
