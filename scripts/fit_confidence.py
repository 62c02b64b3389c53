"""Fit the resolver's confidence model and print its calibration table.

    python scripts/fit_confidence.py            # fit, write geoapp/data/resolve_confidence.json
    python scripts/fit_confidence.py --report   # only the tables (docs/quality.md, "Confidence")

Why a fitted model: a confidence is only useful when "0.6" means right about six times in ten. The
resolver's score margin alone says how far the choice stands above the best candidate elsewhere, not
how often such choices are right; a logistic regression over a handful of interpretable features
(:func:`geoapp.resolve.confidence_features`) maps them to that rate.

Data: every resolved place mention on GeoWebNews (all 200 articles) and devnews (German and
English). A mention that matches a gold toponym with coordinates (by overlap) is right when the
choice lies within 161 km of the gold point; a mention that overlaps no gold span is no place at all,
and wrong: an analyst reviewing doubtful mentions wants those too. Unresolved mentions get confidence
0 and are not fitted. The tables are cross-validated (5 folds by article, the honest view; also on
the gold toponyms alone, as accuracy@161) and in-sample. Deterministic: sorted articles, fixed
folds, rounded weights. The resolver's second round weighs each mention's evidence by its
first-round confidence, so the features move a little with the model in use: after a change to the
resolver, run the fit until the weights stop changing (twice or three times; the shipped weights are
a fixed point to three decimals).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import geoapp.pipeline as pipeline  # noqa: E402
from geoapp.evaluation import load_dataset  # noqa: E402
from geoapp.evaluation.corpora import EvalDataMissing  # noqa: E402
from geoapp.evaluation.metrics import ACC_KM, score_document  # noqa: E402
from geoapp.evaluation.runner import predictions_from_result  # noqa: E402
from geoapp.model import REVIEW_BELOW, Article  # noqa: E402
from geoapp.resolve import CONFIDENCE_MODEL, resolve  # noqa: E402

DATASETS = ("gwn", "devnews-de", "devnews-en")
FEATURES = ("single", "margin", "city", "city_size", "alternate", "doubt")
BUCKETS = ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 1.01))
FOLDS = 5


def collect(root: str | None) -> list[tuple[str, str, dict[str, float], bool, float, bool]]:
    """``(dataset, article id, features, right, confidence written, gold toponym)`` per resolved
    mention: every found gold toponym (right: within 161 km of the gold point) and every mention
    that overlaps no gold span (never right: no place at all). The confidence written is what the
    pipeline wrote, with the shipped model and the resolver's rules on top (one referent per name)."""
    details: dict = {}

    def resolve_with_details(spans, **kw):
        details.clear()  # the pipeline's last call per article is the one whose places it keeps
        return resolve(spans, details=details, **kw)

    pipeline.resolve = resolve_with_details  # the script's own view into the pipeline's choices
    parser = pipeline.Geoparser(corrections=None)
    rows = []
    for name in DATASETS:
        for doc in sorted(load_dataset(name, root=root), key=lambda d: d.id):
            result = parser.parse(Article(id=doc.id, title="", text=doc.text, lang=doc.lang))
            places = [pm for pm in result.places if pm.mention.field == "text"]
            score = score_document(doc.spans, predictions_from_result(result))
            matched = dict(score.overlap_pairs)
            for gold_index, km in score.resolution:
                j = matched.get(gold_index)
                if j is None or km is None:
                    continue
                m = places[j].mention
                feats = details.get((m.field, m.start, m.end))
                if feats is not None:
                    rows.append((name, doc.id, feats, km <= ACC_KM, places[j].place.confidence, True))
            # A resolved mention that overlaps no gold span at all is no place: an error too.
            for pm in places:
                m = pm.mention
                feats = details.get((m.field, m.start, m.end))
                if feats is not None and not any(g.start < m.end and m.start < g.end for g in doc.spans):
                    rows.append((name, doc.id, feats, False, pm.place.confidence, False))
    return rows


def fit(rows):
    from sklearn.linear_model import LogisticRegression

    x = [[r[2][f] for f in FEATURES] for r in rows]
    y = [r[3] for r in rows]
    return LogisticRegression(C=1.0, max_iter=1000).fit(x, y)


def predict(model, rows) -> list[float]:
    return list(model.predict_proba([[r[2][f] for f in FEATURES] for r in rows])[:, 1])


def cross_validated(rows) -> list[float]:
    """Each row's confidence from a model fitted without its article's fold."""
    articles = sorted({(r[0], r[1]) for r in rows})
    fold_of = {a: i % FOLDS for i, a in enumerate(articles)}
    out = [0.0] * len(rows)
    for k in range(FOLDS):
        train = [r for r in rows if fold_of[(r[0], r[1])] != k]
        test = [i for i, r in enumerate(rows) if fold_of[(r[0], r[1])] == k]
        for i, p in zip(test, predict(fit(train), [rows[i] for i in test])):
            out[i] = p
    return out


def table(rows, probs, title: str) -> str:
    lines = [f"{title}", "| confidence | mentions | acc@161 | mean confidence |", "|---|---:|---:|---:|"]
    for lo, hi in BUCKETS:
        got = [(r, p) for r, p in zip(rows, probs) if lo <= p < hi]
        if got:
            acc = sum(r[3] for r, _ in got) / len(got)
            mean = sum(p for _, p in got) / len(got)
            lines.append(f"| {lo:.1f}–{min(hi, 1.0):.1f} | {len(got)} | {acc:.3f} | {mean:.3f} |")
    flagged = [r for r, p in zip(rows, probs) if p < REVIEW_BELOW]
    if flagged:
        acc = sum(r[3] for r in flagged) / len(flagged)
        n = len(flagged)
        lines.append(f"(below {REVIEW_BELOW}: {n} of {len(rows)} flagged for review, {acc:.3f} right)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--report", action="store_true", help="print the tables, write nothing")
    args = ap.parse_args(argv)
    try:
        rows = collect(args.eval_dir)
    except EvalDataMissing as exc:
        print(f"skipped: {exc}")
        return 0
    cv = cross_validated(rows)
    n_places = sum(r[5] for r in rows)
    print(table(rows, cv, f"cross-validated ({FOLDS} folds by article): {len(rows)} resolved mentions, "
                f"{len(rows) - n_places} of them no place at all"))
    toponyms = [(r, p) for r, p in zip(rows, cv) if r[5]]
    print(table([r for r, _ in toponyms], [p for _, p in toponyms],
                f"cross-validated, gold toponyms only ({n_places}): accuracy@161 of the resolution"))
    model = fit(rows)
    print(table(rows, predict(model, rows), "in-sample, all"))
    print(table(rows, [r[4] for r in rows], "as written by the pipeline (the model shipped when run), all"))
    bias = round(float(model.intercept_[0]), 3)
    weights = {f: round(float(w), 3) for f, w in zip(FEATURES, model.coef_[0])}
    print(f"bias {bias}, weights {weights}")
    if not args.report:
        payload = {
            "about": "Resolver confidence: logistic regression over geoapp.resolve.confidence_features, "
            "label = choice within 161 km of the gold point. Fitted by scripts/fit_confidence.py.",
            "trained_on": list(DATASETS),
            "mentions": len(rows),
            "bias": bias,
            "weights": weights,
        }
        from geoapp.fileio import atomic_write

        atomic_write(CONFIDENCE_MODEL, json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        print(f"wrote {CONFIDENCE_MODEL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
