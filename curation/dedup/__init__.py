"""Deduplication: exact (one record per matching form) and near (MinHash/LSH candidates, verified, classified
by what differs, clustered), across sources and against earlier releases; `dedup_table` is the same for
any table (`curation dedup`).

The package imports nothing itself: `curation dedup` on a table needs only `table` and what it reads, not
the release pipeline's stages."""
