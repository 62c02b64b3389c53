"""Milliseconds per article for each stage of the pipeline, printed as a table.

    python benchmarks/stage_speed.py [--articles 100] [--repeat 3]

Corpus: the first N GeoWebNews articles when ``../shared/eval`` (or ``$GEOAPP_EVAL_DIR``) is
present, else the sample articles in ``seeds/`` repeated. Stages are timed per article in the
order :meth:`geoapp.pipeline.Geoparser.parse` runs them on one :class:`geoapp.document.Doc`
(document, demonyms, places with the sequence tagger, actors, links). ``tagger`` is the part of
the place stage spent in the sequence tagger (its features and tagging), measured by running the
place stage with and without it; ``whole parse`` is :meth:`Geoparser.parse` timed apart. The
gazetteer load is outside every timing. Times are this process's CPU time
(``time.process_time``), so other work on a shared machine does not count, and each number is the
best of ``--repeat`` rounds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from geoapp.model import Article

ROOT = Path(__file__).resolve().parents[1]


def load_articles(n: int) -> tuple[str, list[Article]]:
    """GWN's first ``n`` articles when the eval data is here, else the seeds repeated to ``n``."""
    from geoapp.evaluation.corpora import EvalDataMissing, load_dataset

    try:
        docs = load_dataset("gwn", limit=n)
    except EvalDataMissing:
        docs = []
    if docs:
        return "GeoWebNews", [Article(id=d.id, title="", text=d.text, lang=d.lang) for d in docs]
    from geoapp.articles import read_articles

    seeds = list(read_articles([ROOT / "seeds"], []))
    return "seeds (repeated)", [replace(seeds[i % len(seeds)], id=f"a{i}") for i in range(n)]


def time_stages(parser, articles: list[Article]) -> dict[str, float]:
    """Seconds spent in each stage over all articles, run in the pipeline's order."""
    from geoapp.actors import find_actors
    from geoapp.demonyms import find_demonyms
    from geoapp.document import Doc
    from geoapp.links import find_links
    from geoapp.resolve import resolve

    totals = dict.fromkeys(("document", "demonyms", "places", "actors", "links"), 0.0)
    clock = time.process_time
    for a in articles:
        t0 = clock()
        doc = Doc.from_article(a)
        t1 = clock()
        demonyms = find_demonyms(doc)
        t2 = clock()
        spans = parser.places.extract(doc)
        # as the pipeline calls it: with the document (its tokens) and the demonyms
        places = resolve(spans, text=a.text, title=a.title, lang=doc.lang, demonyms=demonyms,
                         gazetteer=parser.gazetteer, doc=doc)
        t3 = clock()
        actors = find_actors(doc, places, demonyms, parser.registry, capital_of=parser.capital_of,
                             capital_country=parser.capital_country)
        t4 = clock()
        find_links(doc, places, actors)
        t5 = clock()
        for name, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            totals[name] += dt
    return totals


def time_loop(fn: Callable[[Article], object], articles: list[Article]) -> float:
    """CPU seconds for ``fn`` over all articles."""
    t0 = time.process_time()
    for a in articles:
        fn(a)
    return time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the best round counts")
    args = ap.parse_args()

    from geoapp.document import Doc
    from geoapp.pipeline import Geoparser

    corpus, articles = load_articles(args.articles)
    t0 = time.perf_counter()
    parser = Geoparser()
    load_s = time.perf_counter() - t0
    for a in articles:  # warm the word-frequency and name-key caches, as a long run would have them
        parser.parse(a)

    best: dict[str, float] = {}
    tagger = parser.places.ner
    for _ in range(max(1, args.repeat)):
        stages = time_stages(parser, articles)
        parser.places.ner = None
        untagged = time_loop(lambda a: parser.places.extract(Doc.from_article(a)), articles)
        parser.places.ner = tagger
        tagged = time_loop(lambda a: parser.places.extract(Doc.from_article(a)), articles)
        stages["tagger"] = max(0.0, tagged - untagged)
        stages["whole parse"] = time_loop(parser.parse, articles)
        for k, v in stages.items():
            best[k] = min(best.get(k, v), v)

    n = len(articles)
    chars = sum(len(a.text) for a in articles) / n
    per = {k: 1000 * v / n for k, v in best.items()}
    rows = [(k, f"{per[k]:.3f}") for k in ("document", "demonyms", "places", "actors", "links")]
    rows.append(("  of places: sequence tagger", f"{per['tagger']:.3f}"))
    rows.append(("whole parse", f"{per['whole parse']:.3f}"))
    print(f"{corpus}: {n} articles, {chars:,.0f} characters on average; Geoparser() load {load_s:.2f} s")
    width = max(len(r[0]) for r in rows)
    print(f"{'stage':<{width}}  ms/article")
    print(f"{'-' * width}  ----------")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>10}")
    print(f"{'articles/s (whole parse)':<{width}}  {n / best['whole parse']:>10.0f}")


if __name__ == "__main__":
    main()
