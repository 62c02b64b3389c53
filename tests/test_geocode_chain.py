"""GeocoderChain (gazetteer → cache → Nominatim) and the geocode / cache subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from geoapp.geocode import commands
from geoapp.geocode.cache import CACHE_FILENAME, GeocodeCache
from geoapp.geocode.chain import GeocoderChain
from geoapp.geocode.nominatim import UserAgentError
from geoapp.model import Candidate
from geoapp.settings import PUBLIC_NOMINATIM_URL, Settings
from geoapp.text import name_key

pytest_plugins = ["nominatim_server"]

AGENT = "geoapp-tests/0.1 (tests@example.org)"
BERLIN = Candidate("Berlin", 52.52, 13.405, "DE", "city", "PPLC", 3_400_000, 2950159)
BERLIN_NH = Candidate("Berlin", 44.47, -71.18, "US", "city", "PPL", 9_000, 5083330)


class FakeGazetteer:
    """The part of the real gazetteer the chain relies on: candidates by name_key."""

    def __init__(self) -> None:
        self.table = {name_key("Berlin"): [BERLIN, BERLIN_NH]}
        self.keys: list[str] = []

    def candidates(self, key: str) -> list[Candidate]:
        self.keys.append(key)
        return list(self.table.get(key, []))


def settings_for(url: str, tmp_path: Path, geocoder: str = "online") -> Settings:
    return Settings(
        geocoder=geocoder,
        nominatim_url=url,
        user_agent=AGENT,
        cache_dir=tmp_path / "cache",
        min_delay_seconds=0.0,
        timeout_seconds=0.5,
        max_retries=1,
        retry_backoff_seconds=0.01,
    )


def test_gazetteer_answers_first_without_network(nominatim_server, tmp_path) -> None:
    gaz = FakeGazetteer()
    chain = GeocoderChain(gaz, settings_for(nominatim_server.url, tmp_path))
    result = chain.lookup("BERLIN", lang="de")
    assert (result.source, result.status) == ("gazetteer", "found")
    assert gaz.keys == ["berlin"] and len(result.candidates) == 2
    assert chain.lookup("Berlin", lang="de", country_codes=["us"]).candidates == [BERLIN_NH]
    assert nominatim_server.search_requests == [] and not chain.attribution_needed


def test_online_falls_back_to_nominatim_then_cache(nominatim_server, tmp_path) -> None:
    chain = GeocoderChain(FakeGazetteer(), settings_for(nominatim_server.url, tmp_path))
    first = chain.lookup("Kalma", lang="en")
    assert (first.source, first.status) == ("nominatim", "found") and chain.attribution_needed
    second = chain.lookup("Kalma", lang="en")
    assert second.source == "cache" and len(nominatim_server.search_requests) == 1
    # a country filter that excludes the gazetteer's answers sends the question on
    other = chain.lookup("Berlin", lang="de", country_codes=["kp"])
    assert (other.source, other.status) == ("nominatim", "not_found")
    assert (tmp_path / "cache" / CACHE_FILENAME).exists()


def test_offline_uses_cache_but_never_the_network(nominatim_server, tmp_path) -> None:
    GeocoderChain(FakeGazetteer(), settings_for(nominatim_server.url, tmp_path)).lookup("Kalma", lang="en")
    assert len(nominatim_server.search_requests) == 1
    offline = GeocoderChain(FakeGazetteer(), settings_for(nominatim_server.url, tmp_path, "offline"))
    hit = offline.lookup("Kalma", lang="en")
    assert (hit.source, hit.status) == ("cache", "found") and offline.attribution_needed
    miss = offline.lookup("Wonsan Kalma", lang="en")
    assert (miss.status, miss.candidates) == ("not_found", [])
    assert len(nominatim_server.search_requests) == 1


def test_offline_without_cache_file_creates_nothing(tmp_path) -> None:
    chain = GeocoderChain(FakeGazetteer(), settings_for(PUBLIC_NOMINATIM_URL, tmp_path, "offline"))
    assert chain.lookup("Kalma", lang="en").status == "not_found"
    assert chain.cache is None and not (tmp_path / "cache").exists()


def test_online_chain_refuses_default_agent_up_front(tmp_path) -> None:
    settings = settings_for(PUBLIC_NOMINATIM_URL, tmp_path).with_(user_agent="geopy/2.5.0")
    with pytest.raises(UserAgentError):
        GeocoderChain(FakeGazetteer(), settings)


def test_failure_is_passed_on_not_hidden(nominatim_server, tmp_path) -> None:
    chain = GeocoderChain(FakeGazetteer(), settings_for(nominatim_server.url, tmp_path))
    nominatim_server.fail_next("500", count=2)
    result = chain.lookup("Kalma", lang="en")
    assert result.status == "error" and "500" in result.error
    assert not chain.attribution_needed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="geoapp")
    commands.register(parser.add_subparsers(dest="command", required=True))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return args.func(args)


@pytest.fixture
def cli_env(nominatim_server, tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_NOMINATIM_URL", nominatim_server.url)
    monkeypatch.setenv("GEOAPP_USER_AGENT", AGENT)
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEOAPP_MIN_DELAY", "0")
    monkeypatch.setenv("GEOAPP_GEOCODER", "offline")
    monkeypatch.setattr(commands, "_default_gazetteer", FakeGazetteer)
    return nominatim_server


def test_geocode_command_prints_candidates_with_source(cli_env, capsys) -> None:
    assert _run(["geocode", "Berlin", "Kalma", "--online", "--country", "KP", "--country", "DE"]) == 0
    out = capsys.readouterr().out
    assert "Berlin  [gazetteer, found]" in out and "52.52000, 13.40500" in out
    assert "Kalma  [nominatim, found]" in out and "39.17360, 127.51370  KP" in out
    assert "© OpenStreetMap contributors" in out
    assert cli_env.search_requests[0].params["countrycodes"] == "de,kp"


def test_cache_commands(cli_env, tmp_path, capsys) -> None:
    assert _run(["geocode", "Kalma", "Atlantis", "--online"]) == 0
    capsys.readouterr()
    assert _run(["cache", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["rows"], stats["found"], stats["not_found"]) == (2, 1, 1)
    export = tmp_path / "export.jsonl"
    assert _run(["cache", "export", str(export)]) == 0
    assert len(export.read_text(encoding="utf-8").splitlines()) == 2
    assert _run(["cache", "clear"]) == 0
    assert "deleted 2 answers" in capsys.readouterr().out
    assert _run(["cache", "import", str(export)]) == 0
    assert "imported 2 answers" in capsys.readouterr().out
    assert _run(["cache", "clear", "--older-than", "30"]) == 0
    assert "deleted 0 answers older than 30 days" in capsys.readouterr().out
    with GeocodeCache(tmp_path / "cache" / CACHE_FILENAME) as cache:
        assert cache.stats()["rows"] == 2
    # offline, the cached answer is served and nothing is asked
    assert _run(["geocode", "Kalma"]) == 0
    assert "Kalma  [cache, found]" in capsys.readouterr().out
    assert len(cli_env.search_requests) == 2


def test_geocode_command_refuses_public_host_default_agent(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("GEOAPP_NOMINATIM_URL", PUBLIC_NOMINATIM_URL)
    monkeypatch.delenv("GEOAPP_USER_AGENT", raising=False)
    monkeypatch.setenv("GEOAPP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(commands, "_default_gazetteer", FakeGazetteer)
    assert _run(["geocode", "Kalma", "--online"]) == 2
    assert "GEOAPP_USER_AGENT" in capsys.readouterr().err
