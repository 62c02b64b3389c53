"""Running the per-article parse on one core or on every core of the machine.

:meth:`Geoparser.parse <geoapp.pipeline.Geoparser.parse>` is a pure function of one article once
the parser is built, so the work splits by article. Two engines share one contract: ``parse_many``
takes articles in input order and yields, in the same order, one outcome per article, a
:class:`~geoapp.model.Result` or a :class:`ParseFailure`. The writers never know which engine ran,
which is why ``--workers N`` writes the same bytes as ``--workers 1``.

* :class:`SerialEngine`: today's loop in this process.
* :class:`ProcessEngine`: worker processes, each building one parser in its initializer. On Linux
  the parent loads the gazetteer first and forks the workers, which then share it and start at
  once; elsewhere (or with threads running) they are spawned and load their own. The input is cut
  into small chunks, at most a few chunks per worker are in flight, and results are handed on in
  input order, so memory stays bounded however long the stream is.

A parse that raises becomes one :class:`ParseFailure` naming the article, never a dead run; a
worker process that dies outright (a crash in a C extension, the OOM killer) is replaced, and the
chunk it was on is re-run one article at a time to find the article that killed it.

The Dask engine for clusters is :mod:`geoapp.dask_engine`.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from itertools import chain, islice

from .inputfiles import ArticleError
from .model import Article, Result
from .settings import Settings

#: Articles per chunk sent to a worker, and the most characters of text one chunk may hold (a
#: chunk of ten 10 MB articles would be 100 MB in flight for one task).
CHUNK_ARTICLES = 16
CHUNK_CHARS = 1_000_000
#: Inputs shorter than this many articles are parsed in this process: starting worker processes
#: costs more than it saves on them, and one article must start as fast as with ``--workers 1``.
SERIAL_BELOW = 64
#: Worker pools started in one run before giving up: each restart follows a worker that died.
MAX_POOL_STARTS = 20


class EngineError(RuntimeError):
    """The engine cannot go on (workers that keep dying); one line for the user, exit code 1."""

    exit_code = 1


class EngineSetupError(EngineError):
    """The parser could not be built from these settings (in a worker or here): exit code 2, as
    for a bad setting in a serial run."""

    exit_code = 2


@dataclass(frozen=True)
class ParseFailure:
    """One article the parser raised on: reported as one error line, the run goes on."""

    article_id: str
    path: str | None
    reason: str

    def problem(self) -> ArticleError:
        message = f"article {self.article_id!r} could not be parsed: {self.reason}"
        return ArticleError(self.path or "<input>", message)


Outcome = Result | ParseFailure


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def parse_one(parser, article: Article) -> Outcome:
    """The per-article function every engine runs: a Result, or a failure naming the article.

    Any ``Exception`` from one article is caught here, since article text is untrusted and a batch
    of 100,000 must not die on one; ``KeyboardInterrupt`` and ``SystemExit`` still stop the run.
    """
    try:
        return parser.parse(article)
    except Exception as exc:
        return ParseFailure(article.id, article.path, _one_line(exc))


#: The cyclic garbage collector's thresholds in a process that parses (see :func:`settle_heap`).
GC_THRESHOLDS = (20_000, 20, 20)


def settle_heap() -> None:
    """Tune the cyclic garbage collector of a process whose job is parsing, once its parser is built.

    Everything alive then (what the parser holds for the life of the process) is moved to the
    collector's permanent generation (:func:`gc.freeze`), so no later collection walks it again;
    and young objects are collected every :data:`GC_THRESHOLDS` allocations instead of every 700,
    as a parse allocates hundreds of thousands of short-lived tuples, lists and strings that
    reference counting frees anyway.
    Results do not depend on it (nothing in geoapp acts on collection); ~3 % fewer instructions
    per article (docs/speed.md, third pass). Only for processes geoapp owns: the command line's
    own process and the worker processes, never a library caller's."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def build_parser(settings: Settings):
    """The default parser factory: one :class:`~geoapp.pipeline.Geoparser` for ``settings``."""
    from .pipeline import Geoparser

    return Geoparser(settings)


#: Two short articles, one per language, whose parse loads what the first parse of a process loads
#: lazily (word frequency lists of both languages, models): about a second, paid once in the parent.
_WARM_UP = (
    Article("warm-up-en", "", "The minister said in Berlin that talks with France would go on.", "en"),
    Article("warm-up-de", "", "Der Minister sagte in Berlin, die Gespräche mit Polen gingen weiter.", "de"),
)


def load_shared_data(settings: Settings) -> None:
    """Load in the parent what every worker's parser reads and never changes: the pipeline's
    modules, the process-wide gazetteer (:meth:`Gazetteer.default
    <geoapp.gazetteer.Gazetteer.default>`) and the lazily loaded word lists and models, by parsing
    :data:`_WARM_UP` with a throwaway parser. Forked workers then start in a tenth of a second and
    share those pages instead of each loading its own copy. The throwaway parser opens nothing
    (no corrections, no online geocoder): what holds files or connections is opened by each
    worker's own parser, after the fork."""
    from .pipeline import Geoparser

    parser = Geoparser(replace(settings, geocoder="offline"), corrections=None)
    for article in _WARM_UP:
        parser.parse(article)


def _start_method(preload: Callable[[Settings], None] | None) -> str:
    """``fork`` on Linux when the parent has loaded the shared data and runs no other thread (a
    fork copies one thread; a lock held by another would stay locked forever); ``spawn`` elsewhere,
    which every function here is written for (module-level, picklable by name)."""
    import multiprocessing

    if preload is not None and sys.platform == "linux" and threading.active_count() == 1 \
            and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


class SerialEngine:
    """The parse loop in this process (``--workers 1``)."""

    def __init__(self, parser) -> None:
        self.parser = parser

    @property
    def settings(self):
        return self.parser.settings

    @property
    def chain(self):
        return getattr(self.parser, "chain", None)

    def parse_many(self, articles: Iterable[Article]) -> Iterator[Outcome]:
        for article in articles:
            yield parse_one(self.parser, article)


@dataclass
class LookupTally:
    """Online lookups that did not happen, summed over worker processes, for the CLI's last line.

    Has the two counters and the ``settings`` that :meth:`GeocoderChain.problem
    <geoapp.geocode.chain.GeocoderChain.problem>` reads, so that one method words the message.
    """

    settings: Settings
    skipped_lookups: int = 0
    failed_lookups: int = 0
    nominatim: None = field(default=None, repr=False)

    def problem(self) -> str | None:
        from .geocode.chain import GeocoderChain

        return GeocoderChain.problem(self)  # type: ignore[arg-type]


# --- worker side ---------------------------------------------------------------------------------

#: The parser of this worker process (or the one line saying why it could not be built).
_WORKER: dict[str, object] = {}


def _init_worker(factory: Callable[[Settings], object], settings: Settings) -> None:
    """Build this worker's parser once. Ctrl-C goes to the whole process group: the parent alone
    decides to stop and then ends the workers, so they ignore SIGINT instead of printing tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the CLI's handler
    try:
        _WORKER["parser"] = factory(settings)
    except Exception as exc:  # reported by the parent as one line, like a bad setting in serial
        _WORKER["error"] = _first_line(exc)
    else:
        settle_heap()


@dataclass
class _ChunkOutcome:
    outcomes: list = field(default_factory=list)
    setup_error: str | None = None
    skipped_lookups: int = 0
    failed_lookups: int = 0


def _lookup_counts(parser) -> tuple[int, int]:
    chain_ = getattr(parser, "chain", None)
    return (chain_.skipped_lookups, chain_.failed_lookups) if chain_ is not None else (0, 0)


def _parse_chunk(articles: list[Article]) -> _ChunkOutcome:
    """Parse one chunk in a worker. A result goes back without its article when the article is
    the one sent (the parent still holds it): the text need not cross the pipe twice."""
    if "error" in _WORKER:
        return _ChunkOutcome(setup_error=str(_WORKER["error"]))
    parser = _WORKER["parser"]
    skipped, failed = _lookup_counts(parser)
    outcomes = []
    for article in articles:
        outcome = parse_one(parser, article)
        if isinstance(outcome, Result) and outcome.article is article:
            outcome = replace(outcome, article=None)
        outcomes.append(outcome)
    skipped_after, failed_after = _lookup_counts(parser)
    return _ChunkOutcome(outcomes, None, skipped_after - skipped, failed_after - failed)


# --- parent side ---------------------------------------------------------------------------------


def chunks(articles: Iterable[Article], max_articles: int = CHUNK_ARTICLES,
           max_chars: int = CHUNK_CHARS) -> Iterator[list[Article]]:
    """Consecutive chunks of the stream, each closed at ``max_articles`` or ``max_chars`` of text."""
    chunk: list[Article] = []
    chars = 0
    for article in articles:
        chunk.append(article)
        chars += len(article.text)
        if len(chunk) >= max_articles or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


class _Pool:
    """A ProcessPoolExecutor that can be replaced after a worker died, and killed on Ctrl-C."""

    def __init__(self, workers: int, factory: Callable, settings: Settings,
                 preload: Callable[[Settings], None] | None) -> None:
        self.workers, self.factory, self.settings = workers, factory, settings
        self.method = _start_method(preload)
        if self.method == "fork":
            preload(settings)
        self.starts = 0
        self.executor = None
        self.start()

    def start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self.starts >= MAX_POOL_STARTS:
            raise EngineError(f"worker processes died {self.starts} times; giving up")
        self.starts += 1
        if self.method == "fork" and threading.active_count() > 1:
            self.method = "spawn"  # a thread of the last pool is still winding down: fork is unsafe now
        self.executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(self.method),
            initializer=_init_worker,
            initargs=(self.factory, self.settings),
        )

    def submit(self, chunk: list[Article]) -> Future:
        """The chunk's future. When a worker died before the parent noticed, the executor refuses
        new work at once: the chunk then gets a failed future, so that it is run again in its turn
        (in input order) by the recovery in :meth:`ProcessEngine._hand_on`, not lost with the pool."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.executor.submit(_parse_chunk, chunk)
        except BrokenProcessPool as exc:
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def restart(self) -> None:
        self.kill()
        self.start()

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def kill(self) -> None:
        """Stop now: cancel what waits, end the workers (parsing an article has no side effect
        that needs finishing; output is written by the parent, atomically)."""
        executor = self.executor
        terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            terminate()
            return
        # Before 3.14 the workers are only reachable here, and shutdown() forgets them: take them first.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        manager = getattr(executor, "_executor_manager_thread", None)
        results = getattr(executor, "_result_queue", None)  # shutdown() forgets it too
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
        if manager is not None:
            manager.join(timeout=1)  # it ends once its workers are gone; a restart may then fork again
            if manager.is_alive():
                # It can be stuck reading a result that a killed worker was half-way through writing:
                # this process holds the pipe's writing end too, so no end of file would ever come,
                # and the interpreter would wait for the thread at exit. Closing that end ends the read.
                writer = getattr(results, "_writer", None)
                if writer is not None:
                    writer.close()
                manager.join(timeout=5)


class ProcessEngine:
    """Every core: worker processes parse chunks, results come back in input order.

    ``factory(settings)`` builds a worker's parser; it must be importable by name (a module-level
    function), as ``spawn`` pickles it by reference. ``preload(settings)`` loads in the parent what the
    factory's parsers share (see :func:`load_shared_data`; None: nothing, and workers are spawned).
    ``in_flight`` bounds the chunks submitted and not yet handed on (default two per worker, so no
    worker waits while the parent writes).
    """

    def __init__(
        self,
        settings: Settings,
        workers: int,
        *,
        factory: Callable[[Settings], object] = build_parser,
        preload: Callable[[Settings], None] | None = load_shared_data,
        chunk_articles: int = CHUNK_ARTICLES,
        chunk_chars: int = CHUNK_CHARS,
        in_flight: int | None = None,
        serial_below: int = SERIAL_BELOW,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.settings, self.workers, self.factory, self.preload = settings, workers, factory, preload
        self.chunk_articles, self.chunk_chars = chunk_articles, chunk_chars
        self.in_flight = in_flight or 2 * workers
        self.serial_below = serial_below
        self.tally = LookupTally(settings)
        self._local = None

    @property
    def chain(self):
        """What the CLI asks for its last line: the local parser's chain, or the workers' tally."""
        if self._local is not None:
            return getattr(self._local, "chain", None)
        return self.tally if self.settings.geocoder == "online" else None

    def parse_many(self, articles: Iterable[Article]) -> Iterator[Outcome]:
        stream = iter(articles)
        head = list(islice(stream, self.serial_below))
        if len(head) < self.serial_below:
            # A short input: one parser here, no pool (one article must start as fast as serial).
            try:
                self._local = self.factory(self.settings)
            except Exception as exc:
                raise EngineSetupError(_first_line(exc)) from None
            yield from SerialEngine(self._local).parse_many(head)
            return
        pool = _Pool(self.workers, self.factory, self.settings, self.preload)
        try:
            pending: deque[list] = deque()  # [chunk, future], oldest first
            for chunk in chunks(chain(head, stream), self.chunk_articles, self.chunk_chars):
                pending.append([chunk, pool.submit(chunk)])
                while len(pending) >= self.in_flight:
                    yield from self._hand_on(pool, pending)
            while pending:
                yield from self._hand_on(pool, pending)
        except BaseException:
            pool.kill()
            raise
        pool.close()

    def _hand_on(self, pool: _Pool, pending: deque) -> Iterator[Outcome]:
        """Wait for the oldest chunk and yield its outcomes; recover if its worker died."""
        from concurrent.futures.process import BrokenProcessPool

        chunk, future = pending.popleft()
        try:
            done = future.result()
        except BrokenProcessPool:
            pool.restart()
            yield from self._one_by_one(pool, chunk)
            for entry in pending:  # chunks lost with the old pool run again in the new one
                if not entry[1].done() or entry[1].exception() is not None:
                    entry[1] = pool.submit(entry[0])
            return
        except Exception:  # e.g. a result that cannot be pickled: find its article
            yield from self._one_by_one(pool, chunk)
            return
        yield from self._unpack(chunk, done)

    def _one_by_one(self, pool: _Pool, chunk: list[Article]) -> Iterator[Outcome]:
        """Re-run a chunk whose worker died, one article per task, so that a death names its article."""
        from concurrent.futures.process import BrokenProcessPool

        for article in chunk:
            try:
                done = pool.submit([article]).result()
            except BrokenProcessPool:
                pool.restart()
                yield ParseFailure(article.id, article.path, "the worker process parsing it died")
                continue
            except Exception as exc:
                yield ParseFailure(article.id, article.path, _one_line(exc))
                continue
            yield from self._unpack([article], done)

    def _unpack(self, chunk: list[Article], done: _ChunkOutcome) -> Iterator[Outcome]:
        if done.setup_error is not None:
            raise EngineSetupError(done.setup_error)
        self.tally.skipped_lookups += done.skipped_lookups
        self.tally.failed_lookups += done.failed_lookups
        for article, outcome in zip(chunk, done.outcomes):
            if isinstance(outcome, Result) and outcome.article is None:
                outcome = replace(outcome, article=article)
            yield outcome


def default_workers() -> int:
    """All cores this process may use (the CPU affinity where the OS tells it, else the count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
