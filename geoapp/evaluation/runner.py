"""Run any ``parse(Article) -> Result`` over a gold corpus and report scores, speed and the worst errors.

The runner knows nothing about how geoapp parses: it takes the same callable that ``geoapp extract``
uses, so the numbers measure the shipped code path, and tests can hand it a tiny fake parser. Each
gold document becomes ``Article(id, title="", text=doc.text, lang=doc.lang)``; the predicted places
are read back from ``result.places`` (title mentions ignored: the gold corpora annotate text only).
Where a corpus annotates adjectives as toponyms (GeoWebNews: "Russian" in "Russian troops" is a
``Non_Literal_Modifier``), ``result.adjectives`` count too: geoapp keeps those references out of
``places`` (an adjective is no marker on the map), but it did recognise and resolve them. Such
reports also carry the places-only score, and both are printed.

Datasets with actors and links (devnews, re3d: :data:`~geoapp.evaluation.actorcorpora.ACTOR_DATASETS`)
are scored by :mod:`geoapp.evaluation.actorreport` as well; devnews is both a place and an actor
dataset, re3d an actor dataset only (its Location annotation is not exhaustive). ``--docs even|odd``
keeps every other document of any dataset (:func:`~geoapp.evaluation.corpora.split_docs`).

Speed counts only the time spent inside ``parse``. One untimed warm-up call comes first so that
lazy one-time work (gazetteer load, model load) stays out of documents per second; the caller reports
its own construction time as ``load_seconds`` and the warm-up time is reported apart too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geoapp.evaluation.actorcorpora import ACTOR_DATASETS
from geoapp.evaluation.actorreport import ActorReport, actor_summary_table, evaluate_actors
from geoapp.evaluation.corpora import (
    DATASETS,
    DEFAULT_DATASETS,
    DOC_SPLITS,
    EvalDataMissing,
    GoldDoc,
    eval_dir,
    load_dataset,
)
from geoapp.evaluation.metrics import PRF, DocScore, PredSpan, Totals, score_document
from geoapp.fileio import atomic_write
from geoapp.model import Article, Result

Parse = Callable[[Article], Result]

#: What ``geoapp eval`` / ``benchmarks/eval.py`` measure when no dataset is named: the place dev
#: sets, then devnews (places, actors and links) and re3d (actors and links).
RUN_DEFAULTS = (*DEFAULT_DATASETS, "devnews", "re3d")


@dataclass
class ParserUnderTest:
    """What the harness measures: the parse callable and its construction time."""

    parse: Parse
    load_seconds: float


#: Characters of text shown on each side of an error.
CONTEXT_CHARS = 40
#: At most this many parser exceptions are quoted in a report's notes.
MAX_FAILURE_NOTES = 5


@dataclass
class ErrorCase:
    """One kind of mistake (grouped by surface text), with one example and how often it happened.

    ``kind`` is ``missed`` (gold span with no overlapping prediction), ``spurious`` (prediction
    overlapping no gold span), ``boundary`` (overlap but not exact) or ``far`` (resolved, but far
    from the gold coordinates).
    """

    kind: str
    text: str
    count: int
    doc_id: str
    start: int
    end: int
    context: str
    km: float | None = None
    gold_lat: float | None = None
    gold_lon: float | None = None
    pred_text: str | None = None
    pred_name: str | None = None
    pred_lat: float | None = None
    pred_lon: float | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Report:
    """Scores, speed and worst errors of one parser on one dataset."""

    dataset: str
    n_docs: int
    n_tokens: int
    totals: Totals
    parse_seconds: float
    corpus_seconds: float = 0.0
    warmup_seconds: float = 0.0
    load_seconds: float | None = None
    n_failed: int = 0
    n_found_unresolved: int = 0
    #: Places-only scores, kept when country adjectives were counted (``totals`` includes them).
    places_only: Totals | None = None
    #: The "metonymy" flag against the gold type ``Metonymic`` on exactly found toponyms (GeoWebNews).
    metonymy: PRF | None = None
    missed: list[ErrorCase] = field(default_factory=list)
    spurious: list[ErrorCase] = field(default_factory=list)
    boundary: list[ErrorCase] = field(default_factory=list)
    far_off: list[ErrorCase] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float | None:
        return self.n_docs / self.parse_seconds if self.parse_seconds > 0 else None

    @property
    def tokens_per_second(self) -> float | None:
        return self.n_tokens / self.parse_seconds if self.parse_seconds > 0 else None

    def to_dict(self) -> dict:
        """Everything in the report as JSON-ready values (for ``--json`` and for comparing runs)."""
        t = self.totals
        return {
            "dataset": self.dataset,
            "docs": self.n_docs,
            "tokens": self.n_tokens,
            **_totals_dict(t),
            "found_unresolved": self.n_found_unresolved,
            "places_only": None if self.places_only is None else _totals_dict(self.places_only),
            "metonymy": None if self.metonymy is None else self.metonymy.to_dict(),
            "speed": {
                "parse_seconds": self.parse_seconds,
                "docs_per_second": self.docs_per_second,
                "tokens_per_second": self.tokens_per_second,
                "warmup_seconds": self.warmup_seconds,
                "load_seconds": self.load_seconds,
                "corpus_seconds": self.corpus_seconds,
            },
            "failed_docs": self.n_failed,
            "errors": {
                "missed": [e.to_dict() for e in self.missed],
                "spurious": [e.to_dict() for e in self.spurious],
                "boundary": [e.to_dict() for e in self.boundary],
                "far_off": [e.to_dict() for e in self.far_off],
            },
            "notes": list(self.notes),
        }

    def to_table(self) -> str:
        """A readable block: the scores, the speed, then the worst errors of each kind."""
        t = self.totals
        e2e, rec = t.end_to_end, t.recognised
        lines = [
            f"== {self.dataset}: {self.n_docs} docs, {self.n_tokens} tokens, "
            f"{t.n_gold} gold, {t.n_pred} predicted",
            f"  recognition  exact   P {_f(t.exact.precision)}  R {_f(t.exact.recall)}  F1 {_f(t.exact.f1)}"
            f"   (tp {t.tp_exact})",
            f"               overlap P {_f(t.overlap.precision)}  R {_f(t.overlap.recall)}"
            f"  F1 {_f(t.overlap.f1)}   (tp {t.tp_overlap})",
        ]
        if e2e.n:
            lines.append(
                f"  resolution   end-to-end  acc@161 {_f(e2e.acc161)}  median {_km(e2e.median_km)}"
                f"  AUC {_f(e2e.auc)}   (n {e2e.n})"
            )
            lines.append(
                f"               recognised  acc@161 {_f(rec.acc161)}  median {_km(rec.median_km)}"
                f"  AUC {_f(rec.auc)}   (n {rec.n}, {self.n_found_unresolved} found but unresolved)"
            )
        else:
            lines.append("  resolution   (no gold coordinates in this dataset)")
        if self.metonymy is not None:
            mt = self.metonymy
            lines.append(
                f"  metonymy     flag    P {_f(mt.precision)}  R {_f(mt.recall)}  F1 {_f(mt.f1)}"
                f"   (on {self.totals.tp_exact} exactly found toponyms; {mt.n_gold} typed Metonymic)"
            )
        if self.places_only is not None:
            po = self.places_only
            lines.append(
                f"  places only  exact   P {_f(po.exact.precision)}  R {_f(po.exact.recall)}"
                f"  F1 {_f(po.exact.f1)}   end-to-end acc@161 {_f(po.end_to_end.acc161)}"
                "   (adjectives not counted)"
            )
        lines.append(
            f"  speed        {_num(self.docs_per_second)} docs/s, {_num(self.tokens_per_second)} tokens/s"
            f" (parse {self.parse_seconds:.2f} s; warm-up {self.warmup_seconds:.2f} s; "
            f"load {_secs(self.load_seconds)}; corpus read {self.corpus_seconds:.2f} s)"
        )
        if self.n_failed:
            lines.append(f"  !! parse raised on {self.n_failed} documents (counted as empty results)")
        for note in self.notes:
            lines.append(f"  note: {note}")
        for title, cases in (
            ("missed", self.missed),
            ("spurious", self.spurious),
            ("boundary", self.boundary),
            ("far off", self.far_off),
        ):
            if not cases:
                continue
            lines.append(f"  -- worst {title}")
            for c in cases:
                lines.append("    " + _describe(c))
        return "\n".join(lines)


# --------------------------------------------------------------------------- formatting helpers


def _totals_dict(t: Totals) -> dict:
    """Counts and scores of one :class:`Totals` as JSON-ready values."""
    return {
        "gold": t.n_gold,
        "predicted": t.n_pred,
        "exact": t.exact.to_dict(),
        "overlap": t.overlap.to_dict(),
        "end_to_end": t.end_to_end.to_dict(),
        "recognised": t.recognised.to_dict(),
    }


def _f(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _km(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f} km"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _secs(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def _coord(lat: float | None, lon: float | None) -> str:
    return "?" if lat is None or lon is None else f"{lat:.2f},{lon:.2f}"


def _describe(c: ErrorCase) -> str:
    head = f"{c.count:>3}x {c.text!r}"
    if c.kind == "far":
        head += (
            f" -> {c.pred_name or '?'} ({_coord(c.pred_lat, c.pred_lon)}) vs gold "
            f"{_coord(c.gold_lat, c.gold_lon)}: {_km(c.km)}"
        )
    elif c.kind == "boundary":
        head += f" predicted as {c.pred_text!r}"
    return f"{head}  [{c.doc_id}] …{c.context}…"


def context(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The span in ``[brackets]`` with ``width`` characters either side, on one line."""
    s = text[max(0, start - width) : start] + "[" + text[start:end] + "]" + text[end : end + width]
    return " ".join(s.split())


def summary_table(reports: Sequence[Report]) -> str:
    """One line per dataset with the headline numbers (what the README quotes)."""
    header = (
        f"{'dataset':<15} {'docs':>5} {'gold':>5} {'P':>5} {'R':>5} {'F1':>5} {'ovF1':>5} "
        f"{'e2e@161':>7} {'rec@161':>7} {'med km':>7} {'AUC':>5} {'docs/s':>7} {'tok/s':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        rows = [(r.dataset, r.totals)]
        if r.places_only is not None:
            rows.append((f"{r.dataset}:places", r.places_only))
        for label, t in rows:
            e2e, rec = t.end_to_end, t.recognised
            med = "-" if e2e.median_km is None else f"{e2e.median_km:.0f}"
            lines.append(
                f"{label:<15} {r.n_docs:>5} {t.n_gold:>5} {t.exact.precision:>5.3f} {t.exact.recall:>5.3f} "
                f"{t.exact.f1:>5.3f} {t.overlap.f1:>5.3f} {_opt(e2e.acc161, 7)} {_opt(rec.acc161, 7)} "
                f"{med:>7} {_opt(e2e.auc, 5)} {_num(r.docs_per_second):>7} {_num(r.tokens_per_second):>8}"
            )
    lines.append(
        "(P/R/F1 exact spans; ovF1 one-to-one overlap; med km and AUC end to end; lower AUC is better)"
    )
    if any(r.places_only is not None for r in reports):
        lines.append(
            '(NAME also counts the adjectives the corpus annotates as toponyms: "Russian" troops; '
            "NAME:places counts place mentions only)"
        )
    return "\n".join(lines)


def _opt(x: float | None, width: int) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:>{width}.3f}"


# --------------------------------------------------------------------------- evaluation


def predictions_from_result(result: Result, adjectives: bool = False) -> list[PredSpan]:
    """The text place mentions of a result, flattened; title mentions left out (gold has no title).

    With ``adjectives``, the adjective references (``result.adjectives``) count as places too.
    """
    mentions = list(result.places)
    if adjectives and result.adjectives:
        mentions = sorted(mentions + result.adjectives, key=lambda pm: (pm.mention.start, pm.mention.end))
    preds = []
    for pm in mentions:
        m = pm.mention
        if m.field == "title":
            continue
        p = pm.place
        preds.append(
            PredSpan(
                m.start,
                m.end,
                m.text,
                p.lat if p else None,
                p.lon if p else None,
                p.name if p else None,
                pm.flags,
            )
        )
    return preds


def article_for(doc: GoldDoc) -> Article:
    """The article the parser sees: only text and language, no title, as the gold has none."""
    return Article(id=doc.id, title="", text=doc.text, lang=doc.lang)


class _ErrorCollector:
    """Groups error cases by surface text so the report shows patterns, not one-off examples."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[tuple, ErrorCase]] = {
            "missed": {},
            "spurious": {},
            "boundary": {},
            "far": {},
        }

    def add(self, key: tuple, case: ErrorCase) -> None:
        bucket = self.groups[case.kind]
        seen = bucket.get(key)
        if seen is None:
            bucket[key] = case
            return
        seen.count += 1
        if case.km is not None and (seen.km is None or case.km > seen.km):
            case.count = seen.count
            bucket[key] = case  # keep the farthest example

    def collect(self, doc: GoldDoc, preds: Sequence[PredSpan], score: DocScore) -> None:
        text = doc.text
        for i in score.missed:
            g = doc.spans[i]
            case = ErrorCase("missed", g.text, 1, doc.id, g.start, g.end, context(text, g.start, g.end))
            self.add((g.text,), case)
        for j in score.spurious:
            p = preds[j]
            self.add(
                (p.text,),
                ErrorCase(
                    "spurious",
                    p.text,
                    1,
                    doc.id,
                    p.start,
                    p.end,
                    context(text, p.start, p.end),
                    pred_name=p.name,
                ),
            )
        for i, j in score.boundary:
            g, p = doc.spans[i], preds[j]
            self.add(
                (g.text, p.text),
                ErrorCase(
                    "boundary",
                    g.text,
                    1,
                    doc.id,
                    g.start,
                    g.end,
                    context(text, g.start, g.end),
                    pred_text=p.text,
                ),
            )
        by_gold = dict(score.overlap_pairs)
        for i, km in score.resolution:
            j = by_gold.get(i)
            if km is None or j is None:
                continue
            g, p = doc.spans[i], preds[j]
            if km <= 161.0:
                continue
            self.add(
                (g.text, p.name),
                ErrorCase(
                    "far",
                    g.text,
                    1,
                    doc.id,
                    g.start,
                    g.end,
                    context(text, g.start, g.end),
                    km=km,
                    gold_lat=g.lat,
                    gold_lon=g.lon,
                    pred_text=p.text,
                    pred_name=p.name,
                    pred_lat=p.lat,
                    pred_lon=p.lon,
                ),
            )

    def worst(self, kind: str, k: int) -> list[ErrorCase]:
        cases = list(self.groups[kind].values())
        if kind == "far":
            cases.sort(key=lambda c: (-(c.km or 0.0), -c.count, c.text))
        else:
            cases.sort(key=lambda c: (-c.count, c.text))
        return cases[:k]


def evaluate_docs(
    dataset_name: str,
    docs: Sequence[GoldDoc],
    parse: Parse,
    *,
    errors: int = 10,
    warmup: bool = True,
    load_seconds: float | None = None,
    corpus_seconds: float = 0.0,
    notes: list[str] | None = None,
    adjectives: bool = False,
) -> Report:
    """Score ``parse`` on in-memory gold documents (the core of :func:`evaluate`, handy in tests).

    With ``adjectives`` the adjective references count as predicted toponyms (see the module
    docstring) and the report keeps the places-only scores beside them.
    """
    notes = list(notes or [])
    warmup_seconds = 0.0
    if warmup and docs:
        t0 = time.perf_counter()
        try:
            parse(article_for(docs[0]))
        except Exception:  # the timed loop below reports failures per document
            pass
        warmup_seconds = time.perf_counter() - t0
    totals = Totals()
    places_only = Totals() if adjectives else None
    meto_tp = meto_flagged = meto_gold = 0
    collector = _ErrorCollector()
    parse_seconds = 0.0
    n_tokens = 0
    n_failed = 0
    n_found_unresolved = 0
    for doc in docs:
        article = article_for(doc)
        n_tokens += len(doc.text.split())
        t0 = time.perf_counter()
        try:
            result = parse(article)
        except Exception as exc:  # one bad document must not hide the other scores
            parse_seconds += time.perf_counter() - t0
            n_failed += 1
            if n_failed <= MAX_FAILURE_NOTES:
                notes.append(f"parse failed on {doc.id}: {type(exc).__name__}: {exc}")
            result = Result(article=article)
        else:
            parse_seconds += time.perf_counter() - t0
        preds = predictions_from_result(result, adjectives)
        score = score_document(doc.spans, preds)
        for i, j in score.exact_pairs:
            gold_meto = doc.spans[i].type == "Metonymic"
            flagged = "metonymy" in preds[j].flags
            meto_gold += gold_meto
            meto_flagged += flagged
            meto_tp += gold_meto and flagged
        if places_only is not None:
            places_only.add(score_document(doc.spans, predictions_from_result(result)))
        totals.add(score)
        by_gold = dict(score.overlap_pairs)
        n_found_unresolved += sum(1 for i, km in score.resolution if km is None and i in by_gold)
        collector.collect(doc, preds, score)
    return Report(
        dataset=dataset_name,
        n_docs=len(docs),
        n_tokens=n_tokens,
        totals=totals,
        parse_seconds=parse_seconds,
        corpus_seconds=corpus_seconds,
        warmup_seconds=warmup_seconds,
        load_seconds=load_seconds,
        n_failed=n_failed,
        n_found_unresolved=n_found_unresolved,
        places_only=places_only,
        metonymy=PRF(meto_tp, meto_flagged, meto_gold) if meto_gold else None,
        missed=collector.worst("missed", errors),
        spurious=collector.worst("spurious", errors),
        boundary=collector.worst("boundary", errors),
        far_off=collector.worst("far", errors),
        notes=notes,
    )


def evaluate(
    dataset_name: str,
    parse: Parse,
    *,
    limit: int | None = None,
    errors: int = 10,
    root: str | Path | None = None,
    warmup: bool = True,
    load_seconds: float | None = None,
    split: str = "all",
) -> Report:
    """Load a named dataset (see :data:`~geoapp.evaluation.corpora.DATASETS`) and score ``parse`` on it.

    Adjective references count where the corpus annotates adjectives as toponyms. ``split`` keeps
    every document or every other one (:func:`~geoapp.evaluation.corpora.split_docs`).

    Raises :class:`~geoapp.evaluation.corpora.EvalDataMissing` ("skipped: …") when the data is absent.
    """
    notes: list[str] = []
    t0 = time.perf_counter()
    docs = load_dataset(dataset_name, root=root, limit=limit, notes=notes, split=split)
    corpus_seconds = time.perf_counter() - t0
    if split != "all":
        notes.append(f"documents: {split} (by 0-based position in the file)")
    return evaluate_docs(
        dataset_name,
        docs,
        parse,
        errors=errors,
        warmup=warmup,
        load_seconds=load_seconds,
        corpus_seconds=corpus_seconds,
        notes=notes,
        adjectives=DATASETS[dataset_name].annotates_adjectives,
    )


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``geoapp eval`` and ``benchmarks/eval.py``."""
    parser.add_argument(
        "datasets",
        nargs="*",
        metavar="DATASET",
        help=f"datasets to measure (default: {' '.join(RUN_DEFAULTS)}; known: {', '.join(_known())})",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents of each dataset")
    parser.add_argument("--errors", type=int, default=10, help="worst errors to list per kind (default 10)")
    parser.add_argument("--json", metavar="FILE", default=None, help="also write all reports as JSON")
    parser.add_argument(
        "--docs",
        choices=DOC_SPLITS,
        default="all",
        help="every document, or those at even/odd 0-based positions in the corpus file (train on one "
        "half, report on the other)",
    )
    parser.add_argument(
        "--eval-dir", default=None, help="corpus folder (default $GEOAPP_EVAL_DIR, else ../shared/eval)"
    )


def real_parser() -> ParserUnderTest:
    """The shipped pipeline, imported lazily so the harness works (and tests run) without it."""
    t0 = time.perf_counter()
    from geoapp.pipeline import Geoparser  # lazy on purpose: optional at import time

    gp = Geoparser(corrections=None)  # the shipped pipeline, not this user's stored fixes
    return ParserUnderTest(gp.parse, time.perf_counter() - t0)


def run(args: argparse.Namespace, make_parse: Callable[[], ParserUnderTest] | None = None) -> int:
    """Run the evaluation the parsed ``args`` ask for; prints everything, returns the exit code.

    ``make_parse`` builds the :class:`ParserUnderTest`; by default the real
    :class:`geoapp.pipeline.Geoparser`. A missing corpus folder prints "skipped: …" and returns 0.
    """
    names = list(args.datasets) or list(RUN_DEFAULTS)
    unknown = [n for n in names if n not in DATASETS and n not in ACTOR_DATASETS]
    if unknown:
        known = ", ".join(_known())
        print(f"error: unknown dataset(s) {', '.join(unknown)}; known: {known}", file=sys.stderr)
        return 2
    try:
        root = eval_dir(args.eval_dir)
    except EvalDataMissing as exc:
        print(exc)
        return 0
    try:
        parser = (make_parse or real_parser)()
    except ImportError as exc:
        print(f"error: the pipeline is not available ({exc})", file=sys.stderr)
        return 2
    print(f"parser load: {parser.load_seconds:.2f} s")
    split = getattr(args, "docs", "all")
    common = {"limit": args.limit, "errors": args.errors, "root": root, "load_seconds": parser.load_seconds}
    reports: list[Report] = []
    actor_reports: list[ActorReport] = []
    for name in names:
        try:
            if name in DATASETS:
                reports.append(evaluate(name, parser.parse, split=split, **common))
            if name in ACTOR_DATASETS:
                actor_reports.append(evaluate_actors(name, parser.parse, split=split, **common))
        except EvalDataMissing as exc:
            print(f"{name}: {exc}")
    if reports:
        print()
        print(summary_table(reports))
    if actor_reports:
        print()
        print(actor_summary_table(actor_reports))
    for report in [*reports, *actor_reports]:
        print()
        print(report.to_table())
    if args.json:
        payload = {
            "load_seconds": parser.load_seconds,
            "docs": split,
            "reports": [r.to_dict() for r in reports],
            "actor_reports": [r.to_dict() for r in actor_reports],
        }
        atomic_write(args.json, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {args.json}")
    return 0


def _known() -> list[str]:
    """Every dataset name ``geoapp eval`` accepts: place corpora, then actor-only ones (re3d)."""
    return [*DATASETS, *(n for n in ACTOR_DATASETS if n not in DATASETS)]


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``geoapp eval DATASET... [--limit N] [--errors K] [--json FILE] [--docs even|odd]`` to the CLI.

    The subcommand stores its handler as ``func``: the main CLI calls ``args.func(args)`` and
    exits with the returned code.
    """
    parser = subparsers.add_parser(
        "eval",
        help="measure places, actors and links on the corpora in ../shared/eval",
        description="Score the pipeline on GeoWebNews, GermEval 2014, SmartData and MobIE (places), "
        "devnews (places, actors, links) and re3d (actors, links); see docs/evaluation.md.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def main(argv: Sequence[str] | None = None, make_parse: Callable[[], ParserUnderTest] | None = None) -> int:
    """Entry point of ``benchmarks/eval.py``."""
    parser = argparse.ArgumentParser(
        prog="eval.py", description="Geoparsing evaluation over the corpora in ../shared/eval."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv), make_parse)
