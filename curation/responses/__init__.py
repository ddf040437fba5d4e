"""Model responses to a release's prompts: collected through Inspect, imported from Inspect logs, stored
under data/responses/ (collect.py); automatic graders' scores in those logs read as verdicts and checked
against the people's (graders.py); judged blind in Label Studio and released with their verdicts
(judging.py); how each model did (scores.py)."""

from .collect import collect, responses_of, store

__all__ = ["collect", "responses_of", "store"]
