"""Deduplication: exact (one record per matching form) and near (MinHash/LSH candidates, verified, classified
by what differs, clustered), across sources and against earlier releases; `dedup_table` is the same for
any table (`curation dedup`)."""

from .exact import add_matching_forms, collapse_exact, keep_order
from .near import collapse_near
from .review import near_markdown
from .table import ARROW_TYPES, dedup_table

__all__ = ["ARROW_TYPES", "add_matching_forms", "collapse_exact", "collapse_near", "dedup_table", "keep_order",
           "near_markdown"]
