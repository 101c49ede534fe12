"""Prometheus metrics: what the process did (counters) and what waits (read at scrape time).

Counters live in one registry per process; gauges about the outbox and handoffs
are read from the database when /metrics is scraped, so every worker reports
the same truth.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.handoff import STAFF_RELAY
from faq.metrics import COLLECTORS as LLM_COLLECTORS
from scheduler.alerts import STAFF_ALERT
from scheduler.planning import MessageKind
from storage.db import Database

REGISTRY = CollectorRegistry()

TURNS = Counter("carebot_turns", "Patient turns handled", ["channel", "outcome"], registry=REGISTRY)
TURN_SECONDS = Histogram(
    "carebot_turn_seconds",
    "Time to handle one turn (database included, sending not)",
    ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
    registry=REGISTRY,
)
SENT = Counter(
    "carebot_messages_sent", "Messages handed to a channel", ["channel", "kind"], registry=REGISTRY
)
SEND_FAILURES = Counter(
    "carebot_send_failures",
    "Sends that did not go through",
    ["channel", "result"],
    registry=REGISTRY,
)
# The LLM's calls, tokens and cache hits are counted in faq/, which cannot import
# bot/: its counters join this registry here, so /metrics shows them too.
for _collector in LLM_COLLECTORS:
    REGISTRY.register(_collector)

#: Outbox kinds counted under their own name in carebot_messages_sent ("reminder" is
#: the reminders sent); any other kind counts as "other", so the labels stay few.
SENT_KINDS = frozenset({"reply", STAFF_ALERT, STAFF_RELAY, *(kind.value for kind in MessageKind)})


def sent_kind(kind: str | None) -> str:
    """The ``kind`` label for a sent outbox message of this kind."""
    return kind if kind in SENT_KINDS else "other"


class DatabaseGauges(Collector):
    """Outbox depth and age, open handoffs: read from the database at each scrape."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges, as of now."""
        now = self.clock()
        with self.database.unit_of_work(read_only=True) as uow:
            depth, oldest = uow.outbox.due_summary(now)
            handoffs = len(uow.handoffs.open_ones())
        yield GaugeMetricFamily("carebot_outbox_due", "Messages due and not sent yet", value=depth)
        age = (now - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "carebot_outbox_oldest_due_seconds",
            "How long the oldest due message has waited",
            value=age,
        )
        yield GaugeMetricFamily(
            "carebot_handoffs_open", "Conversations held by a person", value=handoffs
        )
