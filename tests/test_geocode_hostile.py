"""The geocoder under hostile conditions: many processes on one cache, damaged or read-only cache
files, bad imports, bad settings, a misbehaving server, closed pipes.

Processes are real ``python -m geoapp.cli`` runs from this checkout against the loopback fake
Nominatim; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nominatim_server import FakeNominatim

from geoapp.geocode.cache import CACHE_FILENAME, GeocodeCache
from geoapp.geocode.nominatim import NominatimGeocoder
from geoapp.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
AGENT = "geoapp-tests/0.1 (tests@example.org)"
#: Names no gazetteer holds, so every one of them goes to the server.
POOL = [f"Qxz hamlet {n}" for n in range(10)]


def cli_env(server_url: str, cache_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_")}
    env.update(
        GEOAPP_NOMINATIM_URL=server_url,
        GEOAPP_USER_AGENT=AGENT,
        GEOAPP_CACHE_DIR=str(cache_dir),
        GEOAPP_TIMEOUT="5",
        GEOAPP_MAX_RETRIES="1",
        GEOAPP_RETRY_BACKOFF="0.1",
    )
    env.update(extra)
    return env


def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "geoapp.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geoapp.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def settings_for(url: str, cache_dir: Path, **changes) -> Settings:
    base = Settings(
        geocoder="online",
        nominatim_url=url,
        user_agent=AGENT,
        cache_dir=cache_dir,
        min_delay_seconds=0.0,
        timeout_seconds=2.0,
        max_retries=1,
        retry_backoff_seconds=0.01,
    )
    return base.with_(**changes)


# -- 1. one request budget for every process sharing the cache folder ------------------------------


@pytest.mark.slow
def test_four_processes_keep_one_rate_and_never_ask_twice(tmp_path: Path) -> None:
    delay = 0.3
    # Answers slower than the delay: several questions are in flight at once, so a process that only
    # re-read the cache after its turn would still ask a question another process is asking.
    with FakeNominatim(latency=0.4) as server:
        env = cli_env(server.url, tmp_path / "cache", GEOAPP_MIN_DELAY=str(delay))
        orders = [POOL, POOL, POOL[::-1], POOL[3:] + POOL[:3]]
        procs = [start_cli(["geocode", "--online", *order], env) for order in orders]
        outputs = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, outputs):
            assert p.returncode == 0, err
            assert "Traceback" not in err
            assert all(f"{q}  [" in out for q in POOL)
        queries = server.queries
        gaps = server.gaps()
    assert sorted(queries) == sorted(POOL)  # each question reached the server exactly once
    assert min(gaps) >= delay - 0.1, gaps
    assert sum(gaps) >= (len(queries) - 1) * delay * 0.95


def test_a_429_seen_by_one_process_holds_back_the_others(tmp_path: Path) -> None:
    with FakeNominatim() as server:
        server.fail_next("429", value=2)
        env = cli_env(server.url, tmp_path / "cache", GEOAPP_MIN_DELAY="0.05")
        procs = [start_cli(["geocode", "--online", *POOL[i::2]], env) for i in range(2)]
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        requests = server.search_requests
    [limited] = [r for r in requests if r.fault == "429"]
    later = [r.time - limited.time for r in requests if r.time > limited.time]
    assert later and min(later) >= 2 - 0.1
    assert len(requests) == len(POOL) + 1  # every name once, plus the one retried after the 429


def test_cached_answers_never_wait_for_a_slot(tmp_path: Path) -> None:
    with FakeNominatim() as nominatim_server, GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
        settings = settings_for(nominatim_server.url, tmp_path, min_delay_seconds=0.2)
        geo = NominatimGeocoder(settings, cache)
        assert geo.candidates("Kalma").status == "found"
        # Another process was told to hold back for a minute: only new questions must wait.
        host = nominatim_server.url.split("://")[1]
        assert cache.defer_requests(host, 60.0, "some-key", "someone", 1.0)
        start = time.monotonic()
        for _ in range(50):
            assert geo.candidates("Kalma").source == "cache"
        assert time.monotonic() - start < 0.5
        assert len(nominatim_server.search_requests) == 1


def test_threads_asking_the_same_question_send_it_once(tmp_path: Path) -> None:
    import threading

    with FakeNominatim(latency=0.3) as server:
        settings = settings_for(server.url, tmp_path)
        with GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
            geo = NominatimGeocoder(settings, cache)
            results = []
            threads = [
                threading.Thread(target=lambda: results.append(geo.candidates("Kalma"))) for _ in range(4)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert server.queries == ["Kalma"]
    assert sorted(r.source for r in results) == ["cache", "cache", "cache", "nominatim"]
    assert all(r.status == "found" and r.candidates for r in results)
