"""Article bodies of news pages: the article's places reach the text, the site's menus do not."""

from __future__ import annotations

from pathlib import Path

import pytest
from news_pages import (
    BODY_PLACES_DE,
    BODY_PLACES_EN,
    CLUTTER_PLACES_DE,
    CLUTTER_PLACES_EN,
    news_page_de,
    news_page_en,
)

from geoapp import pagetext
from geoapp.articles import ArticleError, read_articles
from geoapp.htmltext import html_to_text
from geoapp.pagetext import MAX_EXTRACT_TAGS, extract_page

ROOT = Path(__file__).resolve().parents[1]


def words_in(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if w in text]


@pytest.mark.parametrize(
    ("page", "body", "clutter"),
    [
        (news_page_de(), BODY_PLACES_DE, CLUTTER_PLACES_DE),
        (news_page_en(), BODY_PLACES_EN, CLUTTER_PLACES_EN),
    ],
)
def test_the_body_is_kept_and_the_site_around_it_left_out(page, body, clutter):
    extracted = extract_page(page)
    assert extracted.extractor == "trafilatura"
    assert words_in(extracted.text, body) == list(body)
    assert words_in(extracted.text, clutter) == []
    boilerplate = ("Cookies", "cookies", "Newsletter", "Kommentare", "Comments", "Impressum", "Most read")
    assert words_in(extracted.text, boilerplate) == []
    # The visible text, which is what the fallback reads, has every one of them.
    assert words_in(html_to_text(page)[1], clutter) == list(clutter)


def test_metadata_from_meta_tags_and_from_json_ld():
    de = extract_page(news_page_de())
    assert (de.title, de.outlet, de.published, de.url) == (
        "Erdbeben in Marokko: Helfer erreichen abgelegene Dörfer",
        "Morgenblatt Beispielstadt",
        "2023-09-10",
        "https://morgenblatt.example/welt/erdbeben-marokko-123",
    )
    en = extract_page(news_page_en())
    assert (en.title, en.outlet, en.published) == (
        "Kherson without power after overnight shelling",
        "The Example Courier",
        "2024-02-06",
    )


def test_paragraphs_are_separated_by_blank_lines_and_the_title_leads():
    extracted = extract_page(news_page_de())
    paragraphs = extracted.text.split("\n\n")
    assert paragraphs[0] == extracted.title
    assert paragraphs[1].startswith("Marrakesch – Zwei Tage nach dem schweren Erdbeben")
    assert len(paragraphs) == 5 and all(p.strip() == p and "\n" not in p for p in paragraphs)


def test_a_date_named_in_the_text_is_not_taken_for_the_publication_date():
    page = "<html><body><article><p>" + "Am 3. Oktober 2021 stand Köln unter Wasser. " * 5 + "</p></article>"
    assert extract_page(page).published is None


def test_a_page_claiming_a_script_address_keeps_no_address():
    page = news_page_de().replace("https://morgenblatt.example/welt/erdbeben-marokko-123", "javascript:x()")
    assert extract_page(page).url is None


def test_a_bare_fragment_is_read_by_the_fallback():
    extracted = extract_page("<p>In Rom regnet es.</p>")
    assert (extracted.extractor, extracted.text, extracted.note) == ("visible-text", "In Rom regnet es.", "")


def test_the_fallback_reads_when_trafilatura_is_missing_or_fails(monkeypatch):
    monkeypatch.setattr(pagetext, "_TRAFILATURA", False)  # as after a failed import
    missing = extract_page(news_page_de())
    assert missing.extractor == "visible-text" and "Marrakesch" in missing.text and "Paris" in missing.text

    class Broken:
        @staticmethod
        def bare_extraction(*args, **kwargs):
            raise RuntimeError("a bug in a dependency")

    monkeypatch.setattr(pagetext, "_TRAFILATURA", Broken)
    failed = extract_page(news_page_de())
    assert failed.extractor == "visible-text" and failed.title.startswith("Erdbeben in Marokko")


def test_a_page_too_large_for_the_extractor_is_read_whole_with_a_note():
    page = "<div><p>In Rom regnet es.</p></div>" * (MAX_EXTRACT_TAGS // 4 + 1)
    extracted = extract_page(page)
    assert extracted.extractor == "visible-text" and "too large" in extracted.note
    assert extracted.text.startswith("In Rom regnet es.")


@pytest.mark.parametrize(
    "page",
    [
        "<p>Rom</p>" + "<a" * 300_000,
        "<p>Rom</p>" + "<!--" * 300_000,
        "<p>Rom</p>" + "<a b='" * 300_000,
        "<title>T</title>" + "<svg>" * 100_000 + "<p>Rom</p>",
        "<div>" * 100_000 + "<p>In Rom regnet es heute.</p>",
        "<p>In Rom\x00 regnet es.</p>",
        "<?xml version='1.0' encoding='latin-1'?><html><body><p>In Rom regnet es.</p></body></html>",
        "<p title='" + "x" * 2_000_000 + "'>Rom</p>",
    ],
)
def test_hostile_pages_give_text_or_nothing_never_an_exception(page):
    extracted = extract_page(page)
    assert isinstance(extracted.text, str) and "\x00" not in extracted.title


def test_html_files_are_read_as_their_article(tmp_path):
    (tmp_path / "erdbeben.html").write_text(news_page_de(), encoding="utf-8")
    (tmp_path / "tiny.html").write_text("<p>In Ulm regnet es.</p>", encoding="utf-8")
    (tmp_path / "huge.html").write_text("<div><p>In Rom.</p></div>" * MAX_EXTRACT_TAGS, encoding="utf-8")
    errors: list[ArticleError] = []
    erdbeben, huge, tiny = read_articles([tmp_path], errors)
    assert words_in(erdbeben.text, CLUTTER_PLACES_DE) == []
    assert (erdbeben.title, erdbeben.source, erdbeben.published, erdbeben.lang) == (
        "Erdbeben in Marokko: Helfer erreichen abgelegene Dörfer",
        "Morgenblatt Beispielstadt",
        "2023-09-10",
        "de",
    )
    assert erdbeben.title_in_text and erdbeben.url.startswith("https://morgenblatt.example/")
    assert tiny.text == "In Ulm regnet es."
    note = "page too large for the article extractor; read as its whole visible text"
    assert [str(e) for e in errors] == [f"warning: {tmp_path}/huge.html: {note}"]
    assert huge.text.startswith("In Rom.")


def test_sidecar_metadata_still_wins_over_the_page(tmp_path):
    (tmp_path / "a.html").write_text(news_page_de(), encoding="utf-8")
    (tmp_path / "a.meta.yaml").write_text("source: Meine Quelle\npublished: 2023-09-11\n", encoding="utf-8")
    (article,) = read_articles([tmp_path / "a.html"], [])
    assert (article.source, article.published) == ("Meine Quelle", "2023-09-11")


def test_the_menu_cities_never_reach_the_place_finder(tmp_path):
    from geoapp.pipeline import Geoparser

    (seed,) = read_articles([ROOT / "seeds" / "004_klimakonferenz_rio.html"], [])
    assert "Startseite" not in seed.text and "Mehr zum Thema" not in seed.text
    (tmp_path / "erdbeben.html").write_text(news_page_de(), encoding="utf-8")
    (article,) = read_articles([tmp_path / "erdbeben.html"], [])
    result = Geoparser(corrections=None).parse(article)
    found = {pm.mention.text for pm in result.places}
    assert {"Marrakesch", "Casablanca"} <= found
    assert found.isdisjoint(CLUTTER_PLACES_DE)
