"""pytest entry point of the conformance kit (placeholder)."""
