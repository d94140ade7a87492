"""Vietnamese text processing shared by the bot and the Rasa pipeline.

``vietnlp.text`` needs only the standard library and PyYAML, so both virtual environments import
it; ``vietnlp.components`` holds the Rasa graph components and is only imported inside Rasa.
"""
