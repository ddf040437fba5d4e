"""JAI-Trust curation: Japanese LLM-safety prompts to a trusted, versioned benchmark dataset."""

__version__ = "0.1.0"
