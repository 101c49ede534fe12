"""``carebot run``: the channels, the outbox dispatcher and the web app in one asyncio process."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import structlog
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.bootstrap import System
from bot.delivery import ChannelSender, Delivery
from bot.handlers.telegram import (
    ALLOWED_UPDATES,
    TelegramChannel,
    TelegramSender,
    webhook_secret,
)
from bot.handlers.telegram_staff import StaffDesk
from bot.handlers.whatsapp import WhatsAppChannel, WhatsAppSender
from bot.metrics import DatabaseGauges
from bot.reload import ConfigWatcher
from bot.web import TELEGRAM_WEBHOOK_PATH, create_app
from scheduler.dispatcher import OutboxDispatcher
from scheduler.jobs import build_scheduler

log = structlog.get_logger("carebot.run")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Running:
    """What a running process holds, for shutdown and for tests."""

    stop: asyncio.Event
    telegram: TelegramChannel | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    scheduler: AsyncIOScheduler | None = None


def telegram_bot(token: str, base_url: str) -> Bot:
    """A Bot API client; the long-poll request gets its own connection and timeouts."""
    return Bot(
        token,
        base_url=base_url,
        # httpx checks every pooled connection for each request queued: a small pool is
        # cheaper (bench/telegram_e2e.py: 8 connections used half the CPU of 64).
        request=HTTPXRequest(connection_pool_size=8),
        get_updates_request=HTTPXRequest(connection_pool_size=2, read_timeout=45),
    )


async def start(system: System, stop: asyncio.Event) -> Running:
    """Start every configured channel, the dispatcher and the web app."""
    settings = system.settings
    running = Running(stop)
    senders: list[ChannelSender] = []
    bot: Bot | None = None
    if settings.telegram_bot_token is not None:
        bot = telegram_bot(
            settings.telegram_bot_token.get_secret_value(), settings.telegram_base_url
        )
        await bot.initialize()
        senders.append(TelegramSender(bot))
    if settings.whatsapp_enabled:
        senders.append(whatsapp_sender(system))
    delivery = Delivery(system.database, senders, system.engine.clock, system.clinic)
    whatsapp = (
        WhatsAppChannel(system.engine, delivery, system.clinic)
        if settings.whatsapp_enabled
        else None
    )
    secret = None
    staff: StaffDesk | None = None
    if bot is not None:
        staff = StaffDesk(bot, system.database, system.clinic, system.engine.clock, delivery)
        running.telegram = TelegramChannel(bot, system.engine, delivery, staff)
        await running.telegram.sender.set_commands(system.clinic().clinic.default_language)
        token = (
            settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
        )
        configured = settings.telegram_webhook_secret
        secret = webhook_secret(token, configured.get_secret_value() if configured else None)
        if not settings.telegram_webhook_url:
            await bot.delete_webhook()
            running.tasks.append(asyncio.create_task(running.telegram.poll(stop)))
    dispatcher = OutboxDispatcher(system.database, delivery, system.engine.clock, system.clinic)
    running.scheduler = build_scheduler(
        system.database, system.clinic, system.engine.clock, dispatcher
    )
    if staff is not None:
        running.scheduler.add_job(staff.ensure_topics, "interval", seconds=2, id="staff-topics")
    watcher = ConfigWatcher(system)
    running.scheduler.add_job(
        asyncio.to_thread, "interval", args=[watcher.check], seconds=5, id="config-reload"
    )
    running.scheduler.start()
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGHUP, lambda: asyncio.ensure_future(asyncio.to_thread(watcher.reload))
    )
    app = create_app(
        readiness=lambda: readiness(system, running),
        gauges=DatabaseGauges(system.database, system.engine.clock),
        telegram=running.telegram,
        telegram_secret=secret,
        whatsapp=whatsapp,
        whatsapp_app_secret=_secret(settings.whatsapp_app_secret),
        whatsapp_verify_token=_secret(settings.whatsapp_verify_token),
    )
    server = _Server(
        uvicorn.Config(app, host=settings.web_host, port=settings.web_port, log_level="warning")
    )
    serving = asyncio.create_task(_serve_until(server, stop))
    running.tasks.append(serving)
    # The webhook is registered only once we listen: Telegram calls it at once.
    while not server.started:
        if serving.done():
            serving.result()  # the web app could not start (e.g. the port is taken)
        await asyncio.sleep(0.01)
    if bot is not None and settings.telegram_webhook_url:
        url = settings.telegram_webhook_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH
        await bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
    log.info(
        "carebot.started",
        telegram="webhook" if settings.telegram_webhook_url else ("polling" if bot else "off"),
        web=f"http://{settings.web_host}:{settings.web_port}",
        faq_entries=system.knowledge.entries,
        llm="on" if system.knowledge.llm_enabled else "off: FAQ and clinic facts only",
    )
    return running


#: The outbox is "stuck" when a due message has waited longer than this.
STUCK_OUTBOX = timedelta(minutes=5)


def readiness(system: System, running: Running) -> dict[str, bool]:
    """What a load balancer asks: database reachable, scheduler and channels running,
    outbox moving."""
    return {
        "database": database_reachable(system),
        "scheduler": running.scheduler is not None and running.scheduler.running,
        "channels": all(not task.done() for task in running.tasks),
        "outbox": outbox_moving(system),
    }


def database_reachable(system: System) -> bool:
    """Whether a trivial query answers."""
    try:
        with system.database.unit_of_work(read_only=True) as uow:
            uow.session.connection().exec_driver_sql("SELECT 1")
    except Exception:
        return False
    return True


def outbox_moving(system: System) -> bool:
    """Whether no due message has waited longer than STUCK_OUTBOX."""
    now = system.engine.clock()
    try:
        with system.database.unit_of_work(read_only=True) as uow:
            _, oldest = uow.outbox.due_summary(now)
    except Exception:
        return False
    return oldest is None or now - oldest < STUCK_OUTBOX


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def whatsapp_sender(system: System) -> WhatsAppSender:
    """The Cloud API client, with the patient's language and 24-hour window from the database."""
    settings = system.settings
    client = httpx.AsyncClient(
        base_url=settings.whatsapp_base_url,
        headers={"Authorization": f"Bearer {_secret(settings.whatsapp_token)}"},
        timeout=10,
    )

    def language_of(wa_id: str) -> str:
        with system.database.unit_of_work(read_only=True) as uow:
            patient = uow.patients.by_identity("whatsapp", wa_id)
        return patient.language if patient else system.clinic().clinic.default_language

    def window_open(wa_id: str) -> bool:
        with system.database.unit_of_work(read_only=True) as uow:
            last = uow.conversations.last_inbound_at("whatsapp", wa_id)
        return last is not None and system.engine.clock() - last < WHATSAPP_WINDOW

    return WhatsAppSender(
        client,
        phone_number_id=settings.whatsapp_phone_number_id or "",
        language_of=language_of,
        window_open=window_open,
        templates=lambda: system.clinic().whatsapp,
    )


#: WhatsApp's customer-service window: free-form messages only this long after the
#: patient's last message (a little less, to be safe from clock skew).
WHATSAPP_WINDOW = timedelta(hours=23, minutes=55)


async def _serve_until(server: uvicorn.Server, stop: asyncio.Event) -> None:
    serving = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await serving


async def stop_running(running: Running, timeout: float = 10.0) -> None:
    """Stop taking updates, let turns in flight finish, close the clients."""
    running.stop.set()
    if running.scheduler is not None:
        running.scheduler.shutdown(wait=False)
    _, pending = await asyncio.wait(running.tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    if running.telegram is not None:
        with contextlib.suppress(Exception):
            await running.telegram.bot.shutdown()
    log.info("carebot.stopped", unfinished=len(pending))


async def run_forever(system: System) -> None:
    """Run until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    running = await start(system, stop)
    await stop.wait()
    await stop_running(running)
