"""The multi-core and Dask engines: same output as the serial loop, bounded, robust, stoppable.

Output comparisons between processes pin ``PYTHONHASHSEED``, so that they test the engines alone:
a hash-order dependence in a pipeline stage (the link stage's relation order once came from a
frozenset) would otherwise show up as a difference between two processes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from geoapp.articles import read_articles
from geoapp.cli import Problems, main, parse_inputs
from geoapp.engines import EngineSetupError, ParseFailure, ProcessEngine, SerialEngine, chunks
from geoapp.model import Article, Result
from geoapp.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = SEEDS / "000_697af04ae4cd89d0.txt"
PINNED = {**os.environ, "PYTHONHASHSEED": "0", "GEOAPP_GEOCODER": "offline"}


def write_stream(path: Path, count: int, *, without_id_every: int = 0) -> Path:
    """``count`` JSONL records cycling through the seed texts, each a different slice (fresh ids)."""
    texts = [a.text for a in read_articles([SEEDS], [])]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(count):
            text = texts[i % len(texts)]
            cut = (i * 37) % max(1, len(text) // 3)
            record = {"id": f"s{i}", "title": f"Story {i}", "text": text[cut:]}
            if without_id_every and i % without_id_every == 0:
                del record["id"]
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


# --- fakes that run inside worker processes (importable by name, as spawn needs) --------------


class FakeParser:
    """Parses in microseconds; raises on an article called "bad", kills its process on "die"."""

    chain = None

    def parse(self, article: Article) -> Result:
        if article.id == "bad":
            raise ValueError("no good\nsecond line")
        if article.id == "die":
            os._exit(3)
        if article.id == "slow":
            time.sleep(120)
        return Result(article=article)


def fake_factory(settings: Settings) -> FakeParser:
    return FakeParser()


def no_preload(settings: Settings) -> None:
    """Nothing to share: with a preload the pool forks (Linux), without one it spawns."""


def broken_factory(settings: Settings) -> FakeParser:
    raise ValueError("registry.yaml: not a mapping")


def articles(ids: list[str]) -> list[Article]:
    return [Article(id=i, title="", text=f"text of {i}") for i in ids]


# --- the process engine ------------------------------------------------------------------------


def test_chunks_close_on_count_and_on_size() -> None:
    items = [Article(id=str(i), title="", text="x" * (50 if i == 3 else 5)) for i in range(7)]
    got = [[a.id for a in c] for c in chunks(items, max_articles=3, max_chars=40)]
    assert got == [["0", "1", "2"], ["3"], ["4", "5", "6"]]


def test_process_engine_keeps_order_and_reports_a_failing_article() -> None:
    ids = [f"a{i}" for i in range(40)]
    ids[17] = "bad"
    engine = ProcessEngine(Settings(), 2, factory=fake_factory, preload=no_preload, chunk_articles=3,
                           serial_below=1)
    out = list(engine.parse_many(iter(articles(ids))))
    assert [o.article_id if isinstance(o, ParseFailure) else o.article.id for o in out] == ids
    failure = out[17]
    assert isinstance(failure, ParseFailure)
    assert str(failure.problem()) == "<input>: article 'bad' could not be parsed: ValueError: no good"
    # Results come back with the very article objects that were sent (no copy of the text).
    sent = articles(["x1"])
    assert SerialEngine(FakeParser()).parse_many(sent).__next__().article is sent[0]


@pytest.mark.parametrize("preload", [no_preload, None], ids=["fork", "spawn"])
def test_a_worker_that_dies_costs_one_article_not_the_run(preload) -> None:
    ids = [f"a{i}" for i in range(30)]
    ids[11] = "die"
    engine = ProcessEngine(Settings(), 2, factory=fake_factory, preload=preload, chunk_articles=4,
                           serial_below=1)
    out = list(engine.parse_many(articles(ids)))
    failures = [o for o in out if isinstance(o, ParseFailure)]
    assert [f.article_id for f in failures] == ["die"]
    assert "died" in failures[0].reason
    assert [o.article.id for o in out if isinstance(o, Result)] == [i for i in ids if i != "die"]


def test_a_parser_that_cannot_be_built_is_one_setup_error() -> None:
    engine = ProcessEngine(Settings(), 2, factory=broken_factory, preload=None, serial_below=1)
    with pytest.raises(EngineSetupError, match="registry.yaml: not a mapping"):
        list(engine.parse_many(articles(["a", "b", "c"])))
    short = ProcessEngine(Settings(), 2, factory=broken_factory)  # short input: built in this process
    with pytest.raises(EngineSetupError) as caught:
        list(short.parse_many(articles(["a"])))
    assert caught.value.exit_code == 2


def test_the_engine_reads_the_input_as_it_goes() -> None:
    """Bounded memory: no more than the chunks in flight are taken from the stream ahead of output."""
    taken = []

    def stream():
        for i in range(10_000):
            taken.append(i)
            yield Article(id=f"a{i}", title="", text="t")

    engine = ProcessEngine(Settings(), 2, factory=fake_factory, preload=no_preload, chunk_articles=5,
                           in_flight=3, serial_below=1)
    outcomes = engine.parse_many(stream())
    for _ in range(20):
        next(outcomes)
    assert len(taken) <= 20 + 3 * 5 + 5
    outcomes.close()


def test_stopping_ends_a_worker_in_the_middle_of_an_article() -> None:
    """A worker busy with one long article is ended when the run stops, not waited for."""
    before = _children(os.getpid())
    engine = ProcessEngine(Settings(), 2, factory=fake_factory, preload=no_preload, chunk_articles=1,
                           in_flight=3, serial_below=1)
    outcomes = engine.parse_many(articles(["a0", "a1", "slow", "a3", "a4"]))
    assert next(outcomes).article.id == "a0"
    workers = _children(os.getpid()) - before
    assert workers
    started = time.monotonic()
    outcomes.close()  # what Ctrl-C or SIGTERM does to the loop that reads the outcomes
    while time.monotonic() - started < 20 and any(_state(pid) != "Z" for pid in workers):
        time.sleep(0.1)
    assert all(_state(pid) == "Z" for pid in workers)
    assert time.monotonic() - started < 20


def test_parse_inputs_reports_each_failure_once(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": f"Text {i}."}) + "\n" for i in ["a", "bad", "c"]))
    problems = Problems()
    results = list(parse_inputs([str(source)], SerialEngine(FakeParser()), problems))
    assert [r.article.id for r in results] == ["a", "c"]
    assert problems.errors == 1 and problems.exit_code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"geoapp: {source}: article 'bad' could not be parsed: ValueError: no good"]


# --- the command line ------------------------------------------------------------------------

_COMPARE = """
import sys
from geoapp.cli import main
if __name__ == "__main__":
    inputs, out = sys.argv[1:-1], sys.argv[-1]
    for fmt in ("jsonl", "csv", "geojson"):
        for workers in ("1", "2"):
            code = main(["extract", *inputs, "--format", fmt, "--workers", workers,
                         "-o", f"{out}/{fmt}.{workers}"])
            assert code == 0, code
"""


@pytest.mark.slow
def test_workers_write_the_same_bytes_as_one_process(tmp_path: Path) -> None:
    """Seeds and a generated stream of a few hundred articles, JSONL, CSV and GeoJSON."""
    stream = write_stream(tmp_path / "stream.jsonl", 240)
    proc = subprocess.run([sys.executable, "-c", _COMPARE, str(SEEDS), str(stream), str(tmp_path)],
                          cwd=ROOT, env=PINNED, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for fmt in ("jsonl", "csv", "geojson"):
        one, two = (tmp_path / f"{fmt}.1").read_bytes(), (tmp_path / f"{fmt}.2").read_bytes()
        assert len(one) > 10_000
        assert one == two, fmt
    lines = (tmp_path / "jsonl.2").read_text("utf-8").splitlines()
    assert len(lines) == 247 and json.loads(lines[-1])["id"] == "s239"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_stopping_a_parallel_run_leaves_no_output_and_no_workers(tmp_path: Path, how: str) -> None:
    stream = write_stream(tmp_path / "stream.jsonl", 1500)
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    proc = subprocess.Popen([sys.executable, "-m", "geoapp.cli", "extract", str(stream), "--workers", "2",
                             "-o", str(out)], cwd=ROOT, env=PINNED, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    children: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(children) < 2:  # the workers are up
        time.sleep(0.5)
        children = _children(proc.pid)
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before it could be stopped"
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)  # a terminal sends Ctrl-C to the whole group
    else:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, 128 + signal.SIGTERM), err[-2000:]
    assert "Traceback" not in err
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "stream.jsonl"]
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_extract_imports_nothing_heavy(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom geoapp.cli import main\n"
        f"main(['extract', {str(SEED)!r}, '-o', {str(tmp_path / 'x.jsonl')!r}])\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=PINNED, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    assert "geoapp" in loaded
    heavy = {"geopandas", "pyarrow", "streamlit", "dask", "distributed", "pandas", "shapely", "geopy",
             "requests"}
    assert not loaded & heavy  # an offline run needs no Nominatim client (geopy, requests)


def test_bad_worker_options_are_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["extract", str(SEED), "--workers", "0", "-o", str(tmp_path / "x.jsonl")]) == 2
    assert main(["extract", str(SEED), "--scheduler", "tcp://127.0.0.1:1", "-o", str(tmp_path / "x")]) == 2
    assert main(["extract", str(SEED), "--engine", "dask", "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "geoapp: --workers must be at least 1",
        "geoapp: --scheduler and --partition-mb are for --engine dask",
        "geoapp: --engine dask writes a partitioned dataset: give --format geoparquet -o DIR",
    ]
    assert not list(tmp_path.iterdir())


# --- the Dask engine ---------------------------------------------------------------------------


def test_dask_missing_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)  # "import dask" now raises ImportError
    target = str(tmp_path / "ds")
    code = main(["extract", str(SEED), "--engine", "dask", "--format", "geoparquet", "-o", target])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install" in err[0] and "geoapp[scale]" in err[0]
    assert not list(tmp_path.iterdir())


def test_dask_refuses_a_folder_it_did_not_write(tmp_path: Path, capsys) -> None:
    pytest.importorskip("distributed")
    target = tmp_path / "ds"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code = main(["extract", str(SEED), "--engine", "dask", "--format", "geoparquet", "-o", str(target)])
    assert code == 2
    assert "did not write" in capsys.readouterr().err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def _sorted_rows(table) -> list[dict]:
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: (r["article_id"], r["start"], r["end"]))


@pytest.mark.slow
def test_dask_partitions_give_the_serial_mentions(tmp_path: Path) -> None:
    """JSONL split into blocks (ids from line numbers, a broken line, a duplicate id across
    blocks), a Parquet shard and a text file; threads (processes=False) keep it fast."""
    pytest.importorskip("distributed")
    import pyarrow as pa
    import pyarrow.parquet as pq

    from geoapp.dask_engine import run_dask
    from geoapp.export import GeoParquetWriter
    from geoapp.pipeline import Geoparser

    inputs = tmp_path / "in"
    inputs.mkdir()
    stream = write_stream(inputs / "a.jsonl", 60, without_id_every=7)
    lines = stream.read_text("utf-8").splitlines()
    lines[40] = '{"id": "broken", "text": '
    lines[50] = json.dumps({"id": "s3", "text": "A second story with the id s3, from Berlin."})
    stream.write_text("\n".join(lines) + "\n", "utf-8")
    records = [json.loads(line) for line in write_stream(tmp_path / "b.jsonl", 12).read_text().splitlines()]
    shard = pa.table({k: [{**r, "id": "p" + r["id"]}[k] for r in records] for k in ("id", "title", "text")})
    pq.write_table(shard, inputs / "b.parquet", row_group_size=4)
    (inputs / "c.txt").write_text(SEED.read_text("utf-8"), "utf-8")

    seen: list = []
    summary = run_dask([str(inputs)], tmp_path / "ds", Settings(), seen, workers=2, partition_mb=0.02,
                       processes=False)
    assert summary.partitions >= 4 and summary.files >= 3
    messages = [str(p) for p in seen]
    assert messages == [
        f"{stream}:41: broken JSON (Expecting value, column 26)",
        f"warning: {stream}:51: duplicate id 's3'; first seen at {stream}:4",
    ]

    parser = Geoparser()
    serial_inputs = tmp_path / "serial"
    serial_inputs.mkdir()
    (serial_inputs / "a.jsonl").write_bytes(stream.read_bytes())
    (serial_inputs / "b.jsonl").write_text("".join(
        json.dumps({**r, "id": "p" + r["id"]}) + "\n" for r in records), "utf-8")
    (serial_inputs / "c.txt").write_bytes((inputs / "c.txt").read_bytes())
    results = [parser.parse(a) for a in read_articles([serial_inputs], [])]
    assert {r.article.id for r in results} >= {"a:1", "a:8", "ps0", "c"}
    serial = tmp_path / "serial.parquet"
    with serial.open("wb") as fh:
        writer = GeoParquetWriter(fh)
        for result in results:
            writer.write(result)
        writer.finish()
    assert summary.articles == len(results)
    got = pq.read_table(tmp_path / "ds")
    want = pq.read_table(serial)
    assert got.num_rows == want.num_rows > 100
    assert _sorted_rows(got) == _sorted_rows(want)


@pytest.mark.slow
def test_dask_cli_with_worker_processes_writes_one_geoparquet_table(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    stream = write_stream(tmp_path / "stream.jsonl", 60)
    serial, dataset = tmp_path / "serial.parquet", tmp_path / "ds"
    dataset.mkdir()
    (dataset / "part-00099.parquet").write_bytes(b"an old dataset's file")
    base = [sys.executable, "-m", "geoapp.cli", "extract", str(SEEDS), str(stream), "--format", "geoparquet"]
    one = subprocess.run([*base, "--workers", "1", "-o", str(serial)], cwd=ROOT, env=PINNED,
                         capture_output=True, text=True, timeout=600)
    assert one.returncode == 0, one.stderr[-2000:]
    run = subprocess.run([*base, "--engine", "dask", "--workers", "2", "--partition-mb", "0.02", "-o",
                          str(dataset)], cwd=ROOT, env=PINNED, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "wrote 67 articles" in run.stderr
    names = sorted(p.name for p in dataset.iterdir())
    assert len(names) >= 3 and "part-00099.parquet" not in names  # the old dataset was replaced whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]

    want = pq.read_table(serial)
    table = ds.dataset(dataset, format="parquet").to_table()
    assert table.num_rows == want.num_rows
    assert _sorted_rows(table) == _sorted_rows(want)
    assert table.to_pylist() == want.to_pylist()  # partitions in input order: the serial order too
    for name in names:
        geo = json.loads(pq.read_schema(dataset / name).metadata[b"geo"])
        assert geo["version"] == "1.0.0" and geo["primary_column"] == "geometry"
        assert geo["columns"]["geometry"]["encoding"] == "WKB"
        assert len(geo["columns"]["geometry"]["bbox"]) == 4

    import geopandas as gpd

    frame = gpd.read_parquet(dataset)
    assert len(frame) == want.num_rows and frame.crs.to_epsg() == 4326
    duckdb = pytest.importorskip("duckdb")
    count = duckdb.sql(f"select count(*) from read_parquet('{dataset}/*.parquet')").fetchall()[0][0]
    assert count == want.num_rows


@pytest.mark.slow
def test_ctrl_c_stops_a_dask_run_cleanly(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    stream = write_stream(tmp_path / "stream.jsonl", 1500)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "geoapp.cli", "extract", str(stream), "--engine", "dask", "--workers", "2",
           "--format", "geoparquet", "--partition-mb", "0.05", "-o", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=PINNED, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not list(tmp_path.glob(".out.*/*")):
        time.sleep(0.2)  # a worker is writing a partition: the cluster is up
    assert proc.poll() is None, "the run ended before it could be stopped"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "geoapp: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stream.jsonl"]


def test_jsonl_blocks_cover_every_line_once(tmp_path: Path) -> None:
    from geoapp.partitions import Partition, Seen, jsonl_pieces, read_partition, scan_block

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(b'{"text": "line %d"}\r\n' % i for i in range(50)))
    size = path.stat().st_size
    scans = [scan_block(str(path), lo, lo + 97) for lo in range(0, size, 97)]
    pieces = jsonl_pieces(path, "x.jsonl", scans)
    assert pieces[0].start == 0 and pieces[-1].end == size
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))
    data = path.read_bytes()
    assert len(pieces) > 5
    assert [p.first_line for p in pieces] == [data[: p.start].count(b"\n") + 1 for p in pieces]

    errors: list = []
    seen = Seen()
    got = list(read_partition(Partition(0, tuple(pieces)), errors, seen))
    want = list(read_articles([path], []))
    assert not errors
    assert [replace(a, path=None) for a in got] == [replace(a, path=None) for a in want]
    assert [line for _, _, line in seen.ids] == list(range(1, 51))


def test_local_workers_drop_only_the_heartbeat_traceback() -> None:
    import logging

    from geoapp.dask_engine import _no_heartbeat_traceback

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, msg, None, None)

    assert not _no_heartbeat_traceback(record("Failed to communicate with scheduler during heartbeat."))
    assert _no_heartbeat_traceback(record("Compute Failed"))
