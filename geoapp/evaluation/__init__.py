"""Measuring geoapp on public, hand-annotated corpora (see docs/evaluation.md).

``corpora`` turns each corpus into :class:`GoldDoc`/:class:`GoldSpan`, ``metrics`` holds the
field's standard scores, and ``runner`` drives any ``parse(Article) -> Result`` callable over a
dataset, so the harness measures exactly the code path that ``geoapp extract`` ships.
"""

from geoapp.evaluation.corpora import (
    DATASETS,
    DEFAULT_DATASETS,
    EvalDataMissing,
    GoldDoc,
    GoldSpan,
    eval_dir,
    iter_dataset,
    load_dataset,
)
from geoapp.evaluation.metrics import PRF, PredSpan, ResolutionScores, haversine_km, resolution_scores
from geoapp.evaluation.runner import Report, evaluate, evaluate_docs, register, summary_table

__all__ = [
    "DATASETS",
    "DEFAULT_DATASETS",
    "PRF",
    "EvalDataMissing",
    "GoldDoc",
    "GoldSpan",
    "PredSpan",
    "Report",
    "ResolutionScores",
    "eval_dir",
    "evaluate",
    "evaluate_docs",
    "haversine_km",
    "iter_dataset",
    "load_dataset",
    "register",
    "resolution_scores",
    "summary_table",
]
