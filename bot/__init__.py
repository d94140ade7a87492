"""Telegram assistant for Vietnamese migrant workers: channels, content store and services."""
