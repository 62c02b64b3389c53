"""Train the learned place decision and the German CRF; write them to ``geoapp/data``.

    python scripts/train_place_filter.py [--eval-dir DIR] [--no-crf]   # ~4 min, writes geoapp/data
    python scripts/train_place_filter.py --report                      # the table of docs/quality.md

Why this script exists: the shipped models must be rebuildable from public corpora by anyone, with the
same result. Everything is deterministic (fixed seeds, sorted inputs, rounded weights).

Training data (never a dev split that is reported on; see docs/quality.md):
- German: GermEval 2014 train, MobIE train, SmartData test.
- English: GeoWebNews documents with an even number; odd-numbered ones stay out as validation.
- German CRF: GermEval 2014 train, SmartData test, MobIE train.

Rows are the extractor's candidate windows (:meth:`PlaceExtractor.candidate_windows`); a window is a
positive when its span equals a gold span exactly. The model is a logistic regression per language;
its acceptance threshold maximises F1 on 5-fold cross-validated probabilities (folds by document), so
the threshold is not tuned on the training fit itself.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoapp.evaluation import load_dataset  # noqa: E402
from geoapp.gazetteer import Gazetteer  # noqa: E402
from geoapp.model import Article  # noqa: E402
from geoapp.placefilter import CRF_PATH, MODEL_PATH  # noqa: E402
from geoapp.places import PlaceExtractor, _Field  # noqa: E402

SEED = 13
TRAIN = {"de": ("germeval-train", "mobie-train", "smartdata-test"), "en": ("gwn",)}
CRF_TRAIN = ("germeval-train", "smartdata-test", "mobie-train")


def gwn_number(doc_id: str) -> int:
    """The article number in a GeoWebNews id ("gwn-103" → 103)."""
    return int(doc_id.rsplit("-", 1)[-1])


def train_docs(lang: str, root: str | None) -> list:
    """Training documents for ``lang``: the splits in :data:`TRAIN`, GWN's even half only."""
    docs = []
    for name in TRAIN[lang]:
        got = load_dataset(name, root=root)
        if name == "gwn":
            got = [d for d in got if gwn_number(d.id) % 2 == 0]
        docs.extend(got)
    return docs


def window_rows(ex: PlaceExtractor, docs: list) -> tuple[list[dict], list[int], list[int], int]:
    """Feature rows, labels, document groups, and the number of gold spans."""
    X, y, groups = [], [], []
    n_gold = 0
    for g, doc in enumerate(docs):
        gold = {(s.start, s.end) for s in doc.spans}
        n_gold += len(gold)
        art = Article(id=doc.id, title="", text=doc.text, lang=doc.lang)
        for start, end, feats in ex.candidate_windows(art):
            X.append(feats)
            y.append(int((start, end) in gold))
            groups.append(g)
    return X, y, groups, n_gold


def fit_filter(X: list[dict], y: list[int], groups: list[int], n_gold: int) -> tuple[dict, float, dict]:
    """Logistic regression weights (as a sparse dict) and a cross-validated threshold."""
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    vec = DictVectorizer(sort=True)
    Xm = vec.fit_transform(X)
    ya = np.asarray(y)
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=5).split(Xm, ya, groups):
        clf = LogisticRegression(C=0.5, max_iter=2000, random_state=SEED)
        clf.fit(Xm[tr], ya[tr])
        oof[te] = clf.predict_proba(Xm[te])[:, 1]
    best = (0.0, 0.5)
    for t in np.arange(0.20, 0.81, 0.025):
        pred = oof >= t
        tp = int((pred & (ya == 1)).sum())
        p = tp / max(1, int(pred.sum()))
        r = tp / max(1, n_gold)
        f = 2 * p * r / (p + r) if p + r else 0.0
        if f > best[0]:
            best = (f, float(round(t, 3)))
    clf = LogisticRegression(C=0.5, max_iter=2000, random_state=SEED)
    clf.fit(Xm, ya)
    weights = {"bias": round(float(clf.intercept_[0]), 4)}
    for name, w in zip(vec.get_feature_names_out(), clf.coef_[0]):
        if abs(w) >= 1e-4:
            weights[name] = round(float(w) + (weights["bias"] if name == "bias" else 0.0), 4)
    stats = {"rows": len(y), "positives": int(ya.sum()), "gold": n_gold, "cv_window_f1": round(best[0], 4)}
    return weights, best[1], stats


CRF_PARAMS = {"c1": 0.15, "c2": 0.01, "max_iterations": 200}


def entity_class(kind: str) -> str | None:
    """The CRF's label family for a corpus type: places LOC, people PER, organisations ORG (GermEval
    PER/ORG, SmartData PERSON/ORGANIZATION*, MobIE organization-*); anything else is no entity."""
    k = kind.lower()
    if k == "loc" or k.startswith("location"):
        return "LOC"
    if k in ("per", "person"):
        return "PER"
    if k == "org" or k.startswith("organization"):
        return "ORG"
    return None


def entity_docs(name: str, root: str | None) -> list:
    """A German train split with its place, person and organisation spans (typed), for the CRF:
    knowing what is a person or an organisation is what tells "Dortmund" the club from the city."""
    from geoapp.evaluation.corpora import DATASETS, eval_dir, read_conll, read_germeval, read_smartdata

    path = DATASETS[name].path(eval_dir(root))
    if name.startswith("germeval"):
        return list(read_germeval(path, types=("LOC", "PER", "ORG"), prefix=name))
    if name.startswith("smartdata"):
        return list(read_smartdata(path, prefix=name, kinds=("location", "person", "organization")))
    if name.startswith("mobie"):
        return list(read_conll(path, prefix=name, keep=lambda k: entity_class(k) is not None))
    raise KeyError(f"no entity reader for {name}")


def train_crf(
    ex: PlaceExtractor,
    root: str | None,
    path: Path,
    datasets: tuple[str, ...] = CRF_TRAIN,
    params: dict | None = None,
) -> dict:
    """A python-crfsuite model on the German train splits, tokens labelled B-/I- LOC, PER, ORG or O
    from gold spans (a token inside a gold span; GermEval's LOCderiv/LOCpart are not spans). The
    pipeline reads only the LOC spans; persons and organisations are labelled so that the tagger
    learns to tell them apart from places rather than lumping them with everything else."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for name in datasets:
        for doc in entity_docs(name, root):
            fld = _Field(doc.text, "de", "text", ())
            countries = ex._context(fld)
            rows = ex._windows(fld, countries)
            gold = sorted((s.start, s.end, entity_class(s.type)) for s in doc.spans)
            for idx, feats in ex.crf_sentences(fld, rows):
                labels = []
                for k in idx:
                    tok = fld.tokens[k]
                    lab = "O"
                    for s, e, cls in gold:
                        if cls and s <= tok.start and tok.end <= e:
                            lab = ("B-" if tok.start == s else "I-") + cls
                            break
                    labels.append(lab)
                trainer.append(feats, labels)
                n += 1
    trainer.set_params({**CRF_PARAMS, **(params or {}),
                        "feature.possible_transitions": True, "feature.minfreq": 2})
    trainer.train(str(path))
    return {"sentences": n, "datasets": list(datasets)}


def report(root: str | None, datasets: list[str]) -> None:
    """The dev-set table of docs/quality.md: each dev set, GeoWebNews also on its odd (held-out)
    half; on GeoWebNews adjectives count as it annotates them, and the places-only rows follow."""
    from geoapp.evaluation import DATASETS, evaluate_docs, summary_table
    from geoapp.pipeline import Geoparser

    parser = Geoparser(corrections=None)
    reports = []
    for name in datasets:
        docs = load_dataset(name, root=root)
        adjectives = DATASETS[name].annotates_adjectives
        reports.append(evaluate_docs(name, docs, parser.parse, errors=0, adjectives=adjectives))
        if name == "gwn":
            odd = [d for d in docs if gwn_number(d.id) % 2 == 1]
            reports.append(evaluate_docs("gwn-odd", odd, parser.parse, errors=0, adjectives=True))
    print(summary_table(reports))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--no-crf", action="store_true", help="train the window filter only")
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--crf-out", default=str(CRF_PATH))
    ap.add_argument("--crf-train", default=",".join(CRF_TRAIN), help="comma-separated German splits")
    ap.add_argument("--crf-only", action="store_true", help="train the CRF only")
    ap.add_argument("--crf-params", default="", help='overrides as JSON, e.g. {"c1": 0.1}')
    ap.add_argument("--report", nargs="*", metavar="DATASET",
                    help="print the dev-set table of docs/quality.md with the shipped model, then exit")
    args = ap.parse_args(argv)
    if args.report is not None:
        report(args.eval_dir, args.report or ["gwn", "germeval-dev", "smartdata-dev", "mobie-dev"])
        return 0
    random.seed(SEED)
    gaz = Gazetteer.default()
    ex = PlaceExtractor(gaz, place_filter=None, tagger=None)
    weights, thresholds, meta = {}, {}, {"seed": SEED, "train": {k: list(v) for k, v in TRAIN.items()},
                                         "gwn": "even-numbered documents only"}
    for lang in () if args.crf_only else ("de", "en"):
        t0 = time.perf_counter()
        X, y, groups, n_gold = window_rows(ex, train_docs(lang, args.eval_dir))
        w, t, stats = fit_filter(X, y, groups, n_gold)
        weights[lang], thresholds[lang] = w, t
        meta[lang] = {**stats, "threshold": t, "features": len(w)}
        print(f"{lang}: {stats} threshold {t} ({time.perf_counter() - t0:.1f} s)")
    if not args.crf_only:
        Path(args.out).write_text(
            json.dumps({"weights": weights, "thresholds": thresholds, "meta": meta}, sort_keys=True,
                       ensure_ascii=False, indent=0) + "\n",
            encoding="utf-8",
        )
    if not args.no_crf:
        t0 = time.perf_counter()
        params = json.loads(args.crf_params) if args.crf_params else None
        info = train_crf(ex, args.eval_dir, Path(args.crf_out), tuple(args.crf_train.split(",")), params)
        print(f"crf: {info} ({time.perf_counter() - t0:.1f} s) -> {args.crf_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
