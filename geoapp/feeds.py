"""Articles from web addresses: article pages, and RSS or Atom feeds whose items' pages are read.

``geoapp extract URL…`` and ``geoapp map URL…`` read addresses given among the paths through
:class:`WebReader`; the app calls :func:`articles_from_urls`. An address is a feed when its media
type or its first element says so (:func:`geoapp.fetch.looks_like_feed`), else a page. A feed is
parsed by feedparser (always from the bytes fetched here: given a string that looks like an address,
feedparser would fetch it itself, past every rule of :mod:`geoapp.fetch`); each item's page is then
fetched and its article body extracted (:func:`geoapp.pagetext.extract_page`).

What an article keeps: the title (the feed item's, else the page's), the address (after redirects),
the outlet (the page's site name, else the feed's title, else the host), the publication date in ISO
8601 (the feed item's, to the second, else the page's metadata, a day), and the text extracted, to
which every offset points. Its id is the host and a hash of the address, the same on every run, so
corrections made in the app stay attached.

Every problem is one line naming the address (:class:`geoapp.articles.ArticleError`), and the rest
of the batch goes on: a host not found, an HTTP error, a time-out, a body too large, no article
text, a broken feed, an item without a link.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from .articles import ArticleError, DuplicateIds, clean_article, detect_language
from .fetch import Fetcher, FetchError, Page, cache_key, check_address, looks_like_feed, user_agent_problem
from .inputfiles import printable
from .model import Article
from .pagetext import extract_page
from .settings import Settings, load_settings

#: Items read from one feed unless told otherwise (``--max-items``): at the default delay of one
#: second per request to a site, 50 items take about a minute the first time.
DEFAULT_MAX_ITEMS = 50
#: More tags than this and a feed is not parsed: feedparser's rescue parser for broken XML takes
#: about 30 s per MB of unclosed tags (4 s at this limit); 4,000 items with full text stay below it.
MAX_FEED_TAGS = 50_000
_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
#: WHATWG: pages labelled Latin-1 or ASCII are read as windows-1252 (as every browser does).
_AS_WINDOWS_1252 = frozenset({"latin-1", "iso8859-1", "ascii"})


def decode_html(body: bytes, charset: str | None) -> str:
    """A page's text: by its byte-order mark, its declared charset (HTTP header, then ``<meta>``),
    else UTF-8 when it is valid, else windows-1252. Undecodable bytes become U+FFFD."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace")
    declared = charset
    if not declared:
        found = _META_CHARSET_RE.search(body[:4096])
        declared = found.group(1).decode("ascii") if found else None
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = None
        if name in _AS_WINDOWS_1252:
            name = "cp1252"
        if name and not name.startswith("utf-16") and not name.startswith("utf-32"):
            return body.decode(name, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", "replace")


def article_id(url: str) -> str:
    """``host-<10 hex>``: readable, and the same for the same address on every run."""
    host = (urlsplit(url).hostname or "web").lower()
    return f"{host}-{hashlib.sha1(cache_key(url).encode('utf-8')).hexdigest()[:10]}"


def _one_line(value: Any, limit: int = 500) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split())[:limit] or None


def _iso_time(value: Any) -> str | None:
    """A feedparser date (a ``time.struct_time`` in UTC) as ISO 8601; None when it is no date."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=timezone.utc).isoformat()
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class FeedItem:
    """What a feed says about one article; the page says the rest."""

    link: str | None
    title: str | None
    published: str | None
    outlet: str | None


@dataclass(frozen=True)
class Feed:
    title: str | None
    items: list[FeedItem]
    problem: str | None = None


def parse_feed(page: Page) -> Feed:
    """The items of an RSS or Atom feed, links made absolute against the feed's address.

    ``problem`` is set when the feed could not be read at all (broken XML, no items, too large).
    """
    import feedparser

    tags = page.body.count(b"<")
    if tags > MAX_FEED_TAGS:
        return Feed(None, [], f"feed too large to read ({tags} tags, at most {MAX_FEED_TAGS})")
    # Sniffed as a feed (looks_like_feed): a site's "text/html" must not make it "not XML".
    content_type = page.content_type if page.content_type.endswith("xml") else "application/xml"
    if page.charset:
        content_type += f"; charset={page.charset}"
    parsed = feedparser.parse(
        page.body,  # bytes: feedparser never fetches anything itself
        response_headers={"content-location": page.final_url, "content-type": content_type},
    )
    title = _one_line(parsed.feed.get("title"), 200)
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        link = link.strip() if isinstance(link, str) else ""
        items.append(
            FeedItem(
                link=urljoin(page.final_url, link) if link else None,
                title=_one_line(entry.get("title")),
                published=_iso_time(entry.get("published_parsed") or entry.get("updated_parsed")),
                outlet=title,
            )
        )
    problem = None
    if not items:
        bozo = parsed.get("bozo_exception")
        problem = "feed has no items"
        if parsed.get("bozo"):
            # An XML error's own message, without feedparser's "<unknown>:2:31:" (its line numbers
            # count the text after its own rewriting, not the feed's).
            reason = bozo.getMessage() if hasattr(bozo, "getMessage") else str(bozo)
            problem = f"not a readable feed ({_one_line(reason, 120)})"
    return Feed(title, items, problem)


class WebReader:
    """Reads addresses into articles through one :class:`geoapp.fetch.Fetcher` (one cache, one
    request budget per site); an item seen in two feeds of a batch is read once."""

    def __init__(
        self,
        settings: Settings,
        *,
        max_items: int | None = DEFAULT_MAX_ITEMS,
        fetcher: Fetcher | None = None,
    ) -> None:
        self.fetcher = fetcher or Fetcher(settings)
        self.max_items = max_items
        self._read: set[str] = set()

    def close(self) -> None:
        self.fetcher.close()

    def __enter__(self) -> WebReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, url: str, problems: Any, ids: DuplicateIds | None = None) -> Iterator[Article]:
        """The article at ``url``, or the articles of the feed at ``url``; problems go to
        ``problems`` (anything with ``append``), one :class:`ArticleError` each."""
        shown = printable(url)
        try:
            page = self.fetcher.fetch(url)
        except FetchError as exc:
            problems.append(ArticleError(shown, str(exc)))
            return
        if looks_like_feed(page.content_type, page.body):
            yield from self._feed(page, problems, ids)
            return
        article = self._article(page, None, problems)
        if article is not None:
            yield from self._checked(article, url, problems, ids)

    def _checked(
        self, article: Article, asked: str, problems: Any, ids: DuplicateIds | None
    ) -> Iterator[Article]:
        """``article`` cleaned and checked for a duplicate id; its addresses remembered, so that a
        feed item already read in this batch (under either address) is not read again."""
        shown = printable(asked)
        article, notes = clean_article(article)
        for note in notes:
            problems.append(ArticleError(shown, note, warning=True))
        duplicate = ids.check(article.id, shown) if ids is not None else None
        if duplicate:
            problems.append(duplicate)
        self._read.update(cache_key(u) for u in (asked, article.url) if u)
        yield article

    def _feed(self, page: Page, problems: Any, ids: DuplicateIds | None) -> Iterator[Article]:
        shown = printable(page.url)
        feed = parse_feed(page)
        if feed.problem:
            problems.append(ArticleError(shown, feed.problem))
            return
        items = feed.items
        if self.max_items is not None and len(items) > self.max_items:
            message = f"feed has {len(items)} items; the first {self.max_items} are read (--max-items)"
            problems.append(ArticleError(shown, message, warning=True))
            items = items[: self.max_items]
        for number, item in enumerate(items, start=1):
            if item.link is None:
                message = f"item {number} ({item.title or 'no title'}) has no link"
                problems.append(ArticleError(shown, message))
                continue
            item_shown = printable(item.link)
            try:
                check_address(item.link)
                if cache_key(item.link) in self._read:
                    continue  # the same article in two feeds of this batch
                item_page = self.fetcher.fetch(item.link)
            except FetchError as exc:
                problems.append(ArticleError(item_shown, f"{exc} (item {number} of {shown})"))
                continue
            if looks_like_feed(item_page.content_type, item_page.body):
                message = f"a feed, not an article page (item {number} of {shown})"
                problems.append(ArticleError(item_shown, message))
                continue
            article = self._article(item_page, item, problems)
            if article is not None:
                yield from self._checked(article, item.link, problems, ids)

    def _article(self, page: Page, item: FeedItem | None, problems: Any) -> Article | None:
        shown = printable(page.url)
        if page.content_type not in _HTML_TYPES:
            problems.append(ArticleError(shown, f"not an HTML page ({page.content_type})"))
            return None
        extracted = extract_page(decode_html(page.body, page.charset), url=page.final_url)
        if not extracted.text.strip():
            problems.append(ArticleError(shown, "no article text found on the page"))
            return None
        if extracted.note:
            problems.append(ArticleError(shown, extracted.note, warning=True))
        title = (item.title if item else None) or extracted.title
        return Article(
            id=article_id(page.url),
            title=title,
            text=extracted.text,
            lang=detect_language(extracted.text),
            url=page.final_url,
            source=extracted.outlet or (item.outlet if item else None) or urlsplit(page.final_url).hostname,
            published=(item.published if item else None) or extracted.published,
            path=shown,
            title_in_text=bool(title) and extracted.text.startswith(title),
        )


def articles_from_urls(
    urls: Iterable[str], settings: Settings | None = None, *, max_items: int | None = DEFAULT_MAX_ITEMS
) -> tuple[list[Article], list[str]]:
    """Articles from page and feed addresses, and one line per problem: for the app's URL box.

    Shaped like :func:`geoapp.articles.read_uploads`: nothing raises for what a site sends or for an
    address that cannot be fetched. A User-Agent the sites must not see (none, a library's default)
    is the only line when any address is not on this machine; set ``GEOAPP_USER_AGENT``.
    """
    wanted = [u.strip() for u in urls if isinstance(u, str) and u.strip()]
    if not wanted:
        return [], []
    settings = settings or load_settings()
    problem = user_agent_problem(settings.user_agent, wanted)
    if problem is not None:
        return [], [problem]
    problems: list[ArticleError] = []
    ids = DuplicateIds()
    articles: list[Article] = []
    with WebReader(settings, max_items=max_items) as reader:
        for url in wanted:
            articles.extend(reader.read(url, problems, ids))
        notices = [f"warning: {n}" for n in reader.fetcher.notices]
    return articles, [str(p) for p in problems] + notices
