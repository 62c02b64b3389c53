"""Word lists and the phrase index every recogniser matches them with.

Knowledge as data: the words the stages look for (role titles, relation cues, verbs of saying and
acting, nouns of agency, generic institution nouns) live in ``geoapp/data/words/*.yaml``, each file
saying where its words came from. :func:`load_words` reads one file once per process.

:class:`PhraseIndex` matches multi-word phrases (registry aliases, titles, demonym phrases) with
one dictionary look-up per token.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from .document import normalise
from .settings import DATA_DIR
from .text import TOKEN_RE, Tok, WordFilter

T = TypeVar("T")

WORDS_DIR = DATA_DIR / "words"
#: libyaml's parser when PyYAML was built with it: the same Python constructors build the same
#: values, but the shipped word lists, demonyms and actors parse in about a seventh of the time,
#: which is most of what they cost at every start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The data of a YAML file, read as ``yaml.safe_load`` reads it (safe tags only)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)


@lru_cache(maxsize=32)
def load_words(name: str, directory: Path = WORDS_DIR) -> dict[str, Any]:
    """The word lists of ``data/words/<name>.yaml`` (a mapping of list names to lists or mappings).

    A value written as one string of words comes back as a frozenset of them (for membership); a
    YAML list keeps its order as a tuple (orders matter: relations break ties by theirs); anything
    else (mappings) as YAML gave it.
    """
    path = directory / f"{name}.yaml"
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of word lists")
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = frozenset(value.split())
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = tuple(value)
        else:
            out[key] = value
    return out


def word_list(name: str, key: str) -> frozenset[str]:
    """One list of :func:`load_words` (empty when the file lacks it)."""
    value = load_words(name).get(key, frozenset())
    return value if isinstance(value, frozenset) else frozenset(map(str, value))


def phrase_tokens(phrase: str) -> list[str]:
    """The words of a registry or lexicon phrase, tokenised like article text.

    Deliberately not memoised: phrases are added per article (surnames), and the small per-text
    memo must keep the article's own text rather than a stream of short names.
    """
    return TOKEN_RE.findall(normalise(phrase))


def joinable(text: str, end: int, start: int, *, dots: bool = True) -> bool:
    """Whether two tokens may belong to one name: only a space (or an initial's dot) between."""
    gap = text[end:start]
    if not gap or len(gap) > 3 or "\n" in gap:
        return not gap
    return gap.strip(" .\u00a0" if dots else " \u00a0") == ""


class PhraseIndex(Generic[T]):
    """Multi-word phrases keyed by their first token, longest first: one dict look-up per token.

    Why not one big regex: Python's ``re`` tries alternatives one by one, so thousands of aliases
    cost thousands of attempts per position; a first-token dict costs one hash.
    """

    def __init__(self, fold: bool = False) -> None:
        self._fold = fold
        self._by_first: dict[str, list[tuple[tuple[str, ...], T]]] = {}
        #: Which surface words start a phrase, for a case-folding index (where the answer costs
        #: a ``casefold``): news repeats its words, so most articles need no new verdict.
        self._folded_starts = WordFilter(lambda w: w.casefold() in self._by_first)

    def key(self, word: str) -> str:
        """The look-up key of one token (case-folded when the index ignores case)."""
        return word.casefold() if self._fold else word

    def add(self, phrase: str, value: T) -> None:
        """Add ``phrase`` (tokenised like article text); a later equal phrase replaces the earlier."""
        words = tuple(self.key(w) for w in phrase_tokens(phrase))
        if not words:
            return
        bucket = [e for e in self._by_first.get(words[0], []) if e[0] != words]
        bucket.append((words, value))
        bucket.sort(key=lambda e: -len(e[0]))
        self._by_first[words[0]] = bucket
        self._folded_starts.reset()

    def has(self, phrase: str) -> bool:
        """Whether exactly this phrase was added."""
        words = tuple(self.key(w) for w in phrase_tokens(phrase))
        return bool(words) and any(e[0] == words for e in self._by_first.get(words[0], ()))

    def starts(self, word: str) -> bool:
        """Whether some phrase starts with this token."""
        return (word.casefold() if self._fold else word) in self._by_first

    def start_words(self, distinct: AbstractSet[str]) -> set[str]:
        """The words among ``distinct`` (an article's distinct token texts) that start a phrase:
        the lexicon meets the article in one set intersection, not one look-up per token."""
        if not self._fold:
            return self._by_first.keys() & distinct
        return self._folded_starts(distinct)

    def match(self, text: str, toks: Sequence[Tok], i: int) -> tuple[int, T] | None:
        """The longest phrase starting at token ``i``: (number of tokens, value), or None."""
        bucket = self._by_first.get(self.key(toks[i].text))
        if not bucket:
            return None
        for words, value in bucket:
            n = len(words)
            if i + n > len(toks):
                continue
            if all(
                self.key(toks[i + k].text) == words[k]
                and joinable(text, toks[i + k - 1].end, toks[i + k].start)
                for k in range(1, n)
            ):
                return n, value
        return None

    def single(self, word: str) -> T | None:
        """The value of the one-word phrase ``word``, if indexed (for the head of a compound)."""
        for words, value in self._by_first.get(self.key(word), ()):
            if len(words) == 1:
                return value
        return None

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_first.values())


