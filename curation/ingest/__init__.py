"""Ingest: the declared input files (data/raw/sources.yaml) to the working table, one row per input record.
`tables.read_table` reads any table for the standalone commands with the same readers."""

from .records import ingest
from .sources import PSEUDONYM_KEY_ENV, Source, SourceSet, load_sources

__all__ = ["PSEUDONYM_KEY_ENV", "Source", "SourceSet", "ingest", "load_sources"]
