"""Hostile and careless use of the outputs: template syntax in every text field, formula cells, failed
runs that must not clobber good files, and one clear line instead of a traceback.

The template tests build real maps through the CLI and the library (and the app's download path):
branca re-reads rendered script as a Jinja template, so article text once ran as code there.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geoapp import export, fileio
from geoapp.cli import main
from geoapp.model import Article, Mention, Place, PlaceMention, Result

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_697af04ae4cd89d0.txt"

#: Template source of the engines a map passes through (Jinja via branca/folium), wiki markup that
#: looks like it, and a payload that would run a shell command if evaluated.
TEMPLATES = [
    "{{ 6*7 }}zz",
    "{% raw %}",
    "{{Infobox Ort}}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{# comment",
    "{{ lipsum.__globals__.os.popen('echo PWNED').read() }}",
    "${7*7}",
]
HOSTILE = " ".join(TEMPLATES)


def _record(i: int) -> dict:
    """A JSONL article with template syntax in every text field."""
    return {
        "id": f"id{i} {HOSTILE}",
        "title": f"Titel {HOSTILE}",
        "text": f"In Kiew sagte Selenskyj {HOSTILE}, Russland greife Charkiw an. "
        f"Danach flog er nach Berlin. {HOSTILE}",
        "url": f"https://example.org/{{{{7*7}}}}?q={i}",
        "source": f"Quelle {HOSTILE}",
        "published": "2024-05-0" + str(i + 1),
        "lang": "de",
    }


def _check_page(page: str) -> None:
    assert "42zz" not in page and "PWNED" not in page.replace("echo PWNED", "")
    assert "looploop" not in page
    # The text is still there, as data.
    assert "{{ 6*7 }}zz" in page or "{{ 6*7 }}zz".replace("<", "\\u003c") in page


@pytest.fixture
def hostile_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.jsonl"
    path.write_text("".join(json.dumps(_record(i), ensure_ascii=False) + "\n" for i in range(2)), "utf-8")
    return path


def test_template_syntax_in_every_field_is_plain_text_in_the_map(hostile_jsonl: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    actors = tmp_path / "actors.yaml"
    actors.write_text(
        "- name: 'Selenskyj {{ 6*7 }}zz'\n  kind: person\n  aliases: [Selenskyj]\n  country: UA\n", "utf-8"
    )
    for extra in ([], ["--self-contained"]):
        out = tmp_path / f"m{len(extra)}.html"
        assert main(["map", str(hostile_jsonl), "-o", str(out), "--actors", str(actors), *extra]) == 0
        page = out.read_text("utf-8")
        _check_page(page)
        assert "Selenskyj {{ 6*7 }}zz" in page  # the registry's name, as data


def test_map_of_a_single_article_titled_with_template_syntax(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    src = tmp_path / "a.txt"
    src.write_text(f"Bericht {HOSTILE} aus Kiew\nIn Kiew sagte er {HOSTILE}, dann flog er nach Moskau.\n",
                   "utf-8")
    out = tmp_path / "m.html"
    assert main(["map", str(src), "-o", str(out)]) == 0
    page = out.read_text("utf-8")
    _check_page(page)
    assert "<title>Bericht {{ 6*7 }}zz" in page


def test_app_download_and_streamlit_folium_render_keep_templates_as_text(hostile_jsonl: Path) -> None:
    from geoapp.articles import read_articles
    from geoapp.frames import links_frame, places_frame
    from geoapp.maps import build_map, map_html
    from geoapp.pipeline import Geoparser

    results = [Geoparser(corrections=None).parse(a) for a in read_articles([hostile_jsonl], [])]
    places, links = places_frame(results), links_frame(results)
    assert len(places)
    _check_page(map_html(build_map(places, links, title=HOSTILE, tiles=None)))
    # st_folium renders the figure and then each element's script macro on its own.
    m = build_map(places, links, title=None, tiles=None)
    figure = m.get_root().render()
    _check_page(figure)
    streamlit_folium = pytest.importorskip("streamlit_folium")
    _check_page(streamlit_folium.generate_leaflet_string(m))


def test_corrections_with_template_syntax_stay_text(tmp_path: Path, monkeypatch) -> None:
    from geoapp.frames import places_frame
    from geoapp.maps import build_map, map_html

    article = Article(id="a{{7*7}}", title="t {{ 6*7 }}zz", text="Kiew {{ 6*7 }}zz.", lang="de")
    place = Place(name="Kyiv {{ 6*7 }}zz", lat=50.45, lon=30.52, country_code="UA", feature="city",
                  source="user", why="user fix {% raw %}")
    result = Result(article, places=[PlaceMention(Mention(0, 4, "Kiew"), place)])
    _check_page(map_html(build_map(places_frame([result]), None, title="x", tiles=None)))


# ---------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("bad", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_spreadsheet_formulas_are_neutralised(bad: str) -> None:
    assert export.spreadsheet_safe(bad) == "'" + bad


@pytest.mark.parametrize("fine", ["-3.5", "+12", "-0.25e3", "Berlin", "", "3 - 2", 12, -3.5, None])
def test_numbers_and_plain_text_stay_as_they_are(fine) -> None:
    assert export.spreadsheet_safe(fine) == fine


def test_csv_and_acled_exports_carry_no_formula(tmp_path: Path) -> None:
    article = Article(id="=cmd|' /C calc'!A0", title="=HYPERLINK(\"http://evil\",\"x\")",
                      text="@SUM(1) Berlin is big.", lang="en", url="-1+1", published="+1")
    place = Place(name="Berlin", lat=52.52, lon=13.4, country_code="DE", feature="city")
    result = Result(article, places=[PlaceMention(Mention(7, 13, "Berlin"), place)])
    for fmt in ("csv", "acled"):
        rows = list(csv.reader(io.StringIO(export.render([result], fmt))))
        cells = [c for row in rows[1:] for c in row]
        risky = [c for c in cells if c[:1] in ("=", "+", "-", "@") and export.spreadsheet_safe(c) != c]
        assert cells and not risky, risky
        assert "+1" in cells  # a plain number, no formula: unchanged
        assert "'=HYPERLINK(\"http://evil\",\"x\")" in cells
        assert "52.52" in cells and "13.4" in cells


# ------------------------------------------------------------------------- failed runs and files


def test_failed_extract_leaves_an_existing_output_untouched(tmp_path: Path, capsys) -> None:
    out = tmp_path / "existing.jsonl"
    out.write_text("good\n", "utf-8")
    assert main(["extract", str(tmp_path / "missing.txt"), "-o", str(out)]) == 1
    assert out.read_text("utf-8") == "good\n"
    err = capsys.readouterr().err.strip().splitlines()
    assert "missing.txt" in err[0] and "nothing written" in err[-1]
    assert [p.name for p in tmp_path.iterdir()] == ["existing.jsonl"]


def test_map_with_nothing_to_show_keeps_the_old_map(tmp_path: Path, capsys) -> None:
    out = tmp_path / "map.html"
    out.write_text("old map", "utf-8")
    assert main(["map", str(tmp_path / "missing.txt"), "-o", str(out)]) == 1
    assert out.read_text("utf-8") == "old map"
    assert main(["map", str(SEED), "-o", str(out), "--actor", "Lavrow"]) == 1
    err = capsys.readouterr().err
    assert "no actor 'Lavrow'" in err and "closest: Sergei Lawrow" in err
    assert "geoapp: map of" not in err and out.read_text("utf-8") == "old map"
    assert main(["map", str(SEED), "-o", str(out), "--article", "000_697af04ae4cd89d"]) == 1
    assert "closest: 000_697af04ae4cd89d0" in capsys.readouterr().err
    assert out.read_text("utf-8") == "old map"


def test_problems_are_reported_before_the_success_line(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{broken", "utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["extract", str(bad), str(SEED), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "bad.json" in err[0] and err[-1].startswith("geoapp: wrote 1 articles")


def test_output_naming_a_folder_or_an_unwritable_place_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["extract", str(SEED), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "is a folder" in err
    blocker = tmp_path / "file"
    blocker.write_text("x", "utf-8")
    assert main(["map", str(SEED), "-o", str(blocker / "m.html")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_broken_or_missing_actor_registry_is_one_line(tmp_path: Path, capsys) -> None:
    assert main(["extract", str(SEED), "--actors", str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "none.yaml" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("- name: [unclosed\n", "utf-8")
    assert main(["extract", str(SEED), "--actors", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "broken.yaml" in err


def test_stale_temporary_files_of_dead_runs_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = tmp_path / f".out.jsonl.{dead.stdout.strip()}.abc123.tmp"
    stale.write_text("half", "utf-8")
    live = tmp_path / f".out.jsonl.{os.getpid()}.zzz.tmp"  # a run still writing: left alone
    live.write_text("busy", "utf-8")
    other = tmp_path / ".other.jsonl.1.x.tmp"
    other.write_text("x", "utf-8")
    fileio.atomic_write(target, "new\n")
    assert target.read_text("utf-8") == "new\n"
    assert not stale.exists() and live.exists() and other.exists()


def test_atomic_file_discards_on_error_and_keeps_old(tmp_path: Path) -> None:
    target = tmp_path / "o.txt"
    target.write_text("old", "utf-8")
    with pytest.raises(RuntimeError), fileio.AtomicFile(target) as out:
        out.write("partial")
        raise RuntimeError("boom")
    assert target.read_text("utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["o.txt"]


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "GEOAPP_CACHE_DIR": kw.pop("cache")}
    return subprocess.Popen([sys.executable, "-m", "geoapp.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "Berlin und Paris. " * 20, "lang": "de"}) + "\n"
                           for i in range(300)), "utf-8")
    proc = _cli("extract", str(src), cache=str(tmp_path / "c"))
    proc.stdout.read(100)
    proc.stdout.close()  # the reader goes away, as `| head -c 100` does
    err = proc.stderr.read().decode()
    assert proc.wait(60) != 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_sigterm_leaves_no_partial_output(tmp_path: Path) -> None:
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "Berlin und Paris. " * 50, "lang": "de"}) + "\n"
                           for i in range(5000)), "utf-8")
    out = tmp_path / "o.jsonl"
    out.write_text("old\n", "utf-8")
    proc = _cli("extract", str(src), "-o", str(out), cache=str(tmp_path / "c"))
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    assert proc.returncode != 0
    assert out.read_text("utf-8") == "old\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_online_run_with_the_service_unreachable_fails(tmp_path: Path, capsys, monkeypatch) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GEOAPP_NOMINATIM_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("GEOAPP_USER_AGENT", "geoapp-tests (tests@example.org)")
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEOAPP_MAX_RETRIES", "0")
    monkeypatch.setenv("GEOAPP_TIMEOUT", "2")
    src = tmp_path / "a.txt"
    src.write_text("Storm\n\nA tornado hit Paris, Texas. A ranch in Loving County was hit hard.\n", "utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["extract", str(src), "--geocoder", "online", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "unreachable" in err and "Traceback" not in err
    assert out.exists()  # what could be placed offline is still written
