"""Run a parser over devnews or re3d and report actor and link scores, speed, and the errors by cause.

Like :mod:`geoapp.evaluation.runner` for places, this takes any ``parse(Article) -> Result`` callable
(the shipped :class:`geoapp.pipeline.Geoparser` by default, a fake one in tests) and scores only
what the public :class:`~geoapp.model.Result` holds. Each document becomes
``Article(id, title="", text, lang)``, as in the place harness. Speed counts only the time inside
``parse``, after one untimed warm-up call.

Scores are micro-averaged (summed counts) per group: per language for devnews, per publisher
(``source``) for re3d, and over all documents. Errors keep their cause (see
:mod:`geoapp.evaluation.actors`); the report counts every cause and lists the first ``errors`` cases
of each kind, actor errors grouped by surface text (most frequent first), link errors one by one in
document order with their evidence sentence.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geoapp.evaluation.actorcorpora import ACTOR_DATASETS, NewsDoc, Re3dDoc
from geoapp.evaluation.actors import (
    ACTOR_TYPES,
    ActorError,
    NewsActorScore,
    NewsLinkScore,
    Re3dScore,
    Tally,
    fold,
    score_news_actors,
    score_news_links,
    score_re3d,
)
from geoapp.evaluation.corpora import EvalDataMissing, eval_dir, split_docs
from geoapp.model import Article, Result

Parse = Callable[[Article], Result]

#: At most this many parser exceptions are quoted in a report's notes.
MAX_FAILURE_NOTES = 5
#: Error kinds in the order the report lists them.
ERROR_KINDS = ("missed-link", "false-link", "missed-actor", "false-actor", "actor-type")
#: Actor errors are grouped by surface text; link errors are listed one by one.
GROUPED_KINDS = frozenset({"missed-actor", "false-actor", "actor-type"})
ALL = "all"


# --------------------------------------------------------------------------- tallies per group


@dataclass
class NewsTally:
    """devnews counts of one group of articles (a language, or all)."""

    docs: int = 0
    mentions: Tally = field(default_factory=Tally)
    typed: Tally = field(default_factory=Tally)
    by_type: dict[str, Tally] = field(default_factory=lambda: {t: Tally() for t in ACTOR_TYPES})
    actors: Tally = field(default_factory=Tally)
    actors_by_type: dict[str, Tally] = field(default_factory=lambda: {t: Tally() for t in ACTOR_TYPES})
    links: Tally = field(default_factory=Tally)
    links_extra: Tally = field(default_factory=Tally)
    relation_ok: int = 0
    relation_ok_extra: int = 0
    #: (gold relation, predicted relation) counts on the pairs matched against ``links``
    relation_pairs: Counter = field(default_factory=Counter)

    def relation_accuracy(self, extra: bool = False) -> float | None:
        n = (self.links_extra if extra else self.links).tp
        return (self.relation_ok_extra if extra else self.relation_ok) / n if n else None

    def to_dict(self) -> dict:
        return {
            "docs": self.docs,
            "actor_mentions": self.mentions.to_dict(),
            "actor_mentions_typed": self.typed.to_dict(),
            "actor_mentions_by_type": {t: s.to_dict() for t, s in self.by_type.items()},
            "distinct_actors": self.actors.to_dict(),
            "distinct_actors_by_type": {t: s.to_dict() for t, s in self.actors_by_type.items()},
            "links": {**self.links.to_dict(), "relation_accuracy": self.relation_accuracy()},
            "links_with_extra": {
                **self.links_extra.to_dict(),
                "relation_accuracy": self.relation_accuracy(True),
            },
            "relation_pairs": [
                {"gold": g, "predicted": p, "n": n} for (g, p), n in self.relation_pairs.most_common()
            ],
        }


@dataclass
class Re3dTally:
    """re3d counts of one group of documents (a publisher, or all)."""

    docs: int = 0
    actor_recall: Tally = field(default_factory=Tally)
    actor_precision: Tally = field(default_factory=Tally)
    countries: int = 0
    countries_on_actor: int = 0
    countries_on_location: int = 0
    link_recall: Tally = field(default_factory=Tally)
    n_links: int = 0
    links_checkable: int = 0
    links_correct: int = 0

    @property
    def link_precision_proxy(self) -> float | None:
        return self.links_correct / self.links_checkable if self.links_checkable else None

    def to_dict(self) -> dict:
        return {
            "docs": self.docs,
            "named_actors": {
                "gold": self.actor_recall.n_gold,
                "found": self.actor_recall.tp,
                "recall": self.actor_recall.recall,
                "predicted_person_organisation": self.actor_precision.n_pred,
                "on_gold_actor": self.actor_precision.tp,
                "precision": self.actor_precision.precision,
            },
            "country_actors": {
                "predicted": self.countries,
                "on_gold_person_organisation": self.countries_on_actor,
                "on_gold_location": self.countries_on_location,
            },
            "links": {
                "gold": self.link_recall.n_gold,
                "found": self.link_recall.tp,
                "recall": self.link_recall.recall,
                "predicted": self.n_links,
                "checkable": self.links_checkable,
                "correct_of_checkable": self.links_correct,
                "precision_proxy": self.link_precision_proxy,
            },
        }


# --------------------------------------------------------------------------- the report


@dataclass
class ActorReport:
    """Actor and link scores of one parser on one devnews or re3d dataset."""

    dataset: str
    kind: str  # news | re3d
    n_docs: int
    groups: dict[str, NewsTally] | dict[str, Re3dTally]
    parse_seconds: float
    warmup_seconds: float = 0.0
    load_seconds: float | None = None
    corpus_seconds: float = 0.0
    n_failed: int = 0
    causes: dict[str, Counter] = field(default_factory=dict)
    errors: dict[str, list[ActorError]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float | None:
        return self.n_docs / self.parse_seconds if self.parse_seconds > 0 else None

    @property
    def total(self) -> NewsTally | Re3dTally:
        return self.groups[ALL]

    def to_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "kind": self.kind,
            "docs": self.n_docs,
            "groups": {name: t.to_dict() for name, t in self.groups.items()},
            "speed": {
                "parse_seconds": self.parse_seconds,
                "docs_per_second": self.docs_per_second,
                "warmup_seconds": self.warmup_seconds,
                "load_seconds": self.load_seconds,
                "corpus_seconds": self.corpus_seconds,
            },
            "failed_docs": self.n_failed,
            "causes": {kind: dict(c.most_common()) for kind, c in self.causes.items()},
            "errors": {kind: [e.to_dict() for e in errs] for kind, errs in self.errors.items()},
            "notes": list(self.notes),
        }

    def to_table(self) -> str:
        lines = [f"== {self.dataset} (actors and links): {self.n_docs} docs"]
        if self.kind == "news":
            lines += _news_lines(self.groups)
        else:
            lines += _re3d_lines(self.groups)
        lines.append(
            f"  speed        {_num(self.docs_per_second)} docs/s (parse {self.parse_seconds:.2f} s; "
            f"warm-up {self.warmup_seconds:.2f} s; load {_secs(self.load_seconds)}; "
            f"corpus read {self.corpus_seconds:.2f} s)"
        )
        if self.n_failed:
            lines.append(f"  !! parse raised on {self.n_failed} documents (counted as empty results)")
        lines += [f"  note: {n}" for n in self.notes]
        for kind in ERROR_KINDS:
            causes = self.causes.get(kind)
            if not causes:
                continue
            lines.append(f"  -- {kind} by cause ({sum(causes.values())}):")
            lines += [f"       {n:>4}  {cause}" for cause, n in causes.most_common()]
        for kind in ERROR_KINDS:
            errs = self.errors.get(kind)
            if not errs:
                continue
            lines.append(f"  -- {kind}: first {len(errs)}" + (" (grouped)" if kind in GROUPED_KINDS else ""))
            for e in errs:
                count = f"{e.count:>3}x " if kind in GROUPED_KINDS else ""
                detail = f" = {e.detail}" if e.detail else ""
                lines.append(f"    {count}{e.text!r}{detail}  <{e.cause}>  [{e.doc_id}]")
                lines.append(f"         …{e.context}…")
        return "\n".join(lines)


def _f(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:,.1f}"


def _secs(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def _prf_row(label: str, t: Tally, extra: str = "") -> str:
    return (
        f"    {label:<28} {t.n_gold:>5} {t.n_pred:>5} {t.tp:>5}  "
        f"{_f(t.precision)}  {_f(t.recall)}  {_f(t.f1)}{extra}"
    )


def _news_lines(groups: dict[str, NewsTally]) -> list[str]:
    head = f"    {'':<28} {'gold':>5} {'pred':>5} {'tp':>5}  {'P':>5}  {'R':>5}  {'F1':>5}"
    lines = ["  actor mentions (one-to-one character overlap)", head]
    for name, t in groups.items():
        lines.append(_prf_row(f"{name}: any type", t.mentions))
        lines.append(_prf_row(f"{name}: same type", t.typed))
        lines += [_prf_row(f"{name}:   {k}", s) for k, s in t.by_type.items()]
    lines += ["  distinct actors per article (name agreement)", head]
    for name, t in groups.items():
        lines.append(_prf_row(f"{name}: any type", t.actors))
        lines += [_prf_row(f"{name}:   {k}", s) for k, s in t.actors_by_type.items()]
    lines += ["  links: unique (actor, place) pairs per article", head + "  rel.acc"]
    for name, t in groups.items():
        lines.append(_prf_row(f"{name}: links", t.links, f"  {_f(t.relation_accuracy())}"))
        lines.append(
            _prf_row(f"{name}: links + extra_links", t.links_extra, f"  {_f(t.relation_accuracy(True))}")
        )
    wrong = [(g, p, n) for (g, p), n in groups[ALL].relation_pairs.most_common() if g != p]
    if wrong:
        shown = ", ".join(f"{g}→{p or '?'} {n}" for g, p, n in wrong[:8])
        lines.append(f"  relation confusions (gold→predicted, matched pairs): {shown}")
    return lines


def _re3d_lines(groups: dict[str, Re3dTally]) -> list[str]:
    width = max(len(name) for name in groups)
    lines = [
        "  named actors: R = named gold Person/Organisation found (one-to-one overlap);",
        "                P = predicted person/organisation mentions on any gold Person/Organisation",
        "  links: R = gold named actor→named Location relations found; proxy P = annotated relations",
        "         among predicted links whose two ends both lie on annotated entities (checkable)",
        f"    {'source':<{width}} {'docs':>4} {'named':>5} {'R':>5} {'pred':>5} {'P':>5} "
        f"{'ctry(P/O,Loc)':>13} {'links':>5} {'R':>5} {'pred':>5} {'check':>5} {'proxyP':>6}",
    ]
    for name, t in groups.items():
        countries = f"{t.countries}({t.countries_on_actor},{t.countries_on_location})"
        lines.append(
            f"    {name:<{width}} {t.docs:>4} {t.actor_recall.n_gold:>5} {_f(t.actor_recall.recall)} "
            f"{t.actor_precision.n_pred:>5} {_f(t.actor_precision.precision)} {countries:>13} "
            f"{t.link_recall.n_gold:>5} {_f(t.link_recall.recall)} {t.n_links:>5} {t.links_checkable:>5} "
            f"{_f(t.link_precision_proxy):>6}"
        )
    return lines


def actor_summary_table(reports: Sequence[ActorReport]) -> str:
    """One line per actor dataset with the headline numbers."""
    header = (
        f"{'dataset':<15} {'docs':>5} {'act P':>6} {'act R':>6} {'act F1':>6} {'dist F1':>7} "
        f"{'link P':>6} {'link R':>6} {'link F1':>7} {'+xF1':>5} {'rel':>5} {'docs/s':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in reports:
        t = r.total
        if isinstance(t, NewsTally):
            cells = (
                t.mentions.precision,
                t.mentions.recall,
                t.mentions.f1,
                t.actors.f1,
                t.links.precision,
                t.links.recall,
                t.links.f1,
                t.links_extra.f1,
                t.relation_accuracy(),
            )
        else:
            ap, ar = t.actor_precision.precision, t.actor_recall.recall
            af1 = 2 * ap * ar / (ap + ar) if ap is not None and ar is not None and ap + ar else None
            cells = (ap, ar, af1, None, t.link_precision_proxy, t.link_recall.recall, None, None, None)
        widths = (6, 6, 6, 7, 6, 6, 7, 5, 5)
        body = " ".join(f"{'-':>{w}}" if x is None else f"{x:>{w}.3f}" for x, w in zip(cells, widths))
        lines.append(f"{r.dataset:<15} {r.n_docs:>5} {body} {_num(r.docs_per_second):>7}")
    lines.append(
        "(devnews: actor mentions by overlap, dist = distinct actors per article, links = unique pairs vs "
        "links, +x = with extra_links, rel = relation accuracy on matched pairs)"
    )
    if any(r.kind == "re3d" for r in reports):
        lines.append(
            "(re3d: act P = person/organisation predictions on any gold Person/Organisation, act R = named "
            "actors found; link P = precision proxy on checkable links, link R = named relations found)"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- running


def article_for(doc: NewsDoc | Re3dDoc) -> Article:
    """The article the parser sees: text and language, no title (the gold annotates text only)."""
    return Article(id=doc.id, title="", text=doc.text, lang=doc.lang)


@dataclass
class _Parsed:
    results: list[Result]
    parse_seconds: float
    warmup_seconds: float
    n_failed: int
    notes: list[str]


def _parse_all(docs: Sequence[NewsDoc | Re3dDoc], parse: Parse, warmup: bool) -> _Parsed:
    """Parse every document, timing only ``parse``; a failure becomes an empty result and a note."""
    notes: list[str] = []
    warmup_seconds = 0.0
    if warmup and docs:
        t0 = time.perf_counter()
        try:
            parse(article_for(docs[0]))
        except Exception:  # the timed loop reports failures per document
            pass
        warmup_seconds = time.perf_counter() - t0
    results: list[Result] = []
    parse_seconds = 0.0
    n_failed = 0
    for doc in docs:
        article = article_for(doc)
        t0 = time.perf_counter()
        try:
            result = parse(article)
        except Exception as exc:  # one bad document must not hide the other scores
            n_failed += 1
            if n_failed <= MAX_FAILURE_NOTES:
                notes.append(f"parse failed on {doc.id}: {type(exc).__name__}: {exc}")
            result = Result(article=article)
        parse_seconds += time.perf_counter() - t0
        results.append(result)
    return _Parsed(results, parse_seconds, warmup_seconds, n_failed, notes)


def _worst(errors: list[ActorError], kind: str, k: int) -> list[ActorError]:
    """The first ``k`` errors of a kind: actor errors grouped by (cause, surface), most frequent first."""
    if kind not in GROUPED_KINDS:
        return errors[:k]
    groups: dict[tuple[str, str], ActorError] = {}
    for e in errors:
        key = (e.cause, fold(e.text))
        if key in groups:
            groups[key].count += 1
        else:
            groups[key] = ActorError(e.kind, e.cause, e.doc_id, e.text, e.context, e.detail)
    return sorted(groups.values(), key=lambda e: (-e.count, e.cause, e.text))[:k]


def evaluate_actor_docs(
    dataset_name: str,
    docs: Sequence[NewsDoc] | Sequence[Re3dDoc],
    parse: Parse,
    *,
    errors: int = 10,
    warmup: bool = True,
    load_seconds: float | None = None,
    corpus_seconds: float = 0.0,
    notes: list[str] | None = None,
) -> ActorReport:
    """Score ``parse`` on in-memory devnews (:class:`NewsDoc`) or re3d (:class:`Re3dDoc`) documents."""
    parsed = _parse_all(docs, parse, warmup)
    is_news = not docs or isinstance(docs[0], NewsDoc)
    groups: dict = {}
    all_errors: list[ActorError] = []
    for doc, result in zip(docs, parsed.results):
        key = doc.lang if is_news else doc.source
        for name in (key, ALL):
            groups.setdefault(name, NewsTally() if is_news else Re3dTally()).docs += 1
        if is_news:
            actor_score, link_score = score_news_actors(doc, result), score_news_links(doc, result)
            for name in (key, ALL):
                _add_news(groups[name], actor_score, link_score)
            all_errors += actor_score.errors + link_score.errors
        else:
            score = score_re3d(doc, result)
            for name in (key, ALL):
                _add_re3d(groups[name], score)
            all_errors += score.errors
    if not groups:
        groups[ALL] = NewsTally() if is_news else Re3dTally()
    ordered = {name: groups[name] for name in sorted(groups, key=lambda n: (n == ALL, n))}
    by_kind = {kind: [e for e in all_errors if e.kind == kind] for kind in ERROR_KINDS}
    return ActorReport(
        dataset=dataset_name,
        kind="news" if is_news else "re3d",
        n_docs=len(docs),
        groups=ordered,
        parse_seconds=parsed.parse_seconds,
        warmup_seconds=parsed.warmup_seconds,
        load_seconds=load_seconds,
        corpus_seconds=corpus_seconds,
        n_failed=parsed.n_failed,
        causes={kind: Counter(e.cause for e in errs) for kind, errs in by_kind.items() if errs},
        errors={kind: _worst(errs, kind, errors) for kind, errs in by_kind.items() if errs and errors > 0},
        notes=list(notes or []) + parsed.notes,
    )


def _add_news(t: NewsTally, actors: NewsActorScore, links: NewsLinkScore) -> None:
    t.mentions.add(actors.mentions)
    t.typed.add(actors.typed)
    for k, s in actors.by_type.items():
        t.by_type[k].add(s)
    t.actors.add(actors.actors)
    for k, s in actors.actors_by_type.items():
        t.actors_by_type[k].add(s)
    t.links.add(links.strict.pairs)
    t.links_extra.add(links.with_extra.pairs)
    t.relation_ok += links.strict.relation_ok
    t.relation_ok_extra += links.with_extra.relation_ok
    t.relation_pairs.update(links.strict.relations)


def _add_re3d(t: Re3dTally, s: Re3dScore) -> None:
    t.actor_recall.add(s.actor_recall)
    t.actor_precision.add(s.actor_precision)
    n, on_actor, on_loc = s.countries
    t.countries += n
    t.countries_on_actor += on_actor
    t.countries_on_location += on_loc
    t.link_recall.add(s.link_recall)
    t.n_links += s.n_links
    t.links_checkable += s.links_checkable
    t.links_correct += s.links_correct


def load_actor_dataset(
    name: str, *, root: str | Path | None = None, limit: int | None = None, split: str = "all"
) -> list[NewsDoc] | list[Re3dDoc]:
    """The gold documents of an actor dataset (``split`` before ``limit``); raises
    :class:`EvalDataMissing` when the file is absent."""
    ds = ACTOR_DATASETS[name]
    path = eval_dir(root) / ds.relpath
    if not path.exists():
        raise EvalDataMissing(f"skipped: {path} not found")
    return split_docs(list(ds.read(path)), split)[:limit]


def evaluate_actors(
    dataset_name: str,
    parse: Parse,
    *,
    limit: int | None = None,
    errors: int = 10,
    root: str | Path | None = None,
    warmup: bool = True,
    load_seconds: float | None = None,
    split: str = "all",
) -> ActorReport:
    """Load a named actor dataset (:data:`ACTOR_DATASETS`) and score ``parse`` on it."""
    t0 = time.perf_counter()
    docs = load_actor_dataset(dataset_name, root=root, limit=limit, split=split)
    corpus_seconds = time.perf_counter() - t0
    notes = [f"documents: {split} (by 0-based position in the file)"] if split != "all" else []
    return evaluate_actor_docs(
        dataset_name,
        docs,
        parse,
        errors=errors,
        warmup=warmup,
        load_seconds=load_seconds,
        corpus_seconds=corpus_seconds,
        notes=notes,
    )
