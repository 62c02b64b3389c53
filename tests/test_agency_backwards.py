"""The words before a name, read backwards (geoapp/agency.py, geoapp/links.py): each reader must
give what a forward search for "word, spaces, end of span" gives, on every end position of texts
built to hit the edges (hyphens and apostrophes without letters on both sides, digits, underscores,
no-break spaces, combining marks, the 40-character bound)."""

from __future__ import annotations

import random
import re

import pytest

from geoapp.agency import _TOKEN_REVERSED, governing_preposition, last_word, words_before
from geoapp.links import _word_before

#: The forward definition: the word (letters, inner hyphens and apostrophes) and the spaces that
#: end the span (a final line break excepted: see test_a_line_break_ends_the_clause).
_FORWARD = re.compile(r"([^\W\d_]+(?:[-'][^\W\d_]+)*)([ \u00a0]*)\Z")
_FORWARD_TOKENS = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*|[^\w\s]")

_ALPHABET = "ab" + "-'" + " \u00a0" + "1_.,²" + "é\u0301ßZ" + "in "
_SAMPLES = [
    "Am Montag kritisierte Russland",
    "talks in the Serb-majority north of",
    "the rebels' base near al-Qaeda's  ",
    "Truppen aus Nord-Korea\u00a0",
    "--'a-b'c-",
    "x" * 60 + " Berlin",
    "2024 wurde",
]


def _random_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 16))) for _ in range(n)
    ] + _SAMPLES


def test_last_word_is_the_forward_search() -> None:
    for text in _random_texts(400):
        for pos in range(len(text) + 1):
            for lo in {0, max(0, pos - 5), max(0, pos - 40)}:
                m = _FORWARD.search(text[lo:pos])
                want = None if m is None else (m.group(1), pos - len(m.group(0)))
                assert last_word(text, lo, pos) == want, (text, lo, pos)


def test_links_word_before_is_the_forward_search() -> None:
    for text in _random_texts(200, seed=11):
        for pos in range(len(text) + 1):
            m = re.search(r"([^\W\d_]+)[\s\u00a0]*\Z", text[max(0, pos - 30) : pos])
            assert _word_before(text, pos, 0) == (m.group(1).lower() if m else ""), (text, pos)


def test_words_before_walks_back_through_the_clause() -> None:
    text = "Am Montag kritisierte die Regierung Russland"
    assert words_before(text, text.index("Russland"), 3) == ["regierung", "die", "kritisierte"]
    # punctuation ends the walk; a digit is no word
    assert words_before("Gestern, 2024 Russland", 14, 2) == []
    assert words_before("Gestern, Russland", 9, 2) == []


def test_a_line_break_ends_the_clause() -> None:
    """A name that opens a line has no word before it: the line above is a headline or a dateline."""
    text = "Neue Gespräche\nRussland sagte"
    assert words_before(text, text.index("Russland"), 2) == []


@pytest.mark.parametrize(
    ("text", "name", "want"),
    [
        ("Truppen in der ost-koreanischen Küstenstadt Wŏnsan", "Wŏnsan", "in"),
        ("the unrest in Serb-majority north Kosovo", "Kosovo", "in"),
        ("Russland, Kosovo", "Kosovo", ""),
        ("Truppen zogen aus Kosovo", "Kosovo", "aus"),
        ("elf Kilometer vor der Stadt Kursk", "Kursk", ""),  # "vor" is no preposition of place here
        ("in der sehr großen alten neuen Stadt Kursk", "Kursk", ""),  # beyond the phrase's reach
        ("heute\nKursk", "Kursk", ""),
    ],
)
def test_governing_preposition(text: str, name: str, want: str) -> None:
    assert governing_preposition(text, text.index(name)) == want


def test_backward_tokens_are_the_forward_tokens() -> None:
    """governing_preposition reads the phrase's tokens backwards; they must be the forward ones."""
    for text in _random_texts(300, seed=3):
        backwards = [m.group()[::-1] for m in _TOKEN_REVERSED.finditer(text[::-1])]
        assert backwards[::-1] == _FORWARD_TOKENS.findall(text), text
