"""Start-up shortcuts must not change what is loaded: the fast paths give the same data as the
slow ones they replace."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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
