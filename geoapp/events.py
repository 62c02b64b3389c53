"""Links read as events: what kind (attack, troops, visit …), when, and how often over time.

Analysts compare geoapp with event datasets (ACLED, Liveuamap, GDELT), which sort what happened
into event types with a date. A link already says who did what where, in one sentence; its
``relation`` is the event type and :mod:`geoapp.dates` gives it a date. This module holds the
catalogue of event types (label, symbol, colour: the same everywhere in the app), a filter by
type that keeps places and links consistent, and the counts behind the app's time series.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import pandas as pd


@dataclass(frozen=True)
class EventType:
    """How one relation is shown: a symbol that every font has (no emoji: Debian's default fonts
    lack them, and a tofu box tells nothing) and a colour-blind-safe colour (Okabe–Ito)."""

    relation: str
    label: str
    symbol: str
    color: str
    means: str


#: The relations geoapp.links assigns, most violent first (the order of tables and legends).
EVENT_TYPES: dict[str, EventType] = {
    t.relation: t
    for t in (
        EventType("attack", "Attack", "✸", "#D55E00", "strikes, shelling, raids, fighting"),
        EventType("troops", "Troops", "⚑", "#E69F00", "deployments, soldiers, bases, exercises"),
        EventType("visit", "Visit", "✈", "#0072B2", "a person goes to or is at the place"),
        EventType("meeting", "Meeting", "⇄", "#56B4E9", "talks, summits, negotiations there"),
        EventType("support", "Support", "✚", "#009E73", "aid, weapons, money for the place"),
        EventType("relations", "Relations", "↔", "#CC79A7", "ties, sanctions, agreements with it"),
        EventType("statement", "Statement", "❝", "#666666", "what the actor says about the place"),
        EventType("mentioned with", "Mentioned with", "·", "#999999", "named in the same sentence only"),
    )
}


def relation_name(relation: object) -> str:
    """A link's relation as a type name: a missing one (None, NaN, "") is "mentioned with"."""
    return relation if isinstance(relation, str) and relation else "mentioned with"


def event_type(relation: object) -> EventType:
    """The type of a relation; one the catalogue does not know is shown under its own name."""
    name = relation_name(relation)
    return EVENT_TYPES.get(name) or EventType(name, name.capitalize(), "•", "#999999", "")


def event_label(relation: object) -> str:
    """``"✸ Attack"``: the symbol and the label, as tables and filters show a type."""
    kind = event_type(relation)
    return f"{kind.symbol} {kind.label}"


def present_types(relations: Iterable[object]) -> list[str]:
    """The relations present, in catalogue order (unknown ones after, by name)."""
    present = {relation_name(r) for r in relations}
    known = [r for r in EVENT_TYPES if r in present]
    return known + sorted(present - set(known))


def filter_event_types(
    places: gpd.GeoDataFrame, links: gpd.GeoDataFrame, relations: Iterable[str] | None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Keep links of the given types and the places they end at; no types means no filter.

    Places follow the links as with an actor filter: asking for attacks shows where attacks were
    reported, not every place of the articles that report one.
    """
    wanted = set(relations or ())
    if not wanted:
        return places, links
    kept = links[links["relation"].map(relation_name).isin(wanted)]
    keys = set(zip(kept["article_id"], kept["place_key"]))
    mask = pd.Series([(a, k) in keys for a, k in zip(places["article_id"], places["place_key"])],
                     index=places.index, dtype=bool)  # fmt: skip
    return places[mask].reset_index(drop=True), kept.reset_index(drop=True)


def time_unit(days: Iterable[date]) -> str:
    """The bin that keeps a time series readable: days up to two months, weeks up to two years,
    months beyond (pandas offset aliases ``D``, ``W-MON``, ``MS``)."""
    known = [d for d in days if d is not None and not pd.isna(d)]
    if not known:
        return "D"
    span = (max(known) - min(known)).days
    return "D" if span <= 62 else "W-MON" if span <= 730 else "MS"


def counts_over_time(
    frame: pd.DataFrame,
    *,
    by: str,
    day: str,
    weight: str | None = None,
    top: int = 6,
    unit: str | None = None,
) -> pd.DataFrame:
    """Counts per period (rows) and per value of ``by`` (columns): the ``top`` most frequent
    values by name, the rest summed as "other".

    ``day`` is a column of dates (rows without one are left out: they have no place on a time
    axis); ``weight`` a column of counts per row (a place row's ``mentions``), else each row counts
    once. Periods with nothing in them are kept as zeros, so a quiet week shows as a dip and not
    as a line drawn straight across it.
    """
    if frame.empty or by not in frame or day not in frame:
        return pd.DataFrame()
    rows = frame[frame[day].notna()]
    if rows.empty:
        return pd.DataFrame()
    days = pd.to_datetime(rows[day])
    names = rows[by].fillna("(none)").astype(str)
    weights = rows[weight].astype(float) if weight else pd.Series(1.0, index=rows.index)
    totals = weights.groupby(names).sum().sort_values(ascending=False, kind="stable")
    leaders = list(totals.index[:top])
    names = names.where(names.isin(leaders), "other")
    unit = unit or time_unit(d.date() for d in days)
    periods = days.dt.to_period("D" if unit == "D" else "W-SUN" if unit.startswith("W") else "M")
    table = weights.groupby([periods.dt.start_time, names]).sum().unstack(fill_value=0.0)
    full = pd.date_range(table.index.min(), table.index.max(), freq=unit)
    table = table.reindex(full.union(table.index), fill_value=0.0)
    order = [n for n in leaders if n in table.columns] + (["other"] if "other" in table.columns else [])
    table = table[order].astype(int)
    table.index.name = "period"
    return table
