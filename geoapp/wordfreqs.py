"""wordfreq's Zipf frequencies, read from its word lists one small shard at a time.

Why: ``wordfreq.zipf_frequency`` builds the whole frequency dictionary of a language on its first
call (German 634k words, English 321k, French 311k: gunzip, msgpack and a Python loop over every
word), 0.6 s of CPU for the three languages the pipeline asks about, more than half of the cold
start of one article, which looks up a few hundred words. Here each language's dictionary is kept
in the cache folder as 65,536 ``marshal`` shards (by the CRC-32 of the word, ten German words
each), and a shard is read the first time a word in it is asked for: one article reads a few
hundred tiny shards, 500 articles about a fifth of the table, and a long run at most all of it once
(about what wordfreq's own load costs, spread over the run). The shard offsets are a block of
8-byte integers read in place (``memoryview.cast``), so opening a copy parses nothing.

The look-up itself is wordfreq's ``_word_frequency`` (tokenising with wordfreq's own
``lossy_tokenize``, digit smashing, the 1/f combination of tokens and the rounding), written out
over the sharded table, so every value is the one ``wordfreq.zipf_frequency`` gives
(``tests/test_wordfreqs.py`` compares them word by word). The copy is stamped with wordfreq's data
file and code (path, size, modification time) and rebuilt when either changes; written atomically;
a missing cache folder is not created and an unwritable one only costs the speed-up (the table is
then built in memory from wordfreq's own dictionary, as before). Languages other than
:data:`LANGS` go to ``wordfreq.zipf_frequency`` unchanged.
"""

from __future__ import annotations

import marshal
import math
import sys
import threading
import zlib
from array import array
from pathlib import Path

import wordfreq
from wordfreq.numbers import digit_freq, smash_numbers
from wordfreq.tokens import lossy_tokenize

#: Languages served from the sharded table (the ones the pipeline asks about; all use wordfreq's
#: regex tokenizer, not jieba, and have a "large" list).
LANGS = ("de", "en", "fr")
#: Shards per language: 2**16. One article touches a few hundred; each holds ~10 German words.
_BITS = 16
_MASK = (1 << _BITS) - 1
#: ``zipf_frequency``'s default ``minimum`` (Zipf 0) as a frequency: what unknown words get.
_MINIMUM = wordfreq.zipf_to_freq(0.0)

_cache_dir: Path | None = None
_tables: dict[str, _Table] = {}
_lock = threading.Lock()


def use_cache_dir(cache_dir: str | Path | None) -> None:
    """Where the sharded copies live (the pipeline passes ``settings.cache_dir``); tables already
    loaded stay. Without one, a table is built in memory from wordfreq's dictionary."""
    global _cache_dir
    _cache_dir = Path(cache_dir) if cache_dir is not None else None


def _shard_of(word: str) -> int:
    return zlib.crc32(word.encode("utf-8", "surrogatepass")) & _MASK


class _Table:
    """Word → frequency of one language, over the shards of a copy (read on first use) or over a
    whole dictionary."""

    __slots__ = ("_view", "_offsets", "_shards")

    def __init__(self, view: memoryview | None, offsets: memoryview | None, whole: dict | None = None):
        self._view = view
        self._offsets = offsets
        self._shards: list[dict | None] = [whole] if whole is not None else [None] * (_MASK + 1)

    def get(self, word: str) -> float | None:
        if self._view is None:
            return self._shards[0].get(word)  # type: ignore[union-attr]
        i = _shard_of(word)
        shard = self._shards[i]
        if shard is None:
            shard = self._shards[i] = marshal.loads(self._view[self._offsets[i] : self._offsets[i + 1]])
        return shard.get(word)

    def loaded(self) -> int:
        """How many shards have been read (for the tests: lazy loading really happens)."""
        return sum(s is not None for s in self._shards)


def cache_file(lang: str, cache_dir: Path) -> Path:
    """The sharded copy of ``lang``'s list: one per language and Python version (``marshal``)."""
    return cache_dir / f"wordfreq-{lang}.{sys.implementation.cache_tag}.marshal"


def _stamp(lang: str) -> list:
    """What the copy was made from: wordfreq's data file for ``lang`` and its code."""
    out: list = [lang, _BITS, sys.byteorder]
    for path in (Path(wordfreq.available_languages("best")[lang]), Path(wordfreq.__file__)):
        st = path.stat()
        out += [str(path.resolve()), st.st_size, st.st_mtime_ns]
    return out


def table(lang: str) -> _Table:
    """The frequency table of one of :data:`LANGS`, loaded once per process (thread-safe)."""
    got = _tables.get(lang)
    if got is None:
        with _lock:
            got = _tables.get(lang)
            if got is None:
                got = _tables[lang] = _load(lang)
    return got


def _load(lang: str) -> _Table:
    if _cache_dir is None:
        return _Table(None, None, wordfreq.get_frequency_dict(lang))
    target, stamp = cache_file(lang, _cache_dir), _stamp(lang)
    got = _read_copy(target, stamp)
    if got is None:
        freqs = wordfreq.get_frequency_dict(lang)
        _write_copy(target, stamp, freqs)
        return _Table(None, None, freqs)
    return got


def _read_copy(target: Path, stamp: list) -> _Table | None:
    """The table over a copy's shards, or None when the copy is missing, stale or damaged."""
    try:
        data = memoryview(target.read_bytes())
        size = int.from_bytes(data[:8], "little")
        if marshal.loads(data[8 : 8 + size]) != stamp:
            return None
        start = 8 + size + 8 * (_MASK + 2)
        offsets = data[8 + size : start].cast("Q")
        body = data[start:]
        if len(offsets) != _MASK + 2 or offsets[-1] != len(body):
            return None
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return _Table(body, offsets)


def _write_copy(target: Path, stamp: list, freqs: dict[str, float]) -> None:
    """Write the shards atomically, like the gazetteer's copy (:func:`geoapp.gazetteer._write_copy`:
    a cache folder that does not exist is not created)."""
    from .fileio import AtomicFile

    shards: list[dict[str, float]] = [{} for _ in range(_MASK + 1)]
    for word, freq in freqs.items():
        shards[_shard_of(word)][word] = freq
    blobs = [marshal.dumps(s) for s in shards]
    offsets, at = array("Q", [0]), 0
    for blob in blobs:
        at += len(blob)
        offsets.append(at)
    head = marshal.dumps(stamp)
    try:
        with AtomicFile(target, "wb", make_folder=False) as f:
            f.write(len(head).to_bytes(8, "little") + head)
            f.write(offsets.tobytes())  # native order: the stamp names it
            for blob in blobs:
                f.write(blob)
    except OSError:
        pass  # a read-only or missing cache folder only costs the speed-up


def word_frequency(word: str, lang: str) -> float:
    """``wordfreq.word_frequency(word, lang, "best", minimum)`` at Zipf minimum 0, over the table:
    wordfreq's ``_word_frequency`` step by step. A word of ASCII lower-case letters alone is its
    own single token with no digits to smash, in all of :data:`LANGS` (NFC, case folding and the
    regex tokenizer leave it as it is): it skips the tokenizer (~12 µs a word)."""
    plain = word.isascii() and word.isalpha() and word.islower()
    tokens = [word] if plain else lossy_tokenize(word, lang)
    if not tokens:
        return _MINIMUM
    freqs = table(lang)
    one_over_result = 0.0
    for token in tokens:
        smashed = token if plain else smash_numbers(token)
        freq = freqs.get(smashed)
        if freq is None:
            return _MINIMUM
        if smashed != token:
            freq *= digit_freq(token)
        one_over_result += 1.0 / freq
    freq = 1.0 / one_over_result
    unrounded = max(freq, _MINIMUM)
    if unrounded == 0.0:
        return 0.0
    leading_zeroes = math.floor(-math.log(unrounded, 10))
    return round(unrounded, leading_zeroes + 3)


def zipf_frequency(word: str, lang: str) -> float:
    """``wordfreq.zipf_frequency(word, lang)``, the same value, without loading whole lists."""
    if lang not in LANGS:
        return wordfreq.zipf_frequency(word, lang)
    return round(wordfreq.freq_to_zipf(word_frequency(word, lang)), 2)
