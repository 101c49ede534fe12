"""``carebot run``: the channels, the outbox dispatcher and the web app in one asyncio process.

Starting: the settings are checked first (:func:`settings_problems`), then the web address
and the Telegram token; anything wrong stops the start with one line naming the setting and
the fix (:class:`StartRefusedError`). Once everything runs, one summary says what does
(:class:`Summary`: a block on a terminal, the ``carebot.started`` event in JSON logs).

Stopping (SIGTERM or SIGINT, :func:`stop_running`): no new update is taken (the long poll is
dropped, the web app stops accepting), the turns in flight finish and their replies go out,
the dispatcher sends nothing more and what it had claimed goes back to the outbox, the
scheduler and the clients close, all within ``STOP_SECONDS``. The outbox is the durable
queue: whatever was not sent goes at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog
import uvicorn
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import HTTPXRequest

from bot.bootstrap import System
from bot.delivery import ChannelSender, Delivery, SendResult
from bot.engine import Clock, Engine, Outgoing
from bot.handlers.telegram import (
    ALLOWED_UPDATES,
    TelegramChannel,
    TelegramSender,
    webhook_secret,
)
from bot.handlers.telegram_staff import StaffDesk
from bot.handlers.whatsapp import WhatsAppChannel, WhatsAppSender
from bot.logs import announce
from bot.messages import Reply
from bot.metrics import DatabaseGauges
from bot.reload import ConfigWatcher
from bot.settings import WHATSAPP_SETTINGS, Settings, safe_url
from bot.staff_web import PREFIX as STAFF_PREFIX
from bot.staff_web import StaffAccounts, StaffPages
from bot.stats import build_report
from bot.web import TELEGRAM_WEBHOOK_PATH, WHATSAPP_WEBHOOK_PATH, create_app
from clinic.config import ClinicConfig
from scheduler.dispatcher import OutboxDispatcher
from scheduler.jobs import build_scheduler
from storage.db import Database

log = structlog.get_logger("carebot.run")

#: From the signal to the exit, at most (``docker stop`` waits 10 s before SIGKILL).
STOP_SECONDS = 10.0
#: How long the turns in flight and the scheduler's jobs get to finish when stopping
#: (longer than the LLM's whole budget, faq.llm.BUDGET_SECONDS).
DRAIN_SECONDS = 8.0
#: A long poll comes back at least every 30 s (its timeout) while Telegram is reachable;
#: this long without one, the channel counts as disconnected.
POLL_SILENCE = 75.0
#: How long each client gets to close.
CLOSE_SECONDS = 0.5
#: What a load balancer and Prometheus ask the web app.
HEALTH_PATHS = ("/healthz", "/readyz", "/metrics")
#: Ports Telegram calls webhooks on (None: the scheme's default, 443).
WEBHOOK_PORTS = (None, 443, 80, 88, 8443)
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class StartRefusedError(Exception):
    """carebot cannot start as configured; the message names the setting and the fix."""


# --- settings ---


def settings_problems(settings: Settings) -> list[str]:
    """What in the settings stops ``carebot run``, one line each: ``VARIABLE: what — fix``."""
    problems = _whatsapp_problems(settings) + _telegram_problems(settings)
    if not problems and not (settings.telegram_enabled or settings.whatsapp_enabled):
        problems.append(
            "No channel to run: TELEGRAM_BOT_TOKEN and the WHATSAPP_* variables are all "
            "unset — set TELEGRAM_BOT_TOKEN (from @BotFather), or WHATSAPP_TOKEN, "
            "WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN, in .env "
            "or the environment (see .env.example); to talk to carebot in the terminal, use "
            "`carebot chat`"
        )
    return problems


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _whatsapp_problems(settings: Settings) -> list[str]:
    missing = settings.whatsapp_missing()
    if not missing:
        return []
    given = [name for name in WHATSAPP_SETTINGS if name not in missing]
    return [
        f"{_names(given)} {'is' if len(given) == 1 else 'are'} set but {_names(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not — WhatsApp needs all four (Meta's "
        "developer console: WhatsApp > API Setup for the token and the phone number id, "
        "App settings > Basic for the app secret; the verify token is yours to choose and "
        "to type in the webhook settings); set them, or unset the WHATSAPP_* variables to "
        "run without WhatsApp"
    ]


def _telegram_problems(settings: Settings) -> list[str]:
    problems = []
    url = settings.telegram_webhook_url
    if url and not settings.telegram_enabled:
        problems.append(
            "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not — set TELEGRAM_BOT_TOKEN "
            "(from @BotFather), or unset TELEGRAM_WEBHOOK_URL"
        )
    elif url:
        problems += _webhook_url_problems(url)
    secret = settings.telegram_webhook_secret
    if secret is not None and not _WEBHOOK_SECRET.match(secret.get_secret_value()):
        problems.append(
            "TELEGRAM_WEBHOOK_SECRET: Telegram accepts only 1 to 256 letters, digits, _ and - "
            "— choose another, or unset it (carebot then derives one from the token)"
        )
    return problems


def _webhook_url_problems(url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return [
            f"TELEGRAM_WEBHOOK_URL: {url} is not an https:// address — Telegram calls webhooks "
            "over HTTPS only: give carebot's public https:// address (behind a TLS proxy), "
            "or unset TELEGRAM_WEBHOOK_URL to use long polling"
        ]
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port not in WEBHOOK_PORTS:
        return [
            f"TELEGRAM_WEBHOOK_URL: {url} uses a port Telegram does not call — use 443, 80, "
            "88 or 8443, or unset TELEGRAM_WEBHOOK_URL to use long polling"
        ]
    return []


# --- what runs ---


class InFlight:
    """How many updates are being handled right now: a turn and the sending of its replies."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> None:
        self.count += 1

    def __exit__(self, *_: object) -> None:
        self.count -= 1


class JobsInFlight:
    """Scheduler job runs started and not ended. APScheduler 3 cannot tell, and its
    ``shutdown`` cancels a coroutine job mid-run (a dispatch mid-send): the stop waits for
    them first."""

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.count = 0
        scheduler.add_listener(self._submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(self._ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def _submitted(self, event: JobSubmissionEvent) -> None:
        self.count += len(event.scheduled_run_times)

    def _ended(self, _event: JobEvent) -> None:
        # One event per run time, on the loop's thread.
        self.count -= 1


@dataclass(frozen=True)
class Summary:
    """What runs, for the operator: shown once at start, nothing secret or personal in it."""

    channels: tuple[str, ...]
    database: str
    clinic: str
    clinic_file: str
    practitioners: int
    services: int
    faq_entries: int
    faq_file: str
    llm: str
    web: str
    staff_page: str
    health: tuple[str, ...] = HEALTH_PATHS

    def fields(self) -> dict[str, Any]:
        """The summary as the ``carebot.started`` event's fields."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The summary as a block a person reads on a terminal."""
        rows = [
            ("channels", self.channels[0]),
            *(("", channel) for channel in self.channels[1:]),
            ("database", self.database),
            (
                "clinic",
                f"{self.clinic} — {self.practitioners} practitioners, {self.services} "
                f"services ({self.clinic_file})",
            ),
            ("FAQ", f"{self.faq_entries} entries ({self.faq_file})"),
            ("LLM", self.llm),
            ("web", f"{self.web}  ({', '.join(self.health)})"),
            ("staff", self.staff_page),
        ]
        return [
            "carebot is running",
            *(f"  {label:<9} {value}" for label, value in rows),
            "Stop with Ctrl-C or SIGTERM; SIGHUP reloads clinic.yaml and faq.yaml.",
        ]


@dataclass
class Running:
    """What a running process holds, for shutdown and for tests."""

    stop: asyncio.Event
    telegram: TelegramChannel | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    scheduler: AsyncIOScheduler | None = None
    jobs: JobsInFlight | None = None
    turns: InFlight = field(default_factory=InFlight)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    summary: Summary | None = None
    #: Seconds without a long poll answered before the channel counts as disconnected.
    poll_silence: float = POLL_SILENCE


@dataclass(frozen=True)
class Stopped:
    """How a stop went: what had not finished when it gave up waiting."""

    unfinished_turns: int
    unfinished_jobs: int
    seconds: float
    #: Channel or web tasks that had to be cancelled at the deadline.
    unfinished_tasks: int = 0

    @property
    def clean(self) -> bool:
        """Whether everything in flight finished."""
        return not (self.unfinished_turns or self.unfinished_jobs or self.unfinished_tasks)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _CountedTelegram(TelegramChannel):
    """The Telegram channel, counting the updates in flight for the stop."""

    def __init__(
        self,
        turns: InFlight,
        bot: Bot,
        engine: Engine,
        delivery: Delivery,
        staff: StaffDesk | None,
    ) -> None:
        super().__init__(bot, engine, delivery, staff)
        self.turns = turns

    async def process(self, update: Update) -> None:
        """Handle one update (see ``TelegramChannel.process``), counted while in flight."""
        with self.turns:
            await super().process(update)


class _CountedWhatsApp(WhatsAppChannel):
    """The WhatsApp channel, counting the webhook calls in flight for the stop."""

    def __init__(
        self,
        turns: InFlight,
        engine: Engine,
        delivery: Delivery,
        clinic: Callable[[], ClinicConfig],
    ) -> None:
        super().__init__(engine, delivery, clinic)
        self.turns = turns

    async def process(self, payload: dict[str, Any]) -> None:
        """Handle one webhook call (see ``WhatsAppChannel.process``), counted while in flight."""
        with self.turns:
            await super().process(payload)


class _Stopping(Exception):  # noqa: N818 -- a signal between two of our classes, not an error
    """The process stops: the dispatcher hands nothing more to a channel."""


class _UntilStopping:
    """A channel sender for the dispatcher that refuses to start a send once the process
    stops (a send already started finishes)."""

    def __init__(self, sender: ChannelSender, stopping: asyncio.Event) -> None:
        self.channel = sender.channel
        self.sender = sender
        self.stopping = stopping

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send, unless the process is stopping."""
        if self.stopping.is_set():
            raise _Stopping
        return await self.sender.send(recipient, reply)


class _Backlog(Delivery):
    """The dispatcher's delivery. Once the process stops it sends nothing more, and the
    messages it had claimed but not handed to their channel go back to the outbox, due as
    they were and in the same order: the next start sends them at once, instead of after
    ``STUCK_AFTER`` as it would after a crash."""

    def __init__(
        self,
        database: Database,
        senders: list[ChannelSender],
        clock: Clock,
        clinic: Callable[[], ClinicConfig],
        stopping: asyncio.Event,
    ) -> None:
        super().__init__(database, [_UntilStopping(s, stopping) for s in senders], clock, clinic)

    async def deliver(self, items: Sequence[Outgoing]) -> None:
        """Send a chat's messages in order (see ``Delivery.deliver``) until the stop."""
        try:
            await super().deliver(items)
        except _Stopping:
            await asyncio.to_thread(self._put_back, [item.outbox_id for item in items])

    def _put_back(self, ids: list[int]) -> None:
        with self.database.unit_of_work() as uow:
            put_back = uow.outbox.give_back(ids)
            uow.commit()
        log.info("dispatcher.put_back", messages=put_back)


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


@contextlib.contextmanager
def _telegram_refusals(settings: Settings) -> Iterator[None]:
    """Telegram's refusals at start, as StartRefusedError naming the setting (never the token:
    python-telegram-bot's own message for a rejected token quotes it)."""
    try:
        yield
    except InvalidToken:
        raise StartRefusedError(
            "TELEGRAM_BOT_TOKEN: the Telegram Bot API rejected this token (401 Unauthorized) "
            "— copy it again from @BotFather (/mybots > API Token); it may have been revoked"
        ) from None
    except NetworkError as error:
        raise StartRefusedError(
            f"TELEGRAM_BASE_URL: cannot reach the Telegram Bot API at "
            f"{settings.telegram_base_url} ({type(error).__name__}) — check this machine's "
            "network and proxy, or TELEGRAM_BASE_URL"
        ) from None
    except TelegramError as error:
        raise StartRefusedError(
            f"TELEGRAM_BOT_TOKEN: the Telegram Bot API refused to start the bot: "
            f"{error.message} — check the bot's settings with @BotFather"
        ) from None


def listen(host: str, port: int) -> socket.socket:
    """The web app's socket, bound now, so that a taken address stops the start."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        address = web_address(host, port).removeprefix("http://")
        if error.errno == errno.EADDRINUSE:
            raise StartRefusedError(
                f"WEB_PORT: {address} is already in use — stop what listens there, or set "
                "WEB_PORT (and WEB_HOST) to a free address"
            ) from None
        raise StartRefusedError(
            f"WEB_HOST: cannot listen on {address} ({error.strerror}) — use an address of "
            "this machine: 127.0.0.1, or 0.0.0.0 for all"
        ) from None
    return sock


def web_address(host: str, port: int) -> str:
    """The web app's address as a URL."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def start(system: System, stop: asyncio.Event) -> Running:
    """Start every configured channel, the dispatcher and the web app; print the summary.
    ``StartRefusedError`` (with everything opened closed again) if the configuration cannot run."""
    settings = system.settings
    sock = listen(settings.web_host, settings.web_port)
    running = Running(stop)
    try:
        await _start(system, running, sock)
    except BaseException:
        sock.close()
        await _shut(running, timeout=CLOSE_SECONDS)
        raise
    return running


async def _start(system: System, running: Running, sock: socket.socket) -> None:
    settings, engine, clinic, stop = system.settings, system.engine, system.clinic, running.stop
    senders: list[ChannelSender] = []
    bot: Bot | None = None
    token = _secret(settings.telegram_bot_token) or ""
    if token:
        bot = telegram_bot(token, settings.telegram_base_url)
        running.closers.append(bot.shutdown)
        with _telegram_refusals(settings):
            await bot.initialize()  # getMe: a rejected token stops the start here
        senders.append(TelegramSender(bot))
    if settings.whatsapp_enabled:
        whatsapp_out = whatsapp_sender(system)
        running.closers.append(whatsapp_out.client.aclose)
        senders.append(whatsapp_out)
    delivery = Delivery(system.database, senders, engine.clock, clinic)
    backlog = _Backlog(system.database, senders, engine.clock, clinic, stop)
    whatsapp = (
        _CountedWhatsApp(running.turns, engine, delivery, clinic)
        if settings.whatsapp_enabled
        else None
    )
    secret = None
    staff: StaffDesk | None = None
    if bot is not None:
        staff = StaffDesk(
            bot, system.database, clinic, engine.clock, delivery, system.settings.faq_file
        )
        running.telegram = _CountedTelegram(running.turns, bot, engine, delivery, staff)
        configured = _secret(settings.telegram_webhook_secret)
        secret = webhook_secret(token, configured)
        with _telegram_refusals(settings):
            await running.telegram.sender.set_commands(clinic().clinic.default_language)
            if not settings.telegram_webhook_url:
                await bot.delete_webhook()
        if not settings.telegram_webhook_url:
            running.tasks.append(asyncio.create_task(running.telegram.poll(stop)))
    dispatcher = OutboxDispatcher(system.database, backlog, engine.clock, clinic)
    running.scheduler = build_scheduler(system.database, clinic, engine.clock, dispatcher)
    running.jobs = JobsInFlight(running.scheduler)
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
    staff_pages = StaffPages.from_settings(
        settings,
        report=lambda start, end: build_report(
            system.database, clinic(), start, end, now=engine.clock()
        ),
        clinic=clinic,
        clock=engine.clock,
    )
    app = create_app(
        staff_pages=staff_pages,
        readiness=lambda: readiness(system, running),
        gauges=DatabaseGauges(system.database, engine.clock),
        telegram=running.telegram,
        telegram_secret=secret,
        whatsapp=whatsapp,
        whatsapp_app_secret=_secret(settings.whatsapp_app_secret),
        whatsapp_verify_token=_secret(settings.whatsapp_verify_token),
    )
    server = _Server(
        uvicorn.Config(
            app,
            host=settings.web_host,
            port=settings.web_port,
            log_level="warning",
            # Behind a reverse proxy: the client's address and https, as the proxy says.
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            # Requests in flight (webhook turns) get the drain's time, then are cancelled.
            timeout_graceful_shutdown=int(DRAIN_SECONDS),
        )
    )
    serving = asyncio.create_task(_serve_until(server, sock, stop))
    running.tasks.append(serving)
    # The webhook is registered only once we listen: Telegram calls it at once.
    while not server.started:
        if serving.done():
            serving.result()  # the web app could not start
        await asyncio.sleep(0.01)
    webhook = None
    if bot is not None and settings.telegram_webhook_url:
        webhook = settings.telegram_webhook_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH
        await _set_webhook(bot, webhook, secret or "")
    running.summary = summarize(system, bot, webhook)
    announce("carebot.started", running.summary.lines(), **running.summary.fields())


async def _set_webhook(bot: Bot, url: str, secret: str) -> None:
    try:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))
    except TelegramError as error:
        raise StartRefusedError(
            f"TELEGRAM_WEBHOOK_URL: Telegram refused the webhook {url}: {error.message} — "
            "give carebot's public https:// address, reachable from the internet"
        ) from None


def summarize(system: System, bot: Bot | None, webhook: str | None) -> Summary:
    """What runs, from the settings and what was started."""
    settings = system.settings
    web = web_address(settings.web_host, settings.web_port)
    channels = []
    if bot is not None:
        name = f"Telegram @{bot.username}" if bot.username else "Telegram"
        channels.append(f"{name}: webhook {webhook}" if webhook else f"{name}: long polling")
    if settings.whatsapp_enabled:
        channels.append(f"WhatsApp: webhook at {WHATSAPP_WEBHOOK_PATH}")
    config = system.clinic()
    return Summary(
        channels=tuple(channels) or ("none",),
        database=_database(settings.database_url, system),
        clinic=config.clinic.name,
        clinic_file=str(system.clinic.path),
        practitioners=len(config.practitioners),
        services=len(config.services),
        faq_entries=system.knowledge.entries,
        faq_file=str(system.knowledge.path),
        llm=(
            f"on ({settings.anthropic_model})"
            if system.knowledge.llm_enabled
            else "off: FAQ and clinic facts only"
        ),
        web=web,
        staff_page=(
            f"{web}{STAFF_PREFIX}"
            if StaffAccounts.from_settings(settings).enabled
            else "off: set STAFF_USER and STAFF_PASSWORD, or STAFF_PASSWORD_FILE"
        ),
    )


def _database(url: str, system: System) -> str:
    """The database as shown: a SQLite file by its full path, a server without password."""
    parsed = system.database.url
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return f"sqlite:///{Path(parsed.database or '').resolve()}"
    return safe_url(url)


#: The outbox is "stuck" when a due message has waited longer than this.
STUCK_OUTBOX = timedelta(minutes=5)


def readiness(system: System, running: Running) -> dict[str, bool]:
    """What a load balancer asks: database reachable, scheduler and channels running and
    connected, outbox moving."""
    return {
        "database": database_reachable(system),
        "scheduler": running.scheduler is not None and running.scheduler.running,
        "channels": not running.stop.is_set()
        and all(not task.done() for task in running.tasks)
        and polling_connected(running),
        "outbox": outbox_moving(system),
    }


def polling_connected(running: Running) -> bool:
    """Whether Telegram answered a long poll lately (always true when not polling)."""
    telegram = running.telegram
    if telegram is None or telegram.last_poll is None:
        return True
    return time.monotonic() - telegram.last_poll < running.poll_silence


def database_reachable(system: System) -> bool:
    """Whether a trivial query answers."""
    try:
        system.database.ping()
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


async def _serve_until(server: uvicorn.Server, sock: socket.socket, stop: asyncio.Event) -> None:
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    # uvicorn stops accepting at once, then waits for the requests in flight.
    server.should_exit = True
    await serving


async def _until(done: Callable[[], bool], deadline: float) -> None:
    """Wait until ``done()`` or the loop's clock reaches ``deadline``."""
    loop = asyncio.get_running_loop()
    while not done() and loop.time() < deadline:
        await asyncio.sleep(0.02)


async def _shut(running: Running, timeout: float) -> Stopped:
    """Everything :func:`stop_running` does but the log line."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    deadline = began + timeout
    running.stop.set()  # the poller drops its long poll, uvicorn stops accepting
    scheduler = running.scheduler
    if scheduler is not None and scheduler.running:
        scheduler.pause()  # no new sweep; the ones running finish (see JobsInFlight)
    pending: set[asyncio.Task[None]] = set()
    if running.tasks:
        _, pending = await asyncio.wait(running.tasks, timeout=max(0.0, deadline - loop.time()))
    jobs = running.jobs
    await _until(lambda: jobs is None or jobs.count <= 0, deadline)
    turns, unfinished_jobs = running.turns.count, max(jobs.count if jobs else 0, 0)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)  # cancels what is still running, if anything
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=CLOSE_SECONDS)
    for close in running.closers:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(close(), CLOSE_SECONDS)
    with contextlib.suppress(Exception):
        loop.remove_signal_handler(signal.SIGHUP)
    return Stopped(turns, unfinished_jobs, round(loop.time() - began, 2), len(pending))


async def stop_running(running: Running, timeout: float = DRAIN_SECONDS) -> Stopped:
    """Stop taking updates, let the turns in flight finish and their replies go out, put
    what the dispatcher holds back into the outbox, close the clients; give up waiting on
    what is left after ``timeout`` seconds (the outbox keeps their replies)."""
    stopped = await _shut(running, timeout)
    log.info(
        "carebot.stopped",
        unfinished_turns=stopped.unfinished_turns,
        unfinished_jobs=stopped.unfinished_jobs,
        unfinished_tasks=stopped.unfinished_tasks,
        seconds=stopped.seconds,
    )
    return stopped


async def run_forever(system: System) -> Stopped:
    """Run until SIGTERM or SIGINT, then stop within ``STOP_SECONDS``; a second signal
    stops at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _on_signal, stop, sig)
    try:
        running = await start(system, stop)
        await stop.wait()
        stopped = await stop_running(running)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    system.knowledge.close()
    system.database.dispose()
    if not stopped.clean:
        # A turn still running in a worker thread would hold the exit (Python joins its
        # threads) past what a supervisor waits before SIGKILL. Leave as a crash would: the
        # outbox and the processed update ids are made for it.
        _exit_now(1)
    return stopped


def _on_signal(stop: asyncio.Event, sig: signal.Signals) -> None:
    if stop.is_set():
        log.warning("carebot.stop_forced", signal=sig.name)
        _exit_now(1)
    log.info("carebot.stopping", signal=sig.name)
    stop.set()


def _exit_now(code: int) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
