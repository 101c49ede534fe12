"""Health, readiness and metrics, as a load balancer and Prometheus see them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bot.bootstrap import bootstrap
from bot.metrics import DatabaseGauges
from bot.runner import Running, readiness
from bot.settings import Settings
from bot.web import create_app
from storage.db import Database
from tests.chat import MovableClock, ScriptedPatient

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class _Scheduler:
    running = True


async def test_ready_while_the_database_answers_and_not_when_it_is_gone(tmp_path: Path) -> None:
    """/healthz is always ok; /readyz says 503, naming the failing check, once the
    database is unreachable; /metrics counts turns and shows the outbox."""
    system = bootstrap(
        Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'web.db'}"),
        clock=MovableClock(NOW),
        configure_logs=False,
    )
    running = Running(asyncio.Event())
    running.scheduler = _Scheduler()
    app = create_app(
        readiness=lambda: readiness(system, running),
        gauges=DatabaseGauges(system.database, system.engine.clock),
    )
    ScriptedPatient(system.engine, "metrics").says("/start")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["database"] is True
        metrics = (await client.get("/metrics")).text
        assert 'carebot_turns_total{channel="terminal",outcome="ok"}' in metrics
        assert "carebot_outbox_due" in metrics and "carebot_handoffs_open 0.0" in metrics
        system.database.dispose()
        # The database server goes away (nothing listens on port 1).
        system.database = Database("postgresql+psycopg://postgres@127.0.0.1:1/gone")
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["database"] is False
        assert down.json()["checks"]["scheduler"] is True
