"""Prometheus metrics of one bot process (``prometheus-client``, the reference client).

Each worker exposes its own ``/metrics`` (``bot.telegram.health``); Prometheus scrapes them all
and sums. Counters only count: no label ever carries a user, a chat or a text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("bot_updates", "Telegram updates handled, by kind", ["kind"], registry=REGISTRY)
UPDATE_SECONDS = Histogram(
    "bot_update_seconds",
    "From an update taken up to its replies sent",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
NLU_ERRORS = Counter(
    "bot_nlu_errors", "NLU calls that gave no answer, by reason", ["reason"], registry=REGISTRY
)
FALLBACKS = Counter(
    "bot_fallbacks",
    "Answers given without a component: nlu (safety net, search) or database (from memory)",
    ["component"],
    registry=REGISTRY,
)
ALERTS = Counter("bot_alerts", "Announcement deliveries, by outcome", ["status"], registry=REGISTRY)
POISON_UPDATES = Counter(
    "bot_poison_updates", "Updates skipped because they could not be read", registry=REGISTRY
)
SEND_RETRIES = Counter(
    "bot_send_retries", "Telegram requests retried after a transient error", registry=REGISTRY
)
FLOOD_DROPPED = Counter(
    "bot_flood_dropped", "Updates not answered past the flood limit", registry=REGISTRY
)
QUEUED_WRITES = Gauge("bot_queued_writes", "Writes waiting for the database", registry=REGISTRY)
