"""Contamination: the decontamination index every release carries (index.py, windows.py) and the scan of
training corpora for a release's items (scan.py; corpus.py and run.py run it on datatrove's executors and
import datatrove, so `curation contamination` imports them only when it runs)."""

from .index import index_files
from .scan import Index, scan_documents

__all__ = ["Index", "index_files", "scan_documents"]
