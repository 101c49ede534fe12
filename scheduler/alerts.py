"""Alerts to the clinic's staff (their Telegram group), through the outbox like any message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from bot.messages import Reply
from clinic.config import ClinicConfig
from storage.db import UnitOfWork

log = structlog.get_logger("carebot.alerts")

STAFF_ALERT = "staff_alert"


def alert_staff(
    uow: UnitOfWork,
    clinic: ClinicConfig,
    *,
    key: str,
    text: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """Tell the staff group (if the clinic has one) and keep it in the audit log."""
    uow.audit.record("system", "staff.alerted", key, detail or {}, now)
    group = clinic.staff.telegram_group_id
    if group is None:
        log.warning("alerts.no_staff_group", key=key)
        return
    uow.outbox.enqueue(
        idempotency_key=f"alert:{key}",
        channel="telegram",
        external_id=str(group),
        kind=STAFF_ALERT,
        payload=Reply(text).to_payload(),
        not_before=now,
        now=now,
    )
