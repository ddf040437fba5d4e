"""Suggestions that learn: a model of viewpoints, primary viewpoint, leaf goal, borderline and label,
trained on decided items (examples.py), stored as plain data in a release (store.py), scoring prompts
for `curation tag` and Label Studio's pre-annotations (predict.py), measured blind (evaluation.py)."""

from .examples import preset_files, training_examples
from .model import Model, train
from .predict import ARROW_TYPES, Scorer
from .store import load_model, model_files, newest_model, write_model

__all__ = ["ARROW_TYPES", "Model", "Scorer", "load_model", "model_files", "newest_model", "preset_files", "train",
           "training_examples", "write_model"]
