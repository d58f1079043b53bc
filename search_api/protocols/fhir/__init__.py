"""FHIR R4 terminology: ``routes`` (HTTP, OperationOutcome) and ``terminology`` (the
resources)."""
