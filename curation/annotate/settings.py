"""annotation/config.yaml: the Label Studio projects and how annotations become labels."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..yamlfile import read_yaml

ANNOTATION_DIR = Path(__file__).resolve().parents[2] / "annotation"  # config.yaml and the guideline live here


@lru_cache(maxsize=1)
def config() -> dict:
    return read_yaml(ANNOTATION_DIR / "config.yaml")
