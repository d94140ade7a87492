"""The handbook content: load, check, publish, read and render it (see content/README.md)."""
