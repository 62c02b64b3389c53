"""Metonymy: a place named for the people who govern or represent it ("Moscow said", "Russia's
request", "Pjöngjangs Entschlossenheit").

Why flag rather than drop: the place is still where the story points, and the analyst who maps it
wants it; but "Washington warned" is the US government acting, not an event in Washington, and a
map that can tell the two apart (and an export that carries the difference) is worth more than one
that cannot. The flag is ``"metonymy"`` in :attr:`geoapp.model.PlaceMention.flags`; maps count
such mentions per place, and the JSONL contract lists the flag.

The test is the mention's role in its clause (:mod:`geoapp.agency`): an agent, or a possessor
before a noun of agency. Only countries, first-level regions and cities qualify (a continent or a
river does not speak). A conjunct shares the role of the one after it: in "China and Russia hope"
both act.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .agency import GOVERNMENT_ROLES, role_in
from .document import Doc
from .model import PlaceMention

FLAG = "metonymy"

_AGENT_FEATURES = frozenset({"country", "region", "city"})
_CONJUNCTIONS = frozenset({"and", "und", ",", "or", "oder", "and the", "und die"})


def flag_metonymy(doc: Doc, places: Sequence[PlaceMention]) -> list[PlaceMention]:
    """The place mentions, those used for their government or people flagged ``"metonymy"``."""
    fields = {f.name: f for f in doc}
    acting = []
    for pm in places:
        p, m = pm.place, pm.mention
        can_act = p is not None and p.feature in _AGENT_FEATURES
        acting.append(can_act and role_in(fields[m.field], m.start, m.end) in GOVERNMENT_ROLES)
    for k in range(len(places) - 2, -1, -1):
        a, b = places[k], places[k + 1]
        if acting[k] or not acting[k + 1] or a.mention.field != b.mention.field or a.place is None:
            continue
        gap = fields[a.mention.field].norm[a.mention.end : b.mention.start].strip().lower()
        if gap in _CONJUNCTIONS and a.place.feature in _AGENT_FEATURES:
            acting[k] = True
    return [
        replace(pm, flags=(*pm.flags, FLAG)) if act and FLAG not in pm.flags else pm
        for pm, act in zip(places, acting)
    ]
