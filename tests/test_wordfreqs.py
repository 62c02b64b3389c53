"""geoapp.wordfreqs: the sharded word-frequency lists give wordfreq's own values, and are read
lazily (one shard per new word), from a copy that is rebuilt when stale or damaged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wordfreq

from geoapp import wordfreqs

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

#: Words that take every branch of wordfreq's look-up: several tokens, digits (smashed and
#: weighted by digit_freq), years, apostrophes and curly quotes, nothing to tokenise, unknown words.
ODD_WORDS = [
    "", " ", "...", "-", "'s", "’s", "don't", "don’t", "l'homme", "aujourd'hui", "COVID-19", "2019", "1,000",
    "3.5", "A7", "B96", "e.V.", "St. Louis", "New York", "Nord-Süd", "Baden-Württemberg", "Straße",
    "STRASSE", "ﬁnance", "東京", "Москва", "😀", "abc123def", "zzzqqqxxy", "Kyiv", "Kiew", "the", "der",
    "le", "Mecklenburg- Vorpommern", "#hashtag", "@user", "U.S.", "Ⅻ", "ǅ", "İstanbul",
]


@pytest.fixture
def fresh(monkeypatch):
    """The module with no table loaded and no cache folder, restored afterwards."""
    monkeypatch.setattr(wordfreqs, "_tables", {})
    monkeypatch.setattr(wordfreqs, "_cache_dir", None)
    return wordfreqs


def _seed_words() -> list[str]:
    words: set[str] = set()
    for path in sorted(SEEDS.iterdir()):
        if path.suffix in (".txt", ".md", ".html"):
            words.update(re.findall(r"\S+", path.read_text("utf-8", errors="replace")))
    return sorted(words)


@pytest.mark.parametrize("lang", wordfreqs.LANGS)
def test_same_values_as_wordfreq_from_the_copy(fresh, tmp_path, lang):
    fresh.use_cache_dir(tmp_path)
    fresh.zipf_frequency("warm", lang)  # builds the copy
    fresh._tables.clear()  # and now reads it back
    words = ODD_WORDS + _seed_words()
    for word in words + [w.lower() for w in words]:
        assert fresh.zipf_frequency(word, lang) == wordfreq.zipf_frequency(word, lang), word
    assert fresh.table(lang)._view is not None  # the values above came from the shards


def test_plain_words_skip_the_tokenizer_with_the_same_values(fresh, monkeypatch):
    words = ["house", "haus", "maison", "the", "zzzqqq", "a", "kyiv", "strasse"]
    expected = {(w, lang): wordfreq.zipf_frequency(w, lang) for w in words for lang in wordfreqs.LANGS}
    monkeypatch.setattr(wordfreqs, "lossy_tokenize", None)  # would fail if called
    for (word, lang), value in expected.items():
        assert fresh.zipf_frequency(word, lang) == value, (word, lang)


def test_same_values_without_cache_folder(fresh):
    for word in ODD_WORDS:
        for lang in ("de", "en", "it"):  # "it" is not sharded: wordfreq answers
            assert fresh.zipf_frequency(word, lang) == wordfreq.zipf_frequency(word, lang), (word, lang)
    assert fresh.table("de")._view is None  # the whole dictionary, as wordfreq builds it


def test_only_the_languages_asked_for_are_loaded(fresh, tmp_path):
    fresh.use_cache_dir(tmp_path)
    fresh.zipf_frequency("Haus", "de")
    assert set(fresh._tables) == {"de"}
    assert [p.name.split(".")[0] for p in tmp_path.iterdir()] == ["wordfreq-de"]


def test_shards_are_read_lazily(fresh, tmp_path):
    fresh.use_cache_dir(tmp_path)
    fresh.zipf_frequency("Haus", "en")
    fresh._tables.clear()
    assert fresh.zipf_frequency("house", "en") == wordfreq.zipf_frequency("house", "en")
    assert fresh.table("en").loaded() == 1
    for word in ("garden", "river", "house"):
        fresh.zipf_frequency(word, "en")
    assert fresh.table("en").loaded() <= 3


def test_stale_or_damaged_copy_is_rebuilt(fresh, tmp_path):
    fresh.use_cache_dir(tmp_path)
    target = wordfreqs.cache_file("fr", tmp_path)
    expected = wordfreq.zipf_frequency("maison", "fr")
    for damage in (b"", b"garbage", None):
        if damage is None:  # a copy stamped for another wordfreq file
            fresh._write_copy(target, ["fr", 12, "/elsewhere", 1, 2], {"maison": 1.0})
        else:
            target.write_bytes(damage)
        fresh._tables.clear()
        assert fresh.zipf_frequency("maison", "fr") == expected
        fresh._tables.clear()
        assert fresh.zipf_frequency("maison", "fr") == expected
        assert fresh.table("fr")._view is not None  # rebuilt, and read back from the new copy
    truncated = target.read_bytes()[:-100]
    target.write_bytes(truncated)
    fresh._tables.clear()
    assert fresh.zipf_frequency("maison", "fr") == expected


def test_missing_cache_folder_is_not_created(fresh, tmp_path):
    missing = tmp_path / "nowhere"
    fresh.use_cache_dir(missing)
    assert fresh.zipf_frequency("Haus", "de") == wordfreq.zipf_frequency("Haus", "de")
    assert not missing.exists()


def test_pipeline_uses_the_settings_cache_folder(fresh, tmp_path):
    from geoapp.pipeline import Geoparser
    from geoapp.settings import load_settings

    Geoparser(load_settings(cache_dir=tmp_path, geocoder="offline"), corrections=None)
    assert fresh._cache_dir == tmp_path
