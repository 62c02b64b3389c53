"""The SQLite geocode cache: keys, negative TTL, two writers, recovery, JSONL, corrections."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from geoapp.geocode.cache import GeocodeCache, make_key

PARAMS = {"provider": "nominatim", "endpoint": "http://x", "lang": "en", "country_codes": [], "limit": 10}
ANSWER = [{"lat": "39.1", "lon": "127.5", "display_name": "Kalma"}]


class Clock:
    """A settable clock so expiry is tested without sleeping."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache(tmp_path: Path) -> GeocodeCache:
    with GeocodeCache(tmp_path / "geocode.sqlite") as c:
        yield c


def test_put_get_roundtrip_and_key_covers_every_parameter(cache: GeocodeCache) -> None:
    cache.put("Kalma", PARAMS, ANSWER)
    entry = cache.get("  KALMA ", PARAMS)  # case and spacing are normalised
    assert entry is not None and entry.status == "found" and entry.answer == ANSWER
    assert entry.source == "nominatim"
    for change in ({"lang": "de"}, {"country_codes": ["kp"]}, {"limit": 1}, {"endpoint": "http://y"}):
        assert cache.get("Kalma", {**PARAMS, **change}) is None, change
    assert cache.get("Kälma", PARAMS) is None  # accents are not folded away
    assert make_key("a", {"x": 1, "y": 2}) == make_key("a", {"y": 2, "x": 1})


def test_not_found_expires_but_found_does_not(tmp_path: Path) -> None:
    clock = Clock()
    with GeocodeCache(tmp_path / "c.sqlite", negative_ttl_days=1, clock=clock) as c:
        c.put("Nowhere", PARAMS, [])
        c.put("Kalma", PARAMS, ANSWER)
        assert c.get("Nowhere", PARAMS).status == "not_found"
        clock.now += 2 * 86400
        assert c.get("Nowhere", PARAMS) is None
        assert c.get("Kalma", PARAMS) is not None
        assert c.stats()["expired_not_found"] == 1


def test_failures_are_not_cacheable(cache: GeocodeCache) -> None:
    with pytest.raises(ValueError):
        cache.put("Kalma", PARAMS, [], status="error")
    assert cache.stats()["rows"] == 0


def test_interrupted_transaction_leaves_no_partial_row(cache: GeocodeCache) -> None:
    cache.put("Kept", PARAMS, ANSWER)
    with pytest.raises(KeyboardInterrupt):
        with cache._transaction() as conn:
            conn.execute("DELETE FROM answers")
            raise KeyboardInterrupt
    assert cache.get("Kept", PARAMS) is not None


def _writer(path: str, tag: str, n: int, go) -> None:
    with GeocodeCache(path) as c:
        go.wait(30)  # a barrier: both processes start writing at the same moment
        for i in range(n):
            c.put(f"{tag}-{i}", PARAMS, [{"lat": "1", "lon": "2", "i": i}])


def test_two_processes_write_at_once_without_loss(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite")
    GeocodeCache(path).close()
    n = 200
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(path, tag, n, go)) for tag in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with GeocodeCache(path) as c:
        assert c.stats()["rows"] == 2 * n
        assert all(c.get(f"{t}-{i}", PARAMS) is not None for t in "ab" for i in range(n))


def test_garbage_file_is_set_aside_and_a_fresh_cache_started(tmp_path: Path, caplog) -> None:
    path = tmp_path / "geocode.sqlite"
    path.write_bytes(b"\x00garbage\xff" * 500)
    with caplog.at_level(logging.WARNING, logger="geoapp.geocode"):
        c = GeocodeCache(path)
    aside = list(tmp_path.glob("geocode.sqlite.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"\x00garbage")
    assert len([r for r in caplog.records if "corrupt" in r.getMessage()]) == 1
    assert len(c.notices) == 1
    c.put("Kalma", PARAMS, ANSWER)
    assert c.get("Kalma", PARAMS) is not None
    c.close()
    # reopening the recovered file raises no new alarm
    with GeocodeCache(path) as again:
        assert again.notices == [] and again.stats()["rows"] == 1


def test_foreign_sqlite_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "geocode.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE other_app (x)")
    conn.commit()
    conn.close()
    with GeocodeCache(path) as c:
        assert c.notices and "another application" in c.notices[0]
        assert c.stats()["rows"] == 0
    assert list(tmp_path.glob("geocode.sqlite.corrupt-*"))


def test_export_import_roundtrip_newer_wins(tmp_path: Path) -> None:
    clock = Clock()
    src = GeocodeCache(tmp_path / "a.sqlite", clock=clock)
    src.put("Kalma", PARAMS, ANSWER)
    src.put("Nowhere", PARAMS, [])
    out = tmp_path / "export" / "cache.jsonl"
    assert src.export_jsonl(out) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {rec["query"] for rec in lines} == {"Kalma", "Nowhere"}
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]

    dst_clock = Clock(clock.now + 100)
    dst = GeocodeCache(tmp_path / "b.sqlite", clock=dst_clock)
    dst.put("Kalma", PARAMS, [{"lat": "0", "lon": "0", "newer": True}])
    assert dst.import_jsonl(out) == 1  # only Nowhere; the local Kalma is newer
    assert dst.get("Kalma", PARAMS).answer[0]["newer"] is True
    assert dst.get("Nowhere", PARAMS).status == "not_found"
    src.close()
    dst.close()


def test_clear_and_stats(tmp_path: Path) -> None:
    clock = Clock()
    with GeocodeCache(tmp_path / "c.sqlite", clock=clock) as c:
        c.put("Old", PARAMS, ANSWER)
        clock.now += 10 * 86400
        c.put("New", PARAMS, [])
        c.put_correction("a1", 0, 5, "Kalma", {"name": "Kalma"})
        stats = c.stats()
        assert (stats["rows"], stats["found"], stats["not_found"], stats["corrections"]) == (2, 1, 1, 1)
        assert stats["size_bytes"] > 0 and stats["oldest"] < stats["newest"]
        assert c.clear(older_than=5) == 1
        assert c.get("Old", PARAMS) is None and c.get("New", PARAMS) is not None
        assert c.clear() == 1
        assert c.stats()["rows"] == 0
        assert len(c.list_corrections()) == 1  # the user's fixes survive a clear


def test_corrections_table(tmp_path: Path) -> None:
    with GeocodeCache(tmp_path / "c.sqlite") as c:
        place = {"name": "Kalma", "lat": 39.17, "lon": 127.51, "country_code": "KP", "source": "user"}
        c.put_correction("art-1", 10, 15, "Kalma", place)
        c.put_correction("art-1", 0, 4, "Berlin", {"name": "Berlin"}, field="title")
        c.put_correction("art-2", 3, 8, "Wonsan", {"name": "Wŏnsan"})
        got = c.get_correction("art-1", 10, 15)
        assert got is not None and got.place == place and got.text == "Kalma" and got.field == "text"
        assert c.get_correction("art-1", 10, 15, field="title") is None
        assert [x.article_id for x in c.list_corrections()] == ["art-1", "art-1", "art-2"]
        assert len(c.list_corrections("art-2")) == 1
        c.put_correction("art-1", 10, 15, "Kalma", {**place, "lat": 39.2})  # a later fix replaces
        assert c.get_correction("art-1", 10, 15).place["lat"] == 39.2
        out = tmp_path / "corr.jsonl"
        assert c.export_corrections(out) == 3
    with GeocodeCache(tmp_path / "other.sqlite") as d:
        assert d.import_corrections(out) == 3
        assert d.get_correction("art-2", 3, 8).place == {"name": "Wŏnsan"}
