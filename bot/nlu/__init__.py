"""Talking to the Rasa NLU server over loopback HTTP, and starting a local one when needed."""
