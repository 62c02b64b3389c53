"""The actor registry: known people and organisations with their aliases, transliterations,
countries and homes (``data/actors.yaml``, own curation, plus the user's ``--actors FILE``).

The registry names, merges and locates actors; it is not the only way in (the sequence tagger and
role titles find people and organisations it does not know). An entry gives the canonical name
shown on the map, every spelling that refers to it ("Lawrow", "Lavrov", "Sergej Lawrow"), the
country that places the actor's line when it has no home of its own, and blocking phrases that
contain an alias but are something else ("KCNA Watch").

Every entry is validated on load, and a bad user file is one line naming the file, the entry and
the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .lexicon import PhraseIndex, read_yaml
from .model import Place
from .settings import DATA_DIR

ACTORS_FILE = DATA_DIR / "actors.yaml"
ACTOR_KINDS = ("person", "organisation")
ORG_TYPES = ("government body", "armed force", "news agency", "company", "international body")
_CC_RE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class RegistryEntry:
    """One person or organisation of the registry, as read from YAML."""

    name: str
    kind: str
    org_type: str | None = None
    country: str | None = None
    role: str | None = None
    aliases: tuple[str, ...] = ()
    surname: str | None = None
    not_aliases: tuple[str, ...] = ()
    home: Place | None = None

    def surnames(self) -> tuple[str, ...]:
        """The words a surname-only mention may use: the given ``surname``, else the last word of
        the name and of each multi-word alias (Lawrow, Lavrov)."""
        if self.kind != "person":
            return ()
        if self.surname:
            return (self.surname,)
        out: list[str] = []
        for name in (self.name, *self.aliases):
            words = name.split()
            if len(words) > 1 and words[-1] not in out:
                out.append(words[-1])
        return tuple(out)


def genitives(phrase: str, person: bool) -> list[str]:
    """German "-s" genitive ("Lawrows", persons only) and English "'s" of a name."""
    out = [phrase + "'s"]
    if person and not phrase.endswith(("s", "x", "z", "ß")):
        out.append(phrase + "s")
    return out


def _inflected_aliases(alias: str) -> list[str]:
    """An alias and, for German names opening with adjectives, their weak "-n" form:
    "Deutsche Presse-Agentur" → "der Deutschen Presse-Agentur", "Koreanische Zentrale
    Nachrichtenagentur" → "Koreanischen Zentralen …"."""
    words = alias.split()
    if len(words) < 2 or not words[0].endswith("e") or not words[0][:1].isupper():
        return [alias]
    weak = [
        w + "n" if k < len(words) - 1 and w.endswith("e") and w[:1].isupper() else w
        for k, w in enumerate(words)
    ]
    return [alias, " ".join(weak)]


def _entry_from_dict(raw: Any, where: str) -> RegistryEntry:
    """Validate one YAML entry; errors name the file and entry so users can fix their own file."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: an entry must be a mapping, not {type(raw).__name__}")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ValueError(f"{where}: entry without a name")
    where = f"{where} ({name})"
    kind = str(raw.get("kind") or "")
    if kind not in ACTOR_KINDS:
        raise ValueError(f"{where}: kind must be one of {ACTOR_KINDS}, not {kind!r}")
    org_type = raw.get("org_type")
    if org_type is not None and org_type not in ORG_TYPES:
        raise ValueError(f"{where}: org_type must be one of {ORG_TYPES}, not {org_type!r}")
    country = raw.get("country")
    if country is not None:
        country = str(country).upper()
        if not _CC_RE.match(country):
            raise ValueError(f"{where}: country must be an ISO alpha-2 code, not {raw.get('country')!r}")
    home = None
    if raw.get("home") is not None:
        h = raw["home"]
        try:
            home = Place(
                name=str(h.get("name") or name),
                lat=float(h["lat"]),
                lon=float(h["lon"]),
                country_code=country,
                feature="other",
                source="user",
                why=f"home of {name} in the actor registry",
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"{where}: home needs name, lat and lon ({exc})") from None
    aliases = tuple(str(a) for a in (raw.get("aliases") or ()))
    not_aliases = tuple(str(a) for a in (raw.get("not") or ()))
    surname = raw.get("surname")
    return RegistryEntry(
        name=name,
        kind=kind,
        org_type=org_type,
        country=country,
        role=str(raw["role"]) if raw.get("role") else None,
        aliases=aliases,
        surname=str(surname) if surname else None,
        not_aliases=not_aliases,
        home=home,
    )


def _read_entries(path: Path) -> list[RegistryEntry]:
    try:
        data = read_yaml(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read actor registry: {exc}") from None
    if isinstance(data, dict):
        data = data.get("actors")
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of actors (or a mapping with an 'actors' list)")
    return [_entry_from_dict(raw, f"{path}: entry {i + 1}") for i, raw in enumerate(data)]


class ActorRegistry:
    """Known people and organisations, with one alias index built at load time."""

    def __init__(self, entries: Iterable[RegistryEntry]) -> None:
        self.entries: dict[str, RegistryEntry] = {}
        for e in entries:  # a later entry with the same name replaces the earlier one
            self.entries[e.name] = e
        self.index: PhraseIndex[RegistryEntry | None] = PhraseIndex()
        for e in self.entries.values():
            for alias in (e.name, *e.aliases):
                for form in _inflected_aliases(alias):
                    self.index.add(form, e)
                for g in genitives(alias, e.kind == "person"):
                    self.index.add(g, e)
        self._by_surname: dict[str, list[RegistryEntry]] | None = None
        for e in self.entries.values():  # blocking phrases last, so they win over equal aliases
            for phrase in e.not_aliases:
                self.index.add(phrase, None)

    @classmethod
    def load(cls, extra: Path | None = None, base: Path = ACTORS_FILE) -> ActorRegistry:
        """The shipped registry, with ``extra`` (a user's YAML or JSON file) merged over it:
        an entry with the same canonical name replaces the shipped one, new names are added."""
        entries = _read_entries(base)
        if extra is not None:
            entries += _read_entries(Path(extra))
        return cls(entries)

    def persons_by_surname(self) -> dict[str, list[RegistryEntry]]:
        """Registry persons by each surname they may be called by (built once)."""
        if self._by_surname is None:
            self._by_surname = {}
            for e in self.entries.values():
                for surname in e.surnames():
                    self._by_surname.setdefault(surname, []).append(e)
        return self._by_surname

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries


