"""Protocol adapters (FHIR R4 terminology, NLM Clinical Tables, MCP): they translate
requests to the engine and its answers back, and rank nothing of their own."""
