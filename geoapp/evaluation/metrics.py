"""Geoparsing metrics as the field reports them (Gritta et al. 2019), in plain Python.

Recognition compares predicted spans with gold spans, exactly (same start and end) and by overlap
(one-to-one, any shared character). Resolution compares coordinates for gold toponyms that have them:
accuracy@161 km, median error and AUC (mean of ln(1+km)/ln(1+20039)); "end to end" charges every
gold toponym that was not found, or found without coordinates, the maximum error of 20,039 km, while
"recognised" looks only at toponyms that were found. All counts are micro-averaged over documents,
so long articles weigh by their number of toponyms, as in the published figures.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: Half the Earth's circumference: the error charged for a toponym that got no coordinates.
MAX_ERROR_KM = 20039.0
#: 100 miles, the field's threshold for a "correct" resolution.
ACC_KM = 161.0
EARTH_RADIUS_KM = 6371.0088


class Span(Protocol):
    start: int
    end: int


@dataclass(frozen=True)
class PredSpan:
    """One predicted place mention, flattened from :class:`geoapp.model.PlaceMention`."""

    start: int
    end: int
    text: str
    lat: float | None = None
    lon: float | None = None
    name: str | None = None
    flags: tuple[str, ...] = ()

    @property
    def has_coords(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class PRF:
    """Precision, recall and F1 from true positives and the two totals (0 where undefined)."""

    tp: int
    n_pred: int
    n_gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict:
        return {
            "tp": self.tp,
            "n_pred": self.n_pred,
            "n_gold": self.n_gold,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class ResolutionScores:
    """Summary of a list of errors in km; ``None`` fields when there was nothing to measure."""

    n: int
    acc161: float | None
    median_km: float | None
    auc: float | None

    def to_dict(self) -> dict:
        return {"n": self.n, "acc161": self.acc161, "median_km": self.median_km, "auc": self.auc}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on the mean-radius sphere (never above :data:`MAX_ERROR_KM`)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
    return min(km, MAX_ERROR_KM)


def resolution_scores(errors_km: Sequence[float]) -> ResolutionScores:
    """acc@161 (share of errors ≤ 161 km), median error and AUC of the given errors."""
    if not errors_km:
        return ResolutionScores(0, None, None, None)
    capped = [min(max(e, 0.0), MAX_ERROR_KM) for e in errors_km]
    denom = math.log1p(MAX_ERROR_KM)
    return ResolutionScores(
        n=len(capped),
        acc161=sum(e <= ACC_KM for e in capped) / len(capped),
        median_km=statistics.median(capped),
        auc=sum(math.log1p(e) / denom for e in capped) / len(capped),
    )


def match_exact(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """Index pairs (gold, pred) with identical offsets, one-to-one (duplicates pair up at most once)."""
    free: dict[tuple[int, int], list[int]] = {}
    for j, p in enumerate(pred):
        free.setdefault((p.start, p.end), []).append(j)
    pairs = []
    for i, g in enumerate(gold):
        js = free.get((g.start, g.end))
        if js:
            pairs.append((i, js.pop(0)))
    return pairs


def _overlap(a: Span, b: Span) -> int:
    return min(a.end, b.end) - max(a.start, b.start)


def match_overlap(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[int, int]]:
    """One-to-one matching of overlapping spans, exact matches first, then as many as possible.

    Exact pairs are fixed first (so "recognised" resolution uses the exact span where there is one
    and falls back to an overlapping one). The rest is a maximum bipartite matching (Kuhn's
    augmenting paths, trying larger overlaps first), so one long prediction covering two gold spans
    counts once, and no pairing choice can lower the overlap score.
    """
    pairs = match_exact(gold, pred)
    used_g = {i for i, _ in pairs}
    used_p = {j for _, j in pairs}
    rest_g = [i for i in range(len(gold)) if i not in used_g]
    rest_p = [j for j in range(len(pred)) if j not in used_p]
    adj: dict[int, list[int]] = {}
    for i in rest_g:
        cands = [j for j in rest_p if _overlap(gold[i], pred[j]) > 0]
        cands.sort(key=lambda j: (-_overlap(gold[i], pred[j]), abs(pred[j].start - gold[i].start), j))
        adj[i] = cands
    owner: dict[int, int] = {}  # pred index -> gold index

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in rest_g:
        if adj[i]:
            augment(i, set())
    pairs.extend((i, j) for j, i in owner.items())
    pairs.sort()
    return pairs


@dataclass
class DocScore:
    """Matching results of one document, kept so the runner can list the errors behind the numbers."""

    n_gold: int
    n_pred: int
    exact_pairs: list[tuple[int, int]]
    overlap_pairs: list[tuple[int, int]]
    #: (gold index, km or None when the toponym was not found / found without coordinates)
    resolution: list[tuple[int, float | None]] = field(default_factory=list)

    @property
    def missed(self) -> list[int]:
        """Gold indices with no overlapping prediction."""
        hit = {i for i, _ in self.overlap_pairs}
        return [i for i in range(self.n_gold) if i not in hit]

    @property
    def spurious(self) -> list[int]:
        """Predicted indices that overlap no gold span (under one-to-one matching)."""
        hit = {j for _, j in self.overlap_pairs}
        return [j for j in range(self.n_pred) if j not in hit]

    @property
    def boundary(self) -> list[tuple[int, int]]:
        """Overlap pairs that are not exact: found, but with the wrong extent."""
        exact = set(self.exact_pairs)
        return [p for p in self.overlap_pairs if p not in exact]


def score_document(gold: Sequence, pred: Sequence[PredSpan]) -> DocScore:
    """Match one document's predictions to its gold spans and measure resolution where gold has coordinates.

    ``gold`` items need ``start``, ``end``, ``lat``, ``lon`` (a :class:`~geoapp.evaluation.corpora.GoldSpan`).
    """
    exact = match_exact(gold, pred)
    overlap = match_overlap(gold, pred)
    by_gold = dict(overlap)
    resolution: list[tuple[int, float | None]] = []
    for i, g in enumerate(gold):
        if g.lat is None or g.lon is None:
            continue
        j = by_gold.get(i)
        if j is None or not pred[j].has_coords:
            resolution.append((i, None))
        else:
            p = pred[j]
            resolution.append((i, haversine_km(g.lat, g.lon, p.lat, p.lon)))
    return DocScore(len(gold), len(pred), exact, overlap, resolution)


@dataclass
class Totals:
    """Micro-averaged counts over many documents."""

    n_gold: int = 0
    n_pred: int = 0
    tp_exact: int = 0
    tp_overlap: int = 0
    #: errors for every gold toponym with coordinates; None = not found / no coordinates predicted
    e2e_errors: list[float] = field(default_factory=list)
    #: errors for gold toponyms with coordinates that were found (matched by exact, else overlap)
    recognised_errors: list[float] = field(default_factory=list)

    def add(self, score: DocScore) -> None:
        self.n_gold += score.n_gold
        self.n_pred += score.n_pred
        self.tp_exact += len(score.exact_pairs)
        self.tp_overlap += len(score.overlap_pairs)
        found = {i for i, _ in score.overlap_pairs}
        for i, km in score.resolution:
            err = MAX_ERROR_KM if km is None else km
            self.e2e_errors.append(err)
            if i in found:
                # found but left unresolved still counts as a resolution failure among the found ones
                self.recognised_errors.append(err)

    @property
    def exact(self) -> PRF:
        return PRF(self.tp_exact, self.n_pred, self.n_gold)

    @property
    def overlap(self) -> PRF:
        return PRF(self.tp_overlap, self.n_pred, self.n_gold)

    @property
    def end_to_end(self) -> ResolutionScores:
        return resolution_scores(self.e2e_errors)

    @property
    def recognised(self) -> ResolutionScores:
        return resolution_scores(self.recognised_errors)
