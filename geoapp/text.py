"""Text utilities shared by every stage: name keys, tokens and sentences with character offsets.

``name_key`` is the one normalisation used both when the gazetteer is built and when text is
looked up in it, so that "Wŏnsan", "Wonsan" and "WONSAN" meet on the same key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters of any script, digits, and word-internal hyphens/apostrophes ("Son-hui", "Côte d'Ivoire").
TOKEN_RE = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)

_FOLD = str.maketrans({"ß": "ss", "ẞ": "ss", "’": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-"})


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Fold a place name to its lookup key: case, accents and punctuation do not matter.

    >>> name_key("Wŏnsan") == name_key("WONSAN") == "wonsan"
    True
    >>> name_key("Baden-Württemberg")
    'baden wurttemberg'
    """
    s = name.translate(_FOLD)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold()
    s = re.sub(r"[-'./,()]+", " ", s)
    return " ".join(s.split())


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


def tokenize(text: str) -> list[Token]:
    """Word tokens with offsets; hyphenated words stay one token ("Kim Jong-un" is two)."""
    return [Token(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


# Abbreviations after which a full stop does not end a sentence (German and English news).
_ABBREVIATIONS = {
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "sen",
    "rep",
    "gen",
    "col",
    "lt",
    "sgt",
    "gov",
    "jr",
    "sr",
    "u",
    "z",
    "b",
    "bzw",
    "ca",
    "vgl",
    "usw",
    "etc",
    "nr",
    "inc",
    "ltd",
    "co",
    "corp",
    "no",
    "vs",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "okt",
    "nov",
    "dec",
    "dez",
    "mio",
    "mrd",
    "d",
    "h",
    "i",
    "e",
    "s",
    "a",
    "v",
    "chr",
    "ggf",
    "evtl",
    "inkl",
    "sog",
    "str",
}
_SENT_END = re.compile(r"[.!?…]+[\"”“'’»«)]*(?=\s)|\n\s*\n|\n")


def sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentence spans ``(start, end)``, trimmed of surrounding whitespace.

    A rule-based splitter is enough for news prose and keeps offsets exact; it does not split after
    known abbreviations, single initials or ordinal numbers ("3. Oktober").
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        if m.group().startswith((".",)) and not m.group().startswith(".."):
            before = text[start : m.start()]
            last = before.rsplit(None, 1)[-1] if before.strip() else ""
            word = last.strip("(\"'“„").lower()
            if word in _ABBREVIATIONS or word.isdigit() or (len(word) == 1 and word.isalpha()):
                continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def sentence_of(spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    """The sentence span containing ``offset`` (spans as returned by :func:`sentences`)."""
    lo, hi = 0, len(spans) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        s, e = spans[mid]
        if offset < s:
            hi = mid - 1
        elif offset >= e:
            lo = mid + 1
        else:
            return spans[mid]
    return spans[max(0, min(lo, len(spans) - 1))] if spans else (0, 0)
