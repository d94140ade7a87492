"""Alembic migrations of the bot's database (run them with ``python -m bot db upgrade``)."""
