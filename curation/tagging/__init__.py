"""Tagging: suggestions for annotators (viewpoints, goal, borderline), the places and Japan-specific
topics a prompt names, and personal data, with the release's screening for it."""

from .screening import load_reviews, refuse_real_personal_data, screen
from .tagger import ARROW_TYPES, describe, suggestion_quality, tag, tag_text

__all__ = ["ARROW_TYPES", "describe", "load_reviews", "refuse_real_personal_data", "screen", "suggestion_quality",
           "tag", "tag_text"]
