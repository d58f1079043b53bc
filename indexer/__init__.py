"""Official CMS files -> code records -> keyword and vector index artifacts."""

__version__ = "0.1.0"
