"""Model responses to a release's prompts: collected through Inspect, imported from Inspect logs, stored
under data/responses/ (collect.py). Judging them in Label Studio and releasing them come next (issue 16)."""

from .collect import collect, responses_of, store

__all__ = ["collect", "responses_of", "store"]
