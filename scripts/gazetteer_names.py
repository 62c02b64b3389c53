"""Name forms the gazetteer build adds beyond what the data packages list as such.

Why: news writes country names in long and variant forms ("Demokratische Republik Kongo", "DR Kongo",
"Republik Korea", "Elfenbeinküste") and German inflects adjective names ("das Schwarze Meer", "im
Nahen Osten", "im Vereinigten Königreich"). The forms come from the packages (pycountry's ISO names and
their German translations, CLDR's territory names of every English and German locale and its
``variant``/``short`` alternatives); this module only turns them around the way the language does:
ISO's "Korea, Republic of" is written "Republic of Korea", CLDR's "Kongo (Demokratische Republik)"
is written "Demokratische Republik Kongo", a "Democratic Republic of …" is also "DR …", and a German
name led by adjectives also appears in their weak forms.
"""

from __future__ import annotations

import re
import sys

from geoapp.text import name_key

#: Words of a state's form ("Republic of", "Plurinationaler Staat", "Federated States of"): only a
#: trailing part made of them is moved to the front ("Korea, Republic of"); other trailing parts are
#: qualifiers that stay behind the name ("Taiwan, Province of China", "Virgin Islands, British").
STATE_FORM = re.compile(
    r"republi|staat|state|kingdom|königreich|federat|föderiert|sultanat|emirat|commonwealth|vereinigt"
    r"|united|demokrat|democrat|islami|plurinational|bolivari|sozialist|socialist|volks|people",
    re.IGNORECASE,
)
#: German adjective stems that lead names and inflect, besides those ending in -sch, -iert, -igt
#: (Indischer, Demilitarisierte, Vereinigtes): "Schwarzes Meer", "Naher Osten", "Hoher Atlas".
GERMAN_ADJECTIVES = frozenset(
    {"schwarz", "rot", "tot", "weiß", "gelb", "blau", "groß", "klein", "hoh", "nah", "fern", "mittler",
     "ober", "nieder", "nördlich", "südlich", "westlich", "östlich", "autonom", "neu", "heilig"}
)  # fmt: skip
_DR = re.compile(r"(?:Demokratische Republik|Democratic Republic of(?: the)?) (?P<rest>.+)$")
#: A bare state form before a country's name ("Republik Zypern", "Kingdom of Spain"): news corpora
#: tag only the name ("Republik [Zypern]"), so such a form is kept only where the name alone is not
#: the country's own ("Republik Korea", "Republik Kongo": Korea and Kongo name two states each).
_BARE_FORM = re.compile(
    r"(?:Republik|Republic of(?: the)?|Königreich|Kingdom of(?: the)?|Staat|State of(?: the)?|Fürstentum"
    r"|Principality of|Großherzogtum|Grand Duchy of|Sultanat|Sultanate of) (?P<rest>.+)$"
)


def inverted(name: str) -> str | None:
    """ "Korea, Republic of" -> "Republic of Korea"; None unless the part after the comma is a
    state's form (see :data:`STATE_FORM`)."""
    if name.count(",") != 1:
        return None
    head, tail = (p.strip() for p in name.split(","))
    if not STATE_FORM.search(tail):
        return None
    out = f"{tail} {head}"
    return out[4:] if out.startswith("The ") else out


def unparenthesised(name: str) -> str | None:
    """ "Kongo (Demokratische Republik)" -> "Demokratische Republik Kongo"; None for other
    bracketed parts ("Falklandinseln (Malwinen)")."""
    m = re.fullmatch(r"(.+?) \((.+)\)", name)
    if not m or not STATE_FORM.search(m[2]):
        return None
    return f"{m[2]} {m[1]}"


def dr_short(name: str) -> str | None:
    """ "Demokratische Republik Kongo" -> "DR Kongo", "Democratic Republic of the Congo" -> "DR Congo"."""
    m = _DR.match(name)
    return f"DR {m['rest']}" if m else None


def german_weak_forms(name: str) -> list[str]:
    """The weak forms of a German name led by adjectives: "Schwarzes Meer" -> "Schwarze Meer",
    "Schwarzen Meer"; "Vereinigte Arabische Emirate" -> "Vereinigten Arabischen Emirate". The
    extractor folds "-en" back to "-e" only for the first word and never the strong "-es"/"-er"
    ending, so both weak forms are stored. Names whose first word is no such adjective ("Kieler
    Bucht", "Golf von Aden") give nothing."""
    words = name.split(" ")
    stems: list[str] = []
    for word in words[:-1]:
        low = word.lower()
        ending = next((e for e in ("es", "er", "en", "e") if low.endswith(e)), None)
        if ending is None:
            break
        stem = word[: -len(ending)]
        s = stem.lower()
        if not (s.endswith(("sch", "iert", "igt")) or s in GERMAN_ADJECTIVES):
            break
        stems.append(stem)
    if not stems:
        return []
    rest = words[len(stems) :]
    forms = (" ".join([s + e for s in stems] + rest) for e in ("e", "en"))
    return [f for f in forms if f != name]


def _icu_alternatives(lang: str) -> dict[str, list[str]]:
    """CLDR's ``variant`` and ``short`` territory names ("Elfenbeinküste", "Ivory Coast", "USA") from
    ICU, by alpha-2 code. babel drops CLDR's alternatives; PyICU, which countrynames depends on,
    reads them from the ICU data of this machine (its CLDR version is ICU's: see ``docs``)."""
    import icu

    bundle = f"icudt{icu.ICU_VERSION.split('.')[0]}{'l' if sys.byteorder == 'little' else 'b'}-region"
    rb = icu.ResourceBundle(bundle, icu.Locale(lang))
    out: dict[str, list[str]] = {}
    for table in ("Countries%variant", "Countries%short"):
        try:
            t = rb.get(table)
        except icu.ICUError:
            continue
        for i in range(t.getSize()):
            item = t.get(i)
            out.setdefault(item.getKey(), []).append(item.getString())
    return out


def region_names_de(iso_codes) -> dict[str, str]:
    """German names of first-level regions by ISO 3166-2 code, where pycountry's German translation
    differs from the ISO name ("US-CA" -> "Kalifornien", "GB-SCT" -> "Schottland"); bracketed
    and qualified names ("Catalunya [Cataluña]", "… (teilweise EH)") are left out."""
    import gettext

    import pycountry

    de_iso = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["de"])
    out: dict[str, str] = {}
    for code in sorted(set(iso_codes)):
        sub = pycountry.subdivisions.get(code=code) if code else None
        if sub is None:
            continue
        german = de_iso.gettext(sub.name)
        if german != sub.name and "[" not in german and "(" not in german:
            out[code] = german
    return out


def icu_version() -> str:
    import icu

    return icu.ICU_VERSION


def country_names(codes: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Every English and German name of each country code from the packages, with its language
    ("en"/"de"), before the build's tagging: CLDR (all English and German locales, and the
    alternatives), pycountry's ISO names in English and in its German translation, and the turned
    forms of all of them (:func:`inverted`, :func:`unparenthesised`, :func:`dr_short`,
    :func:`german_weak_forms`)."""
    import gettext

    import pycountry
    from babel import Locale, localedata

    de_iso = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["de"])
    names: dict[str, list[tuple[str, str]]] = {cc: [] for cc in codes}

    def add(cc: str, name: str | None, lang: str) -> None:
        if cc in names and name:
            names[cc].append((name, lang))

    for loc in sorted(localedata.locale_identifiers()):
        parts = loc.split("_")
        if parts[0] in ("de", "en") and not any(len(p) == 4 for p in parts[1:]):  # no script variants
            for cc, name in Locale.parse(loc).territories.items():
                add(cc, name, parts[0])
    for lang in ("de", "en"):
        for cc, alts in _icu_alternatives(lang).items():
            for name in alts:
                add(cc, name, lang)
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            add(c.alpha_2, value, "en")
            add(c.alpha_2, de_iso.gettext(value) if value else None, "de")
    claims: dict[str, set[str]] = {}  # name key -> countries it names (bare heads of "X, Y" and "X (Y)" too)
    for cc, found in names.items():
        for name, _ in found:
            for part in {name, name.split(",")[0], name.split(" (")[0]}:
                claims.setdefault(name_key(part), set()).add(cc)
    for cc, found in names.items():
        turned: list[tuple[str, str]] = []
        for name, lang in found:
            for form in (inverted(name), unparenthesised(name)):
                if form:
                    turned.append((form, lang))
        found.extend(turned)
        found.extend((f, lang) for name, lang in list(found) if (f := dr_short(name)))
        found = [
            (name, lang)
            for name, lang in found
            if not ((m := _BARE_FORM.match(name)) and claims.get(name_key(m["rest"])) == {cc})
        ]
        found.extend((f, "de") for name, lang in list(found) if lang == "de" for f in german_weak_forms(name))
        names[cc] = sorted(set(found))
    return names


#: German transcription (Duden's rules, simplified) of Russian and Ukrainian Cyrillic: German news
#: writes "Wowtschansk", "Pokrowsk", "Charkiw", which GeoNames lists only in Cyrillic and in English
#: or scholarly transliteration ("Vovchansk", "Vovčansk").
_DE_COMMON = {
    "а": "a", "б": "b", "в": "w", "д": "d", "ж": "sch", "з": "s", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z",
    "ч": "tsch", "ш": "sch", "щ": "schtsch", "ю": "ju", "я": "ja", "й": "j", "ь": "", "ъ": "",
    "'": "", "’": "", "ʼ": "",
}
_DE_RU = {**_DE_COMMON, "г": "g", "е": "e", "ё": "jo", "и": "i", "ы": "y", "э": "e"}
_DE_UK = {**_DE_COMMON, "г": "h", "ґ": "g", "е": "e", "є": "je", "и": "y", "і": "i", "ї": "ji"}
_VOWELS = set("аеёиоуыэюяєії")
_CYRILLIC_NAME = re.compile(r"[а-яёєіїґ'’ʼ -]+", re.IGNORECASE)


def german_transcription(name: str, country: str) -> str | None:
    """The German form of a Russian or Ukrainian Cyrillic place name ("Вовчанськ" -> "Wowtschansk"),
    or None for a name in another script or alphabet. Ukrainian letters (і, ї, є, ґ) make a name
    Ukrainian, Russian ones (ы, э, ё, ъ) Russian; otherwise the place's country decides. An "е"
    after a vowel, a soft or hard sign, or at a word's start is "je"; an "с" between vowels "ss"."""
    if not _CYRILLIC_NAME.fullmatch(name):
        return None
    low = name.lower()
    if set(low) & set("іїєґ"):
        table = _DE_UK
    elif set(low) & set("ыэёъ"):
        table = _DE_RU
    else:
        table = _DE_UK if country == "UA" else _DE_RU
    out = []
    for i, ch in enumerate(low):
        before = low[i - 1] if i else " "
        after = low[i + 1] if i + 1 < len(low) else " "
        if ch == "е" and (before in _VOWELS or before in "ьъ '’-"):
            out.append("je")
        elif ch == "с":
            out.append("ss" if before in _VOWELS and after in _VOWELS else "s")
        else:
            out.append(table.get(ch, ch))
    words = "".join(out).split(" ")
    return " ".join("-".join(p[:1].upper() + p[1:] for p in w.split("-")) for w in words)
