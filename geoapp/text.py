"""Text utilities shared by every stage: name keys, tokens and sentences with character offsets.

``name_key`` is the one normalisation used both when the gazetteer is built and when text is
looked up in it, so that "Wŏnsan", "Wonsan" and "WONSAN" meet on the same key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, repeat
from typing import NamedTuple, TypeVar

R = TypeVar("R")

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
    """Word tokens with offsets; hyphenated words stay one token ("Kim Jong-un" is two).

    Read from the per-text memo (:func:`tokens`), so that the place stage's tokenisation is the
    one the demonym, actor and link stages then reuse; the list is the caller's own.
    """
    return [Token(s, e, w) for s, e, w in tokens(text)]


# --------------------------------------------------------------------------------------------
# Per-text memos: several stages read the same article text (the pipeline scans demonyms, then
# the actor stage, then the link stage); each of them used to tokenise and split it again. A memo
# keyed on the text string lets them share one result. It holds only the last few texts, because
# a parse reads one article (text and title) at a time, and it returns tuples so that no caller
# can change what another caller sees.
# --------------------------------------------------------------------------------------------

#: How many texts a per-text memo keeps: one article's text and title, with room for a caller
#: that interleaves a few articles.
TEXT_MEMO_SIZE = 8

_MEMOS: list = []


def text_memo(fn: Callable[[str], R]) -> Callable[[str], R]:
    """Memoise a function of one text (an ``lru_cache`` of :data:`TEXT_MEMO_SIZE` entries) and
    register it with :func:`clear_memos`. The function must return an immutable value."""
    cached = lru_cache(maxsize=TEXT_MEMO_SIZE)(fn)
    _MEMOS.append(cached)
    return cached


def clear_memos() -> None:
    """Forget every per-text memo (benchmarks use it to time each article from cold)."""
    for memo in _MEMOS:
        memo.cache_clear()


class Tok(NamedTuple):
    """A token as a tuple ``(start, end, text)``: several times cheaper to build than
    :class:`Token`, and indexable like the ``(start, end, text)`` triples the link stage keeps."""

    start: int
    end: int
    text: str


class WordFilter:
    """The words of a set that pass ``test``, with the verdicts kept as two sets.

    A stage asks which of an article's few hundred distinct words matter to it (start a title,
    hold a demonym, cue a relation). Most words have been seen in earlier articles, so the answer
    is two set operations done in C, and ``test`` runs only for words never seen before. Call
    :meth:`reset` when what ``test`` answers changes.
    """

    def __init__(self, test: Callable[[str], object], limit: int = 200_000) -> None:
        self._test = test
        self._limit = limit
        self._yes: set[str] = set()
        self._no: set[str] = set()

    def __call__(self, words: AbstractSet[str]) -> set[str]:
        """The members of ``words`` for which ``test`` is true."""
        new = words - self._no - self._yes  # the larger set first: it leaves few words to test
        if new:
            if len(self._yes) + len(self._no) + len(new) > self._limit:
                self.reset()
            for w in new:
                (self._yes if self._test(w) else self._no).add(w)
        return self._yes & words

    def reset(self) -> None:
        """Forget every verdict."""
        self._yes.clear()
        self._no.clear()


# TOKEN_RE as the one group of a split: the split alternates gap, token, gap, …, all built in C.
TOKEN_SPLIT = re.compile(f"({TOKEN_RE.pattern})", TOKEN_RE.flags)


@text_memo
def _tokenised(text: str) -> tuple[tuple[Tok, ...], tuple[str, ...], frozenset[str], tuple[int, ...]]:
    """Tokens, their words, the set of distinct words and the tokens' starts of one text, memoised.

    Built from one ``re.split`` and a running sum of the parts' lengths rather than a ``finditer``
    loop: three method calls and a constructor per match cost more than the whole rest of a
    demonym scan. The word tuple and set let the stages test thousands of lexicon entries
    against the few hundred distinct words of an article with set operations.
    """
    parts = TOKEN_SPLIT.split(text)
    offsets = list(accumulate(map(len, parts)))
    words = tuple(parts[1::2])
    # token k is parts[2k + 1]: it starts where part 2k ends and ends where it ends itself
    starts = tuple(offsets[0 : 2 * len(words) : 2])
    # tuple.__new__(Tok, triple) builds each NamedTuple in C (Tok._make is a Python call per token)
    toks = tuple(map(tuple.__new__, repeat(Tok), zip(starts, offsets[1::2], words)))
    return toks, words, frozenset(words), starts


def tokens(text: str) -> tuple[Tok, ...]:
    """The tokens of :func:`tokenize` as :class:`Tok` tuples, memoised per text (shared by the
    demonym, actor and link stages)."""
    return _tokenised(text)[0]


def token_words(text: str) -> tuple[str, ...]:
    """The text of each token of :func:`tokens` (same order), memoised per text."""
    return _tokenised(text)[1]


def distinct_words(text: str) -> frozenset[str]:
    """The distinct token texts of ``text``, memoised: a stage intersects its lexicon with these
    and visits only the tokens that can start something."""
    return _tokenised(text)[2]


def token_starts(text: str) -> tuple[int, ...]:
    """The start offset of each token of :func:`tokens`, memoised: for bisection by offset."""
    return _tokenised(text)[3]


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
# Sentence ends: a run of end punctuation (and closing quotes) before whitespace, a blank line, or
# a line break; i.e. ``[.!?…]+["”“'’»«)]*(?=\s)|\n\s*\n|\n``, written to start with one
# character class so that ``re`` skips ahead to candidate characters instead of trying three
# alternatives at every position (2-3x faster on news text, same matches).
_SENT_END = re.compile(r"[.!?…\n](?:(?<=[.!?…])[.!?…]*[\"”“'’»«)]*(?=\s)|(?<=\n)\s*\n|(?<=\n))")


def sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentence spans ``(start, end)``, trimmed of surrounding whitespace.

    A rule-based splitter is enough for news prose and keeps offsets exact; it does not split after
    known abbreviations, single initials or ordinal numbers ("3. Oktober"). Memoised per text (see
    :func:`sentence_spans`); the list is the caller's own.
    """
    return list(sentence_spans(text))


@text_memo
def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """:func:`sentences` as a tuple, memoised per text: the link stage, the frames and the export
    all split the same article."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        g = m.group()
        if g[0] == "." and not g.startswith(".."):
            words = text[start : m.start()].rsplit(None, 1)
            word = words[-1].strip("(\"'“„").lower() if words else ""
            if word in _ABBREVIATIONS or word.isdigit() or (len(word) == 1 and word.isalpha()):
                continue
            if _DOTTED.match(word) and not _opens_sentence(text, end, words[-1]):
                continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return tuple(spans)


#: A dotted abbreviation such as "U.S", "U.N", "z.B", "e.g" (its last period is the candidate end).
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]$")
#: Words that open a sentence after an initialism ends one ("… in the U.S. The talks …"); any
#: other word after "U.S." continues it ("U.S. service members", "U.S. Secretary of State").
_OPENERS = frozenset(
    "the a an he she it they we i in on at but and this that these those there his her its their "
    "after before when while if as for however meanwhile der die das ein eine er sie es wir im am "
    "aber und doch dies diese dieser nach bei mit seit als wenn".split()
)


def _opens_sentence(text: str, end: int, word: str) -> bool:
    """Whether the word after a dotted abbreviation that ends at ``end`` opens a new sentence: only
    after an upper-case initialism ("U.S.", not "z.B.") and before a usual sentence opener."""
    if not word.strip("(\"'“„")[:1].isupper():
        return False
    nxt = re.match(r"\s*[\"„“«(]*([^\W\d_]+)", text[end : end + 40])
    return nxt is not None and nxt.group(1)[:1].isupper() and nxt.group(1).lower() in _OPENERS


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def sentence_of(spans: Sequence[tuple[int, int]], offset: int) -> tuple[int, int]:
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
