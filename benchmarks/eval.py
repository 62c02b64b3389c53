"""Score the real pipeline on the development corpora: ``python benchmarks/eval.py [DATASET ...]``.

By default the place corpora (GeoWebNews, GermEval, SmartData, MobIE), devnews (places, actors and
links) and re3d (actors and links). Options: ``--limit N`` (first N documents per dataset),
``--errors K`` (worst errors listed per kind), ``--json FILE`` (all reports as JSON), ``--docs
even|odd`` (every other document, to report on the half a model was not trained on). Without
``../shared/eval`` (or ``$GEOAPP_EVAL_DIR``) it prints "skipped: …" and exits 0, so it is safe to
call from CI on a clone without the data.
The work is done by :mod:`geoapp.evaluation.runner`, which also backs ``geoapp eval``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Runnable from a plain checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geoapp.evaluation.runner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
