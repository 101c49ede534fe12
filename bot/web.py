"""The web app: health checks, the channels' webhooks and the staff page (FastAPI, uvicorn)."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.registry import Collector
from telegram import Update

from bot.handlers.telegram import TelegramChannel
from bot.handlers.whatsapp import WhatsAppChannel, signature_ok
from bot.metrics import REGISTRY
from bot.staff_web import StaffPages

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
WHATSAPP_WEBHOOK_PATH = "/whatsapp/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def create_app(
    *,
    readiness: Callable[[], dict[str, bool]] | None = None,
    gauges: Collector | None = None,
    telegram: TelegramChannel | None = None,
    telegram_secret: str | None = None,
    whatsapp: WhatsAppChannel | None = None,
    whatsapp_app_secret: str | None = None,
    whatsapp_verify_token: str | None = None,
    staff_pages: StaffPages | None = None,
) -> FastAPI:
    """The FastAPI app for one carebot process."""
    app = FastAPI(title="carebot", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready for traffic: every check (database, scheduler, channels, outbox) passes."""
        checks = await asyncio.to_thread(readiness) if readiness else {}
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    scrape = CollectorRegistry()
    if gauges is not None:
        scrape.register(gauges)

    @app.get("/metrics")
    async def metrics() -> Response:
        """Prometheus text format: the process's counters and the database's gauges."""
        body = generate_latest(REGISTRY) + await asyncio.to_thread(generate_latest, scrape)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    if telegram is not None and telegram_secret:
        secret = telegram_secret.encode()

        @app.post(TELEGRAM_WEBHOOK_PATH)
        async def telegram_webhook(request: Request) -> dict[str, Any]:
            """An update from Telegram; anything without our secret is refused unread."""
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, secret):
                raise HTTPException(status_code=403, detail="forbidden")
            try:
                data = json.loads(await request.body())
                update = Update.de_json(data, telegram.bot)
            except (ValueError, TypeError, KeyError) as error:
                raise HTTPException(status_code=400, detail="not a Telegram update") from error
            await telegram.process(update)
            return {"ok": True}

    if whatsapp is not None and whatsapp_app_secret:
        _whatsapp_routes(app, whatsapp, whatsapp_app_secret, whatsapp_verify_token or "")

    if staff_pages is not None:
        # The staff KPI page under /staff; it signs its own session cookie (no middleware).
        app.include_router(staff_pages.router())

    return app


def _whatsapp_routes(app: FastAPI, channel: WhatsAppChannel, secret: str, verify: str) -> None:
    @app.get(WHATSAPP_WEBHOOK_PATH)
    async def whatsapp_verify(request: Request) -> PlainTextResponse:
        """Meta's subscription handshake: echo the challenge if the verify token matches."""
        query = request.query_params
        token = query.get("hub.verify_token", "").encode()
        if query.get("hub.mode") != "subscribe" or not verify:
            raise HTTPException(status_code=403, detail="forbidden")
        if not hmac.compare_digest(token, verify.encode()):
            raise HTTPException(status_code=403, detail="forbidden")
        return PlainTextResponse(query.get("hub.challenge", ""))

    @app.post(WHATSAPP_WEBHOOK_PATH)
    async def whatsapp_webhook(request: Request) -> dict[str, Any]:
        """Messages and statuses from Meta; the signature is checked on the raw bytes first."""
        raw = await request.body()
        if not signature_ok(raw, request.headers.get("X-Hub-Signature-256"), secret):
            raise HTTPException(status_code=403, detail="bad signature")
        try:
            payload = json.loads(raw)
        except ValueError as error:
            raise HTTPException(status_code=400, detail="not JSON") from error
        if not isinstance(payload, dict):
            raise HTTPException(status_code=400, detail="not a WhatsApp webhook")
        await channel.process(payload)
        return {"ok": True}
