"""Recruitment companies and pre-departure training: links, flyers, cards, quiz, alerts, stats."""
