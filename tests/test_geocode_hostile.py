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

from geoapp.geocode.cache import CACHE_FILENAME, GeocodeCache, make_key
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


# -- 2. damaged pages -------------------------------------------------------------------------------

PARAMS = {"provider": "nominatim", "endpoint": "http://x", "lang": "en", "country_codes": [], "limit": 10}


def damaged_cache(path: Path, n: int = 1500, pages: tuple[int, ...] = (12, 13, 40)) -> None:
    """A real cache file of ``n`` answers and two corrections with garbage over some whole pages."""
    with GeocodeCache(path) as cache:
        cache.put_correction("art-1", 0, 5, "Kalma", {"name": "Kalma", "lat": 39.17, "lon": 127.51})
        cache.put_correction("art-2", 3, 9, "Wonsan", {"action": "drop"})
        for i in range(n):
            cache.put(f"Place {i}", PARAMS, [{"lat": "1.5", "lon": "2.5", "display_name": f"Place {i}"}])
    data = path.read_bytes()
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) // page_size > max(pages)
    with open(path, "r+b") as fh:
        for page in pages:  # 1-based page numbers, as SQLite counts them
            fh.seek((page - 1) * page_size)
            fh.write(bytes((i * 37 + page) % 251 for i in range(page_size)))


def test_damaged_pages_make_stats_and_export_repair_and_keep_the_readable_rows(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    damaged_cache(cache_dir / CACHE_FILENAME)
    env = cli_env("http://127.0.0.1:9", cache_dir)
    stats = run_cli(["cache", "stats", "--json"], env)
    assert stats.returncode == 0, stats.stderr
    assert "Traceback" not in stats.stderr
    [warning] = stats.stderr.splitlines()
    assert "damaged" in warning and "moved it to geocode.sqlite.corrupt-" in warning
    counts = json.loads(stats.stdout)
    assert 1000 < counts["rows"] <= 1500 and counts["corrections"] == 2
    assert len(list(cache_dir.glob("geocode.sqlite.corrupt-*"))) == 1
    out = tmp_path / "export.jsonl"
    export = run_cli(["cache", "export", str(out)], env)
    assert export.returncode == 0 and export.stderr == ""
    assert len(out.read_text(encoding="utf-8").splitlines()) == counts["rows"]


def test_damage_found_during_lookups_is_repaired_once_and_the_run_goes_on(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILENAME
    damaged_cache(path)
    with GeocodeCache(path) as cache:  # no check on opening: the damage shows up on use
        hits = sum(cache.get(f"Place {i}", PARAMS) is not None for i in range(1500))
        assert 1000 < hits <= 1500
        assert len(cache.notices) == 1 and "damaged" in cache.notices[0]
        cache.put("Afterwards", PARAMS, [])
        assert cache.get("Afterwards", PARAMS) is not None
        assert len(cache.list_corrections()) == 2
    assert len(list(tmp_path.glob("geocode.sqlite.corrupt-*"))) == 1


# -- 3. read-only folders, a file where the folder should be ----------------------------------------


def _read_only_runner() -> list[str]:
    """A command prefix that runs the rest with ``$GEOAPP_CACHE_DIR`` mounted read-only (root
    ignores file modes, so a read-only bind mount in a private mount namespace stands in)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user and mount namespaces are not available here")
    script = (
        'mount --bind "$GEOAPP_CACHE_DIR" "$GEOAPP_CACHE_DIR" && '
        'mount -o remount,bind,ro "$GEOAPP_CACHE_DIR" && exec "$@"'
    )
    return ["unshare", "-rm", "sh", "-c", script, "sh", sys.executable, "-m", "geoapp.cli"]


def test_read_only_cache_folder_is_read_never_renamed(tmp_path: Path) -> None:
    runner = _read_only_runner()
    cache_dir = tmp_path / "cache"
    with FakeNominatim() as server:
        env = cli_env(server.url, cache_dir, GEOAPP_MIN_DELAY="0")
        assert run_cli(["geocode", "--online", "Kalma"], env).returncode == 0
        before = sorted(p.name for p in cache_dir.iterdir())
        run = subprocess.run(
            [*runner, "geocode", "--online", "Kalma", "Wonsan Kalma"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert "Kalma  [cache, found]" in run.stdout and "Wonsan Kalma  [nominatim, found]" in run.stdout
        [notice] = run.stderr.splitlines()
        assert "read-only" in notice
        assert server.queries == ["Kalma", "Wonsan Kalma"]
        clear = subprocess.run([*runner, "cache", "clear"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert clear.returncode == 2 and "read-only" in clear.stderr and "Traceback" not in clear.stderr
    assert sorted(p.name for p in cache_dir.iterdir()) == before
    with GeocodeCache(cache_dir / CACHE_FILENAME) as cache:
        assert cache.stats()["rows"] == 1  # the answer fetched while read-only was not written


@pytest.mark.parametrize("args", [["cache", "stats"], ["geocode", "--online", "Kalma"]], ids=" ".join)
def test_cache_dir_that_is_a_file_is_one_line(tmp_path: Path, args: list[str]) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x", encoding="utf-8")
    run = run_cli(args, cli_env("http://127.0.0.1:9", a_file))
    assert run.returncode == 2
    [line] = run.stderr.splitlines()
    assert "is a file, not a folder" in line
    assert a_file.read_text(encoding="utf-8") == "x"


# -- 4. cache import: every record checked ----------------------------------------------------------

GOOD = {"query": "Kalma", "params": PARAMS, "status": "found", "answer": [{"lat": "39.1", "lon": "127.5"}]}
BAD_ANSWERS = [
    ({**GOOD, "created": 1e400}, "created must be finite"),
    ({**GOOD, "created": time.time() + 10 * 86400}, "created"),
    ({**GOOD, "answer": [{"lat": "95", "lon": "1"}]}, "lat 95 is outside"),
    ({**GOOD, "answer": [{"lat": "1", "lon": "-181"}]}, "lon -181 is outside"),
    ({**GOOD, "answer": [{"lat": "abc", "lon": "1"}]}, "lat 'abc' is not a number"),
    ({**GOOD, "query": ["Kalma"]}, "query must be a string"),
    ({**GOOD, "query": 42}, "query must be a string"),
    ({**GOOD, "params": [1, 2]}, "params must be an object"),
    ({**GOOD, "status": "error"}, "status must be one of"),
    ({**GOOD, "status": "not_found"}, "does not match"),
    ({**GOOD, "answer": "Kalma"}, "answer must be a list"),
    ({**GOOD, "source": {"x": 1}}, "source must be a string"),
    ({**GOOD, "extra": 1}, "unknown record field"),
    ({**GOOD, "query": "K" * 5000}, "longer than"),
]


def test_import_refuses_each_bad_answer_with_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "answers.jsonl"
    lines = [json.dumps(GOOD)] + [json.dumps(rec) for rec, _ in BAD_ANSWERS]
    lines += [
        "{not json",
        "[1, 2, 3]",
        json.dumps({**GOOD, "query": "Nowhere", "status": "not_found", "answer": []}),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = cli_env("http://127.0.0.1:9", tmp_path / "cache")
    run = run_cli(["cache", "import", str(src)], env)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    refused = run.stderr.splitlines()
    assert len(refused) == len(BAD_ANSWERS) + 2
    for n, (_, reason) in enumerate(BAD_ANSWERS, 2):
        assert any(line.startswith(f"refused: {src}:{n}: ") and reason in line for line in refused), (
            n,
            reason,
        )
    assert f"{src}:{len(BAD_ANSWERS) + 2}: not JSON" in run.stderr
    assert f"{src}:{len(BAD_ANSWERS) + 3}: record must be an object" in run.stderr
    assert run.stdout.strip() == f"imported 2 answers from {src}; refused {len(BAD_ANSWERS) + 2} records"
    stats = run_cli(["cache", "stats", "--json"], env)
    assert stats.returncode == 0 and json.loads(stats.stdout)["rows"] == 2


def test_import_refuses_bad_corrections_and_overlong_lines(tmp_path: Path) -> None:
    good = {
        "article_id": "a1",
        "start": 0,
        "end": 5,
        "text": "Kalma",
        "place": {"name": "K", "lat": 1, "lon": 2},
    }
    bad = [
        {**good, "start": "0"},
        {**good, "end": 0},
        {**good, "field": "body"},
        {**good, "place": {"name": "K", "lat": 200, "lon": 2}},
        {**good, "place": {"name": "K", "lat": float("nan"), "lon": 2}},
        {**good, "place": ["K"]},
        {**good, "article_id": ["a1"]},
        {**good, "created": float("inf")},
    ]
    src = tmp_path / "fixes.jsonl"
    body = [json.dumps(good)] + [json.dumps(rec) for rec in bad] + ['"' + "x" * 2_100_000 + '"']
    src.write_text("\n".join(body) + "\n", encoding="utf-8")
    problems: list[str] = []
    with GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
        assert cache.import_corrections(src, problems) == 1
        assert [c.article_id for c in cache.list_corrections()] == ["a1"]
    assert [p.split(":")[1] for p in problems] == [str(n) for n in range(2, len(bad) + 3)]
    assert "longer than" in problems[-1]


def test_stats_and_export_survive_bad_rows_left_by_an_old_geoapp(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILENAME
    with GeocodeCache(path) as cache:
        cache.put("Kalma", PARAMS, GOOD["answer"])
    conn = sqlite3.connect(path)
    rows = [("Inf", "'[]'", "1e400"), ("Text", "'[]'", "'yesterday'"), ("Broken", "'[{'", "1700000000")]
    for query, answer, created in rows:
        conn.execute(
            f"INSERT INTO answers VALUES (?, ?, '{{}}', 'not_found', {answer}, 'nominatim', {created})",
            (make_key(query, {}), query),
        )
    conn.commit()
    conn.close()
    with GeocodeCache(path) as cache:
        stats = cache.stats()
        assert stats["rows"] == 4 and stats["bad_rows"] == 2 and stats["oldest"] is not None
        problems: list[str] = []
        assert cache.export_jsonl(tmp_path / "out.jsonl", problems) == 1
        assert len(problems) == 3
        assert cache.get("Broken", {}) is None  # unreadable row: as if not cached, no crash
        assert cache.get("Inf", {}) is not None  # never expires, but is served


# -- 5. clean errors and honest exit codes ----------------------------------------------------------


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("GEOAPP_GEOCODER", "onlin"),
        ("GEOAPP_MIN_DELAY", "1s"),
        ("GEOAPP_MIN_DELAY", "-1"),
        ("GEOAPP_MIN_DELAY", "nan"),
        ("GEOAPP_MIN_DELAY", "inf"),
        ("GEOAPP_TIMEOUT", "0"),
        ("GEOAPP_TIMEOUT", "1e400"),
        ("GEOAPP_MAX_RETRIES", "2.5"),
        ("GEOAPP_MAX_RETRIES", "-1"),
        ("GEOAPP_RETRY_BACKOFF", "soon"),
        ("GEOAPP_NEGATIVE_TTL_DAYS", "nan"),
        ("GEOAPP_NOMINATIM_URL", "ftp://example.org"),
        ("GEOAPP_USER_AGENT", "geoapp\r\nX-Injected: 1"),
    ],
)
def test_bad_settings_are_one_line_naming_the_variable(monkeypatch, var: str, value: str) -> None:
    from geoapp.settings import SettingsError, load_settings

    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert var in message and "\n" not in message
    assert repr(value) in message or var == "GEOAPP_USER_AGENT"  # a header value is not echoed


@pytest.mark.parametrize("args", [["geocode", "--online", "Kalma"], ["cache", "stats"]], ids=" ".join)
def test_bad_setting_on_the_command_line_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    run = run_cli(args, cli_env("http://127.0.0.1:9", tmp_path / "cache", GEOAPP_MIN_DELAY="nan"))
    assert run.returncode == 2
    [line] = run.stderr.splitlines()
    assert "GEOAPP_MIN_DELAY" in line


def test_online_chain_without_agent_raises_a_setup_error(tmp_path: Path) -> None:
    from geoapp.geocode import GeocoderChain, GeocodeSetupError
    from geoapp.settings import PUBLIC_NOMINATIM_URL

    settings = settings_for(PUBLIC_NOMINATIM_URL, tmp_path, user_agent="")
    with pytest.raises(GeocodeSetupError, match="GEOAPP_USER_AGENT"):
        GeocoderChain(_NoGazetteer(), settings)


class _NoGazetteer:
    def candidates(self, key: str) -> list:
        return []


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_service_with_online_fails_and_counts_the_skips(tmp_path: Path) -> None:
    from geoapp.geocode import GeocoderChain

    url = f"http://127.0.0.1:{_closed_port()}"
    chain = GeocoderChain(_NoGazetteer(), settings_for(url, tmp_path))
    assert [chain.lookup(q).status for q in POOL[:3]] == ["skipped"] * 3
    assert chain.skipped_lookups == 3 and "unreachable: 3 online lookups skipped" in chain.problem()
    run = run_cli(["geocode", "--online", *POOL[:2]], cli_env(url, tmp_path / "cache"))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert (
        run.stderr.splitlines()[-1] == f"error: Nominatim at {url} was unreachable: 2 online lookups skipped"
    )


@pytest.mark.parametrize("args", [["cache", "stats"], ["geocode", "Berlin", "Paris", "London"]], ids=" ".join)
def test_a_reader_that_went_away_ends_the_command_quietly(tmp_path: Path, args: list[str]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head -1` having exited already
    proc = subprocess.Popen(
        [sys.executable, "-m", "geoapp.cli", *args],
        cwd=ROOT,
        env=cli_env("http://127.0.0.1:9", tmp_path / "cache"),
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_end)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 141
    assert err == ""


# -- 6. a misbehaving server, hostile queries -------------------------------------------------------

BAD_BODIES = {
    "an object": b'{"lat": "1", "lon": "2"}',
    "strings": b'["Kalma", "Berlin"]',
    "lat abc": b'[{"lat": "abc", "lon": "1", "display_name": "X"}]',
    "lat 1e400": b'[{"lat": 1e400, "lon": 1, "display_name": "X"}]',
    "lat NaN": b'[{"lat": "NaN", "lon": "1", "display_name": "X"}]',
    "off the globe": b'[{"lat": "91", "lon": "1", "display_name": "X"}]',
    "name a list": b'[{"lat": "1", "lon": "1", "display_name": ["X"]}]',
    "address a string": b'[{"lat": "1", "lon": "1", "address": "X"}]',
    "names a list": b'[{"lat": "1", "lon": "1", "namedetails": ["X"]}]',
    "deep": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_misbehaving_answer_is_an_error_never_a_crash_or_a_cached_answer(
    tmp_path: Path, body: bytes
) -> None:
    with FakeNominatim() as server, GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
        server.serve_next(body, count=2)
        geo = NominatimGeocoder(settings_for(server.url, tmp_path), cache)
        result = geo.candidates("Kalma")
        assert result.status == "error" and result.candidates == [] and "malformed" in result.error
        assert cache.stats()["rows"] == 0
        assert geo.candidates("Kalma").status == "found"  # the next (good) answer is taken


def test_only_the_good_results_of_a_mixed_answer_are_kept(tmp_path: Path) -> None:
    body = b'[{"lat": "abc", "lon": "1"}, {"lat": "39.17", "lon": "127.51", "name": "Kalma"}, 7]'
    with FakeNominatim() as server, GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
        server.serve_next(body)
        geo = NominatimGeocoder(settings_for(server.url, tmp_path), cache)
        [kalma] = geo.candidates("Kalma").candidates
        assert (kalma.name, kalma.lat) == ("Kalma", 39.17)
        out = tmp_path / "out.jsonl"
        assert cache.export_jsonl(out) == 1
        assert json.loads(out.read_text(encoding="utf-8"))["answer"] == [
            {"lat": "39.17", "lon": "127.51", "name": "Kalma"}
        ]


@pytest.mark.parametrize(
    "query", ["'; DROP TABLE answers; --", "Kal\x00ma", "Kalma\nKangwon", '" OR 1=1 --', "Köln, Berlin"]
)
def test_hostile_query_text_is_bound_not_executed(tmp_path: Path, query: str) -> None:
    with FakeNominatim() as server, GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
        geo = NominatimGeocoder(settings_for(server.url, tmp_path), cache)
        assert geo.candidates(query).status == "not_found"
        assert geo.candidates(query).source == "cache"
        assert server.queries == [query]
        assert cache.stats()["rows"] == 1


@pytest.mark.parametrize(
    "query", ["", "   ", "x" * 5000, "Kalma\udcff"], ids=["empty", "blank", "long", "bytes"]
)
def test_queries_that_are_no_place_name_are_refused_without_a_request(tmp_path: Path, query: str) -> None:
    from geoapp.geocode import GeocoderChain

    with FakeNominatim() as server:
        chain = GeocoderChain(_NoGazetteer(), settings_for(server.url, tmp_path))
        result = chain.lookup(query)
        assert result.status == "error" and result.error
        assert server.queries == []


def test_undecodable_command_line_query_is_one_error_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable.encode(), b"-m", b"geoapp.cli", b"geocode", b"Kalma\xff"],
        cwd=ROOT,
        env=cli_env("http://127.0.0.1:9", tmp_path / "cache"),
        capture_output=True,
    )
    assert run.returncode == 1 and b"Traceback" not in run.stderr
    assert b"not valid text" in run.stdout


def test_an_oversized_answer_is_refused_unread(tmp_path: Path) -> None:
    from geoapp.geocode.nominatim import MAX_ANSWER_BYTES

    body = b'[{"lat": "1", "lon": "1", "display_name": "' + b"x" * MAX_ANSWER_BYTES + b'"}]'
    with FakeNominatim() as server, GeocodeCache(tmp_path / CACHE_FILENAME) as cache:
        server.serve_next(body)
        geo = NominatimGeocoder(settings_for(server.url, tmp_path), cache)
        result = geo.candidates("Kalma")
        assert result.status == "error" and "more than" in result.error
        assert cache.stats()["rows"] == 0


def test_names_from_the_server_cannot_drive_the_terminal(tmp_path: Path) -> None:
    body = json.dumps([{"lat": "1", "lon": "2", "name": "Kalma\x1b[2J\x1b]0;pwned\x07", "type": "x\ny"}])
    with FakeNominatim() as server:
        server.serve_next(body.encode())
        run = run_cli(["geocode", "--online", "Kalma"], cli_env(server.url, tmp_path / "cache"))
    assert run.returncode == 0, run.stderr
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "Kalma\\x1b[2J" in run.stdout
    assert len(run.stdout.splitlines()) == 3  # query, one candidate, attribution


def _open_checked(path: str, go, results) -> None:
    go.wait(30)  # both processes open the damaged file at the same moment
    with GeocodeCache(path, verify=True) as cache:
        results.put((len(cache.notices), cache.stats()["rows"]))


def test_two_processes_finding_the_same_damage_move_it_aside_once(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / CACHE_FILENAME
    damaged_cache(path)
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_open_checked, args=(str(path), go, results)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    aside = [p for p in tmp_path.glob("geocode.sqlite.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1
    assert [n for n, _ in outcomes] == [0, 1]  # one repaired (and said so), the other found it done
    assert outcomes[0][1] == outcomes[1][1] > 1000  # both on the same fresh file
