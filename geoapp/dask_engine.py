"""``geoapp extract --engine dask``: the per-article parse on a Dask cluster, a GeoParquet dataset out.

The client lists the inputs and cuts them into :mod:`partitions <geoapp.partitions>`; each worker
reads its partitions itself, runs :func:`geoapp.engines.parse_one` on every article with one
parser per worker process, and writes one GeoParquet file per partition (``part-00000.parquet``
…) into a hidden folder beside the output. Only summaries come back: counts, problems, ids. When
every partition is done the folder replaces the output folder in one rename, so an interrupted
or failed run leaves no partial dataset, as the atomic writer does for one file.

The client and the workers must see the inputs and the output's parent folder at the same paths
(one machine, or a shared file system); see ``docs/scale.md``. Dask is optional
(``pip install 'geoapp[scale]'``) and imported only here.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .articles import DuplicateIds
from .engines import ParseFailure, build_parser, default_workers, parse_one
from .fileio import AtomicFile, OutputError
from .inputfiles import ArticleError, display_path
from .partitions import (
    DEFAULT_PARTITION_MB,
    Partition,
    Piece,
    Seen,
    duplicate_warnings,
    group,
    input_files,
    jsonl_pieces,
    parquet_pieces,
    read_partition,
    scan_block,
    splittable,
)
from .settings import Settings

PART_RE = re.compile(r"part-\d{5,}\.parquet")


class DaskMissing(RuntimeError):
    """Dask is not installed: one line saying how to install it."""


@dataclass
class PartitionReport:
    """What a worker sends back for one partition: never the rows, only what the client prints."""

    index: int
    articles: int = 0
    rows: int = 0
    written: str | None = None
    problems: list[ArticleError] = field(default_factory=list)
    seen: Seen = field(default_factory=Seen)
    skipped_lookups: int = 0
    failed_lookups: int = 0


@dataclass
class DaskSummary:
    articles: int = 0
    rows: int = 0
    files: int = 0
    partitions: int = 0
    skipped_lookups: int = 0
    failed_lookups: int = 0
    lookup_problem: str | None = None


# --- worker side ---------------------------------------------------------------------------------

_LOCAL = threading.local()


def worker_parser(settings: Settings):
    """This worker's parser, built on its first partition and kept (a Dask worker runs many tasks;
    the gazetteer loads once). One per thread: a worker with several threads must not share one
    parser between parses running at the same time (run one thread per worker process: the
    parse holds the GIL)."""
    parsers = getattr(_LOCAL, "parsers", None)
    if parsers is None:
        parsers = _LOCAL.parsers = {}
    if settings not in parsers:
        parsers[settings] = build_parser(settings)
    return parsers[settings]


def _counts(parser) -> tuple[int, int]:
    chain = getattr(parser, "chain", None)
    return (chain.skipped_lookups, chain.failed_lookups) if chain is not None else (0, 0)


def run_partition(partition: Partition, settings: Settings, folder: str) -> PartitionReport:
    """Read, parse and write one partition (on a worker): ``folder/part-NNNNN.parquet`` when it
    has place points. Written atomically, so a task that Dask retries after a lost worker never
    leaves half a file."""
    from .export import GeoParquetWriter

    parser = worker_parser(settings)
    skipped, failed = _counts(parser)
    report = PartitionReport(partition.index)
    name = f"part-{partition.index:05d}.parquet"
    with AtomicFile(Path(folder) / name, "wb") as out:
        writer = GeoParquetWriter(out.fh)
        for article in read_partition(partition, report.problems, report.seen):
            outcome = parse_one(parser, article)
            if isinstance(outcome, ParseFailure):
                report.problems.append(outcome.problem())
                continue
            report.articles += 1
            writer.write(outcome)
        writer.finish()
        if writer.rows:
            report.rows, report.written = writer.rows, name
        else:
            out.discard()  # a partition without place points adds no file
    skipped_after, failed_after = _counts(parser)
    report.skipped_lookups, report.failed_lookups = skipped_after - skipped, failed_after - failed
    return report


# --- client side ---------------------------------------------------------------------------------


def _import_dask():
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise DaskMissing(
            "--engine dask needs Dask: pip install 'geoapp[scale]' (or: pip install dask distributed)"
        ) from None
    return distributed


def check_output_folder(path: str | os.PathLike[str]) -> Path:
    """Refuse, before any work, an output folder geoapp must not replace: a file, or a folder that
    holds anything but a dataset geoapp wrote (``part-NNNNN.parquet`` files)."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: is a file; --engine dask writes a folder of GeoParquet files")
    if target.is_dir():
        strangers = [e.name for e in os.scandir(target) if not PART_RE.fullmatch(e.name)]
        if strangers:
            raise OutputError(
                f"{target}: holds files geoapp did not write ({display_path(strangers[0])} …); "
                "give a new or empty folder"
            )
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: no permission to write in {parent}")
    return target


def _publish(folder: Path, target: Path) -> None:
    """Put the finished dataset where it was asked for: the old one (if any) is moved aside first
    and removed after, so readers see the old dataset or the new one, never a mixture."""
    old = None
    if target.exists():
        aside = tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".old", dir=target.parent)
        old = Path(aside)
        os.replace(target, old / target.name)
    os.replace(folder, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _empty_dataset(folder: Path) -> None:
    """A dataset of no rows still needs one file, so readers find its columns."""
    from .export import GeoParquetWriter

    with AtomicFile(folder / "part-00000.parquet", "wb") as out:
        GeoParquetWriter(out.fh).finish()


def plan(paths: Sequence[str], client, block: int, problems) -> list[Partition]:
    """The partitions of the inputs, in input order. Big JSONL files are split into blocks that the
    workers scan for line bounds first (:func:`geoapp.partitions.scan_block`)."""
    planned: list[list[Piece] | tuple[Path, str, list]] = []
    for path in input_files(paths, problems):
        name = display_path(path)
        try:
            size = path.stat().st_size if path.is_file() else 0
        except OSError:
            size = 0
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            planned.append(parquet_pieces(path.resolve(), name, block, problems))
        elif suffix == ".jsonl" and size > block and splittable(path):
            where = str(path.resolve())
            scans = [client.submit(scan_block, where, lo, lo + block, pure=False)
                     for lo in range(0, size, block)]
            planned.append((path.resolve(), name, scans))
        else:
            where = str(path.resolve()) if path.exists() else str(path)
            planned.append([Piece("file", where, name, size)])
    pieces: list[Piece] = []
    for entry in planned:
        if isinstance(entry, tuple):
            path, name, scans = entry
            try:
                pieces.extend(jsonl_pieces(path, name, client.gather(scans)))
            except OSError as exc:  # gone or unreadable since it was listed
                problems.append(ArticleError(name, exc.strerror or str(exc)))
        else:
            pieces.extend(entry)
    return group(pieces, block)


def _start(distributed, scheduler: str | None, workers: int | None, processes: bool):
    """A client of the cluster at ``scheduler``, or of a new local cluster (closed with the client)."""
    if scheduler:
        try:
            return distributed.Client(scheduler, timeout="30s"), None
        except (OSError, TimeoutError) as exc:
            raise OutputError(f"no Dask scheduler at {scheduler} ({str(exc).splitlines()[0]})") from None
    cluster = distributed.LocalCluster(
        n_workers=workers or default_workers(),
        threads_per_worker=1,  # the parse holds the GIL: one thread, one parser per process
        processes=processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    if processes:
        # Ctrl-C reaches the whole process group: the local workers leave stopping to this process
        # (which closes the cluster) instead of each printing a traceback.
        client.run(_ignore_sigint)
    return client, cluster


def _ignore_sigint() -> None:
    """Run on each local worker process (in its main thread, where its event loop runs).

    Also drops the worker's "failed to communicate with scheduler during heartbeat" traceback: a
    local worker's scheduler lives in this process, so it only goes away when this process stops
    the run (Ctrl-C on a loaded machine can close it between two heartbeats), and the user has
    already been told why."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed.worker").addFilter(_no_heartbeat_traceback)


def _no_heartbeat_traceback(record: logging.LogRecord) -> bool:
    return "during heartbeat" not in str(record.msg)


def run_dask(
    paths: Sequence[str],
    output: str | os.PathLike[str],
    settings: Settings,
    problems,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    partition_mb: float | None = None,
    processes: bool = True,
) -> DaskSummary:
    """Parse every article under ``paths`` on Dask and write the GeoParquet dataset ``output``.

    ``problems`` gets each input problem as one line (``append``), partition by partition in input
    order. ``processes=False`` runs a local cluster's workers as threads of this process (for
    tests; the parse holds the GIL, so it is no faster than serial).
    """
    distributed = _import_dask()
    target = check_output_folder(output)
    block = max(1, int((partition_mb or DEFAULT_PARTITION_MB) * 1_000_000))
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                                   dir=target.parent if str(target.parent) else "."))
    summary = DaskSummary()
    client = cluster = None
    try:
        client, cluster = _start(distributed, scheduler, workers, processes)
        partitions = plan(paths, client, block, problems)
        summary.partitions = len(partitions)
        futures = [client.submit(run_partition, part, settings, str(folder), pure=False)
                   for part in partitions]
        ids = DuplicateIds()
        for part, future in zip(partitions, futures):
            try:
                report = future.result()
            except Exception as exc:  # the partition was lost (workers died on it): say which, go on
                problems.append(ArticleError(part.describe(), f"partition not parsed ({_first_line(exc)})"))
                continue
            for problem in [*report.problems, *duplicate_warnings(ids, report.seen)]:
                problems.append(problem)
            summary.articles += report.articles
            summary.rows += report.rows
            summary.files += report.written is not None
            summary.skipped_lookups += report.skipped_lookups
            summary.failed_lookups += report.failed_lookups
            future.release()
        if summary.articles == 0:
            return summary
        if summary.files == 0:
            _empty_dataset(folder)
            summary.files = 1
        summary.lookup_problem = _lookup_problem(settings, summary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(folder, 0o777 & ~umask)  # mkdtemp's 0700 is for the work in progress, not the dataset
        _publish(folder, target)
        return summary
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(folder, ignore_errors=True)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _lookup_problem(settings: Settings, summary: DaskSummary) -> str | None:
    if settings.geocoder != "online":
        return None
    from .engines import LookupTally

    return LookupTally(settings, summary.skipped_lookups, summary.failed_lookups).problem()
