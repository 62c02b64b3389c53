"""NominatimGeocoder against the loopback fake: caching, policy, rate limit, faults, offline."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import pytest

from geoapp.geocode.cache import GeocodeCache
from geoapp.geocode.nominatim import NominatimGeocoder, UserAgentError, candidate_from_raw, feature_of
from geoapp.settings import PUBLIC_NOMINATIM_URL, Settings

pytest_plugins = ["nominatim_server"]

AGENT = "geoapp-tests/0.1 (tests@example.org)"


def make_settings(url: str, tmp_path: Path, **changes) -> Settings:
    base = Settings(
        geocoder="online",
        nominatim_url=url,
        user_agent=AGENT,
        cache_dir=tmp_path,
        min_delay_seconds=0.0,
        timeout_seconds=0.5,
        max_retries=2,
        retry_backoff_seconds=0.01,
    )
    return base.with_(**changes)


@pytest.fixture
def cache(tmp_path: Path) -> GeocodeCache:
    with GeocodeCache(tmp_path / "geocode.sqlite") as c:
        yield c


def test_first_lookup_asks_once_second_asks_nothing(nominatim_server, tmp_path, cache) -> None:
    geo = NominatimGeocoder(make_settings(nominatim_server.url, tmp_path), cache)
    first = geo.candidates("Kalma", lang="en")
    assert (first.source, first.status, first.error) == ("nominatim", "found", None)
    assert len(nominatim_server.search_requests) == 1
    second = geo.candidates("kalma ", lang="en")
    assert (second.source, second.status) == ("cache", "found")
    assert [c.name for c in second.candidates] == [c.name for c in first.candidates]
    assert all(c.source == "cache" for c in second.candidates)
    assert len(nominatim_server.search_requests) == 1
    # a different question (another language) is a different key
    geo.candidates("Kalma", lang="de")
    assert len(nominatim_server.search_requests) == 2


def test_request_parameters_and_candidate_mapping(nominatim_server, tmp_path, cache) -> None:
    geo = NominatimGeocoder(make_settings(nominatim_server.url, tmp_path), cache)
    result = geo.candidates("Kalma", lang="de", country_codes=["KP"], featuretype="settlement", limit=5)
    params = nominatim_server.search_requests[0].params
    assert params["q"] == "Kalma" and params["accept-language"] == "de" and params["countrycodes"] == "kp"
    assert params["featureType"] == "settlement" and params["limit"] == "5"
    assert params["addressdetails"] == "1" and params["namedetails"] == "1"
    [kalma] = result.candidates
    assert kalma.name == "Kalma" and kalma.country_code == "KP" and kalma.admin1 == "Kangwon"
    assert (kalma.lat, kalma.lon) == pytest.approx((39.1736, 127.5137))
    assert kalma.feature == "city" and kalma.feature_code == "place:village"
    assert kalma.importance == pytest.approx(0.31) and kalma.source == "nominatim"
    # OSM ids stay in the raw cached answer
    assert cache.export_jsonl(tmp_path / "e.jsonl") == 1
    assert '"osm_id"' in (tmp_path / "e.jsonl").read_text(encoding="utf-8")


def test_feature_mapping_covers_json_and_jsonv2() -> None:
    assert feature_of({"class": "boundary", "type": "administrative", "addresstype": "country"}) == "country"
    assert (
        feature_of({"category": "boundary", "type": "administrative", "addresstype": "province"}) == "region"
    )
    assert feature_of({"class": "place", "type": "town"}) == "city"
    assert feature_of({"class": "tourism", "type": "resort", "addresstype": "tourism"}) == "feature"
    assert feature_of({"class": "place", "type": "continent"}) == "continent"
    assert feature_of({"class": "shop", "type": "bakery"}) == "other"
    raw = {
        "lat": "1.5",
        "lon": "2",
        "category": "natural",
        "type": "peak",
        "display_name": "Berg, X, Y",
        "namedetails": {"name": "Berg", "name:de": "Der Berg"},
    }
    cand = candidate_from_raw(raw, lang="de")
    assert (cand.name, cand.feature_code, cand.country_code) == ("Der Berg", "natural:peak", None)


def test_user_agent_header_is_the_configured_one(nominatim_server, tmp_path, cache) -> None:
    NominatimGeocoder(make_settings(nominatim_server.url, tmp_path), cache).candidates("Kalma")
    assert nominatim_server.search_requests[0].user_agent == AGENT


@pytest.mark.parametrize(
    ("url", "agent"),
    [
        (PUBLIC_NOMINATIM_URL, ""),
        (PUBLIC_NOMINATIM_URL, "geopy/2.5.0"),
        (PUBLIC_NOMINATIM_URL + "/", "my-application"),
        ("nominatim.openstreetmap.org", "geopy/2.5.0"),
    ],
)
def test_default_agent_is_refused_for_public_host(tmp_path, url, agent) -> None:
    settings = make_settings(url, tmp_path, user_agent=agent)
    with pytest.raises(UserAgentError, match="GEOAPP_USER_AGENT"):
        NominatimGeocoder(settings, None)


def test_self_hosted_service_accepts_an_unset_agent(nominatim_server, tmp_path, cache) -> None:
    settings = make_settings(nominatim_server.url, tmp_path, user_agent="")
    NominatimGeocoder(settings, cache).candidates("Kalma")
    assert nominatim_server.search_requests[0].user_agent.startswith("geoapp/")


def test_not_found_is_cached_and_expires(nominatim_server, tmp_path) -> None:
    now = [1_700_000_000.0]
    cache = GeocodeCache(tmp_path / "c.sqlite", negative_ttl_days=1, clock=lambda: now[0])
    geo = NominatimGeocoder(make_settings(nominatim_server.url, tmp_path), cache)
    assert geo.candidates("Atlantis").status == "not_found"
    again = geo.candidates("Atlantis")
    assert (again.source, again.status) == ("cache", "not_found")
    assert len(nominatim_server.search_requests) == 1
    now[0] += 1.5 * 86400
    assert geo.candidates("Atlantis").source == "nominatim"
    assert len(nominatim_server.search_requests) == 2
    cache.close()


@pytest.mark.parametrize(
    ("kind", "value"), [("429", 1.0), ("500", 0.0), ("delay", 1.5), ("broken", 0.0)], ids=str
)
def test_faults_are_retried_and_survived(nominatim_server, tmp_path, cache, kind, value) -> None:
    geo = NominatimGeocoder(make_settings(nominatim_server.url, tmp_path, timeout_seconds=0.4), cache)
    nominatim_server.fail_next(kind, value=value)
    start = time.monotonic()
    result = geo.candidates("Kalma")
    elapsed = time.monotonic() - start
    assert result.status == "found" and result.source == "nominatim"
    assert len(nominatim_server.search_requests) == 2
    if kind == "429":
        assert elapsed >= 0.95  # Retry-After honoured
    assert cache.stats()["found"] == 1


@pytest.mark.parametrize("kind", ["500", "broken", "429"])
def test_persistent_failure_is_an_error_not_a_cached_empty_answer(nominatim_server, tmp_path, cache, kind):
    settings = make_settings(nominatim_server.url, tmp_path, max_retries=1)
    geo = NominatimGeocoder(settings, cache)
    nominatim_server.fail_next(kind, count=2, value=0.1)
    result = geo.candidates("Kalma")
    assert result.status == "error" and result.candidates == [] and result.error
    assert len(nominatim_server.search_requests) == 2  # first try + max_retries
    assert cache.stats()["rows"] == 0
    # the run goes on: the next lookup asks again and succeeds
    assert geo.candidates("Kalma").status == "found"


def test_rate_limit_holds_and_cache_hits_do_not_wait(nominatim_server, tmp_path, cache) -> None:
    delay, n = 0.2, 5
    geo = NominatimGeocoder(make_settings(nominatim_server.url, tmp_path, min_delay_seconds=delay), cache)
    queries = [f"Place {i}" for i in range(n)]
    start = time.monotonic()
    for q in queries:
        geo.candidates(q)
    assert time.monotonic() - start >= (n - 1) * delay
    times = [r.time for r in nominatim_server.search_requests]
    assert min(b - a for a, b in zip(times, times[1:])) >= delay / 2  # see the threaded test on jitter
    start = time.monotonic()
    for q in queries * 4:
        assert geo.candidates(q).source == "cache"
    assert time.monotonic() - start < delay


def test_rate_limit_is_process_wide_across_threads_and_instances(nominatim_server, tmp_path, cache) -> None:
    delay = 0.2
    settings = make_settings(nominatim_server.url, tmp_path, min_delay_seconds=delay)
    geocoders = [NominatimGeocoder(settings, cache), NominatimGeocoder(settings, None)]
    threads = [
        threading.Thread(target=geocoders[i % 2].candidates, args=(f"Thread place {i}",)) for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    times = sorted(r.time for r in nominatim_server.search_requests)
    assert len(times) == 6
    # Request starts are spaced exactly on the client; arrival at the server jitters by a few ms
    # (thread scheduling, connection setup), so check the span tightly and single gaps loosely.
    assert times[-1] - times[0] >= 5 * delay * 0.95
    assert min(b - a for a, b in zip(times, times[1:])) >= delay / 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_gives_one_notice_and_skips(tmp_path, cache, caplog) -> None:
    geo = NominatimGeocoder(make_settings(f"http://127.0.0.1:{_closed_port()}", tmp_path), cache)
    with caplog.at_level(logging.WARNING, logger="geoapp.geocode"):
        results = [geo.candidates(q) for q in ("Kalma", "Wonsan Kalma", "Kangwon")]
    assert [r.status for r in results] == ["skipped"] * 3
    assert geo.requests_made == 1
    notices = [r for r in caplog.records if "skipped for the rest" in r.getMessage()]
    assert len(notices) == 1 and geo.offline_notice
    assert cache.stats()["rows"] == 0


def test_a_silent_service_is_skipped_after_retries_but_a_known_one_is_an_error(
    nominatim_server, tmp_path, cache
) -> None:
    settings = make_settings(nominatim_server.url, tmp_path, timeout_seconds=0.2, max_retries=1)
    silent = NominatimGeocoder(settings, cache)
    nominatim_server.fail_next("delay", count=2, value=0.6)
    assert silent.candidates("Kalma").status == "skipped" and silent.offline_notice
    assert silent.candidates("Kangwon").status == "skipped"
    assert len(nominatim_server.search_requests) == 2

    known = NominatimGeocoder(settings, cache)
    assert known.candidates("Kangwon").status == "found"
    nominatim_server.fail_next("delay", count=2, value=0.6)
    result = known.candidates("Wonsan Kalma")
    assert result.status == "error" and "timed out" in result.error and known.offline_notice is None
