"""rillet.testing: the conformance kit (placeholder; being written)."""
