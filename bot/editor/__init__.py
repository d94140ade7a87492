"""The editors' web console: coverage, answer forms, preview, diff, publish, history, questions.

Server-rendered Flask pages over the same content files, checks and publishing as the
``content`` commands, so the files in ``content/`` stay the record and a bad edit never goes live.
"""
