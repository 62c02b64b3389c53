"""Dates of articles and of the events they report, in German and English, without a date library.

Two questions an analyst asks of a date, answered here:

* **When was it published?** Articles carry ``2026-04-14``, ``2026-04-14T08:00:00Z``, a month
  (``2017-05``) or a year (``2017``) when the outlet gives no day. A partial date still places an
  article in time: :func:`parse_partial` reads it as the *start* of its period and remembers how
  precise it was, so filters can use it and tables can show it as it was given.
* **When did it happen?** News says "am Montag", "on Tuesday", "on June 25", "15. März" or
  "yesterday", meaning a day relative to the publication date. :func:`find_event_date` finds the
  first such phrase in a sentence and resolves it against the publication day; :func:`event_date`
  falls back to the publication date when the sentence names no date, and says which it used.

Why no dateparser: it is offline and maintained, but it brings ``regex``, ``pytz`` and
``tzlocal`` and dozens of languages' data for the two this project reads, and its free-text search
finds dates in ordinary words ("may", "march", "second"). The expressions news uses for an event's
day are few; the patterns below cover them and nothing else, and both languages are tried on every
text (their date words do not collide), so an article whose language was misdetected still works.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

#: How precise a date is: a day, a month (``2017-05``) or a year (``2017``).
PRECISIONS = ("day", "month", "year")


@dataclass(frozen=True)
class PartialDate:
    """A date as precise as its source: ``day`` is the first day of the period it names."""

    day: date
    precision: str = "day"

    def label(self) -> str:
        """The date as precise as it is known: ``2017-05-03``, ``2017-05`` or ``2017``."""
        if self.precision == "year":
            return f"{self.day.year:04d}"
        if self.precision == "month":
            return f"{self.day.year:04d}-{self.day.month:02d}"
        return self.day.isoformat()


@dataclass(frozen=True)
class EventDate(PartialDate):
    """When a reported event happened, and where that came from.

    ``source`` is ``"text"`` when the sentence states it (``phrase`` is then the words, at
    ``start``-``end`` in the sentence) or ``"published"`` when it is the article's date.
    """

    source: str = "text"
    phrase: str = ""
    start: int = -1
    end: int = -1


_ISO_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")


def parse_partial(value: object) -> PartialDate | None:
    """An article's ``published`` value as a :class:`PartialDate`, or None when absent or unreadable.

    Accepts ``date``/``datetime`` objects and ISO strings with a day, a month or only a year, with
    or without a time. Anything else (``14.04.2026``, "yesterday") is None: a publication date is
    metadata, and guessing at an unclear one would file the article under the wrong day.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime):
        return PartialDate(value.date())
    if isinstance(value, date):
        return PartialDate(value)
    match = _ISO_PARTIAL.match(str(value).strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return PartialDate(date(year, 1, 1), "year")
        if day is None:
            return PartialDate(date(year, month, 1), "month")
        return PartialDate(date(year, month, day))
    except ValueError:
        return None


# -- words ------------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
#: Month names, English and German (Austrian "Jänner", "Feber" too), then their abbreviations.
_MONTH_NAMES = (
    "January Januar Jänner",
    "February Februar Feber",
    "March März Maerz",
    "April",
    "May Mai",
    "June Juni",
    "July Juli",
    "August",
    "September",
    "October Oktober",
    "November",
    "December Dezember",
)
_MONTH_ABBREVIATIONS = (
    "Jan Jän", "Feb", "Mar Mär Mrz", "Apr", "", "Jun", "Jul", "Aug", "Sep Sept", "Oct Okt", "Nov", "Dec Dez"
)  # fmt: skip
for _number, (_names, _short) in enumerate(zip(_MONTH_NAMES, _MONTH_ABBREVIATIONS), start=1):
    for _name in (_names + " " + _short).split():
        _MONTHS[_name] = _number

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "Monday Montag",
        "Tuesday Dienstag",
        "Wednesday Mittwoch",
        "Thursday Donnerstag",
        "Friday Freitag",
        "Saturday Samstag Sonnabend",
        "Sunday Sonntag",
    )
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number

#: Words that shift a day from the publication day: today, yesterday, tomorrow and their kin.
_RELATIVE_DAYS = {
    "today": 0,
    "tonight": 0,
    "heute": 0,
    "yesterday": -1,
    "gestern": -1,
    "vorgestern": -2,
    "tomorrow": 1,
    "morgen": 1,
    "übermorgen": 2,
}

# Longest names first, so "Sept" is not cut to "Sep" and "Jänner" not to "Jän".
_MONTH = (
    "(?:"
    + "|".join(sorted(" ".join(_MONTH_NAMES).split(), key=len, reverse=True))
    + "|(?:"
    + "|".join(sorted(" ".join(_MONTH_ABBREVIATIONS).split(), key=len, reverse=True))
    + r")\.?)"
)
_WEEKDAY = "(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + ")"
_YEAR = r"(?:19|20)\d\d"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"

#: Words before a weekday that say which one: the past one, or the next one.
_PAST_WORDS = {"last", "vergangenen", "vergangene", "letzten", "letzte", "vorigen", "vorige"}
_NEXT_WORDS = {"next", "coming", "kommenden", "kommende", "nächsten", "nächste"}
#: A sentence about the future ("will visit on Friday", "wird am Freitag reisen") means the next
#: such weekday; otherwise news reports what has happened, so a bare weekday is the last one.
_FUTURE = re.compile(
    r"\b(?:will|shall|is to|are to|plans? to|planned|scheduled|expected to|is due|are due|wird|werden|"
    r"soll|sollen|plant|planen|geplant|erwartet|kommende[nmr]?|nächste[nmr]?)\b",
    re.IGNORECASE,
)
#: ... unless the weekday follows a verb of saying: "said on Friday it will send troops" is Friday past.
_SAID_BEFORE = re.compile(
    r"\b(?:said|says|told|announced|reported|confirmed|stated|sagte|sagten|erklärte|erklärten|teilte|"
    r"teilten|berichtete|bestätigte|kündigte)\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)


# -- resolving ------------------------------------------------------------------------------------


def _nearest_year(month: int, day: int, anchor: date) -> date | None:
    """The date with this month and day closest to ``anchor`` (a report of "June 25" written in
    January is about last June; one written in December about the coming one only if nearer)."""
    best = None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((candidate - anchor).days) < abs((best - anchor).days):
            best = candidate
    return best


def _weekday(weekday: int, anchor: date, direction: str) -> date:
    """The weekday nearest the anchor in ``direction``: ``past`` (on or before), ``last``
    (strictly before), ``future`` (on or after) or ``next`` (strictly after)."""
    if direction in ("past", "last"):
        back = (anchor.weekday() - weekday) % 7
        if back == 0 and direction == "last":
            back = 7
        return anchor - timedelta(days=back)
    ahead = (weekday - anchor.weekday()) % 7
    if ahead == 0 and direction == "next":
        ahead = 7
    return anchor + timedelta(days=ahead)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    resolve: Callable[[], PartialDate | None]


def _patterns(sentence: str, anchor: PartialDate | None) -> list[_Hit]:
    """Every date expression in the sentence, each with how to turn it into a date.

    Relative expressions (weekdays, "yesterday") need the publication *day*; with only a month or
    a year known, or none, they resolve to nothing and the next expression is tried.
    """
    day_anchor = anchor.day if anchor is not None and anchor.precision == "day" else None
    year_anchor = anchor.day if anchor is not None else None
    future = bool(_FUTURE.search(sentence))
    hits: list[_Hit] = []

    def add(pattern: str, make: Callable[[re.Match[str]], PartialDate | None]) -> None:
        for m in re.finditer(pattern, sentence):
            hits.append(_Hit(m.start(), m.end(), lambda m=m: make(m)))

    def make_date(y: int | None, mo: int, d: int | None) -> PartialDate | None:
        try:
            if y is not None:
                return PartialDate(date(y, mo, d)) if d is not None else PartialDate(date(y, mo, 1), "month")
        except ValueError:
            return None
        if year_anchor is None:
            return None
        if d is None:
            guess = _nearest_year(mo, 1, year_anchor)
            return PartialDate(guess, "month") if guess else None
        guess = _nearest_year(mo, d, year_anchor)
        return PartialDate(guess) if guess else None

    def month_of(text: str) -> int:
        return _MONTHS[text.rstrip(".")]

    # 2024-06-25 and 25.06.2024
    add(r"\b(\d{4})-(\d{2})-(\d{2})\b", lambda m: make_date(int(m[1]), int(m[2]), int(m[3])))
    add(
        rf"\b({_DAY})\.\s?(0?[1-9]|1[0-2])\.\s?({_YEAR})\b",
        lambda m: make_date(int(m[3]), int(m[2]), int(m[1])),
    )
    # 15. März (2024), 25 June (2024), 25th of June
    add(
        rf"\b({_DAY})(?:\.|st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})(?:,?\s+({_YEAR}))?(?![\w])",
        lambda m: make_date(int(m[3]) if m[3] else None, month_of(m[2]), int(m[1])),
    )
    # June 25(th)(, 2024)
    add(
        rf"\b({_MONTH})\s+({_DAY})(?:st|nd|rd|th)?(?!\d)(?:,?\s+({_YEAR}))?\b",
        lambda m: make_date(int(m[3]) if m[3] else None, month_of(m[1]), int(m[2])),
    )
    # May 2022, im Mai 2022; "in March", "im März" (month of the nearest year)
    add(rf"\b({_MONTH})\s+({_YEAR})\b", lambda m: make_date(int(m[2]), month_of(m[1]), None))
    add(
        rf"\b(?:[Ii]n|[Ii]m)\s+({_MONTH})(?!\w)(?!\s*,?\s*\d)",
        lambda m: make_date(None, month_of(m[1]), None),
    )
    # in 2019, im Jahr 2019
    add(
        rf"\b(?:[Ii]n|[Ii]m Jahre?)\s+({_YEAR})\b(?!-)",
        lambda m: PartialDate(date(int(m[1]), 1, 1), "year"),
    )

    # Weekdays: "am Montag", "on Tuesday", "Montagabend", "last Monday", "kommenden Freitag".
    def weekday(m: re.Match[str]) -> PartialDate | None:
        if day_anchor is None:
            return None
        word = (m["q"] or "").lower()
        if word in _PAST_WORDS:
            direction = "last"
        elif word in _NEXT_WORDS:
            direction = "next"
        elif future and not _SAID_BEFORE.search(sentence, 0, m.start()):
            direction = "future"
        else:
            direction = "past"
        return PartialDate(_weekday(_WEEKDAYS[m["w"]], day_anchor, direction))

    add(
        r"\b(?:(?P<q>(?i:am|vom|on|last|next|coming|this|vergangenen|letzten|vorigen|kommenden|nächsten))\s+)?"
        rf"(?P<w>{_WEEKDAY})(?:abend|morgen|nachmittag|vormittag|mittag|nacht|früh)?\b",
        weekday,
    )

    # today, yesterday, tomorrow, heute, gestern, (über)morgen; "Morgen", capitalised, is the morning.
    def relative(m: re.Match[str]) -> PartialDate | None:
        if day_anchor is None:
            return None
        return PartialDate(day_anchor + timedelta(days=_RELATIVE_DAYS[m[1].lower()]))

    add(
        r"\b([Tt]oday|[Tt]onight|[Yy]esterday|[Tt]omorrow|[Hh]eute|[Gg]estern|[Vv]orgestern|[Üü]bermorgen|morgen)\b",
        relative,
    )
    return hits


def find_event_date(sentence: str, published: object = None) -> EventDate | None:
    """The first date the sentence states, resolved against the publication date, or None.

    Where two expressions start at the same place the longer one wins ("25. Juni 2024" over "25.
    Juni"); an expression that cannot be resolved (a weekday in an undated article) is skipped.
    """
    anchor = parse_partial(published)
    for hit in sorted(_patterns(sentence, anchor), key=lambda h: (h.start, -h.end)):
        found = hit.resolve()
        if found is not None:
            phrase = sentence[hit.start : hit.end]
            return EventDate(found.day, found.precision, "text", phrase, hit.start, hit.end)
    return None


def event_date(sentence: str, published: object = None) -> EventDate | None:
    """When the event a sentence reports happened: the date it states, else the publication date
    (``source="published"``), else None."""
    found = find_event_date(sentence, published)
    if found is not None:
        return found
    pub = parse_partial(published)
    return EventDate(pub.day, pub.precision, "published") if pub is not None else None
