"""One router per resource of our REST API: search, codes, changes, categories, health,
admin, web."""
