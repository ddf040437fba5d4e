"""Tagging: suggestions for annotators (viewpoints, goal, borderline), the places and Japan-specific
topics a prompt names, and personal data, with the release's screening for it."""

from .screening import load_reviews, refuse_real_personal_data, screen
from .tagger import ARROW_TYPES, describe, tag, tag_text

__all__ = ["ARROW_TYPES", "describe", "load_reviews", "refuse_real_personal_data", "screen", "tag", "tag_text"]
