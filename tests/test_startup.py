"""Start-up shortcuts must not change what is loaded: the fast paths give the same data as the
slow ones they replace."""

from __future__ import annotations

import gzip
import json
import marshal
import os
from pathlib import Path

import pytest
import yaml

from geoapp.gazetteer import Gazetteer, cache_file
from geoapp.lexicon import read_yaml
from geoapp.settings import DATA_DIR

SHIPPED_YAML = sorted(DATA_DIR.glob("*.yaml")) + sorted((DATA_DIR / "words").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.name)
def test_shipped_yaml_reads_as_safe_load(path: Path) -> None:
    assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_read_yaml_refuses_unsafe_tags(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("x: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        read_yaml(evil)


# -- the gazetteer's unpacked copy in the cache folder -------------------------------------------


def write_gazetteer(path: Path, places: list[tuple[str, str, float, float]]) -> Path:
    """A tiny gazetteer file in the shipped format: (key, name, lat, lon) per place, one key each."""
    entries = [f"{i + 1}\t{name}\t{lat}\t{lon}\tXX\tcity\tPPL\t1000\t\t0.5" for i, (_, name, lat, lon) in
               enumerate(places)]
    keys = [f"{key}\t{i},1\t" for i, (key, *_rest) in enumerate(places)]
    header = json.dumps({"n_entries": len(entries), "n_keys": len(keys), "max_words": 1})
    path.write_bytes(gzip.compress("\n".join([header, *entries, *keys]).encode("utf-8")))
    return path


def test_cached_load_equals_parse_and_writes_one_copy(tmp_path: Path) -> None:
    src = write_gazetteer(tmp_path / "g.tsv.gz", [("berlin", "Berlin", 52.5, 13.4)])
    cache = tmp_path / "cache"
    cache.mkdir()
    first = Gazetteer.load(src, cache_dir=cache)
    assert cache_file(src, cache).is_file() and len(list(cache.iterdir())) == 1
    again = Gazetteer.load(src, cache_dir=cache)
    plain = Gazetteer.load(src)
    assert again.candidates("berlin") == first.candidates("berlin") == plain.candidates("berlin")
    assert again.candidates("berlin")[0].lat == 52.5


def test_stale_copy_is_rebuilt(tmp_path: Path) -> None:
    src = write_gazetteer(tmp_path / "g.tsv.gz", [("berlin", "Berlin", 52.5, 13.4)])
    cache = tmp_path / "cache"
    cache.mkdir()
    Gazetteer.load(src, cache_dir=cache)
    write_gazetteer(src, [("paris", "Paris", 48.9, 2.35), ("lyon", "Lyon", 45.8, 4.8)])
    os.utime(src, ns=(1, 1))  # a different modification time even on a coarse-grained clock
    fresh = Gazetteer.load(src, cache_dir=cache)
    assert fresh.has("paris") and not fresh.has("berlin")
    assert Gazetteer.load(src, cache_dir=cache).has("lyon")  # the rebuilt copy is the new one


@pytest.mark.parametrize("junk", [b"", b"not marshal at all", marshal.dumps(("a", "tuple")), None])
def test_corrupt_copy_is_ignored_and_rebuilt(tmp_path: Path, junk: bytes | None) -> None:
    src = write_gazetteer(tmp_path / "g.tsv.gz", [("berlin", "Berlin", 52.5, 13.4)])
    cache = tmp_path / "cache"
    cache.mkdir()
    Gazetteer.load(src, cache_dir=cache)
    copy = cache_file(src, cache)
    whole = copy.read_bytes()
    copy.write_bytes(whole[: len(whole) // 2] if junk is None else junk)  # None: truncated
    assert Gazetteer.load(src, cache_dir=cache).candidates("berlin")[0].name == "Berlin"
    assert copy.read_bytes() == whole


def test_missing_cache_folder_is_not_created(tmp_path: Path) -> None:
    src = write_gazetteer(tmp_path / "g.tsv.gz", [("berlin", "Berlin", 52.5, 13.4)])
    assert Gazetteer.load(src, cache_dir=tmp_path / "cache").has("berlin")
    assert not (tmp_path / "cache").exists()


def test_unwritable_cache_folder_still_loads(tmp_path: Path) -> None:
    src = write_gazetteer(tmp_path / "g.tsv.gz", [("berlin", "Berlin", 52.5, 13.4)])
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert Gazetteer.load(src, cache_dir=blocker / "cache").has("berlin")
    assert not list(tmp_path.glob("**/*.tmp"))
