"""What a one-article ``geoapp extract`` does at start-up: the eval and geocode commands' modules
are not imported, and with the word-frequency copies in the cache folder no whole wordfreq list is
built (``geoapp.wordfreqs`` reads shards). Speed itself is measured by ``benchmarks/``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geoapp.cli import _OWN_COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_697af04ae4cd89d0.txt"

_PROBE = (
    "import sys, wordfreq\n"
    "built = []\n"
    "real = wordfreq.get_frequency_dict\n"
    "wordfreq.get_frequency_dict = lambda *a, **k: built.append(a) or real(*a, **k)\n"
    "from geoapp.cli import main\n"
    "assert main(['extract', sys.argv[1], '--workers', '1', '-o', sys.argv[2]]) == 0\n"
    "print('built', len(built))\n"
    "print('modules', ' '.join(sorted(m for m in sys.modules if m.startswith('geoapp'))))\n"
)


def _extract(tmp_path: Path, cache: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "GEOAPP_GEOCODER": "offline", "GEOAPP_CACHE_DIR": str(cache)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(SEED), str(tmp_path / "x.jsonl")], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines())


def test_extract_builds_no_whole_word_list_once_the_copies_exist(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    first = _extract(tmp_path, cache)
    assert int(first["built"]) > 0  # the first run builds the lists, and keeps them as copies
    assert sorted(p.name.split(".")[0] for p in cache.glob("wordfreq-*")) == [
        "wordfreq-de", "wordfreq-en", "wordfreq-fr"]
    again = _extract(tmp_path, cache)
    assert again["built"] == "0"
    modules = set(again["modules"].split())
    assert "geoapp.wordfreqs" in modules
    assert not {m for m in modules if m.startswith(("geoapp.evaluation", "geoapp.geocode.commands"))}


@pytest.mark.parametrize("command", sorted(_OWN_COMMANDS))
def test_own_commands_parse_the_same_without_the_others(command, capsys):
    full, alone = build_parser(), build_parser(only=command)
    args = [command, "a.txt", "-o", "out.jsonl"]
    assert vars(full.parse_args(args)) == vars(alone.parse_args(args))
    for parser in (full, alone):
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"])
    help_full, help_alone = capsys.readouterr().out.split("usage:")[1:]
    assert help_full == help_alone
