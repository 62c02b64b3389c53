"""Fit the link decision (``geoapp/data/link_model.json``) on hand-annotated news, and report it honestly.

    python scripts/train_links.py                # cross-validated report, then fit on all and write
    python scripts/train_links.py --report-only  # the cross-validated report alone

Data: ``../shared/eval/devnews`` (24 German and English articles, actor→place links annotated by
guidelines that match what the map should draw). Every candidate pair the link stage proposes
(:func:`geoapp.links.candidates`, on the pipeline's own places and actors) is labelled by the
harness's matching rule (actor names agree, the place mention overlaps the gold one or lies within
161 km in an overlapping sentence). A logistic regression over the pair features is fitted.

Honest numbers: the report is leave-one-article-out: each article's links are decided by a model
that never saw it, at each threshold of a fixed grid; the two shipped thresholds (German, English)
are then chosen on that table (the best F1 among those with precision ≥ .80 in the language),
which makes the chosen row a little optimistic. The shipped model is fitted on all 24
articles, so its figures on devnews are a training fit; the cross-validated table is the one to
quote (docs/actors.md). ``--re3d-weight W`` adds re3d's even documents' judged pairs with weight W
(default 0: they follow another relation guideline). Deterministic: fixed solver, sorted inputs,
rounded weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoapp.document import Doc  # noqa: E402
from geoapp.evaluation.actorcorpora import NewsDoc  # noqa: E402
from geoapp.evaluation.actorreport import article_for, load_actor_dataset  # noqa: E402
from geoapp.evaluation.actors import link_support, names_agree, score_news_links  # noqa: E402
from geoapp.evaluation.metrics import ACC_KM, haversine_km  # noqa: E402
from geoapp.links import LINK_MODEL_PATH, Candidate, LinkModel, candidates, excluded, find_links  # noqa: E402
from geoapp.model import Link, Mention, Result  # noqa: E402
from geoapp.pipeline import Geoparser  # noqa: E402

C = 0.1  # inverse regularisation strength (chosen by the cross-validated report, see --sweep)
TARGET_PRECISION = 0.80
#: re3d's judged pairs are left out by default: its CoLocated relations follow another guideline than
#: the map's (a country that condemns attacks in a place is no re3d relation but a devnews statement
#: link), and with them the devnews folds lose (docs/actors.md, "third pass").
RE3D_WEIGHT = 0.0


@dataclass
class Parsed:
    doc: NewsDoc
    result: Result
    tdoc: Doc
    cands: list[Candidate]
    labels: list[int]


def _link(c: Candidate, article_id: str, text: str) -> Link:
    s, e = c.sentence
    return Link(c.actor.actor, c.place.place, c.relation, Mention(s, e, text[s:e], "sentence", c.field),
                article_id, c.place.mention, c.actor.mention)


def label(doc: NewsDoc, c: Candidate) -> int:
    """1 when the pair is a gold link of the article, else 0: the actor names agree and the place is
    the gold link's place (its mention, or within 161 km). Any sentence that ties the two counts:
    the gold keeps one evidence per pair, but another sentence saying the same is no error."""
    link = _link(c, doc.id, doc.text)
    place = c.place.place
    for g in doc.links:
        if not names_agree(c.actor.actor.name, g.names, g.actor_type == "person"):
            continue
        if link_support(link, g):
            return 1
        if g.lat is not None and g.lon is not None:
            if haversine_km(g.lat, g.lon, place.lat, place.lon) <= ACC_KM:
                return 1
    return 0


def re3d_rows(parser: Geoparser, root: str | None) -> tuple[list[dict[str, float]], list[int]]:
    """Candidate rows of re3d's even-numbered documents (English conflict reporting): positive
    where a CoLocated/InChargeOf/FightingAgainst relation ties the pair, negative where both ends
    lie on confidently annotated entities and no relation does; pairs on unannotated spans are
    left out (re3d's locations are not exhaustive)."""
    from geoapp.evaluation.actors import finds_relation

    rows, y = [], []
    for doc in load_actor_dataset("re3d", root=root, split="even"):
        result = parser.parse(article_for(doc))
        tdoc = Doc.from_article(result.article)
        gold = doc.gold_links
        actors_at = [e for e in doc.entities if e.type in ("Person", "Organisation") and e.confidence >= 0.5]
        places_at = [e for e in doc.entities if e.type == "Location" and e.confidence >= 0.5]
        for c in candidates(tdoc, result.places, result.actors):
            if excluded(c.features):
                continue
            link = _link(c, doc.id, doc.text)
            if any(finds_relation(link, r) for r in gold):
                rows.append(c.features)
                y.append(1)
                continue
            a, p = c.actor.mention, c.place.mention
            on_actor = any(e.start < a.end and a.start < e.end for e in actors_at)
            on_place = any(e.start < p.end and p.start < e.end for e in places_at)
            if on_actor and on_place:
                rows.append(c.features)
                y.append(0)
    return rows, y


def parse_all(parser: Geoparser, docs: Sequence[NewsDoc]) -> list[Parsed]:
    out = []
    for doc in docs:
        article = article_for(doc)
        result = parser.parse(article)
        tdoc = Doc.from_article(result.article)
        # pairs the guidelines rule out are never links: the model learns from the rest
        cands = [c for c in candidates(tdoc, result.places, result.actors) if not excluded(c.features)]
        out.append(Parsed(doc, result, tdoc, cands, [label(doc, c) for c in cands]))
    return out


def fit(rows: list[dict[str, float]], y: list[int], c: float = C,
        weights: Sequence[float] | None = None) -> dict[str, float]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    X = vec.fit_transform(rows).toarray()
    clf = LogisticRegression(C=c, max_iter=5000, solver="lbfgs", class_weight="balanced")
    clf.fit(X, y, sample_weight=None if weights is None else list(weights))
    weights = {"bias": round(float(clf.intercept_[0]), 4)}
    for name, w in zip(vec.get_feature_names_out(), clf.coef_[0]):
        if abs(w) >= 1e-4:
            weights[name] = round(float(w), 4)
    return weights


def best_threshold(probs: list[float], y: list[int], target: float = TARGET_PRECISION) -> float:
    """The threshold with the best F1 among those reaching ``target`` precision on candidate rows
    (the best F1 overall when none does)."""
    best, best_any = (-1.0, 0.5), (-1.0, 0.5)
    for t in [x / 100 for x in range(20, 96)]:
        tp = sum(1 for p, v in zip(probs, y) if p >= t and v)
        fp = sum(1 for p, v in zip(probs, y) if p >= t and not v)
        fn = sum(1 for p, v in zip(probs, y) if p < t and v)
        if tp == 0:
            continue
        prec, rec = tp / (tp + fp), tp / (tp + fn)
        f1 = 2 * prec * rec / (prec + rec)
        best_any = max(best_any, (f1, t))
        if prec >= target:
            best = max(best, (f1, t))
    return best[1] if best[0] >= 0 else best_any[1]


def _row_weights(n_news: int, n_extra: int, extra_weight: float) -> list[float]:
    """Sample weights: 1 for a devnews pair, ``extra_weight`` for a re3d pair."""
    return [1.0] * n_news + [extra_weight] * n_extra


def cross_validate(
    parsed: list[Parsed], c: float = C, extra: tuple[list, list] = ([], []),
    threshold: float | dict[str, float] | None = None, re3d_weight: float = 1.0,
) -> dict:
    """Leave-one-article-out: each article's links from a model (and threshold) that never saw it.
    ``extra`` rows (re3d, weighted ``re3d_weight``) join every training fold; ``threshold`` may be
    one per language."""
    totals: dict[str, list[int]] = {}
    for k, held in enumerate(parsed):
        train = [p for j, p in enumerate(parsed) if j != k]
        rows = [c_.features for p in train for c_ in p.cands] + list(extra[0])
        y = [v for p in train for v in p.labels] + list(extra[1])
        weights = fit(rows, y, c, _row_weights(len(y) - len(extra[1]), len(extra[1]), re3d_weight))
        model = LinkModel(weights, 0.5, {})
        # threshold from the training articles' own probabilities (inner choice, no peeking)
        probs = [model.probability(c_.features) for p in train for c_ in p.cands]
        if isinstance(threshold, dict):
            model = LinkModel(weights, threshold[held.doc.lang], {})
        else:
            model = LinkModel(weights, best_threshold(probs, y) if threshold is None else threshold, {})
        r = held.result
        links = find_links(held.tdoc, r.places, r.actors, model=model)
        score = score_news_links(held.doc, Result(r.article, r.places, r.actors, links, r.adjectives))
        lang = held.doc.lang
        for key in ("all", lang):
            t = totals.setdefault(key, [0, 0, 0, 0, 0])
            t[0] += score.strict.pairs.tp
            t[1] += score.strict.pairs.n_pred - score.strict.pairs.tp
            t[2] += score.strict.pairs.n_gold - score.strict.pairs.tp
            t[3] += score.strict.relation_ok
            t[4] += len(links)
    out = {}
    for key, (tp, fp, fn, rel_ok, _n) in sorted(totals.items()):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out[key] = {"P": round(p, 3), "R": round(r, 3), "F1": round(f1, 3), "tp": tp, "fp": fp, "fn": fn,
                    "relation_acc": round(rel_ok / tp, 3) if tp else None}
    return out


THRESHOLDS = (0.5, 0.53, 0.55, 0.56, 0.57, 0.58, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--sweep", action="store_true", help="report several regularisation strengths")
    ap.add_argument("--out", default=str(LINK_MODEL_PATH))
    ap.add_argument("--re3d-weight", type=float, default=RE3D_WEIGHT,
                    help="weight of re3d's judged pairs beside devnews' (0: devnews alone; "
                         "default %(default)s)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    docs = load_actor_dataset("devnews", root=args.eval_dir)
    parser = Geoparser(corrections=None)
    parsed = parse_all(parser, docs)
    n_pos = sum(sum(p.labels) for p in parsed)
    n = sum(len(p.labels) for p in parsed)
    print(f"devnews: {len(parsed)} articles, {n} candidate pairs, {n_pos} supporting a gold link "
          f"({time.perf_counter() - t0:.1f} s)")
    w = args.re3d_weight
    extra = ([], []) if w <= 0 else re3d_rows(parser, args.eval_dir)
    print(f"re3d even: {len(extra[1])} judged pairs, {sum(extra[1])} linked, weight {w}")
    table = []
    for c in (0.003, 0.01, 0.03, 0.1, 0.3) if args.sweep else (C,):
        for t in THRESHOLDS:
            got = cross_validate(parsed, c, extra, t, w)
            table.append((c, t, got))
            langs = "  ".join(f"{k} P {v['P']:.3f} R {v['R']:.3f}" for k, v in got.items() if k != "all")
            print(f"C={c} threshold={t}: leave-one-article-out", json.dumps(got["all"]), f" ({langs})")
    # the thresholds, one per language: the best cross-validated F1 of that language among those
    # whose cross-validated precision in it reaches the target (a wrong line costs an analyst more
    # than a missing one, and a German analyst is not served by an English precision); of equal
    # F1s the higher threshold
    rows_c = [row for row in table if row[0] == C]
    thresholds = {}
    for lang in ("de", "en"):
        ok = [row for row in rows_c if row[2][lang]["P"] >= TARGET_PRECISION] or rows_c
        thresholds[lang] = max(ok, key=lambda row: (row[2][lang]["F1"], row[1]))[1]
    best = cross_validate(parsed, C, extra, thresholds, w)
    threshold = max(thresholds.values())  # for other languages: the stricter one
    print(f"chosen: C={C} thresholds={thresholds}", json.dumps(best))
    if args.report_only or args.sweep:
        return 0
    rows = [c.features for p in parsed for c in p.cands] + list(extra[0])
    y = [v for p in parsed for v in p.labels] + list(extra[1])
    weights = fit(rows, y, C, _row_weights(len(y) - len(extra[1]), len(extra[1]), w))
    source = "devnews (all 24 articles)" + (f" + re3d even documents (weight {w})" if w > 0 else "")
    meta = {"trained_on": source,
            "C": C, "rows": len(y), "positives": sum(y), "target_precision": TARGET_PRECISION,
            "cross_validated": best}
    model = {"weights": weights, "threshold": threshold, "thresholds": thresholds, "meta": meta}
    Path(args.out).write_text(json.dumps(model,
                                         sort_keys=True, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"wrote {args.out}: {len(weights)} weights, thresholds {thresholds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
