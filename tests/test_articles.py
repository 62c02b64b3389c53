"""Reading articles: every format, language detection, and one clear line per bad input."""

from __future__ import annotations

import json
from pathlib import Path

from geoapp.articles import ArticleError, article_from_text, detect_language, html_to_text, read_articles
from geoapp.text import name_key, sentences, tokenize

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_697af04ae4cd89d0.txt"


def read(paths):
    errors: list[ArticleError] = []
    articles = list(read_articles(paths, errors))
    return articles, errors


def test_seed_text_file_keeps_text_and_title():
    articles, errors = read([SEED])
    assert errors == []
    (a,) = articles
    raw = SEED.read_text(encoding="utf-8")
    assert a.text == raw  # offsets index the file as given
    assert a.title.startswith("Pjöngjangs Entschlossenheit")
    assert a.title_in_text and a.lang == "de"
    assert a.id == "000_697af04ae4cd89d0"  # from the .meta.yaml sidecar
    assert a.source is None


def test_language_detection_german_and_english():
    assert (
        detect_language("Der Außenminister ist am Sonntag in Nordkorea eingetroffen, wie die Agentur meldet.")
        == "de"
    )
    assert detect_language("The foreign minister arrived in North Korea on Sunday, the agency said.") == "en"


def test_jsonl_lines_errors_and_order(tmp_path):
    f = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": 7, "title": "A", "text": "Berlin ist die Hauptstadt.", "lang": "de"}),
        "{broken json",
        json.dumps({"id": "x2", "title": "no text"}),
        "",
        json.dumps({"id": "x3", "text": "Troops moved towards Kharkiv from the north, officials said."}),
    ]
    f.write_text("\n".join(lines), encoding="utf-8")
    articles, errors = read([f])
    assert [a.id for a in articles] == ["7", "x3"]
    assert articles[1].lang == "en"
    messages = [str(e) for e in errors]
    assert any(m.startswith(f"{f}:2: broken JSON") for m in messages)
    assert any(m == f"{f}:3: missing 'text'" for m in messages)
    assert all("\n" not in m for m in messages)


def test_json_object_and_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"title": "T", "text": "Paris is in France."}), encoding="utf-8")
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"id": "a", "text": "Rom."}, {"id": "b"}, "nope"]), encoding="utf-8")
    articles, errors = read([one, many])
    assert [a.id for a in articles] == ["one", "a"]
    assert len(errors) == 2 and all(str(e).startswith(str(many)) for e in errors)


def test_bad_files_each_get_one_line_and_the_rest_runs(tmp_path):
    (tmp_path / "a_empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "b_binary.txt").write_bytes(b"\x89PNG\x00\x00\x01\x02")
    (tmp_path / "c_latin1.txt").write_bytes("Köln".encode("latin-1"))
    (tmp_path / "d_good.txt").write_text("Titel\n\nIn Köln regnet es.", encoding="utf-8")
    articles, errors = read([tmp_path, tmp_path / "missing.txt"])
    assert [a.id for a in articles] == ["d_good"]
    text = "\n".join(map(str, errors))
    assert "a_empty.txt: empty file" in text
    assert "b_binary.txt: binary file" in text
    assert "c_latin1.txt: not valid UTF-8" in text
    assert "missing.txt: No such file" in text
    assert len(errors) == 4


def test_html_visible_text_only():
    title, text = html_to_text(
        "<html><head><title>T &amp; U</title><script>var x='Berlin';</script></head>"
        "<body><p>In <b>Hamburg</b> regnet es.</p><style>p{}</style><p>Zweiter Absatz.</p></body></html>"
    )
    assert title == "T & U"
    assert text == "In Hamburg regnet es.\n\nZweiter Absatz."


def test_html_seed_file():
    articles, errors = read([ROOT / "seeds" / "004_klimakonferenz_rio.html"])
    assert errors == []
    (a,) = articles
    assert "tracking" not in a.text and "Rio de Janeiro" in a.text
    assert a.title.startswith("Klimakonferenz in Rio de Janeiro")


def test_pasted_text_ids_are_stable():
    a = article_from_text("Kyiv\n\nStrikes hit Kyiv overnight, the mayor said.")
    b = article_from_text("Kyiv\n\nStrikes hit Kyiv overnight, the mayor said.")
    assert a.id == b.id and a.id.startswith("pasted-") and a.title == "Kyiv"


def test_text_utilities():
    assert name_key("Wŏnsan") == name_key("WONSAN") == "wonsan"
    assert name_key("St. Petersburg") == "st petersburg"
    assert [t.text for t in tokenize("Kim Jong-un traf Choe Son-hui.")] == [
        "Kim",
        "Jong-un",
        "traf",
        "Choe",
        "Son-hui",
    ]
    text = "Am 3. Oktober sprach Dr. Müller in Berlin. Danach reiste er ab! Dann?"
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Am 3. Oktober sprach Dr. Müller in Berlin.",
        "Danach reiste er ab!",
        "Dann?",
    ]


def test_uploads_name_the_upload_not_the_temporary_file():
    from geoapp.articles import read_uploads

    articles, messages = read_uploads(
        [
            ("good.txt", b"Titel\n\nIn Dresden regnet es."),
            ("bad.jsonl", b'{"id": "a", "text": "Kyiv."}\n{oops\n'),
            ("empty.md", b""),
        ]
    )
    assert sorted(a.id for a in articles) == ["a", "good"]
    assert all(a.path in ("good.txt", "bad.jsonl") for a in articles)
    assert messages == [
        "bad.jsonl:2: broken JSON (Expecting property name enclosed in double quotes, column 2)",
        "empty.md: empty file",
    ]
