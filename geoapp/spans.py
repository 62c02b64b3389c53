"""Overlap queries over character spans in O(log n), so that no stage compares every span with every
other: a 5 MB article has tens of thousands of mentions, and a pairwise ``any(…)`` over them made a
1 MB article take minutes (hostile-input issue).

Spans are sorted by start once; a running maximum of their ends answers "does anything overlap
[start, end)?" with one bisection: among the spans that start before ``end``, some span reaches
past ``start`` exactly when the largest end among them does.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class SpanIndex:
    """A static set of ``(start, end)`` spans (end exclusive) with fast overlap queries."""

    __slots__ = ("_starts", "_ends", "_max_end")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        ordered = sorted((s, e) for s, e in spans if s < e)
        self._starts = [s for s, _ in ordered]
        self._ends = [e for _, e in ordered]
        running, self._max_end = -1, []
        for e in self._ends:
            running = max(running, e)
            self._max_end.append(running)

    def __len__(self) -> int:
        return len(self._starts)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether any span shares a character with ``[start, end)``."""
        hi = bisect_left(self._starts, end)
        return hi > 0 and self._max_end[hi - 1] > start

    def overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        """The spans that share a character with ``[start, end)``, by start.

        Walks back from the last span starting before ``end`` only while an earlier span could
        still reach ``start`` (the running maximum says when none can), so the cost is the answer's
        size plus the spans nested inside it, not the whole index.
        """
        hi = bisect_left(self._starts, end)
        out = []
        k = hi - 1
        while k >= 0 and self._max_end[k] > start:
            if self._ends[k] > start:
                out.append((self._starts[k], self._ends[k]))
            k -= 1
        out.reverse()
        return out

    def starting_in(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The spans whose start lies in ``[lo, hi)``, by start."""
        a, b = bisect_left(self._starts, lo), bisect_left(self._starts, hi)
        return list(zip(self._starts[a:b], self._ends[a:b]))

    def covering(self, start: int, end: int) -> bool:
        """Whether one span contains all of ``[start, end)``."""
        hi = bisect_right(self._starts, start)
        k = hi - 1
        while k >= 0 and self._max_end[k] >= end:
            if self._ends[k] >= end:
                return True
            k -= 1
        return False


class FieldSpans:
    """One :class:`SpanIndex` per article field (``text``, ``title``)."""

    __slots__ = ("_by_field",)

    def __init__(self, spans: Iterable[tuple[str, int, int]] = ()) -> None:
        grouped: dict[str, list[tuple[int, int]]] = {}
        for field, s, e in spans:
            grouped.setdefault(field, []).append((s, e))
        self._by_field = {f: SpanIndex(v) for f, v in grouped.items()}

    def overlaps(self, field: str, start: int, end: int) -> bool:
        index = self._by_field.get(field)
        return index is not None and index.overlaps(start, end)

    def overlapping(self, field: str, start: int, end: int) -> list[tuple[int, int]]:
        index = self._by_field.get(field)
        return index.overlapping(start, end) if index is not None else []
