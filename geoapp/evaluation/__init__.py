"""Measuring geoapp on public, hand-annotated corpora (see docs/evaluation.md).

``corpora`` turns each place corpus into :class:`GoldDoc`/:class:`GoldSpan`, ``metrics`` holds the
field's standard scores, and ``runner`` drives any ``parse(Article) -> Result`` callable over a
dataset, so the harness measures exactly the code path that ``geoapp extract`` ships. Actors and
actor→place links have their own three modules: ``actorcorpora`` (devnews and re3d gold),
``actors`` (the matching rules) and ``actorreport`` (the run and its report).
"""

from geoapp.evaluation.actorcorpora import ACTOR_DATASETS, NewsDoc, Re3dDoc
from geoapp.evaluation.actorreport import (
    ActorReport,
    evaluate_actor_docs,
    evaluate_actors,
    load_actor_dataset,
)
from geoapp.evaluation.corpora import (
    DATASETS,
    DEFAULT_DATASETS,
    EvalDataMissing,
    GoldDoc,
    GoldSpan,
    eval_dir,
    iter_dataset,
    load_dataset,
    split_docs,
)
from geoapp.evaluation.metrics import PRF, PredSpan, ResolutionScores, haversine_km, resolution_scores
from geoapp.evaluation.runner import Report, evaluate, evaluate_docs, register, summary_table

__all__ = [
    "ACTOR_DATASETS",
    "DATASETS",
    "DEFAULT_DATASETS",
    "PRF",
    "ActorReport",
    "EvalDataMissing",
    "GoldDoc",
    "GoldSpan",
    "NewsDoc",
    "PredSpan",
    "Re3dDoc",
    "Report",
    "ResolutionScores",
    "eval_dir",
    "evaluate",
    "evaluate_actor_docs",
    "evaluate_actors",
    "evaluate_docs",
    "haversine_km",
    "iter_dataset",
    "load_actor_dataset",
    "load_dataset",
    "register",
    "resolution_scores",
    "split_docs",
    "summary_table",
]
