"""Command groups of ``python -m bot``; each module has ``register(subparsers)``."""
