"""Is ``geoapp extract`` of this tree byte for byte the output of another tree (the base)?

    python benchmarks/same_output.py --base /tmp/base      # a checkout of the commit to compare with

Runs ``python -m geoapp.cli extract`` of both trees (each on its own ``PYTHONPATH``, offline, each
with a fresh cache folder) on: the GeoWebNews + devnews texts of ``../shared/eval`` as one JSONL
(ids t0…), the seed folder as JSONL, and the seed folder as GeoJSON and CSV. This tree runs twice:
with an empty cache folder (the cached copies are built) and again with the copies read. Prints one
table row per input and run, and exits 1 when any output differs (``cmp`` semantics: bytes).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scaling import source_texts, table  # noqa: E402


def extract(tree: Path, cache: Path, source: Path, out: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree), "GEOAPP_GEOCODER": "offline",
           "GEOAPP_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "geoapp.cli", "extract", str(source), "--workers", "1", "-o", str(out),
           *args]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{tree}: {' '.join(cmd[2:])} failed:\n{proc.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="root of the tree to compare with")
    args = ap.parse_args(argv)
    texts, origin = source_texts()
    with tempfile.TemporaryDirectory(prefix="geoapp-same-") as tmp:
        folder = Path(tmp)
        stream = folder / "texts.jsonl"
        with stream.open("w", encoding="utf-8") as fh:
            for i, text in enumerate(texts):
                fh.write(json.dumps({"id": f"t{i}", "text": text}, ensure_ascii=False) + "\n")
        inputs = {
            f"{len(texts)} texts ({origin}), JSONL": (stream, "jsonl", ()),
            "seeds/, JSONL": (ROOT / "seeds", "jsonl", ()),
            "seeds/, GeoJSON": (ROOT / "seeds", "geojson", ("--format", "geojson")),
            "seeds/, CSV": (ROOT / "seeds", "csv", ("--format", "csv")),
        }
        rows, differ = [], 0
        for k, (name, (source, ext, extra)) in enumerate(inputs.items()):
            runs = {"base": (args.base.resolve(), folder / f"cache-base-{k}"),
                    "branch, copies built": (ROOT, folder / f"cache-branch-{k}"),
                    "branch, copies read": (ROOT, folder / f"cache-branch-{k}")}
            outs = {}
            for run, (tree, cache) in runs.items():
                cache.mkdir(exist_ok=True)
                out = folder / f"{run.split(',')[0]}-{len(outs)}-{ext}.{ext}"
                extract(tree, cache, source, out, *extra)
                outs[run] = out
            base = outs["base"]
            for run, out in outs.items():
                if run == "base":
                    continue
                same = filecmp.cmp(base, out, shallow=False)
                differ += not same
                rows.append((name, run, f"{out.stat().st_size:,}", "identical" if same else "DIFFERENT"))
    print(f"base {args.base} vs this tree {ROOT}")
    print(table(("input", "run", "bytes", "vs base"), rows))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
