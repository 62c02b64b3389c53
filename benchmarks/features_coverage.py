"""How many devnews toponyms of type ``other`` (seas, rivers, macro-regions, disputed areas) the
gazetteer can place: the coverage the curated feature table (``geoapp/data/features.tsv``) adds.

For each gold toponym the name as written (and its German genitive/weak-form stems) is looked up;
a toponym counts as *covered* when any candidate lies within 161 km of the gold point, as *first*
when the best-prior candidate does, and as *found* when the whole pipeline places the mention there.
Compare gazetteer files with ``--gazetteer A B`` (e.g. the previous build against the shipped one).
Reads ``../shared/eval/devnews/articles.jsonl``; prints a table and exits 0 when absent.

Run: ``python benchmarks/features_coverage.py [--gazetteer FILE ...] [--type other|all]``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp.evaluation.corpora import eval_dir  # noqa: E402
from geoapp.gazetteer import DEFAULT_PATH, Gazetteer  # noqa: E402
from geoapp.model import Article  # noqa: E402
from geoapp.pipeline import Geoparser  # noqa: E402
from geoapp.resolve import haversine_km  # noqa: E402
from geoapp.text import name_key  # noqa: E402

KM = 161.0


def lookup_keys(surface: str, lang: str) -> list[str]:
    """The surface's key, then German genitive and weak-adjective stems ("Arabischen Meer")."""
    forms = [surface]
    if lang == "de":
        if surface.endswith("es") and len(surface) > 5:
            forms.append(surface[:-2])
        if surface.endswith("s") and len(surface) > 4:
            forms.append(surface[:-1])
    return list(dict.fromkeys(name_key(f) for f in forms))


def measure(gaz_path: Path, articles: list[dict], kind: str) -> dict[str, int]:
    gaz = Gazetteer.load(gaz_path)
    parser = Geoparser(gazetteer=gaz, corrections=None)
    counts = {"gold": 0, "covered": 0, "first": 0, "found": 0}
    for a in articles:
        gold = [t for t in a["toponyms"] if (kind == "all" or t["type"] == kind) and t.get("lat") is not None]
        if not gold:
            continue
        result = parser.parse(Article(id=a["id"], title="", text=a["text"], lang=a["lang"]))
        for t in gold:
            counts["gold"] += 1
            cands = [c for k in lookup_keys(t["surface"], a["lang"]) for c in gaz.candidates(k)]
            near = [haversine_km(c.lat, c.lon, t["lat"], t["lon"]) <= KM for c in cands]
            counts["covered"] += any(near)
            counts["first"] += bool(near) and near[0]
            counts["found"] += any(
                pm.place is not None
                and pm.mention.start < t["end"]
                and t["start"] < pm.mention.end
                and haversine_km(pm.place.lat, pm.place.lon, t["lat"], t["lon"]) <= KM
                for pm in result.places
            )
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gazetteer", nargs="+", type=Path, default=[DEFAULT_PATH])
    ap.add_argument("--type", default="other", help="gold toponym type to count (default other; 'all')")
    args = ap.parse_args(argv)
    path = eval_dir() / "devnews" / "articles.jsonl"
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    articles = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"devnews toponyms of type {args.type!r} with coordinates; within {KM:.0f} km of the gold point")
    print(f"{'gazetteer':40s} {'gold':>5s} {'covered':>8s} {'first':>6s} {'found':>6s}")
    for gaz_path in args.gazetteer:
        c = measure(gaz_path, articles, args.type)
        print(f"{str(gaz_path)[-40:]:40s} {c['gold']:5d} {c['covered']:8d} {c['first']:6d} {c['found']:6d}")
    print("covered: any candidate of the name; first: the best-prior candidate; found: the pipeline's place")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
