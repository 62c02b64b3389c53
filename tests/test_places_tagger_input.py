"""The tagger input's fast paths (:func:`geoapp.places._name_runs`, :func:`_gazetteer_tags`) against
the per-token code they replaced, on varied random inputs."""

from __future__ import annotations

import random

from geoapp.places import _NAME_CONTEXT, _gazetteer_tags, _name_runs, _name_tokens


def _segments_reference(idx: list[int], capital: list[bool]) -> list[list[int]]:
    """The per-token loop ``_name_segments`` was (``capital``: per token of the field)."""
    caps = [n for n, m in enumerate(idx) if capital[m]]
    if not caps:
        return [idx]
    spans: list[list[int]] = []
    for n in caps:
        lo, hi = max(0, n - _NAME_CONTEXT), min(len(idx) - 1, n + _NAME_CONTEXT)
        if spans and lo <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    return [idx[a : b + 1] for a, b in spans]


def _tags_reference(n: int, rows: list[tuple]) -> list[str]:
    """The per-token loop the gazetteer tags were built with."""
    gaz = ["O"] * n
    for i, j, *_, feats in rows:
        tier = next((k[5:] for k in feats if k.startswith("tier=") and "*" not in k), "3")
        mark = tier + ("a" if "rule_accept" in feats else "r")
        for k in range(i, j + 1):
            if gaz[k] == "O":
                gaz[k] = ("B" if k == i else "I") + mark
    return gaz


def test_name_tokens_are_capitalised_or_digits() -> None:
    words = ["The", "man", "in", "Berlin", "said", "42", "x", "Ärger", "über", "'s", "É"]
    assert _name_tokens(words) == [0, 3, 5, 7, 10]


def test_name_runs_match_the_per_token_segments() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        n = rng.randint(1, 60)
        density = rng.choice((0.02, 0.1, 0.3, 0.7))
        capital = [rng.random() < density for _ in range(n)]
        named = [k for k, c in enumerate(capital) if c]
        first = rng.randint(0, n - 1)
        end = rng.randint(first + 1, n)
        idx = list(range(first, end))
        got = [list(range(a, b)) for a, b in _name_runs(named, first, end)]
        assert got == _segments_reference(idx, capital), (capital, first, end)


def test_gazetteer_tags_match_the_per_token_loop() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        n = rng.randint(1, 40)
        rows = []
        for i in sorted(rng.sample(range(n), rng.randint(0, n))):  # at most one window per start
            j = min(n - 1, i + rng.choice((0, 0, 0, 1, 1, 2, 4)))
            feats = {"bias": 1.0, "zipf_own=3": 1.0}
            tier = rng.choice((1, 2, 3, None))
            if tier is not None:
                feats[f"tier={tier}"] = 1.0
                feats[f"tier={tier}*zipf=2"] = 1.0
            if rng.random() < 0.5:
                feats["rule_accept"] = 1.0
            rows.append((i, j, 0, 0, "key", [], None, feats))
        assert _gazetteer_tags(n, rows) == _tags_reference(n, rows), rows
