"""Traditional abbreviations of US states and Canadian provinces: "PLEASANTON, Calif.", "Severn,
Md.", "Walker County (Ga.)".

The gazetteer's windows never see them: they are not names of any GeoNames entry, end in a full
stop, and several are words or names on their own ("Pa.", "Ind.", "Wash.", "Miss."). News writes
them after a place, in a dateline or an address, so an abbreviation is taken only where it follows
", " or "(" after a capitalised word; the dotted two-letter forms ("N.J.", "D.C.") also alone, where
they cannot be anything else. The list is data (``data/words/state_abbreviations.yaml``, with its
source); each maps to the first-level region the gazetteer holds under that name. The scan is one
regular-expression pass over the text: linear in its size.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .lexicon import load_words
from .model import Candidate
from .text import name_key

#: Before an abbreviation in a dateline or address: a capitalised word (or a closing quote or
#: bracket after one), then ", " or " (".
_AFTER_PLACE = re.compile(r"[A-Z][\w.'’-]*(?:,\s+|\s*\(\s*)$")


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, str]]:
    """Abbreviation as written ("Calif.") → (country code, the region's English name)."""
    data = load_words("state_abbreviations")
    return {abbr: (cc, name) for cc, table in data.items() if cc != "joined" for abbr, name in table.items()}


def joined_city(form: str) -> str | None:
    """The city whose name form ends in this abbreviation ("D.C." → "Washington"), or None."""
    return load_words("state_abbreviations").get("joined", {}).get(form)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    """The forms as one alternation of literals, longest first, without lookarounds: a pattern
    that starts with literals lets the regex engine skip to the positions holding a form's first
    letter (capitals), where a leading lookbehind made it try every position of the text. The
    boundaries are tested by :func:`find` on each match."""
    forms = sorted(abbreviations(), key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in forms))


#: What may not stand right before an abbreviation (a letter, digit or dot: inside a longer word or
#: dotted form) and right after it (a letter or digit).
_WORD_OR_DOT = re.compile(r"[\w.]")
_WORD = re.compile(r"\w")


def _dotted_pair(form: str) -> bool:
    """Whether the form is dotted initials ("N.J.", "D.C.", "P.E.I."), safe without context."""
    return bool(re.fullmatch(r"(?:[A-Z]\.){2,3}", form)) and form != "B.C."  # "500 B.C."


def region_for(gazetteer, abbr: str) -> Candidate | None:
    """The gazetteer's first-level region an abbreviation stands for, or None."""
    got = abbreviations().get(abbr)
    if got is None:
        return None
    cc, name = got
    key = name_key(name)
    for c in gazetteer.candidates(key):
        first_level = c.feature == "region" and c.feature_code != "ADM2"
        if first_level and c.country_code == cc and name_key(c.name) == key:
            return c
    return None


def find(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, form)`` of every abbreviation in a dateline or address position."""
    out = []
    for m in _pattern().finditer(text):
        start, end = m.span()
        # Not inside a longer word or dotted form. Every form starts with a capital and holds only
        # letters and dots, so a match refused here hides no other: each position inside it
        # follows a letter or a dot; and no form is a prefix of another (each ends in a dot and
        # none continues past one), so the first alternative to match is the only one.
        if (start and _WORD_OR_DOT.match(text, start - 1)) or _WORD.match(text, end):
            continue
        form = m.group()
        if _dotted_pair(form) or _AFTER_PLACE.search(text, max(0, start - 60), start):
            out.append((start, end, form))
    return out
