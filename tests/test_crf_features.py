"""The CRF token features built from cached parts are, string for string and in the same order,
the features of the plain per-token construction they replaced (crfsuite adds weights in the
order given, so even the order must not change)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoapp.placefilter import (
    _ZIPF_EDGES,
    _bucket,
    _english_classes,
    crf_token_features,
    shape,
    zipf,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
_OFFSETS = (-2, -1, 1, 2)


def reference_features(words, gaps, gaz_tags, lang="de"):
    """The construction before the cached parts (geoapp 476a9bd), written out without caches."""
    n = len(words)
    static = []
    for word in words:
        lw = word.lower()
        sh = shape(word)
        zb = str(_bucket(zipf(lw, lang), _ZIPF_EDGES))
        f = ["b", "w=" + lw, "s=" + sh, "p3=" + lw[:3], "s3=" + lw[-3:], "s4=" + lw[-4:], "s2=" + lw[-2:],
             "z=" + zb, "z=" + zb + "|s=" + sh]
        if "-" in word:
            f += ["hy", "hy1=" + lw.split("-")[0], "hyl=" + lw.rsplit("-", 1)[-1][-4:]]
        classes = _english_classes(lw) if lang == "en" else ()
        f += ["c=" + c for c in classes]
        around = (
            ("-2w=" + lw, "-2s=" + sh, None, tuple("-2c=" + c for c in classes)),
            ("-1w=" + lw, "-1s=" + sh, "-1z=" + zb, tuple("-1c=" + c for c in classes)),
            ("1w=" + lw, "1s=" + sh, "1z=" + zb, tuple("1c=" + c for c in classes)),
            ("2w=" + lw, "2s=" + sh, None, tuple("2c=" + c for c in classes)),
        )
        static.append((lw, sh, zb, tuple(f), around))
    feats = []
    for k in range(n):
        g = gaps[k].strip()
        f = list(static[k][3])
        tag = gaz_tags[k]
        f += ["g=" + tag, "g=" + tag + "|z=" + static[k][2], "pg=" + (g[-1:] if g else "_")]
        if k == 0 or (g and g[-1] in ".!?:"):
            f.append("first")
        for slot, m in enumerate((k - 2, k - 1, k + 1, k + 2)):
            if 0 <= m < n:
                w_feat, s_feat, z_feat, classes = static[m][4][slot]
                f.append(w_feat)
                f.append(s_feat)
                f.append(f"{_OFFSETS[slot]}g=" + gaz_tags[m])
                if z_feat is not None:
                    f.append(z_feat)
                f += classes
            else:
                f.append(f"{_OFFSETS[slot]}w=<pad>")
        if k + 1 < n:
            ng = gaps[k + 1].strip()
            f.append("ng=" + (ng[:1] if ng else "_"))
        feats.append(f)
    return feats


def _sentences():
    """Every seed article, cut into the pipeline's CRF sentences with their gazetteer tags."""
    from geoapp.articles import read_articles
    from geoapp.pipeline import Geoparser
    from geoapp.places import _Field

    parser = Geoparser(corrections=None)
    ex = parser.places
    out = []
    for article in read_articles([SEEDS], []):
        for lang in ("de", "en"):
            fld = _Field(article.text, lang, "text", ())
            rows = ex._windows(fld, ex._context(fld))
            for part, _ in ex.crf_sentences(fld, rows, named_only=lang == "en"):
                words = [fld.tokens[m].text for m in part]
                gaps = [""] + [article.text[fld.tokens[a].end : fld.tokens[b].start]
                               for a, b in zip(part, part[1:])]
                out.append((lang, words, gaps))
    return out


@pytest.mark.parametrize("lang", ["de", "en"])
def test_hand_made_sentences(lang):
    cases = [
        (["Er", "fuhr", "nach", "Dresden"], ["", " ", " ", " "], ["O", "O", "O", "B1a"]),
        (["President", "Joe", "Biden", "said"], ["", " ", " ", " "], ["O", "B2r", "I2r", "O"]),
        (["Baden-Württemberg"], ["  "], ["B1a"]),
        (["A", "b"], ["(", ". "], ["O", "O"]),
        (["x", "y", "z", "Army", "Ministry"], ["", "! ", "? ", " : ", ", "], ["O", "I3a", "O", "B3r", "I3r"]),
        ([], [], []),
    ]
    for words, gaps, tags in cases:
        assert crf_token_features(words, gaps, tags, lang) == reference_features(words, gaps, tags, lang)


def test_seed_sentences_give_the_same_features():
    """Real sentences, with the gazetteer tags the pipeline computes, in both languages' features
    (German and English word classes), twice: the second time from the caches."""
    sentences = _sentences()
    assert len(sentences) > 100
    for _ in range(2):
        for lang, words, gaps in sentences:
            tags = ["B1a" if w[:1].isupper() else "O" for w in words]
            assert crf_token_features(words, gaps, tags, lang) == reference_features(words, gaps, tags, lang)
