"""Patients booking concurrently over Telegram: ``python -m bench.telegram_e2e``.

Hundreds of simulated patients each book an appointment through carebot
running as in production (``python -m bot.cli run``, its own process, a
SQLite file in a temporary directory, the sample clinic, the real clock),
polling the fake Bot API of ``tests/fakes/telegram_api.py`` with its rate
limits off. Each patient waits for the bot's answer before the next update,
as a person does (a closed loop): ``/start`` → book → service → first
available → a day → a time → name → shared contact → confirm →
``/appointments``, ten updates when nothing goes wrong.

A turn ends when the message the patient acts on next has reached the fake:
the keyboard of the next step, the contact keyboard, the name question, or
the ``.ics`` (the last message of a confirmed booking). A time someone else
took meanwhile brings the nearest free times instead; the patient picks
another, and that turn counts like any other ("times lost"). End-to-end
latency is from the push of an update to that message.

The baseline, in the same run and on a fresh fake: the same number of
patients sending the same kinds of updates (texts, button presses, a shared
contact) to a bare python-telegram-bot echo bot (``bench/_telegram_echo.py``),
each waiting for its echo.

carebot paces its own sends to Telegram's limits (about 30 messages/s
overall, 1/s per chat), which the fake's rate limits being off does not
lift: under a crowd that pacing sets its throughput. ``--unpaced`` adds a run
of the same process with the pacing lifted (``bench/_telegram_carebot.py``),
to show what the process itself can do.

The bot CPU time per update and the peak RSS are those of the bot's process
alone (``/proc/<pid>/stat`` over the timed part, ``VmHWM``); the harness (the
fake server and the patients, one process) prints its own CPU use so that a
saturated harness shows. ``--profile DIR`` runs the bots under cProfile (CPU
time of every thread, timed part only: ``bench/_telegram_profiled.py``) and
prints their top 15. It prints figures next to their targets and asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.consent import ACCEPT as CONSENT
from bot.i18n import catalogue
from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE, Settings
from clinic.loader import load_clinic_file
from tests.fakes.telegram_api import FakeTelegram, SentMessage, running_fake_telegram

REPO = Path(__file__).resolve().parent.parent
#: The targets the figures are printed against.
TARGET_THROUGHPUT_RATIO = 0.5
TARGET_PEAK_RSS_MB = 150.0

#: What the patient sends at each step (the echo baseline sends the same).
KINDS = {
    "/start": "text",
    "consent": "press",
    "book": "press",
    "service": "press",
    "first available": "press",
    "day": "press",
    "time": "press",
    "name": "text",
    "contact": "contact",
    "confirm": "press",
    "/appointments": "text",
}
STEPS = tuple(KINDS)
#: Times a patient tries another free time after one was taken meanwhile.
MAX_SLOT_ATTEMPTS = 8

Predicate = Callable[[SentMessage], bool]
Push = Callable[[], object]


class BenchError(RuntimeError):
    """The bench could not measure (a bot died, never started, or a patient got stuck)."""


# ---------------------------------------------------------------------- bot processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_environment() -> dict[str, str]:
    """This environment without anything carebot's settings would read (an API key…)."""
    fields = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in fields}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


class BotProcess:
    """A bot in its own process: started, watched, measured, always stopped."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.folder = folder
        self.log_path = folder / f"{name}.log"
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it in its own session (a Ctrl-C reaches the bench, which stops it)."""
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.folder,  # no .env of the developer's is read
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The process id (once started)."""
        assert self.process is not None
        return self.process.pid

    def check_alive(self) -> None:
        """Raise with the end of its output if it has exited."""
        if self.process is None:
            raise BenchError(f"{self.name} was not started")
        code = self.process.poll()
        if code is not None:
            raise BenchError(
                f"{self.name} exited with code {code}; its last output:\n{self.tail()}"
            )

    def signal(self, number: int) -> None:
        """Send it a signal."""
        self.check_alive()
        os.kill(self.pid, number)

    def cpu_seconds(self) -> float:
        """User + system CPU time of all its threads so far."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        utime, stime = int(fields[11]), int(fields[12])
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self, field: str = "VmHWM") -> float:
        """A memory figure of ``/proc/<pid>/status``: ``VmHWM`` (peak RSS), ``VmRSS``…"""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
        raise BenchError(f"no {field} for {self.name}")

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait, SIGKILL if it lingers; return its exit code."""
        process = self.process
        if process is None:
            return None
        try:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    print(f"{self.name} did not stop within {timeout:.0f} s: killing it")
                    process.kill()
                    process.wait(timeout=5)
            return process.returncode
        finally:
            if self._log is not None:
                self._log.close()

    def tail(self, lines: int = 30) -> str:
        """The last lines of its stdout and stderr."""
        with contextlib.suppress(OSError):
            text = self.log_path.read_text("utf-8", errors="replace")
            if text.strip():
                return "\n".join("    " + line for line in text.splitlines()[-lines:])
        return "    (no output)"


def _python(module: str, profile: Path | None) -> list[str]:
    if profile is None:
        return [sys.executable, "-m", module]
    return [sys.executable, "-m", "bench._telegram_profiled", str(profile), "-m", module]


def carebot_process(
    fake: FakeTelegram, folder: Path, profile: Path | None, *, paced: bool = True
) -> BotProcess:
    """``carebot run`` on a fresh SQLite file, polling the fake (its pacing lifted unless
    ``paced``: ``bench/_telegram_carebot.py``)."""
    env = _clean_environment()
    env.update(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{folder / 'carebot.db'}",
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(_free_port()),
        LOG_LEVEL="WARNING",
        CLINIC_FILE=str(DEFAULT_CLINIC_FILE),
        FAQ_FILE=str(DEFAULT_FAQ_FILE),
    )
    if paced:
        return BotProcess("carebot", [*_python("bot.cli", profile), "run"], env, folder)
    return BotProcess("carebot-unpaced", _python("bench._telegram_carebot", profile), env, folder)


def unpaced_carebot_process(fake: FakeTelegram, folder: Path, profile: Path | None) -> BotProcess:
    """``carebot run`` with its pacing of sends lifted."""
    return carebot_process(fake, folder, profile, paced=False)


def echo_process(fake: FakeTelegram, folder: Path, profile: Path | None) -> BotProcess:
    """The bare PTB echo bot, polling the fake."""
    env = _clean_environment()
    env.update(TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_BASE_URL=fake.base_url)
    return BotProcess("echo", _python("bench._telegram_echo", profile), env, folder)


# ---------------------------------------------------------------------- patients


class Hub:
    """Hands every message the fake records to the patient of its chat, on our loop.

    The fake has no public way to be told of a send, and polling ``sent_to`` costs
    O(all messages) per look; so its ``_record`` is wrapped (the bench's only use of
    a private name of the fake).
    """

    def __init__(self, fake: FakeTelegram, loop: asyncio.AbstractEventLoop) -> None:
        self.fake = fake
        self.loop = loop
        self.patients: dict[int, Patient] = {}
        self.failure: BaseException | None = None
        record = fake._record

        def recorded(*args: Any, **kwargs: Any) -> None:
            record(*args, **kwargs)  # under the fake's lock, in its server thread
            message = fake._sent[-1]
            loop.call_soon_threadsafe(self._deliver, message, time.perf_counter())

        fake._record = recorded  # type: ignore[method-assign]

    def _deliver(self, message: SentMessage, at: float) -> None:
        patient = self.patients.get(message.chat_id)
        if patient is not None:
            patient.receive(message, at)

    def fail(self, error: BaseException) -> None:
        """End every waiting turn with ``error`` (a bot died)."""
        self.failure = error
        for patient in self.patients.values():
            patient.fail(error)


@dataclass
class Turn:
    """One update and the wait for its answer."""

    step: str
    latency: float  # seconds
    answered_at: float  # time.perf_counter()


@dataclass
class Patient:
    """A Telegram user in a private chat with the bot under test."""

    hub: Hub
    chat_id: int
    number: int
    language: str
    timeout: float
    turns: list[Turn] = field(default_factory=list)
    lost_times: int = 0
    keyboard: SentMessage | None = None
    received: list[SentMessage] = field(default_factory=list)
    _waiting: tuple[Predicate, asyncio.Future[tuple[SentMessage, float]]] | None = None

    def __post_init__(self) -> None:
        self.hub.patients[self.chat_id] = self

    @property
    def fake(self) -> FakeTelegram:
        """The fake Bot API the patient writes through."""
        return self.hub.fake

    def receive(self, message: SentMessage, at: float) -> None:
        """A message of the bot reached this chat."""
        self.received.append(message)
        markup = message.reply_markup or {}
        if message.method == "sendMessage" and "inline_keyboard" in markup:
            self.keyboard = message
        if self._waiting is not None:
            done, future = self._waiting
            if not future.done() and done(message):
                future.set_result((message, at))

    def fail(self, error: BaseException) -> None:
        """End the turn being waited for with ``error``."""
        if self._waiting is not None and not self._waiting[1].done():
            self._waiting[1].set_exception(error)

    async def turn(self, step: str, push: Push, done: Predicate) -> SentMessage:
        """Push one update; wait for the bot's message that ``done`` recognises."""
        if self.hub.failure is not None:
            raise self.hub.failure
        future: asyncio.Future[tuple[SentMessage, float]] = self.hub.loop.create_future()
        self._waiting = (done, future)
        started = time.perf_counter()
        push()
        try:
            message, at = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            seen = [(m.method, (m.text or m.caption or "")[:60]) for m in self.received[-3:]]
            raise BenchError(
                f"patient {self.chat_id}: no answer to {step!r} within {self.timeout:.0f} s; "
                f"last messages: {seen}"
            ) from None
        finally:
            self._waiting = None
        self.turns.append(Turn(step, at - started, at))
        return message

    def says(self, step: str, text: str, done: Predicate) -> Awaitable[SentMessage]:
        """Type a message."""
        return self.turn(
            step,
            lambda: self.fake.push_message(self.chat_id, text, language_code=self.language),
            done,
        )

    def shares_contact(self, step: str, phone: str, done: Predicate) -> Awaitable[SentMessage]:
        """Tap "share my number"."""
        return self.turn(
            step,
            lambda: self.fake.push_contact(self.chat_id, phone, language_code=self.language),
            done,
        )

    def presses(self, step: str, data: str, done: Predicate) -> Awaitable[SentMessage]:
        """Press the button with callback data ``data`` of the latest inline keyboard."""
        keyboard = self.keyboard
        offered = [str(b.get("callback_data")) for b in keyboard.buttons] if keyboard else []
        if keyboard is None or data not in offered:
            raise BenchError(f"patient {self.chat_id}: no button {data!r} among {offered}")
        message_id = keyboard.message_id
        return self.turn(
            step,
            lambda: self.fake.push_callback(
                self.chat_id, data, message_id, language_code=self.language
            ),
            done,
        )

    def choices(self, prefix: str) -> list[str]:
        """The callback data starting with ``prefix`` in the latest inline keyboard."""
        if self.keyboard is None:
            return []
        data = (str(button.get("callback_data", "")) for button in self.keyboard.buttons)
        return [d for d in data if d.startswith(prefix)]


def button(data: str) -> Predicate:
    """A message with an inline keyboard offering ``data``."""
    return lambda m: any(b.get("callback_data") == data for b in m.buttons)


def buttons(prefix: str) -> Predicate:
    """A message with an inline keyboard offering data starting with ``prefix``."""
    return lambda m: any(str(b.get("callback_data", "")).startswith(prefix) for b in m.buttons)


def contact_keyboard(message: SentMessage) -> bool:
    """A message with the reply keyboard's "share my number" button."""
    return any(b.get("request_contact") for b in message.buttons)


def document(message: SentMessage) -> bool:
    """A document (the ``.ics`` of a confirmed booking)."""
    return message.method == "sendDocument"


def any_message(message: SentMessage) -> bool:
    """Any new message (an echo)."""
    return message.method == "sendMessage"


def either(*predicates: Predicate) -> Predicate:
    """A message any of ``predicates`` recognises."""
    return lambda m: any(p(m) for p in predicates)


async def book(patient: Patient, services: list[str]) -> None:
    """The whole booking by buttons, then "my appointments"; raises if it goes astray.

    Patients spread over services and days and pick a time at random; a time taken
    meanwhile by another patient (at the time step or at confirmation) brings the
    nearest free ones, and the patient picks one of those.
    """
    n = patient.number
    rng = random.Random(n)
    ask_name = catalogue(patient.language)["booking.ask_name"]

    def name_question(message: SentMessage) -> bool:
        return message.method == "sendMessage" and message.text == ask_name

    confirm = button("ok")
    times = buttons("s:")
    # A first message gets the privacy notice; agreeing answers the kept "/start" (the menu).
    await patient.says("/start", "/start", button(CONSENT))
    await patient.presses("consent", CONSENT, button("m:book"))
    await patient.presses("book", "m:book", buttons("svc:"))
    await patient.presses("service", f"svc:{services[n % len(services)]}", button("pr:any"))
    await patient.presses("first available", "pr:any", buttons("day:"))
    days = patient.choices("day:")
    spread = n // len(services)
    await patient.presses("day", days[spread % len(days)], times)
    slot = rng.choice(patient.choices("s:"))
    for _ in range(MAX_SLOT_ATTEMPTS):
        answer = await patient.presses("time", slot, either(name_question, confirm, times))
        if name_question(answer):
            answer = await patient.says("name", f"Patient Number{'x' * (n % 5)}", contact_keyboard)
            answer = await patient.shares_contact("contact", f"+336{12345000 + n}", confirm)
        if confirm(answer):
            answer = await patient.presses("confirm", "ok", either(document, times))
        if document(answer):
            break
        patient.lost_times += 1  # taken meanwhile: the nearest free times instead
        slot = rng.choice(patient.choices("s:"))
    else:
        raise BenchError(f"patient {patient.chat_id}: {MAX_SLOT_ATTEMPTS} times taken meanwhile")
    await patient.says("/appointments", "/appointments", buttons("cx:"))


async def echo(patient: Patient) -> None:
    """The same kinds of updates as a booking, each answered by one echo."""
    n = patient.number
    for step, kind in KINDS.items():
        if kind == "text":
            await patient.says(step, f"{step} from patient {n}", any_message)
        elif kind == "contact":
            await patient.shares_contact(step, f"+336{12345000 + n}", any_message)
        else:
            await patient.presses(step, "again", any_message)


# ---------------------------------------------------------------------- one measured bot


@dataclass
class Result:
    """What one bot did under the load."""

    name: str
    patients: int
    completed: int
    turns: list[Turn]
    wall: float
    bot_cpu: float
    idle_rss_mb: float
    peak_rss_mb: float
    harness_cpu: float
    calls: Counter[str]
    rejected: int
    failures: list[str]
    lost_times: int

    @property
    def updates(self) -> int:
        """Updates answered in the timed part."""
        return len(self.turns)

    @property
    def rate(self) -> float:
        """Updates answered per second of wall time."""
        return self.updates / self.wall if self.wall else 0.0

    def latencies_ms(self, step: str | None = None) -> list[float]:
        """End-to-end latencies, all or of one step."""
        return [t.latency * 1000 for t in self.turns if step is None or t.step == step]


Conversation = Callable[[Patient], Awaitable[None]]
StartBot = Callable[[FakeTelegram, Path, Path | None], BotProcess]


async def _wait_ready(fake: FakeTelegram, bot: BotProcess, timeout: float) -> None:
    """Until the bot long-polls the fake (it has set itself up)."""
    deadline = time.monotonic() + timeout
    while not fake.long_poll_waiting:
        bot.check_alive()
        if time.monotonic() > deadline:
            raise BenchError(
                f"{bot.name} did not poll the fake within {timeout:.0f} s; its output:\n"
                f"{bot.tail()}"
            )
        await asyncio.sleep(0.05)


async def _watch(bot: BotProcess, hub: Hub) -> None:
    """Fail every waiting patient at once if the bot dies."""
    while True:
        try:
            bot.check_alive()
        except BenchError as error:
            hub.fail(error)
            return
        await asyncio.sleep(0.2)


async def _run_patients(
    hub: Hub, conversation: Conversation, patients: list[Patient], deadline: float
) -> list[str]:
    """All the conversations at once; the failures, one line each."""
    outcomes = await asyncio.wait_for(
        asyncio.gather(*(conversation(p) for p in patients), return_exceptions=True), deadline
    )
    if hub.failure is not None:
        raise hub.failure
    failures = []
    for outcome in outcomes:
        if isinstance(outcome, BenchError):
            failures.append(str(outcome))
        elif isinstance(outcome, BaseException):
            raise outcome
    return failures


def _language(number: int) -> str:
    return "fr" if number % 3 else "en"


@contextlib.contextmanager
def _running(bot: BotProcess) -> Iterator[BotProcess]:
    """The bot started for the block, and stopped (killed if need be) whatever happens."""
    measured = False
    try:
        bot.start()
        yield bot
        measured = True
    finally:
        code = bot.stop()
        if measured and code not in (0, -signal.SIGTERM):
            print(f"{bot.name} exited with code {code} when stopped; its last output:")
            print(bot.tail())


async def measure(
    name: str,
    start_bot: StartBot,
    conversation: Conversation,
    *,
    patients: int,
    warm_up: int,
    timeout: float,
    profile: Path | None,
) -> Result:
    """Serve a fresh fake, start the bot against it, warm it up, then time the patients."""
    loop = asyncio.get_running_loop()
    with (
        tempfile.TemporaryDirectory(prefix=f"telegram-e2e-{name}-") as folder,
        running_fake_telegram() as fake,
        _running(start_bot(fake, Path(folder), profile)) as bot,
    ):
        fake.rate_limits = False
        hub = Hub(fake, loop)
        await _wait_ready(fake, bot, timeout=60)
        idle_rss = bot.memory_mb("VmRSS")
        watcher = asyncio.create_task(_watch(bot, hub))
        try:
            for n in range(warm_up):  # one after the other: first turns load lazy things
                await conversation(Patient(hub, 1 + n, 100_000 + n, _language(n), timeout))
            crowd = [Patient(hub, 1000 + n, n, _language(n), timeout) for n in range(patients)]
            if profile is not None:
                bot.signal(signal.SIGUSR1)  # profile the timed part only
            requests, rejected = len(fake.requests), len(fake.rejected)
            cpu, harness = bot.cpu_seconds(), time.process_time()
            began = time.perf_counter()
            try:
                failures = await _run_patients(hub, conversation, crowd, deadline=timeout * 12)
            except TimeoutError:
                raise BenchError(f"{name}: the patients did not finish in time") from None
            # Up to the last answer: a patient who waited in vain adds no wall time.
            answered = [t.answered_at for p in crowd for t in p.turns]
            wall = (max(answered) if answered else time.perf_counter()) - began
            cpu, harness = bot.cpu_seconds() - cpu, time.process_time() - harness
            peak = bot.memory_mb("VmHWM")
            bot.check_alive()
            calls = Counter(request.method for request in fake.requests[requests:])
            rejected = len(fake.rejected) - rejected
        finally:
            watcher.cancel()
    return Result(
        name=name,
        patients=patients,
        completed=patients - len(failures),
        turns=[t for p in crowd for t in p.turns],
        wall=wall,
        bot_cpu=cpu,
        idle_rss_mb=idle_rss,
        peak_rss_mb=peak,
        harness_cpu=harness,
        calls=calls,
        rejected=rejected,
        failures=failures,
        lost_times=sum(p.lost_times for p in crowd),
    )


# ---------------------------------------------------------------------- report


def _quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _figures(result: Result) -> dict[str, str]:
    latencies = result.latencies_ms() or [0.0]
    updates = max(result.updates, 1)
    return {
        "patients done": f"{result.completed}/{result.patients}",
        "updates": f"{result.updates}",
        "wall time": f"{result.wall:.1f} s",
        "updates/s": f"{result.rate:.1f}",
        "latency p50": f"{statistics.median(latencies):.1f} ms",
        "latency p99": f"{_quantile(latencies, 0.99):.1f} ms",
        "latency max": f"{max(latencies):.1f} ms",
        "bot CPU/update": f"{result.bot_cpu * 1000 / updates:.2f} ms",
        "bot CPU use": f"{result.bot_cpu / result.wall * 100:.0f} % of a core",
        "RSS when idle": f"{result.idle_rss_mb:.1f} MB",
        "peak RSS": f"{result.peak_rss_mb:.1f} MB",
        "API calls/update": f"{sum(result.calls.values()) / updates:.2f}",
        "API errors": f"{result.rejected}",
        "times lost": f"{result.lost_times}",
        "harness CPU use": f"{result.harness_cpu / result.wall * 100:.0f} % of a core",
    }


TITLES = {
    "carebot": "carebot",
    "carebot-unpaced": "carebot unpaced",
    "echo": "echo (bare PTB)",
}


def report(carebots: list[Result], echo_bot: Result, patients: int) -> None:
    """A column per bot, carebot's latencies and API calls by step, and the targets."""
    results = [*carebots, echo_bot]
    print(
        f"{patients} patients at once, each waiting for every answer; fake Bot API "
        f"(rate limits off) in the harness process; {os.cpu_count()} CPUs"
    )
    columns = [_figures(result) for result in results]
    print(f"{'':<18}" + "".join(f"{TITLES[r.name]:>18}" for r in results))
    for key in columns[0]:
        print(f"{key:<18}" + "".join(f"{column[key]:>18}" for column in columns))
    print("carebot latency p50 / p99 by step (ms):")
    for step in STEPS:
        cells = []
        for result in carebots:
            values = result.latencies_ms(step) or [0.0]
            cells.append(f"{statistics.median(values):7.0f} / {_quantile(values, 0.99):6.0f}")
        print(f"  {step:<16}" + "".join(f"{cell:>18}" for cell in cells))
    for result in carebots:
        per_update = ", ".join(
            f"{method} {count / max(result.updates, 1):.2f}"
            for method, count in result.calls.most_common()
        )
        print(f"{TITLES[result.name]} API calls per update: {per_update}")
    for result in carebots:
        ratio = result.rate / echo_bot.rate if echo_bot.rate else 0.0
        print(
            f"throughput {TITLES[result.name]} / echo: {ratio:.2f}x   "
            f"(target >= {TARGET_THROUGHPUT_RATIO}x: {_mark(ratio >= TARGET_THROUGHPUT_RATIO)})"
        )
    for result in carebots:
        print(
            f"{TITLES[result.name]} peak RSS: {result.peak_rss_mb:.1f} MB   "
            f"(target < {TARGET_PEAK_RSS_MB:.0f} MB: "
            f"{_mark(result.peak_rss_mb < TARGET_PEAK_RSS_MB)})"
        )
    if not any(result.name == "carebot-unpaced" for result in carebots):
        print(
            "note: carebot paces its sends to Telegram's limits (about 30/s overall, 1/s per "
            "chat); --unpaced adds a run with that pacing lifted"
        )
    for result in results:
        for failure in result.failures[:3]:
            print(f"{result.name}: {failure}")
        if len(result.failures) > 3:
            print(f"{result.name}: … and {len(result.failures) - 3} more patients got stuck")


def print_profile(path: Path, title: str) -> None:
    """The top 15 functions by own CPU time, then by cumulative CPU time."""
    if not path.exists():
        print(f"{title}: no profile written")
        return
    for sort in ("tottime", "cumulative"):
        print(f"--- {title}: top 15 by {sort} (CPU time of each thread) ---")
        stats = pstats.Stats(str(path))
        stats.strip_dirs().sort_stats(sort).print_stats(15)


async def run(args: argparse.Namespace) -> None:
    """Measure carebot (and carebot unpaced), then the echo bot, and print them."""
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    services = [s.id for s in clinic.services if len(clinic.practitioners_for(s.id)) > 1]
    if not services:
        raise BenchError("the sample clinic has no service with two practitioners")

    async def carebot_booking(patient: Patient) -> None:
        await book(patient, services)

    profiles = Path(args.profile).resolve() if args.profile else None
    if profiles is not None:
        profiles.mkdir(parents=True, exist_ok=True)
    bots: list[tuple[str, StartBot, Conversation]] = [("carebot", carebot_process, carebot_booking)]
    if args.unpaced:
        bots.append(("carebot-unpaced", unpaced_carebot_process, carebot_booking))
    bots.append(("echo", echo_process, echo))
    results = []
    for name, start_bot, conversation in bots:
        results.append(
            await measure(
                name,
                start_bot,
                conversation,
                patients=args.patients,
                warm_up=args.warm_up,
                timeout=args.timeout,
                profile=profiles / f"{name}.prof" if profiles else None,
            )
        )
    report(results[:-1], results[-1], args.patients)
    if profiles is not None:
        print("(profiled run: the profiler inflates every figure above)")
        for name, _, _ in bots:
            print_profile(profiles / f"{name}.prof", TITLES[name])


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200, help="patients at once (200)")
    parser.add_argument("--quick", action="store_true", help="40 patients, for a quick look")
    parser.add_argument(
        "--unpaced", action="store_true", help="also run carebot with its send pacing lifted"
    )
    parser.add_argument("--warm-up", type=int, default=1, help="untimed conversations first (1)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a patient waits for an answer (60)"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="run the bots under cProfile (slow; try with --quick), print their top 15",
    )
    args = parser.parse_args()
    if args.quick:
        args.patients = min(args.patients, 40)
    if args.patients < 1 or args.warm_up < 0 or args.timeout <= 0:
        parser.error("--patients must be >= 1, --warm-up >= 0 and --timeout > 0")
    try:
        asyncio.run(_until_terminated(run(args)))
    except BenchError as error:
        print(f"telegram_e2e: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("telegram_e2e: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except asyncio.CancelledError:
        print("telegram_e2e: terminated", file=sys.stderr)
        raise SystemExit(143) from None


async def _until_terminated(work: Awaitable[None]) -> None:
    """``work``, cancelled on SIGTERM or SIGHUP so that the bots are stopped on the way
    out (asyncio.run already does that for Ctrl-C)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(number, task.cancel)
    await work


if __name__ == "__main__":
    main()
