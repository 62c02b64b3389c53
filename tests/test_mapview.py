"""Where a map looks (``geoapp.mapview``): its strip of longitudes, lines cut at its edges, its view."""

from __future__ import annotations

import random

import pytest

from geoapp.frames import great_circle_line
from geoapp.mapview import central_west, fit_extent, outliers, wrap_line, wrap_lon


def test_the_usual_strip_unless_the_data_straddle_the_antimeridian() -> None:
    assert central_west([13.4, 37.6, 127.4, -77.0, -43.2]) == -180.0  # Europe, Korea, the Americas
    assert central_west([]) == -180.0 and central_west([179.0]) == -180.0
    # Fiji, Samoa, Tonga, Chukotka: the cut moves into the widest gap, away from 180°.
    west = central_west([178.4, -171.8, -175.2, 177.5])
    assert west != -180.0
    assert sorted(wrap_lon(x, west) for x in (178.4, -171.8)) == pytest.approx([178.4, 188.2])


def _jumps(piece: list[tuple[float, float]]) -> float:
    return max(abs(b[1] - a[1]) for a, b in zip(piece, piece[1:]))


def test_a_line_across_the_pacific_is_cut_at_the_edge_and_takes_the_short_way() -> None:
    line = great_circle_line(-77.0, 38.9, 139.7, 35.7)  # Washington → Tokyo, over the Pacific
    coords = [(lat, lon) for lon, lat in line.coords]
    wrapped = wrap_line(coords, -180.0)
    assert len(wrapped.pieces) == 2
    first, second = wrapped.pieces
    assert first[0] == pytest.approx((38.9, -77.0)) and first[-1][1] == -180.0
    assert second[0][1] == 180.0 and second[-1] == pytest.approx((35.7, 139.7))
    assert first[-1][0] == pytest.approx(second[0][0])  # the two pieces meet at the same latitude
    for piece in wrapped.pieces:
        assert all(-180.0 <= lon <= 180.0 for _, lon in piece)
        assert _jumps(piece) < 60  # no segment crosses the map
    # The arrowhead sits between two neighbouring points, not across the map.
    alat, alon, blat, blon = wrapped.arrow
    assert abs(alon - blon) < 60


def test_a_line_given_with_a_jump_is_made_continuous() -> None:
    wrapped = wrap_line([(64.7, 177.5), (65.5, -179.0), (64.5, -165.4)], -180.0)  # Anadyr → Nome
    assert [len(p) for p in wrapped.pieces] == [2, 3]
    assert wrapped.pieces[0][-1][1] == 180.0 and wrapped.pieces[1][0][1] == -180.0
    # On a strip that holds both ends the line is one piece.
    west = central_west([177.5, -165.4])
    one = wrap_line([(64.7, 177.5), (65.5, -179.0), (64.5, -165.4)], west)
    assert len(one.pieces) == 1 and _jumps(one.pieces[0]) < 20


def test_view_holds_a_few_points_and_resists_outliers_among_many() -> None:
    (s, w), (n, e) = fit_extent([(39.15, 127.44), (51.7, 36.2), (55.75, 37.62)])
    assert (s, w, n, e) == (39.15, 36.2, 55.75, 127.44)
    rng = random.Random(1)
    europe = [(rng.uniform(40, 60), rng.uniform(-5, 30)) for _ in range(80)]
    (s, w), (n, e) = fit_extent([*europe, (-77.8, 166.7)])  # one mention of McMurdo, Antarctica
    assert s > 35 and w > -10 and e < 35
    # A group of places is no outlier, however far: five places in California stay in view.
    california = [(35.1 + k / 10, -116.1) for k in range(5)]
    (s, w), (n, e) = fit_extent([*europe, *california, (-77.8, 166.7)])
    assert w == -116.1 and s > 35 and e < 35
    assert outliers([*europe, (-77.8, 166.7)]) == {80}
    assert outliers([(-77.8, 166.7), (52.5, 13.4)]) == set()  # too few points to leave any out
    assert fit_extent([]) is None


def test_world_wide_view_leaves_out_the_polar_emptiness() -> None:
    rng = random.Random(2)
    world = [(rng.uniform(-85, 85), rng.uniform(-180, 180)) for _ in range(200)]
    (s, _), (n, _) = fit_extent(world)
    assert s >= -58 and n <= 76
    # Data that are all polar are still shown.
    (s, _), (n, _) = fit_extent([(-77.8, 166.7), (-75.1, 123.3)])
    assert s == -77.8 and n == -75.1
