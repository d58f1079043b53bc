"""The channels the searcher fuses; each owns its part of the build and its caches."""
