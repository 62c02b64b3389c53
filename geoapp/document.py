"""One document per article: its fields, tokens, sentences and recognised entity spans, built once.

Why: every stage (places, demonyms, actors, metonymy, links, adjectives) reads the same tokens and
sentences. Built once in :meth:`geoapp.pipeline.Geoparser.parse` and handed to each stage, they are
never re-tokenised or looked up in caches keyed on the text, and the "title, then text" loop lives
here instead of in every stage. Stages add what they find to their own results; the only thing the
document itself collects is the sequence tagger's entity spans (persons, organisations, places),
which the place stage produces and the actor stage reads.

Offsets are Python ``str`` indexes into the field's text, end exclusive, as everywhere in geoapp.
Tokens come from the field's *normalised* text (:func:`normalise`): typographic apostrophes and odd
hyphens replaced one for one, so "Lavrov’s" and "Jong‑un" (U+2011) tokenise like their ASCII forms
and every offset still indexes the original.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, repeat

from .model import Article
from .text import TOKEN_SPLIT, Tok, sentence_spans

# One-to-one character replacements, so offsets into the normalised text are offsets into the
# original: odd hyphens ("Jong‑un" with U+2011) and typographic apostrophes ("Lavrov’s").
# As (odd, plain) pairs for ``str.replace``: ``str.translate`` with a mapping looks every character
# up in it (0.1-0.2 ms for a news text with one curly apostrophe), a replace is a C scan per pair.
_NORMALISE = (("\u2010", "-"), ("\u2011", "-"), ("\u2012", "-"), ("\u2019", "'"), ("\u02bc", "'"))


def normalise(text: str) -> str:
    """``text`` with odd hyphens and typographic apostrophes made ASCII, same length (an ASCII
    text, a third of news texts, is returned at once)."""
    if text.isascii():
        return text
    for odd, plain in _NORMALISE:
        if odd in text:
            text = text.replace(odd, plain)
    return text


#: A "sentence" longer than this (a text without punctuation, a pasted table) is cut at spaces:
#: every stage does work per pair of mentions in a sentence, and that must stay bounded. News
#: sentences are shorter: one of 4,150 in GeoWebNews and devnews exceeds 600 characters (774).
MAX_SENTENCE = 800


def _bounded(spans, text: str):
    """The sentence spans, each longer than :data:`MAX_SENTENCE` cut at the last space before it."""
    for start, end in spans:
        while end - start > MAX_SENTENCE:
            cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
            cut = cut if cut > start else start + MAX_SENTENCE
            yield start, cut
            start = cut
            while start < end and text[start] == " ":
                start += 1
        if start < end:
            yield start, end


@dataclass(frozen=True, slots=True)
class Entity:
    """A span the sequence tagger labelled: ``label`` is PER, ORG or LOC."""

    start: int
    end: int
    label: str


@dataclass(eq=False)
class DocField:
    """One text field of an article (``text`` or ``title``) with its tokens and sentences."""

    name: str
    text: str
    lang: str
    #: ``text`` normalised one character for one (see :func:`normalise`).
    norm: str = field(init=False)
    tokens: tuple[Tok, ...] = field(init=False)
    words: tuple[str, ...] = field(init=False)
    distinct: frozenset[str] = field(init=False)
    starts: tuple[int, ...] = field(init=False)
    sentences: tuple[tuple[int, int], ...] = field(init=False)
    #: What the sequence tagger found (filled by the place stage, read by the actor stage).
    entities: list[Entity] = field(init=False, default_factory=list)
    #: Whether the tagger ran on this field (a language without a model: no).
    tagged: bool = field(init=False, default=False)
    #: The clause role of each span asked for, by (start, end) (:func:`geoapp.agency.role_in`): the
    #: actor, metonymy and link stages ask it of the same names, and each reading costs regexes.
    roles: dict[tuple[int, int], str] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.norm = normalise(self.text)
        # One re.split and a running sum of the parts' lengths: three method calls and a
        # constructor per finditer match would cost more than a whole later stage.
        parts = TOKEN_SPLIT.split(self.norm)
        offsets = list(accumulate(map(len, parts)))
        words = tuple(parts[1::2])
        starts = tuple(offsets[0 : 2 * len(words) : 2])
        self.tokens = tuple(map(tuple.__new__, repeat(Tok), zip(starts, offsets[1::2], words)))
        self.words = words
        self.distinct = frozenset(words)
        self.starts = starts
        self.sentences = tuple(_bounded(sentence_spans(self.text), self.text))
        self._sentence_starts = [s for s, _ in self.sentences]
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def line_start(self, pos: int) -> int:
        """Where the line holding ``pos`` starts (by bisection: a one-line 10 MB text must not make
        every look-back a scan)."""
        return self._line_starts[bisect_right(self._line_starts, pos) - 1]

    def token_at(self, pos: int) -> int:
        """Index of the token containing ``pos``, or of the first token after it."""
        k = bisect_right(self.starts, pos) - 1
        if k >= 0 and pos < self.tokens[k].end:
            return k
        return k + 1

    def token_range(self, start: int, end: int) -> range:
        """Indexes of the tokens that start inside ``[start, end)``."""
        return range(bisect_left(self.starts, start), bisect_left(self.starts, end))

    def sentence_index(self, pos: int) -> int:
        """Index of the sentence holding ``pos`` (-1 in the whitespace between sentences)."""
        k = bisect_right(self._sentence_starts, pos) - 1
        return k if k >= 0 and pos < self.sentences[k][1] else -1

    def sentence_at(self, pos: int) -> tuple[int, int] | None:
        k = self.sentence_index(pos)
        return self.sentences[k] if k >= 0 else None

    def entities_of(self, label: str) -> list[Entity]:
        return [e for e in self.entities if e.label == label]


@dataclass(eq=False)
class Doc:
    """An article as every stage reads it: the body text, and the title when it is not the body's
    first line (then it is searched apart, with ``field="title"`` on its mentions)."""

    article: Article
    fields: list[DocField]

    @classmethod
    def from_article(cls, article: Article) -> Doc:
        fields = [DocField("text", article.text, article.lang)]
        if article.title and not article.title_in_text:
            fields.append(DocField("title", article.title, article.lang))
        return cls(article, fields)

    @property
    def lang(self) -> str:
        return self.article.lang

    @property
    def body(self) -> DocField:
        return self.fields[0]

    def field(self, name: str) -> DocField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def text_of(self, name: str) -> str:
        """The text of field ``name`` (mentions carry the field they were found in)."""
        return self.article.title if name == "title" else self.article.text

    def __iter__(self) -> Iterator[DocField]:
        return iter(self.fields)
