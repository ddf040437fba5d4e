"""Releases: stable ids, splits, accounting, the configs and card, the on-disk format (layout.py: one
place for folders, manifest, verification and the atomic write), earlier releases (history.py) and
publishing to a Hub."""

from .accounting import account
from .history import History, load_history
from .ids import assign_ids
from .layout import MANIFEST, parse_version, verify_release, write_release
from .splits import assign_splits

__all__ = ["MANIFEST", "History", "account", "assign_ids", "assign_splits", "load_history", "parse_version",
           "verify_release", "write_release"]
