"""Which embedding model the service uses, and how it is loaded (offline, from site-packages)."""
