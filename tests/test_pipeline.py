"""End to end on the sample article and the own samples: places, offsets, the JSONL contract, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from geoapp.articles import read_articles
from geoapp.cli import main
from geoapp.model import Article
from geoapp.pipeline import Geoparser

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = SEEDS / "000_697af04ae4cd89d0.txt"


def km(lat1, lon1, lat2, lon2):
    from geoapp.resolve import haversine_km

    return haversine_km(lat1, lon1, lat2, lon2)


@pytest.fixture(scope="module")
def geoparser() -> Geoparser:
    return Geoparser()


@pytest.fixture(scope="module")
def seed_result(geoparser):
    (article,) = list(read_articles([SEED], []))
    return geoparser.parse(article)


def by_text(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for pm in result.places:
        out.setdefault(pm.mention.text, []).append(pm)
    return out


def test_offsets_cut_the_mention_back_out(seed_result):
    text = seed_result.article.text
    assert seed_result.places
    for pm in seed_result.places:
        assert text[pm.mention.start : pm.mention.end] == pm.mention.text


def test_headline_genitive_pyongyang(seed_result):
    (pm,) = by_text(seed_result)["Pjöngjangs"]
    assert pm.mention.start == 0  # the headline is the text's first line
    assert pm.place.country_code == "KP" and pm.place.feature == "city"
    assert km(pm.place.lat, pm.place.lon, 39.03, 125.75) < 15


def test_wonsan(seed_result):
    mentions = by_text(seed_result)["Wŏnsan"]
    assert mentions
    for pm in mentions:
        assert km(pm.place.lat, pm.place.lon, 39.15, 127.44) < 15


def test_region_kursk_is_the_oblast(seed_result):
    (pm,) = by_text(seed_result)["Region Kursk"]
    assert pm.place.feature == "region"
    assert km(pm.place.lat, pm.place.lon, 51.7, 36.2) < 100


@pytest.mark.parametrize(
    "surface, cc", [("Nordkorea", "KP"), ("DVRK", "KP"), ("Russland", "RU"), ("Ukraine", "UA")]
)
def test_countries(seed_result, surface, cc):
    found = by_text(seed_result)[surface]
    assert found and all(pm.place.country_code == cc and pm.place.feature == "country" for pm in found)


def test_no_common_words_or_people_become_places(seed_result):
    allowed = {"Pjöngjangs", "Russland", "Ukraine", "Nordkorea", "DVRK", "Wŏnsan", "Region Kursk"}
    found = {pm.mention.text for pm in seed_result.places}
    assert found <= allowed, found - allowed
    assert {"Pjöngjangs", "Russland", "Ukraine", "Nordkorea", "DVRK", "Wŏnsan", "Region Kursk"} <= found


def test_title_given_apart_is_searched_with_field_title(geoparser):
    article = Article(
        id="t1", title="Lage in Kiew", text="Die Stadt wurde in der Nacht angegriffen.", lang="de"
    )
    result = geoparser.parse(article)
    (pm,) = result.places
    assert pm.mention.field == "title" and article.title[pm.mention.start : pm.mention.end] == "Kiew"
    assert pm.place.country_code == "UA"


def test_ambiguous_paris_texas_and_washington(geoparser):
    articles = {a.id: a for a in read_articles([SEEDS], [])}
    texas = geoparser.parse(articles["001_paris_texas_storm"])
    paris = [pm for pm in texas.places if pm.mention.text.lower() == "paris"]
    assert len(paris) >= 3
    assert all(pm.place.country_code == "US" and pm.place.admin1 == "Texas" for pm in paris)
    nato = geoparser.parse(articles["003_nato_washington"])
    wash = [pm for pm in nato.places if pm.mention.text.lower() == "washington"]
    assert wash and all(km(pm.place.lat, pm.place.lon, 38.9, -77.04) < 30 for pm in wash)


def test_country_by_a_real_alias_beats_a_village_of_that_name(geoparser):
    """"America" is the United States, not América in Argentina; "Holland" the Netherlands."""
    for text, name, cc in (
        ("Volunteers drove across America to deliver the parcels.", "America", "US"),
        ("The tulips in the shops come from Holland.", "Holland", "NL"),
    ):
        r = geoparser.parse(Article(id="a", title="", text=text, lang="en"))
        (place,) = [pm.place for pm in r.places if pm.mention.text == name]
        assert place.country_code == cc and place.feature == "country"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Lowering the cost of the EU’s airports is the goal.", "European Union"),
        ("All-Energy is the UK’s leading renewable energy event.", "United Kingdom"),
        ("It is time to address the DPRK's security concerns, the envoy said.", "North Korea"),
    ],
)
def test_abbreviation_with_a_possessive(geoparser, text, name):
    """An abbreviation is judged on its matched form: "EU’s" is the EU; the span leaves the
    possessive out, for the place and for the organisation of the same name."""
    r = geoparser.parse(Article(id="a", title="", text=text, lang="en"))
    (pm,) = r.places
    assert pm.place.name == name and pm.mention.text == text[pm.mention.start : pm.mention.end]
    assert not pm.mention.text.endswith(("'s", "’s"))


def test_multiword_city(geoparser):
    (article,) = [a for a in read_articles([SEEDS], []) if a.id == "004_klimakonferenz_rio"]
    names = {pm.mention.text: pm.place for pm in geoparser.parse(article).places}
    assert km(names["Rio de Janeiro"].lat, names["Rio de Janeiro"].lon, -22.9, -43.2) < 30
    assert names["São Paulo"].country_code == "BR"


def test_cli_extract_jsonl_contract(tmp_path, capsys):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        json.dumps(
            {"id": "keep-me-42", "title": "Kämpfe bei Charkiw", "text": "Truppen rückten auf Charkiw vor."}
        )
        + "\n{oops\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    code = main(["extract", str(SEED), str(batch), "-o", str(out)])
    assert code == 1  # the broken line is reported, the rest written
    err = capsys.readouterr().err
    assert f"{batch}:2: broken JSON" in err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["000_697af04ae4cd89d0", "keep-me-42"]
    for r in records:
        assert set(r) >= {"id", "title", "lang", "places", "actors", "links"}
        for p in r["places"]:
            assert set(p) >= {
                "start",
                "end",
                "text",
                "name",
                "lat",
                "lon",
                "country_code",
                "feature",
                "geonameid",
                "source",
            }
    seed_text = SEED.read_text(encoding="utf-8")
    for p in records[0]["places"]:
        assert seed_text[p["start"] : p["end"]] == p["text"]
    title_places = [p for p in records[1]["places"] if p.get("field") == "title"]
    assert title_places and title_places[0]["text"] == "Charkiw"
    assert not math.isnan(records[1]["places"][0]["lat"])


def test_cli_geojson_and_csv(tmp_path):
    gj = tmp_path / "p.geojson"
    assert main(["extract", str(SEED), "--format", "geojson", "-o", str(gj)]) == 0
    data = json.loads(gj.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["features"]
    lon, lat = data["features"][0]["geometry"]["coordinates"]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    csv_path = tmp_path / "p.csv"
    assert main(["extract", str(SEED), "--format", "csv", "-o", str(csv_path)]) == 0
    import csv

    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert rows and rows[0]["article_id"] == "000_697af04ae4cd89d0"
    assert any(r["mention"] == "Region Kursk" and r["feature"] == "region" for r in rows)


def test_output_does_not_depend_on_the_hash_seed(tmp_path) -> None:
    """Word lists, sets and dicts must never decide an order: the same input gives the same bytes
    whatever PYTHONHASHSEED (a relation once flipped between runs through a set's order)."""
    import hashlib
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    digests = set()
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.jsonl"
        env = {**os.environ, "PYTHONHASHSEED": seed, "GEOAPP_CACHE_DIR": str(tmp_path / "cache")}
        subprocess.run([sys.executable, "-m", "geoapp.cli", "extract", str(root / "seeds"), "-o", str(out)],
                       cwd=root, env=env, check=True, capture_output=True)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1
