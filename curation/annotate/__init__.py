"""Annotation in Label Studio: the controls annotators see (one definition, from which the labeling
interface, export reading and pre-annotations are derived), the stored exports, decisions and agreement,
and the two stages that bring annotations into the release (marking before dedup, applying after ids).
The server client (server.py) is imported only by the commands that talk to Label Studio."""

from .apply import apply_annotations, mark_annotated
from .controls import CONTROLS, result_items
from .decide import agreement_table, decide
from .exports import annotation_records, load_annotations
from .interface import labeling_config

__all__ = ["CONTROLS", "agreement_table", "annotation_records", "apply_annotations", "decide", "labeling_config",
           "load_annotations", "mark_annotated", "result_items"]
