"""Searcher, ranking and the FastAPI app."""
