"""The HTTP API: the app factory, shared dependencies, response shapes, one router per resource."""
