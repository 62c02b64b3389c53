"""Polite HTTP for article pages and feeds: one identified request at a time per site, each asked once.

Why so careful: an analyst's batch of feed items sends dozens of requests to the same news site, and
a client that hammers a site, hides who it is or asks the same page on every rerun gets blocked,
often for everyone behind the same address. So, as the Nominatim client does
(:mod:`geoapp.geocode.nominatim`):

- **Who is asking.** Every request carries a User-Agent naming the application and a contact
  (``GEOAPP_USER_AGENT``, the same setting as for Nominatim, or ``--user-agent``). Without one, or
  with a library's default or a browser's disguise, no request leaves for a site other than this
  machine (:func:`user_agent_problem`); loopback addresses get ``geoapp/<version>``.
- **One request at a time per site.** Requests to one host are ``GEOAPP_FETCH_DELAY`` seconds apart
  (1 s by default; longer when the site's robots.txt asks with ``Crawl-delay``), across threads and
  every process sharing the cache folder, through the geocoder's request gate
  (:class:`geoapp.geocode.ratelimit.RequestGate`) over the page cache's slot tables.
- **robots.txt is honoured**, read once a day per site (RFC 9309: a missing one allows all, one
  that cannot be read at all allows nothing), for the agent's name before its first ``/``.
- **Asked once.** Every page fetched is kept in ``cache/pages.sqlite`` (:mod:`geoapp.pagecache`):
  an article page until the file is removed, a feed for ``GEOAPP_FEED_TTL_MINUTES`` and then asked
  again with its ``ETag``/``Last-Modified``, so an unchanged feed costs one short answer. Failures
  are not kept, so a rerun tries them again.
- **Faults are bounded.** Timeouts (``GEOAPP_TIMEOUT`` per connection and per read, three times that
  for a whole body), retries with doubling pauses (``GEOAPP_MAX_RETRIES``, ``GEOAPP_RETRY_BACKOFF``)
  for time-outs, dropped connections, HTTP 5xx, 408 and 429 with their ``Retry-After`` held for
  every process; a host that does not exist, HTTP 4xx and TLS errors are not retried.
- **Limits.** http and https only (every redirect checked again), at most :data:`MAX_REDIRECTS`
  redirects, :data:`MAX_BODY_BYTES` per body, and only HTML, XML and text (anything else is refused
  before its body is read).

Everything a site sends is untrusted: it is only ever text to parse, never a path or a command.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import requests

from geoapp import __version__
from geoapp.geocode.ratelimit import RequestGate, new_owner
from geoapp.pagecache import PageCache, PageEntry
from geoapp.settings import Settings

log = logging.getLogger("geoapp.fetch")

#: Largest body read; a news page is rarely above 2 MB.
MAX_BODY_BYTES = 5_000_000
MAX_REDIRECTS = 5
MAX_URL_CHARS = 2_000
#: A Retry-After longer than this is not waited for: the address is reported as failed instead.
MAX_RETRY_AFTER_SECONDS = 300.0
#: A robots.txt Crawl-delay is honoured up to this many seconds.
MAX_CRAWL_DELAY_SECONDS = 60.0
ROBOTS_TTL_SECONDS = 86_400.0
#: robots.txt beyond this size is not read further (RFC 9309 asks for at least 500 KiB).
MAX_ROBOTS_BYTES = 512_000
#: Sent to loopback addresses only, when no agent is configured.
FALLBACK_USER_AGENT = f"geoapp/{__version__}"
#: Agents that do not say who is asking: libraries' defaults, and browsers' (a disguise).
_ANONYMOUS_AGENTS = ("python-requests/", "python-urllib/", "curl/", "wget/", "geopy/", "mozilla/")
#: Media types read: pages, feeds, robots.txt. An empty type is sniffed.
_ACCEPTED_TYPES = frozenset(
    {
        "",
        "text/html",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/xml",
        "text/xml",
        "text/plain",
    }
)
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.5"
)
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/x-rss+xml")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRIED = frozenset({408, 429})


class _BrokenOff(Exception):
    """The body stopped arriving half-way (a dropped connection): worth another try."""


class FetchError(Exception):
    """An address could not be fetched; ``str()`` is one line, ``status`` the HTTP status if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Page:
    """A response as the readers see it: ``url`` as asked, ``final_url`` after redirects,
    ``content_type`` the media type alone (lower case), ``charset`` from its parameters."""

    url: str
    final_url: str
    content_type: str
    charset: str | None
    body: bytes
    from_cache: bool


# --- addresses ------------------------------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    """True for this machine's own addresses (tests, a local mirror): no agent needed there."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_address(url: str) -> str:
    """``url`` if it may be fetched, else :class:`FetchError` saying why.

    Only http(s) with a host; no user name or password (they would end up in the cache and in
    messages); no whitespace or control characters (they could split a request line).
    """
    if not isinstance(url, str) or not url:
        raise FetchError("empty address")
    if len(url) > MAX_URL_CHARS:
        raise FetchError(f"address longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise FetchError("address contains spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise FetchError(f"not a usable address ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("only http and https addresses are fetched")
    if not host:
        raise FetchError("address has no host")
    if parts.username is not None or parts.password is not None:
        raise FetchError("addresses with a user name or password are not fetched")
    return url


def cache_key(url: str) -> str:
    """The address as the cache knows it: scheme and host in lower case, default port and fragment
    dropped (the fragment never reaches the server)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def host_of(url: str) -> str:
    """The host and port requests to ``url`` are spaced by."""
    return urlsplit(cache_key(url)).netloc


def user_agent_problem(agent: str, urls: list[str]) -> str | None:
    """Why requests to ``urls`` must not be sent with ``agent`` (None when they may).

    Loopback addresses are exempt: they are this machine's own servers.
    """
    if all(is_loopback(urlsplit(u).hostname) for u in urls if _parses(u)):
        return None
    text = (agent or "").strip()
    if text and not text.lower().startswith(_ANONYMOUS_AGENTS):
        return None
    shown = repr(text) if text else "no User-Agent"
    return (
        f"fetching web pages needs a User-Agent naming your application and a contact, so that a "
        f"site's operators know who is asking; {shown} does not. Set GEOAPP_USER_AGENT or "
        "--user-agent, e.g. 'myteam-geoapp/0.1 (me@example.org)'"
    )


def _parses(url: str) -> bool:
    try:
        check_address(url)
    except FetchError:
        return False
    return True


def media_type(header: str | None) -> tuple[str, str | None]:
    """``("text/html", "utf-8")`` from ``text/html; charset=UTF-8``."""
    if not header:
        return "", None
    kind, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return kind.strip().lower(), charset


def looks_like_feed(content_type: str, body: bytes) -> bool:
    """True for RSS or Atom: by media type, else by the document's first element (many sites serve
    feeds as ``text/xml``, ``application/xml`` or even ``text/html``)."""
    if content_type in _FEED_TYPES:
        return True
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        head = head[end + 2 :] if end >= 0 else b""
    # Skip comments, processing instructions (xml-stylesheet) and a doctype before the root element.
    while True:
        head = head.lstrip()
        if head.startswith(b"<!--"):
            end = head.find(b"-->")
            head = head[end + 3 :] if end >= 0 else b""
        elif head.startswith((b"<?", b"<!doctype")):
            end = head.find(b">")
            head = head[end + 1 :] if end >= 0 else b""
        else:
            break
    return head.startswith((b"<rss", b"<feed", b"<rdf:rdf"))


def retry_after_seconds(value: str | None, now: float) -> float:
    """A Retry-After (seconds or an HTTP date) as seconds from ``now``; 0 when absent or nonsense."""
    if not value:
        return 0.0
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return 0.0
    if when is None:
        return 0.0
    seconds = when.timestamp() - now
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps (requests wraps urllib3's errors in their ``args`` and ``reason``)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 12:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        wrapped = (current.__cause__, current.__context__, getattr(current, "reason", None), *current.args)
        for inner in wrapped:
            if isinstance(inner, BaseException):
                todo.append(inner)


def _no_such_host(exc: BaseException) -> bool:
    import socket

    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror) or type(cause).__name__ == "NameResolutionError":
            return True
    return False


# --- the fetcher -----------------------------------------------------------------------------------


class Fetcher:
    """Fetches pages and feeds politely, through the page cache.

    ``cache``: a :class:`PageCache`, or ``"auto"`` for the one in ``settings.cache_dir``, or None
    for none (every request then goes out, spaced within this process only). :attr:`requests_made`
    counts the HTTP requests actually sent (robots.txt included). ``clock`` (Unix seconds) decides
    what is stale, here and in the cache made for ``"auto"``; tests age entries with it.
    """

    def __init__(
        self,
        settings: Settings,
        cache: PageCache | Literal["auto"] | None = "auto",
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        if cache == "auto":
            cache = PageCache.from_settings(settings, clock=clock)
        self.cache: PageCache | None = cache
        self.clock = clock
        self.user_agent = settings.user_agent.strip() or FALLBACK_USER_AGENT
        self.session = requests.Session()
        # No Accept-Language: the address the analyst gave decides the page's language, not geoapp.
        self.session.headers.update({"User-Agent": self.user_agent, "Accept": _ACCEPT})
        self.requests_made = 0
        self._gates: dict[str, RequestGate] = {}
        self._robots: dict[str, RobotFileParser | FetchError] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()
        if self.cache is not None:
            self.cache.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def notices(self) -> list[str]:
        """One-line messages about the cache (set aside, unwritable), for the user."""
        return list(self.cache.notices) if self.cache is not None else []

    # -- public -------------------------------------------------------------------------------------

    def fetch(self, url: str) -> Page:
        """The page or feed at ``url``, from the cache when it holds a fresh copy.

        Raises :class:`FetchError` (one line) for anything that stops it: a refused address or
        agent, robots.txt, DNS, HTTP errors after retries, a body too large or of the wrong type.
        """
        check_address(url)
        problem = user_agent_problem(self.settings.user_agent, [url])
        if problem is not None:
            raise FetchError(problem)
        cached = self.cache.get(cache_key(url)) if self.cache is not None else None
        if cached is not None and cached.fresh(self.clock()):
            return _page(url, cached, from_cache=True)
        if not self._allowed(url):
            raise FetchError("the site's robots.txt does not allow fetching this address")
        return self._download(url, cached)

    # -- robots.txt ----------------------------------------------------------------------------------

    def _allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets this agent fetch ``url``; read once per run and site
        (and from the cache for a day). A robots.txt that cannot be read at all (the host unknown or
        down, HTTP 5xx) is a :class:`FetchError` for every address of the site (RFC 9309 2.3.1.4:
        then nothing may be fetched), saying why, without asking the site again in this run."""
        parts = urlsplit(cache_key(url))
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = origin in self._robots
        if not known:
            rules = self._read_robots(origin)
            with self._lock:
                self._robots[origin] = rules
        rules = self._robots[origin]
        if isinstance(rules, FetchError):
            raise FetchError(f"{rules} (reading robots.txt; nothing is fetched from the site)", rules.status)
        delay = rules.crawl_delay(self.user_agent)
        if delay:
            gate = self._gate(parts.netloc)
            gate.delay = max(gate.delay, min(float(delay), MAX_CRAWL_DELAY_SECONDS))
        return rules.can_fetch(self.user_agent, url)

    def _read_robots(self, origin: str) -> RobotFileParser | FetchError:
        robots_url = f"{origin}/robots.txt"
        rules = RobotFileParser(robots_url)
        key = cache_key(robots_url)
        cached = self.cache.get(key) if self.cache is not None else None
        try:
            if cached is not None and cached.fresh(self.clock()):
                body = cached.body
            else:
                body = self._download(robots_url, cached).body
        except FetchError as exc:
            if exc.status is None or exc.status >= 500:
                return exc
            # No usable robots.txt (HTTP 4xx, too many redirects, not text): everything is allowed.
            # Kept like a file, so a rerun does not ask again.
            body = b""
            if self.cache is not None:
                now = self.clock()
                self.cache.put(PageEntry(key, robots_url, "text/plain", b"", now, now + ROBOTS_TTL_SECONDS))
        rules.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", "replace").splitlines())
        return rules

    # -- requests ------------------------------------------------------------------------------------

    def _gate(self, host: str) -> RequestGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                delay = self.settings.fetch_delay_seconds
                gate = self._gates[host] = RequestGate(
                    host,
                    self.cache,  # type: ignore[arg-type]  # PageCache offers the gate's three methods
                    delay=delay,
                    timeout=self.settings.timeout_seconds * 3,
                    max_wait=MAX_RETRY_AFTER_SECONDS + MAX_CRAWL_DELAY_SECONDS,
                )
            return gate

    def _expires(self, url: str, content_type: str, body: bytes) -> float | None:
        now = self.clock()
        if urlsplit(url).path == "/robots.txt":
            return now + ROBOTS_TTL_SECONDS
        if looks_like_feed(content_type, body):
            return now + self.settings.feed_ttl_minutes * 60.0
        return None

    def _download(self, url: str, cached: PageEntry | None) -> Page:
        """Ask the site, following redirects and retrying faults; store a success in the cache.

        ``cached`` is a stale copy whose validators make the first request conditional. A redirect
        to another site is checked against that site's robots.txt too (except for robots.txt).
        """
        key = cache_key(url)
        owner = new_owner()
        hop, redirects, attempt = url, 0, 0
        gate: RequestGate | None = None
        backoff = max(0.0, self.settings.retry_backoff_seconds)
        robots = urlsplit(url).path == "/robots.txt"
        try:
            while True:
                gate = self._gate(host_of(hop))
                stored = gate.enter(key, owner)
                if isinstance(stored, PageEntry):  # fetched by another process while we waited
                    return _page(url, stored, from_cache=True)
                status, retry_after = None, 0.0
                try:
                    response = self._send(hop, cached if redirects == 0 else None)
                    status = response.status_code
                    with response:
                        if status == 304 and cached is not None and redirects == 0:
                            expires = self._expires(url, cached.content_type, cached.body)
                            renewed = self.cache.renew(cached, expires) if self.cache is not None else cached
                            return _page(url, renewed, from_cache=True)
                        if status in _REDIRECTS:
                            target = self._redirect(hop, response, redirects)
                            if not robots and host_of(target) != host_of(hop) and not self._allowed(target):
                                raise FetchError(
                                    f"redirected to {target}, which that site's robots.txt does not allow "
                                    "fetching",
                                    status,
                                )
                            hop, redirects = target, redirects + 1
                            continue
                        if status == 200:
                            return self._keep(url, key, hop, response)
                        reason = f"HTTP {status}"
                        if status not in _RETRIED and status < 500:
                            raise FetchError(reason, status)
                        retry_after = retry_after_seconds(response.headers.get("Retry-After"), self.clock())
                except (requests.exceptions.RequestException, _BrokenOff) as exc:
                    reason = self._transient(exc, hop)
                attempt += 1
                if retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise FetchError(f"{reason}, asked to wait {retry_after:.0f} s; not waited for", status)
                if attempt > self.settings.max_retries:
                    tries = f"{attempt} attempt{'s' if attempt > 1 else ''}"
                    raise FetchError(f"{reason}; gave up after {tries}", status)
                pause = min(MAX_RETRY_AFTER_SECONDS, max(backoff * 2 ** (attempt - 1), retry_after))
                log.info("%s: %s; retry %d in %.2f s", url, reason, attempt, pause)
                if pause > 0:
                    gate.defer(pause, key, owner)
        finally:
            if gate is not None:
                gate.leave(key, owner)

    def _transient(self, exc: BaseException, url: str) -> str:
        """Why a request failed, when trying again may help; :class:`FetchError` when it cannot."""
        if isinstance(exc, _BrokenOff):
            return str(exc)
        if _no_such_host(exc):
            raise FetchError(f"host {urlsplit(url).hostname} not found") from None
        if isinstance(exc, requests.exceptions.SSLError):
            raise FetchError(f"TLS error ({_short(exc)})") from None
        if isinstance(exc, requests.exceptions.Timeout):
            return f"timed out after {self.settings.timeout_seconds:g} s"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"connection failed ({_short(exc)})"
        raise FetchError(f"request failed ({_short(exc)})") from None

    def _send(self, url: str, cached: PageEntry | None) -> requests.Response:
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        # A proxy from the environment must not see (or break) requests to this machine's servers.
        proxies = {"http": None, "https": None} if is_loopback(urlsplit(url).hostname) else None
        with self._lock:
            self.requests_made += 1
        timeout = self.settings.timeout_seconds
        return self.session.get(
            url,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
            proxies=proxies,  # type: ignore[arg-type]
        )

    @staticmethod
    def _redirect(hop: str, response: requests.Response, redirects: int) -> str:
        if redirects >= MAX_REDIRECTS:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects", response.status_code)
        location = response.headers.get("Location")
        if not location:
            raise FetchError(f"HTTP {response.status_code} without a Location", response.status_code)
        target = urljoin(hop, location.strip())
        try:
            return check_address(target)
        except FetchError as exc:
            raise FetchError(f"redirected to an address not fetched: {exc}", response.status_code) from None

    def _keep(self, url: str, key: str, final_url: str, response: requests.Response) -> Page:
        """Read a 200 response within the limits and store it."""
        content_type, _ = media_type(response.headers.get("Content-Type"))
        if content_type not in _ACCEPTED_TYPES:
            raise FetchError(f"not a web page or a feed ({content_type[:80]})", 200)
        body = self._body(response)
        now = self.clock()
        entry = PageEntry(
            key=key,
            url=final_url,
            content_type=response.headers.get("Content-Type", "")[:200],
            body=body,
            fetched=now,
            expires=self._expires(url, content_type, body),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
        )
        if self.cache is not None:
            self.cache.put(entry)
        return _page(url, entry, from_cache=False)

    def _body(self, response: requests.Response) -> bytes:
        """At most :data:`MAX_BODY_BYTES` (after decompression), within a deadline for the whole body:
        a read time-out alone lets a server drip one byte at a time for ever."""
        length = response.headers.get("Content-Length", "").strip()
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise FetchError(f"larger than {MAX_BODY_BYTES // 1_000_000} MB ({int(length)} bytes)", 200)
        allowed = 3 * self.settings.timeout_seconds
        deadline = time.monotonic() + allowed
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise FetchError(f"larger than {MAX_BODY_BYTES // 1_000_000} MB", 200)
                if time.monotonic() > deadline:
                    raise FetchError(f"too slow: body not read in {allowed:g} s", 200)
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            raise _BrokenOff(f"response broken off ({_short(exc)})") from None
        return b"".join(chunks)


def _header(response: requests.Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value[:500] if value and value.isprintable() else None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _page(url: str, entry: PageEntry, *, from_cache: bool) -> Page:
    content_type, charset = media_type(entry.content_type)
    return Page(url, entry.url, content_type, charset, entry.body, from_cache)
