"""Hostile and careless input: one line per problem naming the file, never a traceback, the rest read."""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from geoapp.articles import (
    ArticleError,
    DuplicateIds,
    clean_article,
    clean_text,
    expand_paths,
    html_to_text,
    read_articles,
    read_path,
)
from geoapp.model import Article

ROOT = Path(__file__).resolve().parents[1]


def read(paths):
    errors: list[ArticleError] = []
    articles = list(read_articles(paths, errors))
    return articles, errors


def lines(errors) -> list[str]:
    return [str(e) for e in errors]


def record(**fields) -> str:
    """One JSONL line; German unless told (so short texts skip language detection's model)."""
    return json.dumps({"lang": "de", **fields})


def fake_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))


# 1 ------------------------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_one_line_and_the_other_lines_are_read(tmp_path):
    deep = '{"text": "Rom.", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    f = tmp_path / "deep.jsonl"
    f.write_text("\n".join([record(id="a", text="Berlin."), deep, record(id="b", text="Paris.")]))
    whole = tmp_path / "deep.json"
    whole.write_text("[" * 100_000 + "]" * 100_000)
    articles, errors = read([f, whole])
    assert [a.id for a in articles] == ["a", "b"]
    assert lines(errors) == [f"{f}:2: JSON nested too deeply", f"{whole}: JSON nested too deeply"]


# 2 ------------------------------------------------------------------------------------------------


def test_lone_surrogates_become_u_fffd_with_one_warning_per_field(tmp_path):
    f = tmp_path / "s.jsonl"
    bad = (
        '{"lang": "de", "id": "x\\ud800", "title": "T\\udfff", '
        '"text": "In Berlin \\ud800 und \\udc00 Paris \\ud83d\\ude00."}'
    )
    f.write_text("\n".join([record(id="ok", text="Rom."), bad]), encoding="ascii")
    articles, errors = read([f])
    a = articles[1]
    assert a.text == "In Berlin \ufffd und \ufffd Paris \U0001f600."  # a proper pair stays one character
    assert len(a.text) == len(json.loads(bad)["text"])  # offsets stay valid
    assert (a.id, a.title) == ("x\ufffd", "T\ufffd")
    assert lines(errors) == [
        f"warning: {f}:2: 'id' held 1 lone surrogate(s), replaced by U+FFFD",
        f"warning: {f}:2: 'title' held 1 lone surrogate(s), replaced by U+FFFD",
        f"warning: {f}:2: 'text' held 2 lone surrogate(s), replaced by U+FFFD",
    ]
    assert all(e.warning for e in errors)
    for value in (a.id, a.title, a.text):
        value.encode("utf-8")  # what a writer or the CRF tagger needs


def test_clean_text_and_clean_article_for_the_library_api():
    assert clean_text("a\ud800b\udfff") == ("a\ufffdb\ufffd", 2)
    assert clean_text("plain") == ("plain", 0)
    article, notes = clean_article(Article(id="i", title="T", text="Köln \udc80", source="\ud800"))
    assert (article.text, article.source) == ("Köln \ufffd", "\ufffd")
    assert notes == [
        "'text' held 1 lone surrogate(s), replaced by U+FFFD",
        "'source' held 1 lone surrogate(s), replaced by U+FFFD",
    ]
    same = Article(id="i", title="T", text="ok")
    assert clean_article(same) == (same, [])


def test_errors_and_warnings_are_told_apart():
    assert str(ArticleError("f.txt", "empty file")) == "f.txt: empty file"
    assert (
        str(ArticleError("f.jsonl", "duplicate id 'a'", 3, warning=True))
        == "warning: f.jsonl:3: duplicate id 'a'"
    )


# 3 ------------------------------------------------------------------------------------------------


def test_file_names_that_are_not_utf8_are_read_and_shown_escaped(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(folder + b"/caf\xe9.txt", "wb") as fh:
        fh.write("Köln\n\nIn Köln regnet es.".encode())
    with open(folder + b"/bad\xff.jsonl", "wb") as fh:
        fh.write(b"{oops\n")
    articles, errors = read([tmp_path])
    (a,) = articles
    assert a.text.endswith("In Köln regnet es.")
    assert a.id == "caf\\xe9" and a.path == f"{tmp_path}/caf\\xe9.txt"
    (message,) = lines(errors)
    assert message.startswith(f"{tmp_path}/bad\\xff.jsonl:1: broken JSON")
    strict = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    strict.write(message + a.path + a.id)  # printable on a UTF-8 stderr, storable in an export


def test_control_characters_in_a_name_keep_the_message_on_one_line(tmp_path):
    f = tmp_path / "two\nlines\u202e.txt"
    f.write_bytes(b"")
    (message,) = lines(read([f])[1])
    assert message == f"{tmp_path}/two\\x0alines\\u202e.txt: empty file"


# 4 ------------------------------------------------------------------------------------------------


def test_utf16_with_bom_is_decoded_and_without_bom_is_named(tmp_path):
    text = "Titel\n\nIn Köln regnet es."
    (tmp_path / "a_le.txt").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (tmp_path / "b_be.txt").write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    (tmp_path / "c_utf8.txt").write_bytes(codecs.BOM_UTF8 + text.encode())
    (tmp_path / "d.jsonl").write_bytes(codecs.BOM_UTF16_LE + record(id="j", text=text).encode("utf-16-le"))
    (tmp_path / "e_nobom.txt").write_bytes(text.encode("utf-16-le"))
    (tmp_path / "f_nobom.txt").write_bytes(text.encode("utf-16-be"))
    (tmp_path / "g_broken.txt").write_bytes(
        codecs.BOM_UTF16_LE + "a\ud800".encode("utf-16-le", "surrogatepass")
    )
    articles, errors = read([tmp_path])
    assert [(a.id, a.text) for a in articles] == [
        ("a_le", text),
        ("b_be", text),
        ("c_utf8", text),
        ("j", text),
    ]
    assert lines(errors) == [
        f"{tmp_path}/e_nobom.txt: looks like UTF-16 (little-endian) without a byte-order mark: "
        "save it as UTF-8, or as UTF-16 with a byte-order mark",
        f"{tmp_path}/f_nobom.txt: looks like UTF-16 (big-endian) without a byte-order mark: "
        "save it as UTF-8, or as UTF-16 with a byte-order mark",
        f"{tmp_path}/g_broken.txt: not valid UTF-16 (unexpected end of data at byte offset 4)",
    ]


# 5 ------------------------------------------------------------------------------------------------


def test_every_text_problem_is_named_truthfully(tmp_path):
    f = tmp_path / "t.jsonl"
    rows = [
        record(text=" \n\t "),
        record(text=""),
        record(text=5),
        record(title="no text"),
        record(text=None),
        record(text=["Berlin"]),
        "[1, 2]",
        record(id={"x": 1}, title=["a"], published=2024, lang=True, text="Berlin."),
    ]
    f.write_text("\n".join(rows))
    articles, errors = read([f])
    (a,) = articles
    assert (a.id, a.title, a.published) == ("t:8", "", "2024")
    assert lines(errors) == [
        f"{f}:1: 'text' is empty (only whitespace)",
        f"{f}:2: 'text' is empty",
        f"{f}:3: 'text' is a number, not a string",
        f"{f}:4: missing 'text'",
        f"{f}:5: 'text' is null, not a string",
        f"{f}:6: 'text' is an array, not a string",
        f"{f}:7: expected a JSON object, got an array",
        f"warning: {f}:8: 'title' is an array, not a string; ignored",
        f"warning: {f}:8: 'lang' is a boolean, not a string; ignored",
        f"warning: {f}:8: 'id' is an object, not a string; ignored",
    ]


def test_json_file_level_problems(tmp_path):
    empty_list = tmp_path / "a.json"
    empty_list.write_text("[]")
    huge_number = tmp_path / "b.json"
    huge_number.write_text('{"text": "Rom.", "id": ' + "1" * 5000 + "}")
    whitespace = tmp_path / "c.json"
    whitespace.write_text("  \n ")
    _, errors = read([tmp_path])
    assert lines(errors) == [
        f"{empty_list}: empty JSON array, no articles",
        f"{huge_number}: JSON could not be read "
        "(Exceeds the limit (4300 digits) for integer string conversion)",
        f"{whitespace}: empty file (only whitespace)",
    ]


# 6 ------------------------------------------------------------------------------------------------


def test_unreadable_subfolder_and_file_each_get_one_line(tmp_path, monkeypatch):
    (tmp_path / "a_good.txt").write_text("Titel\n\nIn Bonn regnet es.")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner.txt").write_text("Titel\n\nIn Ulm regnet es.")
    secret = tmp_path / "secret.txt"
    secret.write_text("Titel\n\nIn Kiel regnet es.")
    locked.chmod(0)
    secret.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # root reads anyway: refuse as the kernel would for others
            real_scandir, real_open = os.scandir, os.open

            def scandir(path="."):
                if os.fspath(path) == str(locked):
                    raise PermissionError(13, "Permission denied", os.fspath(path))
                return real_scandir(path)

            def open_(path, flags, *args, **kwargs):
                if os.fspath(path) == str(secret):
                    raise PermissionError(13, "Permission denied", os.fspath(path))
                return real_open(path, flags, *args, **kwargs)

            monkeypatch.setattr(os, "scandir", scandir)
            monkeypatch.setattr(os, "open", open_)
        articles, errors = read([tmp_path])
    finally:
        locked.chmod(0o755)
        secret.chmod(0o644)
    assert [a.id for a in articles] == ["a_good"]
    assert lines(errors) == [f"{locked}: folder skipped: Permission denied", f"{secret}: Permission denied"]


# 7 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"<!DOCTYPE html><title>T</title><p>In Berlin regnet es.</p>",
            [("stdin", "T", "In Berlin regnet es.")],
        ),
        (b"\n  <p>In <b>Rom</b> regnet es.</p>", [("stdin", "", "In Rom regnet es.")]),
        (
            b'[{"id": "a", "text": "Berlin."}, {"id": "b", "text": "Paris."}]',
            [("a", "", "Berlin."), ("b", "", "Paris.")],
        ),
        (b'{\n  "id": "o",\n  "title": "T",\n  "text": "Wien."\n}\n', [("o", "T", "Wien.")]),
        (
            b'{"id": "l1", "text": "Oslo."}\n{"id": "l2", "text": "Bern."}\n',
            [("l1", "", "Oslo."), ("l2", "", "Bern.")],
        ),
        (b"# Kopf\n\nIn Graz.", [("stdin", "Kopf", "# Kopf\n\nIn Graz.")]),
        (
            b"[Update] In Linz regnet es.",
            [("stdin", "[Update] In Linz regnet es.", "[Update] In Linz regnet es.")],
        ),
        (codecs.BOM_UTF16_LE + "<p>Köln</p>".encode("utf-16-le"), [("stdin", "", "Köln")]),
    ],
)
def test_stdin_is_sniffed_and_read_with_the_right_reader(monkeypatch, data, expected):
    fake_stdin(monkeypatch, data)
    articles, errors = read(["-"])
    assert errors == []
    assert [(a.id, a.title, a.text) for a in articles] == expected
    assert all(a.path == "<stdin>" for a in articles)


def test_stdin_broken_json_is_one_line(monkeypatch):
    fake_stdin(monkeypatch, b'{\n  "id": "o",\n  "text": "Wien."\n')
    assert lines(read(["-"])[1]) == ["<stdin>: broken JSON (Expecting ',' delimiter, line 4 column 1)"]


def test_closed_or_failing_stdin_is_one_line(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    assert lines(read(["-"])[1]) == ["<stdin>: standard input is closed"]

    def fail():
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=SimpleNamespace(read=fail)))
    assert lines(read(["-"])[1]) == ["<stdin>: standard input could not be read (Input/output error)"]


def test_stdin_closed_at_the_file_descriptor(tmp_path):
    script = "from geoapp.articles import read_articles; e = []; list(read_articles(['-'], e)); print(*e)"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.close(0),
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "<stdin>: standard input is closed\n", "")


# 8 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "runs_past_tags"),
    [
        ("<!-- Berlin", True),  # an unclosed comment
        ("<script>var city = 'Berlin';", True),
        ("<style>p { content: 'Berlin' }", True),
        ("<![CDATA[ Berlin", True),
        ("<a href='x>Berlin", True),  # an unclosed quoted attribute value
        ("<?php echo 'Berlin';", False),  # these end at the next ">", so only at the very end
        ("<!DOCTYPE Berlin", False),
        ("<p class=x Berlin", False),
        ("</p Berlin", False),
    ],
)
def test_html_unclosed_constructs_hide_the_rest(tail, runs_past_tags):
    assert html_to_text(f"<p>In Rom regnet es.</p>{tail}") == ("", "In Rom regnet es.")
    if runs_past_tags:
        assert html_to_text(f"<p>In Rom regnet es.</p>{tail}<p>Paris</p>") == ("", "In Rom regnet es.")


def test_html_closed_constructs_and_references():
    html = (
        "<head><title>A &amp; B</title></head><p>Rom</p><![CDATA[ Berlin ]]><!-- x --!><p>Wien</p>"
        "<textarea>Graz &amp; Linz</textarea><svg><title>tip</title></svg><p title='a>b'>Bern</p>"
        "<p>&#" + "0" * 10_000 + "65; &#99999999999; a < b</p>"
    )
    assert html_to_text(html) == ("A & B", "Rom\n\nWien\n\nGraz & Linz\n\nBern\n\nA \ufffd a < b")
    # A head never closed ends where the body begins, as in a browser.
    assert html_to_text("<html><head><title>T</title><p>Ulm") == ("T", "Ulm")


@pytest.mark.parametrize("unit", ["<a", "<!--", "</", "<a b='", "<!", "<?", "<a =x", "&#", "<script>"])
def test_html_pathological_repetitions_are_read_in_one_pass(unit):
    # HTMLParser took minutes on 400 kB of these (it rescans to the end at every "<").
    title, text = html_to_text("<p>Rom</p>" + unit * 300_000)
    assert text.startswith("Rom")


def test_html_deep_nesting_of_hidden_elements():
    deep = "<svg>" * 100_000 + "<title>tip</title>" * 1000 + "</p>" * 1000 + "</svg>" * 100_000
    assert html_to_text(f"<title>T</title>{deep}<p>Rom</p>") == ("T", "Rom")


# 9 ------------------------------------------------------------------------------------------------


def test_duplicate_ids_are_warned_with_both_places(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text(
        "\n".join([record(id="x", text="Rom."), record(id="y", text="Ulm."), record(id="x", text="Bonn.")])
    )
    b = tmp_path / "b.json"
    b.write_text(json.dumps([{"id": "y", "text": "Kiel."}]))
    c = tmp_path / "x.txt"
    c.write_text("Titel\n\nIn Graz.")
    articles, errors = read([a, b, c, a])
    assert len(articles) == 8  # warned, still read
    assert lines(errors) == [
        f"warning: {a}:3: duplicate id 'x'; first seen at {a}:1",
        f"warning: {b}: duplicate id 'y' (item 0); first seen at {a}:2",
        f"warning: {c}: duplicate id 'x'; first seen at {a}:1",
        f"warning: {a}:1: duplicate id 'x'; first seen at {a}:1",  # the same file named twice
        f"warning: {a}:2: duplicate id 'y'; first seen at {a}:2",
        f"warning: {a}:3: duplicate id 'x'; first seen at {a}:1",
    ]


def test_duplicate_ids_across_read_path_calls_as_the_cli_reads(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.jsonl").write_text(record(id="same", text="Rom."))
    errors: list[ArticleError] = []
    ids = DuplicateIds()
    articles = [a for p in expand_paths([tmp_path], errors) for a in read_path(p, errors, ids)]
    assert len(articles) == 2
    assert lines(errors) == [
        f"warning: {tmp_path}/two.jsonl:1: duplicate id 'same'; first seen at {tmp_path}/one.jsonl:1"
    ]


# 10 -----------------------------------------------------------------------------------------------


def test_a_folder_where_a_file_is_expected_and_a_device(tmp_path):
    errors: list[ArticleError] = []
    assert list(read_path(tmp_path, errors)) == []
    assert list(read_path(Path("/dev/null"), errors)) == []
    assert lines(errors) == [f"{tmp_path}: is a folder, not a file", "/dev/null: is a device, not a file"]


def test_fifos_links_and_empty_things_in_a_folder(tmp_path):
    (tmp_path / "a_good.txt").write_text("Titel\n\nIn Bonn.")
    (tmp_path / "b_zero.txt").write_bytes(b"")
    os.mkfifo(tmp_path / "c_fifo.txt")
    (tmp_path / "d_loop.txt").symlink_to(tmp_path / "d_loop.txt")
    (tmp_path / "e_broken.md").symlink_to(tmp_path / "nowhere")
    (tmp_path / "f_up").symlink_to(tmp_path)  # a folder link back up: not followed, so no endless walk
    (tmp_path / "g_link.txt").symlink_to(tmp_path / "a_good.txt")
    (tmp_path / "h_empty").mkdir()
    articles, errors = read([tmp_path, tmp_path / "h_empty"])
    assert [a.id for a in articles] == ["a_good", "g_link"]
    assert lines(errors) == [
        f"{tmp_path}/c_fifo.txt: skipped: a FIFO, not a regular file",
        f"{tmp_path}/d_loop.txt: skipped: Too many levels of symbolic links",
        f"{tmp_path}/e_broken.md: skipped: broken symbolic link",
        f"warning: {tmp_path}/f_up: symbolic link to a folder, not followed: "
        "name the folder itself to read it",
        f"warning: {tmp_path}/h_empty: no article files (.txt .md .html .htm .json .jsonl) in this folder",
        f"{tmp_path}/b_zero.txt: empty file",
    ]


def test_a_fifo_named_on_purpose_is_read_and_one_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "feed.txt"
    os.mkfifo(fifo)
    errors: list[ArticleError] = []
    assert list(read_path(fifo, errors)) == []  # nobody writes: empty, at once
    assert lines(errors) == [f"{fifo}: empty file"]
    # A pipe with its writer already there, as bash's <(command) gives one.
    script = (
        "import sys; from geoapp.articles import read_articles as r; e = []; print(*r(sys.argv[1:], e), *e)"
    )
    done = subprocess.run(
        ["bash", "-c", 'exec "$PYTHON" -c "$SCRIPT" <(printf "Titel\\n\\nDer Regen ist in Bonn nicht neu.")'],
        env={**os.environ, "PYTHON": sys.executable, "SCRIPT": script},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "text='Titel\\n\\nDer Regen ist in Bonn nicht neu.'" in done.stdout and done.stderr == ""


def test_a_symlink_loop_named_and_a_file_gone_after_listing(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    (tmp_path / "a.txt").write_text("Titel\n\nIn Bonn.")
    (tmp_path / "b.txt").write_text("Titel\n\nIn Ulm.")
    errors: list[ArticleError] = []
    files = expand_paths([loop, tmp_path], errors)
    (tmp_path / "a.txt").unlink()
    articles = [a for p in files for a in read_path(p, errors)]
    assert [a.id for a in articles] == ["b"]
    assert lines(errors) == [
        f"{loop}: Too many levels of symbolic links",
        f"{tmp_path}/a.txt: No such file or directory",
    ]


def test_a_50_mb_jsonl_line_is_read(tmp_path):
    text = "In Köln regnet es heute wieder. " * 1_600_000
    f = tmp_path / "big.jsonl"
    f.write_text(record(id="big", text=text) + "\n" + record(id="small", text="Rom."), encoding="utf-8")
    assert f.stat().st_size > 50_000_000
    articles, errors = read([f])
    assert errors == []
    assert [a.id for a in articles] == ["big", "small"] and articles[0].text == text


def test_a_name_with_a_nul_character(tmp_path):
    (message,) = lines(read([f"{tmp_path}/a\x00b.txt"])[1])
    assert message == f"{tmp_path}/a\\x00b.txt: not a usable file name (embedded null byte)"


def test_a_file_broken_on_every_line_lists_the_first_hundred_and_counts_the_rest(tmp_path):
    f = tmp_path / "table.jsonl"  # a CSV renamed
    f.write_text("\n".join(f"{i},Berlin,52.5" for i in range(1000)) + "\n" + record(id="ok", text="Rom."))
    articles, errors = read([f])
    assert [a.id for a in articles] == ["ok"]
    assert len(errors) == 101
    assert str(errors[99]).startswith(f"{f}:100: broken JSON")
    assert str(errors[100]) == f"{f}: and 900 more problem(s) in this file, not listed one by one"


def test_sidecar_metadata_that_is_hostile(tmp_path):
    (tmp_path / "a.txt").write_text("Titel\n\nIn Bonn regnet es.")
    (tmp_path / "a.meta.yaml").write_text("id: " + "[" * 50_000 + "]" * 50_000)
    (tmp_path / "b.txt").write_text("Titel\n\nIn Ulm regnet es.")
    (tmp_path / "b.meta.yaml").write_text("id: b2\ntitle: [x, y]\npublished: 2024-05-01\n")
    (tmp_path / "c.txt").write_text("Titel\n\nIn Kiel regnet es.")
    (tmp_path / "c.meta.yaml").write_bytes(b"")
    articles, errors = read([tmp_path])
    assert [(a.id, a.title, a.published) for a in articles] == [
        ("a", "Titel", None),
        ("b2", "Titel", "2024-05-01"),
        ("c", "Titel", None),
    ]
    assert lines(errors) == [
        f"{tmp_path}/a.meta.yaml: metadata ignored: nested too deeply",
        f"warning: {tmp_path}/b.meta.yaml: 'title' is a list, not a single value; ignored",
    ]


def test_uploads_with_hostile_names():
    from geoapp.articles import read_uploads

    articles, messages = read_uploads(
        [
            ("..", b"Titel\n\nIn Bonn regnet es."),
            ("../../etc/x.txt", b"Titel\n\nIn Ulm regnet es."),
            ("C:\\Users\\x.txt", b"Titel\n\nIn Kiel regnet es."),
            ("a\x00b.md", b"# T\n\nIn Graz."),
            ("n" * 300 + ".txt", b"Titel"),
            ("report.pdf", b"%PDF"),
            ("d.jsonl", b'{"id": "upload", "text": "Rom."}\n'),
        ]
    )
    assert [(a.id, a.path) for a in articles] == [
        ("upload", ".."),
        ("x", "../../etc/x.txt"),
        ("ab", "a\\x00b.md"),
        ("upload", "d.jsonl"),
    ]
    assert messages == [
        "C:\\Users\\x.txt: skipped: another upload has the same file name",
        f"{'n' * 300}.txt: could not be stored (File name too long)",
        "report.pdf: skipped: not an article file (.txt .md .html .htm .json .jsonl)",
        "warning: d.jsonl:1: duplicate id 'upload'; first seen at ..",
    ]


def test_jsonl_is_read_line_by_line_and_a_bad_line_costs_only_itself(tmp_path):
    """A JSONL archive is read a line at a time (memory flat in its size, benchmarks/scaling.py):
    a line with invalid bytes is one error with its line number and byte offset, the lines after it
    are read, and CRLF, lone CR and a UTF-8 BOM are taken as when the file is read whole."""
    f = tmp_path / "mixed.jsonl"
    good = [record(id=f"a{i}", text=f"Berlin {i}.").encode() for i in range(4)]
    bad = b'{"id": "bad", "text": "M\xfcnchen"}'
    f.write_bytes(b"\xef\xbb\xbf" + good[0] + b"\r\n" + bad + b"\n" + good[1] + b"\r" + good[2]
                  + b"\n\n" + good[3])
    articles, errors = read([f])
    assert [a.id for a in articles] == ["a0", "a1", "a2", "a3"]
    offset = 3 + len(good[0]) + 2 + bad.index(b"\xfc")
    assert lines(errors) == [f"{f}:2: not valid UTF-8 (byte 0xfc at offset {offset})"]
    # the same numbering as a file read whole: a broken line after a lone CR names its line
    g = tmp_path / "cr.jsonl"
    g.write_bytes(good[0] + b"\r" + good[1] + b"\r\n{broken\n" + good[2])
    articles, errors = read([g])
    assert [a.id for a in articles] == ["a0", "a1", "a2"]
    assert [(e.path, e.line) for e in errors] == [(str(g), 3)]


def test_jsonl_that_is_empty_or_utf16_is_named_as_a_whole(tmp_path):
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n\t\n", "utf-8")
    utf16 = tmp_path / "u16.jsonl"
    utf16.write_bytes(codecs.BOM_UTF16_LE + record(id="x", text="Berlin.").encode("utf-16-le"))
    articles, errors = read([blank, utf16])
    assert [a.id for a in articles] == ["x"]
    assert lines(errors) == [f"{blank}: empty file (only whitespace)"]
