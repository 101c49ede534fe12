"""The web app: health checks and the channels' webhooks (FastAPI, served by uvicorn)."""

from __future__ import annotations

import hmac
import json
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from telegram import Update

from bot.handlers.telegram import TelegramChannel

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def create_app(
    *, telegram: TelegramChannel | None = None, telegram_secret: str | None = None
) -> FastAPI:
    """The FastAPI app for one carebot process."""
    app = FastAPI(title="carebot", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

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

    return app
