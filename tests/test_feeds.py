"""Feeds and pages into articles, against a fake site on 127.0.0.1; the CLI's URL inputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from news_pages import CLUTTER_PLACES_DE, news_page_de, news_page_en

from geoapp.articles import ArticleError, DuplicateIds
from geoapp.cli import main
from geoapp.feeds import WebReader, article_id, articles_from_urls, decode_html
from geoapp.fetch import Fetcher
from geoapp.inputfiles import is_url
from geoapp.settings import Settings

if TYPE_CHECKING:
    from web_server import FakeSite

# Imported by pytest, not here: a module imported before pytest loads it as a plugin is not rewritten.
pytest_plugins = ["web_server"]

AGENT = "geoapp-tests/1.0 (tests@example.org)"


def settings_for(tmp_path, **changes) -> Settings:
    base = Settings(
        cache_dir=tmp_path / "cache",
        user_agent=AGENT,
        fetch_delay_seconds=0.02,
        timeout_seconds=1.0,
        max_retries=0,
        retry_backoff_seconds=0.01,
    )
    return base.with_(**changes)


def rss(site: FakeSite, items: list[tuple[str, str | None, str]], title: str = "Morgenblatt – Welt") -> bytes:
    """An RSS 2.0 feed; each item is (title, link or None, pubDate)."""
    parts = []
    for item_title, link, date in items:
        link_xml = f"<link>{link}</link>" if link is not None else ""
        parts.append(f"<item><title>{item_title}</title>{link_xml}<pubDate>{date}</pubDate></item>")
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{site.url('/')}</link>{''.join(parts)}</channel></rss>"
    ).encode()


def serve_news(site: FakeSite) -> str:
    """Two article pages, a feed listing them with a missing page, a script link and no link."""
    site.add("/welt/erdbeben", news_page_de())
    site.add("/world/kherson", news_page_en(), content_type="text/html")  # no charset: sniffed
    items = [
        ("Beben in Marokko", site.url("/welt/erdbeben"), "Sun, 10 Sep 2023 06:15:00 GMT"),
        ("Kherson in the dark", site.url("/world/kherson"), "Tue, 06 Feb 2024 07:30:00 +0000"),
        ("Gelöscht", site.url("/welt/geloescht"), "Mon, 11 Sep 2023 10:00:00 GMT"),
        ("Skript", "javascript:alert(1)", "Mon, 11 Sep 2023 10:00:00 GMT"),
        ("Ohne Link", None, "Mon, 11 Sep 2023 10:00:00 GMT"),
    ]
    return site.add("/feed.xml", rss(site, items), content_type="application/rss+xml; charset=utf-8")


def read(reader: WebReader, *urls: str) -> tuple[list, list[str]]:
    problems: list[ArticleError] = []
    ids = DuplicateIds()
    articles = [a for url in urls for a in reader.read(url, problems, ids)]
    return articles, [str(p) for p in problems]


def test_a_feed_gives_one_article_per_item_with_its_metadata(tmp_path, web_server: FakeSite):
    feed = serve_news(web_server)
    with WebReader(settings_for(tmp_path)) as reader:
        articles, problems = read(reader, feed)
    beben, kherson = articles
    assert (beben.title, beben.url, beben.source, beben.published, beben.lang) == (
        "Beben in Marokko",
        web_server.url("/welt/erdbeben"),
        "Morgenblatt Beispielstadt",  # the page's site name
        "2023-09-10T06:15:00+00:00",  # the feed's date, to the second
        "de",
    )
    assert "Marrakesch" in beben.text and not any(c in beben.text for c in CLUTTER_PLACES_DE)
    assert beben.id == article_id(web_server.url("/welt/erdbeben")) and beben.id.startswith("127.0.0.1-")
    assert (kherson.lang, kherson.published, kherson.source) == (
        "en",
        "2024-02-06T07:30:00+00:00",
        "The Example Courier",
    )
    assert problems == [
        f"{web_server.url('/welt/geloescht')}: HTTP 404 (item 3 of {feed})",
        f"javascript:alert(1): only http and https addresses are fetched (item 4 of {feed})",
        f"{feed}: item 5 (Ohne Link) has no link",
    ]


def test_a_rerun_asks_the_site_nothing_but_what_failed(tmp_path, web_server: FakeSite):
    links = [web_server.add(f"/a{i}", news_page_en(title=f"Report {i}")) for i in range(3)]
    date = "Tue, 06 Feb 2024 07:30:00 GMT"
    feed = web_server.add("/feed", rss(web_server, [(f"R{i}", link, date) for i, link in enumerate(links)]))
    web_server.fail_next("/a2", status=503)
    with WebReader(settings_for(tmp_path)) as reader:
        first, problems = read(reader, feed)
    assert len(first) == 2
    assert problems == [f"{links[2]}: HTTP 503; gave up after 1 attempt (item 3 of {feed})"]
    asked = web_server.paths()
    with WebReader(settings_for(tmp_path)) as reader:
        again, problems = read(reader, feed)
        assert reader.fetcher.requests_made == 1  # the page that failed, and nothing else
    assert web_server.paths() == [*asked, "/a2"] and problems == []
    assert [(a.id, a.text) for a in again[:2]] == [(a.id, a.text) for a in first]
    with WebReader(settings_for(tmp_path)) as reader:
        assert len(read(reader, feed)[0]) == 3
        assert reader.fetcher.requests_made == 0


def test_an_atom_feed_served_as_plain_xml_with_relative_links(tmp_path, web_server: FakeSite):
    web_server.add("/news/a1", news_page_en(title="Drones over Dnipro"))
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Courier</title>'
        '<entry><title>Drones over Dnipro</title><link href="/news/a1"/>'
        "<updated>2024-02-07T05:00:00Z</updated></entry></feed>"
    )
    feed = web_server.add("/atom", atom, content_type="application/xml")
    with WebReader(settings_for(tmp_path)) as reader:
        (article,), problems = read(reader, feed)
    assert problems == []
    assert (article.title, article.url, article.published) == (
        "Drones over Dnipro",
        web_server.url("/news/a1"),
        "2024-02-07T05:00:00+00:00",
    )


def test_max_items_and_an_item_in_two_feeds(tmp_path, web_server: FakeSite):
    links = [web_server.add(f"/a{i}", news_page_en(title=f"Report {i}")) for i in range(4)]
    date = "Tue, 06 Feb 2024 07:30:00 GMT"
    one = web_server.add("/one", rss(web_server, [(f"R{i}", link, date) for i, link in enumerate(links)]))
    two = web_server.add("/two", rss(web_server, [("R0 again", links[0], date)]))
    with WebReader(settings_for(tmp_path), max_items=2) as reader:
        articles, problems = read(reader, one, two)
    assert [a.url for a in articles] == links[:2]
    assert problems == [f"warning: {one}: feed has 4 items; the first 2 are read (--max-items)"]
    assert "/a2" not in web_server.paths() and web_server.paths().count("/a0") == 1


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (
            {"body": b"<rss><channel><title>x</title><<<&&&", "content_type": "application/rss+xml"},
            "not a readable feed (not well-formed (invalid token))",
        ),
        ({"body": b"<rss version='2.0'><channel><title>x</title></channel></rss>"}, "feed has no items"),
        ({"body": b"In Rom regnet es.", "content_type": "text/plain"}, "not an HTML page (text/plain)"),
        ({"body": b"<html><body><script>x()</script></body></html>"}, "no article text found on the page"),
        ({"status": 404}, "HTTP 404"),
        (
            {"body": b"<rss><channel>" + b"<a>" * 60_000, "content_type": "application/rss+xml"},
            "feed too large to read (60002 tags, at most 50000)",
        ),
    ],
)
def test_what_cannot_be_read_is_one_line(tmp_path, web_server: FakeSite, route, message):
    url = web_server.add("/x", **route)
    with WebReader(settings_for(tmp_path)) as reader:
        articles, problems = read(reader, url)
    assert articles == [] and len(problems) == 1 and problems[0].startswith(f"{url}: {message}")


def test_pages_in_other_encodings_are_decoded():
    page = "<p>Köln</p>"
    assert decode_html(page.encode("cp1252"), None) == page
    assert decode_html(page.encode("latin-1"), "iso-8859-1") == page
    assert decode_html(b'<meta charset="windows-1252"><p>K\xf6ln</p>', None).endswith("<p>Köln</p>")
    assert decode_html(page.encode("utf-8"), "no-such-charset") == page
    assert decode_html(b"\xef\xbb\xbf" + page.encode("utf-8"), "latin-1") == page
    assert decode_html(b"<p>K\xf6ln \xff</p>", "utf-8") == "<p>K\ufffdln \ufffd</p>"


def test_what_counts_as_an_address():
    assert is_url("https://x.example/a") and is_url("ftp://x") and is_url("file:///etc/passwd")
    assert not is_url("seeds/") and not is_url("-") and not is_url("C:\\news\\a.html")


def test_the_app_function_returns_articles_and_lines(tmp_path, web_server: FakeSite):
    feed = serve_news(web_server)
    page = web_server.url("/welt/erdbeben")
    articles, messages = articles_from_urls([feed, " ", page], settings_for(tmp_path))
    assert [a.title for a in articles] == [
        "Beben in Marokko",
        "Kherson in the dark",
        "Erdbeben in Marokko: Helfer erreichen abgelegene Dörfer",
    ]
    assert len(messages) == 4 and messages[-1].startswith("warning: ") and "duplicate id" in messages[-1]
    # No request leaves for a real site without an agent that names someone.
    assert articles_from_urls(["https://news.example/a"], settings_for(tmp_path, user_agent="")) == (
        [],
        [messages_for_missing_agent()],
    )


def messages_for_missing_agent() -> str:
    from geoapp.fetch import user_agent_problem

    return user_agent_problem("", ["https://news.example/a"])


# -- the command line ------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEOAPP_FETCH_DELAY", "0.02")
    monkeypatch.setenv("GEOAPP_TIMEOUT", "2")
    monkeypatch.setenv("GEOAPP_MAX_RETRIES", "0")
    monkeypatch.setenv("GEOAPP_USER_AGENT", AGENT)
    return tmp_path


def test_extract_reads_feeds_pages_and_files_in_order(cli_env, web_server: FakeSite, capsys):
    feed = serve_news(web_server)
    page = web_server.add("/solo", news_page_en(title="Odesa port busy"))
    missing = web_server.url("/nothing-here")
    local = cli_env / "local.txt"
    local.write_text("Lokal\n\nIn Leipzig regnet es.", encoding="utf-8")
    out = cli_env / "out.jsonl"
    code = main(["extract", feed, str(local), page, missing, "-o", str(out), "--max-items", "2"])
    err = capsys.readouterr().err
    assert code == 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    titles = ["Beben in Marokko", "Kherson in the dark", "Lokal", "Odesa port busy"]
    assert [r["title"] for r in records] == titles
    beben = records[0]
    assert (beben["url"], beben["source"], beben["published"]) == (
        web_server.url("/welt/erdbeben"),
        "Morgenblatt Beispielstadt",
        "2023-09-10T06:15:00+00:00",
    )
    names = {p["text"] for p in beben["places"]}
    assert "Marrakesch" in names and names.isdisjoint(CLUTTER_PLACES_DE)
    lines = [line for line in err.splitlines() if line.startswith("geoapp: ") and "wrote" not in line]
    assert lines == [
        f"geoapp: warning: {feed}: feed has 5 items; the first 2 are read (--max-items)",
        f"geoapp: {missing}: HTTP 404",
    ]
    # The rerun is served from the cache: the site sees nothing more.
    asked = len(web_server.requests)
    assert main(["extract", feed, page, "-o", str(out), "--max-items", "2"]) == 0
    assert len(web_server.requests) == asked


def test_offsets_point_into_the_extracted_text(cli_env, web_server: FakeSite):
    from geoapp.pipeline import Geoparser

    url = web_server.add("/welt/erdbeben", news_page_de())
    articles, _ = articles_from_urls([url], settings_for(cli_env))
    result = Geoparser(corrections=None).parse(articles[0])
    assert result.places
    for pm in result.places:
        source = articles[0].title if pm.mention.field == "title" else articles[0].text
        assert source[pm.mention.start : pm.mention.end] == pm.mention.text


def test_map_reads_an_address(cli_env, web_server: FakeSite, capsys):
    url = web_server.add("/welt/erdbeben", news_page_de())
    out = cli_env / "map.html"
    assert main(["map", url, "-o", str(out), "--no-tiles"]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Marrakesch" in html and "Lissabon" not in html


def test_no_request_leaves_without_an_agent_naming_someone(cli_env, monkeypatch, capsys):
    monkeypatch.setenv("GEOAPP_USER_AGENT", "")

    def no_network(*args, **kwargs):
        raise AssertionError("a request was sent")

    monkeypatch.setattr(Fetcher, "_send", no_network)
    code = main(["extract", "https://news.example/a", "-o", str(cli_env / "out.jsonl")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "GEOAPP_USER_AGENT" in err[0]
    assert not (cli_env / "out.jsonl").exists()
    # --user-agent is enough; other schemes are one line each and the run goes on.
    code = main(
        ["extract", "ftp://news.example/a", "--user-agent", AGENT, "-o", str(cli_env / "out.jsonl")]
    )
    err = capsys.readouterr().err
    assert code == 1 and "geoapp: ftp://news.example/a: only http and https addresses are fetched" in err
