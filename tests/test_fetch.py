"""Polite fetching against a fake site on 127.0.0.1: identity, spacing, robots.txt, cache, faults."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from geoapp.fetch import (
    MAX_BODY_BYTES,
    Fetcher,
    FetchError,
    cache_key,
    check_address,
    looks_like_feed,
    retry_after_seconds,
    user_agent_problem,
)
from geoapp.pagecache import PAGE_CACHE_FILENAME, PageCache
from geoapp.settings import Settings

if TYPE_CHECKING:
    from web_server import FakeSite

# Imported by pytest, not here: a module imported before pytest loads it as a plugin is not rewritten.
pytest_plugins = ["web_server"]

ROOT = Path(__file__).resolve().parents[1]
AGENT = "geoapp-tests/1.0 (tests@example.org)"


def settings_for(tmp_path: Path, **changes) -> Settings:
    base = Settings(
        cache_dir=tmp_path / "cache",
        user_agent=AGENT,
        fetch_delay_seconds=0.05,
        timeout_seconds=1.0,
        max_retries=1,
        retry_backoff_seconds=0.01,
    )
    return base.with_(**changes)


def assert_spaced(times: list[float], delay: float) -> None:
    """The n-th request arrived at least n delays after the first. Arrival times, not send times:
    one request slowed on its way (a busy machine) shortens the gap after it, never this sum."""
    late = [round(t - times[0] - n * delay, 3) for n, t in enumerate(times)]
    assert min(late) >= -0.1, late  # the first request of a process is slower on its way


def fetch_error(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    return str(caught.value)


def test_a_page_is_asked_once_then_served_from_the_cache_with_no_request(tmp_path, web_server: FakeSite):
    url = web_server.add("/a", "<p>In Rom regnet es.</p>")
    with Fetcher(settings_for(tmp_path)) as fetcher:
        first = fetcher.fetch(url)
        assert (first.from_cache, first.body, first.content_type, first.charset) == (
            False,
            b"<p>In Rom regnet es.</p>",
            "text/html",
            "utf-8",
        )
        assert fetcher.fetch(url + "#section").from_cache  # the fragment never reaches the server
    assert web_server.paths() == ["/robots.txt", "/a"]
    # A second run (a new fetcher, as a new process would have) asks nothing at all.
    with Fetcher(settings_for(tmp_path)) as again:
        assert again.fetch(url).from_cache
        assert again.requests_made == 0
    assert web_server.paths() == ["/robots.txt", "/a"]


def test_every_request_says_who_is_asking(tmp_path, web_server: FakeSite):
    url = web_server.add("/a", "<p>x</p>")
    with Fetcher(settings_for(tmp_path)) as fetcher:
        fetcher.fetch(url)
    assert {r.headers["User-Agent"] for r in web_server.requests} == {AGENT}
    # Loopback addresses get geoapp's own name when none is configured.
    with Fetcher(settings_for(tmp_path / "other", user_agent="")) as fetcher:
        fetcher.fetch(url)
    assert web_server.requests[-1].headers["User-Agent"].startswith("geoapp/")


@pytest.mark.parametrize(
    ("agent", "refused"),
    [
        ("", True),
        ("python-requests/2.32", True),
        ("Mozilla/5.0 (X11)", True),
        ("curl/8.1", True),
        (AGENT, False),
    ],
)
def test_sites_other_than_this_machine_need_an_agent_naming_someone(agent, refused):
    problem = user_agent_problem(agent, ["https://news.example/a", "http://127.0.0.1:8000/b"])
    assert (problem is not None) == refused
    if refused:
        assert "GEOAPP_USER_AGENT" in problem and "--user-agent" in problem
    assert user_agent_problem(agent, ["http://127.0.0.1:8000/b", "http://localhost/c"]) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https addresses are fetched"),
        ("ftp://example.org/x", "only http and https addresses are fetched"),
        ("javascript:alert(1)", "only http and https addresses are fetched"),
        ("http://user:secret@example.org/", "addresses with a user name or password are not fetched"),
        ("http:///path-only", "address has no host"),
        ("http://example.org/a b", "address contains spaces or control characters"),
        ("http://example.org/\r\nX-Injected: 1", "address contains spaces or control characters"),
        ("http://example.org:99999/", "not a usable address"),
        ("http://example.org/" + "a" * 3000, "address longer than 2000 characters"),
    ],
)
def test_only_plain_http_addresses_are_fetched(url, reason):
    with pytest.raises(FetchError, match=reason):
        check_address(url)


def test_cache_keys_ignore_what_does_not_change_the_page():
    assert cache_key("HTTP://Example.ORG:80/a?b=1#c") == "http://example.org/a?b=1"
    assert cache_key("https://example.org") == "https://example.org/"
    assert cache_key("https://example.org:8443/x") == "https://example.org:8443/x"


def test_requests_to_one_site_are_spaced_by_the_delay(tmp_path, web_server: FakeSite):
    delay = 0.4
    urls = [web_server.add(f"/p{i}", f"<p>{i}</p>") for i in range(4)]
    with Fetcher(settings_for(tmp_path, fetch_delay_seconds=delay)) as fetcher:
        for url in urls:
            fetcher.fetch(url)
    times = sorted(r.time for r in web_server.requests)  # robots.txt is a request like any other
    assert len(times) == 5
    assert_spaced(times, delay)


def test_two_sites_do_not_wait_for_each_other(tmp_path):
    from web_server import FakeSite

    with FakeSite() as one, FakeSite() as two:
        pages = [(one.add(f"/p{i}", "<p>x</p>"), two.add(f"/p{i}", "<p>y</p>")) for i in range(2)]
        start = time.monotonic()
        with Fetcher(settings_for(tmp_path, fetch_delay_seconds=0.4)) as fetcher:
            for a, b in pages:
                fetcher.fetch(a)
                fetcher.fetch(b)
        elapsed = time.monotonic() - start
    # Three requests per site (robots.txt and two pages): two pauses each, taken side by side.
    assert 0.8 <= elapsed < 1.8, elapsed  # one site after the other: 2.0 s


_FETCH_SCRIPT = """
import sys
from pathlib import Path
from geoapp.fetch import Fetcher
from geoapp.settings import Settings
settings = Settings(cache_dir=Path(sys.argv[1]), user_agent="geoapp-tests/1.0 (t@example.org)",
                    fetch_delay_seconds=float(sys.argv[2]), timeout_seconds=5.0)
with Fetcher(settings) as fetcher:
    for url in sys.argv[3:]:
        fetcher.fetch(url)
"""


def test_processes_sharing_the_cache_folder_keep_one_delay_and_ask_each_page_once(tmp_path, web_server):
    delay = 0.3
    urls = [web_server.add(f"/p{i}", f"<p>{i}</p>", delay=0.2) for i in range(6)]
    orders = [urls, urls[::-1], urls[2:] + urls[:2]]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _FETCH_SCRIPT, str(tmp_path / "cache"), str(delay), *order],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for order in orders
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert sorted(web_server.paths()) == sorted(["/robots.txt", *(f"/p{i}" for i in range(6))])
    assert_spaced(sorted(r.time for r in web_server.requests), delay)


def test_robots_txt_is_honoured_and_read_once(tmp_path, web_server: FakeSite):
    web_server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    open_url = web_server.add("/news/1", "<p>ok</p>")
    closed_url = web_server.add("/private/1", "<p>secret</p>")
    with Fetcher(settings_for(tmp_path)) as fetcher:
        assert fetcher.fetch(open_url).body == b"<p>ok</p>"
        refused = fetch_error(fetcher, closed_url)
        assert refused == "the site's robots.txt does not allow fetching this address"
    with Fetcher(settings_for(tmp_path)) as fetcher:  # the next run reads robots.txt from the cache
        fetch_error(fetcher, closed_url)
        assert fetcher.requests_made == 0
    assert web_server.paths() == ["/robots.txt", "/news/1"]


def test_robots_txt_rules_for_geoapp_and_crawl_delay(tmp_path, web_server: FakeSite):
    web_server.add(
        "/robots.txt",
        "User-agent: geoapp-tests\nCrawl-delay: 1\nDisallow: /no-geoapp/\n\nUser-agent: *\nDisallow: /\n",
        content_type="text/plain",
    )
    urls = [web_server.add(f"/a{i}", "<p>x</p>") for i in range(2)]
    with Fetcher(settings_for(tmp_path)) as fetcher:
        for url in urls:
            fetcher.fetch(url)
        assert "robots.txt" in fetch_error(fetcher, web_server.add("/no-geoapp/x", "<p>x</p>"))
    times = web_server.times()
    assert times[1] - times[0] >= 0.95  # the site's Crawl-delay, longer than GEOAPP_FETCH_DELAY


def test_a_site_whose_robots_txt_fails_is_not_fetched_and_is_asked_once(tmp_path, web_server: FakeSite):
    web_server.add("/robots.txt", "down", status=503, content_type="text/plain")
    urls = [web_server.add(f"/a{i}", "<p>x</p>") for i in range(3)]
    with Fetcher(settings_for(tmp_path, max_retries=0)) as fetcher:
        messages = {fetch_error(fetcher, url) for url in urls}
    assert messages == {
        "HTTP 503; gave up after 1 attempt (reading robots.txt; nothing is fetched from the site)"
    }
    assert web_server.paths() == ["/robots.txt"]


def test_a_stale_feed_is_asked_again_with_its_etag(tmp_path, web_server: FakeSite):
    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    url = web_server.add("/feed", feed, content_type="application/rss+xml", etag='"v1"')
    clock = [1_000_000.0]
    settings = settings_for(tmp_path, feed_ttl_minutes=10)
    with Fetcher(settings, clock=lambda: clock[0]) as fetcher:
        assert not fetcher.fetch(url).from_cache
        clock[0] += 300  # within the ttl: no request
        assert fetcher.fetch(url).from_cache
        clock[0] += 600  # stale: one conditional request, answered 304
        again = fetcher.fetch(url)
    assert again.from_cache and again.body == feed
    feed_requests = [r for r in web_server.requests if r.path == "/feed"]
    assert len(feed_requests) == 2
    assert "If-None-Match" not in feed_requests[0].headers
    assert feed_requests[1].headers["If-None-Match"] == '"v1"'


def test_retry_after_is_waited_for(tmp_path, web_server: FakeSite):
    url = web_server.add("/a", "<p>x</p>")
    web_server.fail_next("/a", status=429, headers={"Retry-After": "1"}, body=b"slow down")
    with Fetcher(settings_for(tmp_path)) as fetcher:
        assert fetcher.fetch(url).body == b"<p>x</p>"
    limited, served = [r.time for r in web_server.requests if r.path == "/a"]
    assert served - limited >= 0.95


def test_server_errors_are_retried_with_backoff(tmp_path, web_server: FakeSite):
    url = web_server.add("/a", "<p>x</p>")
    web_server.fail_next("/a", count=2, status=500, body=b"oops")
    with Fetcher(settings_for(tmp_path, max_retries=2, retry_backoff_seconds=0.1)) as fetcher:
        assert fetcher.fetch(url).body == b"<p>x</p>"
    times = [r.time for r in web_server.requests if r.path == "/a"]
    assert len(times) == 3 and times[2] - times[1] >= 0.19  # the pause doubled


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"status": 404}, "HTTP 404"),
        ({"status": 410}, "HTTP 410"),
        ({"status": 503}, "HTTP 503; gave up after 2 attempts"),
        (
            {"status": 429, "headers": {"Retry-After": "3600"}},
            "HTTP 429, asked to wait 3600 s; not waited for",
        ),
        ({"delay": 1.5}, "timed out after 0.5 s; gave up after 2 attempts"),
        ({"stream_bytes": MAX_BODY_BYTES + 200_000}, "larger than 5 MB"),
        ({"declared_length": 10_000_000}, "larger than 5 MB (10000000 bytes)"),
        ({"content_type": "image/png"}, "not a web page or a feed (image/png)"),
        ({"content_type": "application/pdf"}, "not a web page or a feed (application/pdf)"),
    ],
)
def test_each_fault_is_one_line(tmp_path, web_server: FakeSite, route, message):
    web_server.add("/robots.txt", "", content_type="text/plain")
    url = web_server.add("/bad", b"<p>x</p>", **route)
    start = time.monotonic()
    with Fetcher(settings_for(tmp_path, timeout_seconds=0.5)) as fetcher:
        assert fetch_error(fetcher, url) == message
        assert fetcher.cache.count() == 1  # robots.txt only: failures are not kept
    assert time.monotonic() - start < 5


def test_redirects_are_followed_checked_and_limited(tmp_path, web_server: FakeSite):
    target = web_server.add("/final", "<p>angekommen</p>")
    web_server.add("/moved", status=301, headers={"Location": "/final"})
    for i in range(7):
        web_server.add(f"/loop{i}", status=302, headers={"Location": f"/loop{i + 1}"})
    web_server.add("/elsewhere", status=302, headers={"Location": "file:///etc/passwd"})
    with Fetcher(settings_for(tmp_path)) as fetcher:
        page = fetcher.fetch(web_server.url("/moved"))
        assert (page.final_url, page.body) == (target, b"<p>angekommen</p>")
        assert fetch_error(fetcher, web_server.url("/loop0")) == "more than 5 redirects"
        assert fetch_error(fetcher, web_server.url("/elsewhere")) == (
            "redirected to an address not fetched: only http and https addresses are fetched"
        )
    # The address asked is what the cache knows: the next run follows no redirect at all.
    with Fetcher(settings_for(tmp_path)) as again:
        assert again.fetch(web_server.url("/moved")).final_url == target
        assert again.requests_made == 0
    assert [p for p in web_server.paths() if p.startswith("/loop")] == [f"/loop{i}" for i in range(6)]


def test_an_unknown_host_is_one_line_without_retries(tmp_path, monkeypatch):
    calls = []

    def no_dns(host, *args, **kwargs):
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # no name is ever looked up for real
    with Fetcher(settings_for(tmp_path, max_retries=3)) as fetcher:
        first = fetch_error(fetcher, "https://no-such-host.example/a")
        second = fetch_error(fetcher, "https://no-such-host.example/b")
    assert first == second == (
        "host no-such-host.example not found (reading robots.txt; nothing is fetched from the site)"
    )
    assert calls == ["no-such-host.example"]


def test_a_refused_connection_is_retried_then_one_line(tmp_path):
    with socket.socket() as sock:  # a port with nothing listening on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Fetcher(settings_for(tmp_path)) as fetcher:
        message = fetch_error(fetcher, f"http://127.0.0.1:{port}/a")
    assert message.startswith("connection failed (") and "gave up after 2 attempts" in message


def test_a_damaged_cache_file_is_set_aside_and_the_run_goes_on(tmp_path, web_server: FakeSite):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / PAGE_CACHE_FILENAME).write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    url = web_server.add("/a", "<p>x</p>")
    with Fetcher(settings_for(tmp_path)) as fetcher:
        assert fetcher.fetch(url).body == b"<p>x</p>"
        assert any("moved it to" in n for n in fetcher.notices)
    assert list(folder.glob(f"{PAGE_CACHE_FILENAME}.corrupt-*"))
    with PageCache(folder / PAGE_CACHE_FILENAME) as cache:
        assert cache.count() == 2 and cache.notices == []


def test_feeds_are_told_from_pages_by_type_or_first_element():
    rss = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c --><?xml-stylesheet href="s"?><rss version="2.0">'
    assert looks_like_feed("text/xml", rss)
    assert looks_like_feed("text/html", b"<feed xmlns='http://www.w3.org/2005/Atom'>")
    assert looks_like_feed("application/atom+xml", b"")
    assert not looks_like_feed("text/html", b"<!DOCTYPE html><html><body>rss</body></html>")
    assert not looks_like_feed("application/xml", b"<?xml version='1.0'?><urlset/>")


def test_retry_after_takes_seconds_or_a_date():
    now = 1_700_000_000.0
    assert retry_after_seconds("7", now) == 7
    assert retry_after_seconds("Tue, 14 Nov 2023 22:13:40 GMT", now) == pytest.approx(20, abs=1)
    assert retry_after_seconds("soon", now) == retry_after_seconds(None, now) == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [("GEOAPP_FETCH_DELAY", "1s"), ("GEOAPP_FETCH_DELAY", "-1"), ("GEOAPP_FEED_TTL_MINUTES", "nan")],
)
def test_a_mistyped_setting_is_one_line_naming_it(monkeypatch, variable, value):
    from geoapp.settings import SettingsError, load_settings

    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"^{variable} must be a number"):
        load_settings()


def test_settings_from_the_environment(monkeypatch):
    from geoapp.settings import load_settings

    monkeypatch.setenv("GEOAPP_FETCH_DELAY", "2.5")
    monkeypatch.setenv("GEOAPP_FEED_TTL_MINUTES", "15")
    settings = load_settings()
    assert (settings.fetch_delay_seconds, settings.feed_ttl_minutes) == (2.5, 15.0)


def test_a_cache_of_a_newer_geoapp_is_left_alone(tmp_path, web_server: FakeSite):
    import sqlite3

    folder = tmp_path / "cache"
    folder.mkdir()
    with sqlite3.connect(folder / PAGE_CACHE_FILENAME) as conn:
        conn.execute("PRAGMA application_id = 1195724624")  # geoapp's page cache ("GEOP")
        conn.execute("PRAGMA user_version = 99")
    url = web_server.add("/a", "<p>x</p>")
    with Fetcher(settings_for(tmp_path)) as fetcher:
        assert fetcher.fetch(url).body == b"<p>x</p>"
        assert fetcher.fetch(url).from_cache  # kept in memory for the run
        assert any("newer geoapp" in n for n in fetcher.notices)
    assert [p.name for p in folder.iterdir()] == [PAGE_CACHE_FILENAME]
