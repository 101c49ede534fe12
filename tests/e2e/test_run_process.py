"""`carebot run` as an operator runs it: a real process, the fake Bot API over real HTTP.

What it prints once started (and what it must never print), what it refuses to start with
and how it says so, and how it stops: on SIGTERM or SIGINT it takes no new update, finishes
the turn in flight so that the patient still gets the reply, and exits cleanly within 10 s.
"""

from __future__ import annotations

import json
import os
import pty
import select as io_select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL, make_url
from sqlmodel import select

from bot.consent import ACCEPT as CONSENT
from bot.messages import Reply
from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE
from clinic.loader import load_clinic_file
from faq.loader import load_faq_file
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from tests.fakes.anthropic_api import running_fake_anthropic
from tests.fakes.serving import wait_until
from tests.fakes.telegram_api import FakeTelegram, running_fake_telegram
from tests.ports import free_port

#: Settings carebot reads; none of the test runner's own may leak into the process.
_SETTING_PREFIXES = (
    "DATABASE_",
    "CLINIC_",
    "FAQ_",
    "TELEGRAM_",
    "WHATSAPP_",
    "ANTHROPIC_",
    "WEB_",
    "LOG_",
    "STAFF_",
)
#: Starting Python and importing carebot takes 1-2 s; this leaves room on a slow machine.
START_TIMEOUT = 20.0
#: The issue's promise: from the signal to the exit, at most this long.
STOP_WITHIN = 10.0
#: A refusal comes before anything starts: well under this.
REFUSED_WITHIN = 8.0
NOTICE = "Avant de commencer"
#: A question the FAQ does not settle alone: it goes to the LLM.
CHARGER_QUESTION = "Y a-t-il une borne pour recharger ma voiture électrique ?"
CHARGER_REPLY = "Le parking se trouve derrière la clinique, accès par la rue des Lilas."


def environment(**settings: str) -> dict[str, str]:
    """The test runner's environment without any carebot setting, plus ``settings``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_SETTING_PREFIXES)}
    return {**clean, **settings}


def polling(fake: FakeTelegram, tmp_path: Path, **extra: str) -> dict[str, str]:
    """Settings for Telegram long polling against the fake, on a SQLite file."""
    return environment(
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'carebot.db'}",
        WEB_PORT=str(free_port()),
        **extra,
    )


class CarebotRun:
    """`carebot run` in a child process; what it writes goes to files (a pipe could fill)."""

    def __init__(self, tmp_path: Path, env: dict[str, str], name: str = "run") -> None:
        self.log = tmp_path / f"{name}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=tmp_path,  # no .env there
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def output(self) -> str:
        """Everything the process wrote so far."""
        return self.log.read_text(encoding="utf-8")

    def events(self, name: str) -> list[dict[str, Any]]:
        """The JSON log events called ``name`` so far."""
        found = []
        for line in self.output.splitlines():
            if line.startswith("{"):
                event = json.loads(line)
                if event.get("event") == name:
                    found.append(event)
        return found

    def started(self) -> dict[str, Any]:
        """Wait for the start-up summary and return it."""

        def summary() -> dict[str, Any]:
            if self.process.poll() is not None:
                raise AssertionError(f"carebot exited {self.process.returncode}:\n{self.output}")
            events = self.events("carebot.started")
            return events[0] if events else {}

        return wait_until(summary, START_TIMEOUT, lambda: f"no summary:\n{self.output}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> float:
        """Signal the process and wait for its exit; the seconds it took."""
        signalled = time.monotonic()
        self.process.send_signal(sig)
        self.process.wait(timeout=STOP_WITHIN + 5)
        return time.monotonic() - signalled

    def kill(self) -> None:
        """Make sure the process is gone (after a failed test)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    """The fake Bot API, serving for one test."""
    with running_fake_telegram() as server:
        yield server


@pytest.fixture
def runs() -> Iterator[list[CarebotRun]]:
    """Processes a test starts; any still running at the end is killed."""
    started: list[CarebotRun] = []
    yield started
    for run in started:
        run.kill()


def _with_password(url: URL | str) -> URL:
    url = make_url(url)
    return url if url.password else url.set(password="hunter2-db-password")


# --- the start-up summary ---


def test_the_start_up_summary_says_what_runs_and_nothing_secret(
    fake: FakeTelegram, tmp_path: Path, runs: list[CarebotRun], database_url: URL | str
) -> None:
    """Both channels, the database without its password, the clinic, the FAQ, the LLM and
    the web address with its health paths, in the ``carebot.started`` event; none of the
    tokens, secrets or the database password anywhere in the output."""
    database = _with_password(database_url)
    port = free_port()
    secrets = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "WHATSAPP_TOKEN": "EAAG-whatsapp-access-token",
        "WHATSAPP_APP_SECRET": "whatsapp-app-secret-42",
        "WHATSAPP_VERIFY_TOKEN": "verify-me-please-77",
        "ANTHROPIC_API_KEY": "sk-ant-test-key-99",
        "STAFF_PASSWORD": "staff-passphrase-31",
        "WEB_SESSION_SECRET": "session-secret-58",
    }
    env = environment(
        **secrets,
        TELEGRAM_BASE_URL=fake.base_url,
        TELEGRAM_WEBHOOK_URL="https://clinic.example",
        WHATSAPP_PHONE_NUMBER_ID="1234567890",
        STAFF_USER="reception",
        ANTHROPIC_BASE_URL="http://127.0.0.1:9",  # never called at start
        DATABASE_URL=database.render_as_string(hide_password=False),
        WEB_PORT=str(port),
    )
    run = CarebotRun(tmp_path, env)
    runs.append(run)
    summary = run.started()
    clinic = load_clinic_file(DEFAULT_CLINIC_FILE)
    faq = load_faq_file(DEFAULT_FAQ_FILE, clinic.clinic.languages)
    assert summary["channels"] == [
        "Telegram @carebot_test_bot: webhook https://clinic.example/telegram/webhook",
        "WhatsApp: webhook at /whatsapp/webhook",
    ]
    assert fake.webhook_url == "https://clinic.example/telegram/webhook"
    if database.get_backend_name() == "sqlite":
        assert summary["database"] == f"sqlite:///{database.database}"
    else:
        host = f"{database.host}:{database.port}" if database.port else database.host
        assert summary["database"] == f"{database.drivername}://…@{host}/{database.database}"
    assert summary["clinic"] == clinic.clinic.name
    assert summary["clinic_file"] == str(DEFAULT_CLINIC_FILE)
    assert (summary["practitioners"], summary["services"]) == (
        len(clinic.practitioners),
        len(clinic.services),
    )
    assert (summary["faq_entries"], summary["faq_file"]) == (
        len(faq.entries),
        str(DEFAULT_FAQ_FILE),
    )
    assert summary["llm"] == "on (claude-haiku-4-5)"
    assert summary["web"] == f"http://127.0.0.1:{port}"
    assert summary["health"] == ["/healthz", "/readyz", "/metrics"]
    assert summary["staff_page"] == f"http://127.0.0.1:{port}/staff"
    login = httpx.get(f"http://127.0.0.1:{port}/staff/login", timeout=5)
    assert login.status_code == 200 and 'type="password"' in login.text
    # Behind the reverse proxy (here 127.0.0.1, the default FORWARDED_ALLOW_IPS), the lockout
    # counts each person's own address and the cookie is Secure when they came over https.
    form = f"http://127.0.0.1:{port}/staff/login"

    def post(address: str, password: str) -> httpx.Response:
        headers = {"X-Forwarded-For": address, "X-Forwarded-Proto": "https"}
        fields = {"username": "reception", "password": password}
        return httpx.post(form, data=fields, headers=headers, timeout=10)

    assert [post("203.0.113.7", "guess").status_code for _ in range(6)][-1] == 429
    signed_in = post("198.51.100.2", secrets["STAFF_PASSWORD"])
    assert signed_in.status_code == 303, signed_in.text
    assert "secure" in signed_in.headers["set-cookie"].lower()
    assert run.stop() < STOP_WITHIN
    assert run.process.returncode == 0, run.output
    output = run.output
    for name, value in {**secrets, "DATABASE_URL": database.password or ""}.items():
        assert value not in output, f"{name} printed"
    assert fake.token.split(":", 1)[1] not in output


def _read_until(fd: int, text: str, timeout: float) -> str:
    """Read a terminal's output until ``text`` appears (or the other end closes)."""
    out = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in out and time.monotonic() < deadline:
        ready, _, _ = io_select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    return out.decode(errors="replace").replace("\r\n", "\n")


def test_on_a_terminal_the_summary_is_a_block_to_read(fake: FakeTelegram, tmp_path: Path) -> None:
    """Logs on a terminal are for people: the same summary as a short block of lines,
    then Ctrl-C stops carebot cleanly."""
    env = polling(fake, tmp_path)
    terminal, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    try:
        shown = _read_until(terminal, "SIGHUP reloads", START_TIMEOUT)
        lines = shown.splitlines()
        start = lines.index("carebot is running")
        assert lines[start + 1] == "  channels  Telegram @carebot_test_bot: long polling"
        assert lines[start + 2] == f"  database  sqlite:///{tmp_path / 'carebot.db'}"
        assert lines[start + 3].startswith("  clinic    Centre médical Lumière — ")
        assert "  FAQ       " in shown and "entries (" in shown
        assert "  LLM       off: FAQ and clinic facts only" in shown
        web = f"  web       http://127.0.0.1:{env['WEB_PORT']}  (/healthz, /readyz, /metrics)"
        assert web in shown
        assert "  staff     off: set STAFF_USER and STAFF_PASSWORD, or STAFF_PASSWORD_FILE" in shown
        assert fake.token not in shown
        process.send_signal(signal.SIGINT)
        after = _read_until(terminal, "carebot.stopped", STOP_WITHIN)
        assert process.wait(timeout=STOP_WITHIN) == 0
        assert "unfinished_turns=0" in after
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(terminal)


# --- refusals ---


def refused(tmp_path: Path, env: dict[str, str]) -> str:
    """Run `carebot run`, expect it to refuse quickly without a traceback; its output."""
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    elapsed = time.monotonic() - began
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert elapsed < REFUSED_WITHIN, f"took {elapsed:.1f} s"
    assert "Traceback" not in output
    assert "carebot.started" not in output and "carebot is running" not in output
    return output


UNUSED_BOT_API = "http://127.0.0.1:9/bot"


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param(
            {"WHATSAPP_TOKEN": "EAAG-secret", "WHATSAPP_PHONE_NUMBER_ID": "123"},
            [
                "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID are set but "
                "WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN are not",
                "unset the WHATSAPP_* variables to run without WhatsApp",
            ],
            id="whatsapp-partly-configured",
        ),
        pytest.param(
            {"TELEGRAM_WEBHOOK_URL": "https://clinic.example"},
            ["TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not"],
            id="webhook-without-token",
        ),
        pytest.param(
            {
                "TELEGRAM_BOT_TOKEN": "123:ABC-secret",
                "TELEGRAM_WEBHOOK_URL": "http://clinic.example",
            },
            [
                "TELEGRAM_WEBHOOK_URL: http://clinic.example is not an https:// address",
                "unset TELEGRAM_WEBHOOK_URL to use long polling",
            ],
            id="webhook-not-https",
        ),
        pytest.param(
            {},
            [
                "No channel to run",
                "set TELEGRAM_BOT_TOKEN",
                "WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and "
                "WHATSAPP_VERIFY_TOKEN",
                "`carebot chat`",
            ],
            id="no-channel",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_by_name(
    tmp_path: Path, settings: dict[str, str], expected: list[str]
) -> None:
    """Each wrong setting: one line naming the variables and the fix, exit 2, no secret."""
    output = refused(tmp_path, environment(**settings))
    for text in expected:
        assert text in output
    assert "EAAG-secret" not in output and "ABC-secret" not in output
    assert len(output.strip().splitlines()) == 1, output


def test_an_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    """PostgreSQL on a closed port: which host:port could not be reached, password hidden."""
    port = free_port()
    url = f"postgresql://carebot:hunter2-db-password@127.0.0.1:{port}/carebot"
    env = environment(
        TELEGRAM_BOT_TOKEN="123:ABC", TELEGRAM_BASE_URL=UNUSED_BOT_API, DATABASE_URL=url
    )
    output = refused(tmp_path, env)
    assert f"DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:{port}" in output
    assert f"postgresql://…@127.0.0.1:{port}/carebot" in output
    assert "hunter2" not in output


@pytest.mark.parametrize("broken", ["clinic", "faq"])
def test_invalid_config_files_are_refused_as_check_config_reports_them(
    tmp_path: Path, broken: str
) -> None:
    """A broken clinic.yaml or faq.yaml: the same `file:line: field: what — fix` lines as
    `carebot check-config`, and nothing started."""
    clinic, faq = tmp_path / "clinic.yaml", tmp_path / "faq.yaml"
    clinic_text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    faq_text = DEFAULT_FAQ_FILE.read_text(encoding="utf-8")
    if broken == "clinic":
        clinic_text = clinic_text.replace("Europe/Paris", "Europe/Pariss", 1)
    else:
        faq_text = faq_text.replace("entries:", "entrys:", 1)
    clinic.write_text(clinic_text, encoding="utf-8")
    faq.write_text(faq_text, encoding="utf-8")
    files = {"CLINIC_FILE": str(clinic), "FAQ_FILE": str(faq)}
    check = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check-config"],
        cwd=tmp_path,
        env=environment(**files),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    problems = [line for line in check.stderr.splitlines() if line.startswith(str(tmp_path))]
    assert problems and all(f"{broken}.yaml:" in line for line in problems), check.stderr
    env = environment(
        **files,
        TELEGRAM_BOT_TOKEN="123:ABC",
        TELEGRAM_BASE_URL=UNUSED_BOT_API,
        DATABASE_URL=f"sqlite:///{tmp_path / 'carebot.db'}",
    )
    output = refused(tmp_path, env)
    for problem in problems:
        assert problem in output
    assert "carebot check-config" in output


def test_a_web_port_already_taken_is_refused_with_its_address(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Something else listens on WEB_PORT: say which address, and stop."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = polling(fake, tmp_path)
        env["WEB_PORT"] = str(port)
        output = refused(tmp_path, env)
    assert f"WEB_PORT: 127.0.0.1:{port} is already in use" in output


def test_a_token_telegram_rejects_is_refused_without_printing_it(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """getMe answers 401: name TELEGRAM_BOT_TOKEN and how to get a good one, never the
    token itself (python-telegram-bot's own message would quote it)."""
    env = polling(fake, tmp_path)
    env["TELEGRAM_BOT_TOKEN"] = "999999:revoked-token-value"
    output = refused(tmp_path, env)
    assert "TELEGRAM_BOT_TOKEN: the Telegram Bot API rejected this token" in output
    assert "@BotFather" in output
    assert "revoked-token-value" not in output
    assert [r.error_code for r in fake.rejected] == [401]


# --- stopping ---


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_mid_turn_still_delivers_the_reply_and_takes_nothing_new(
    fake: FakeTelegram, tmp_path: Path, runs: list[CarebotRun], sig: signal.Signals
) -> None:
    """The signal arrives while a patient's turn is being delivered (the fake holds the
    reply's request): carebot waits for it, the patient gets the reply before the exit,
    a message written meanwhile is not taken, and the exit is clean within 10 s. After a
    restart the new message is answered and the first one is not answered twice."""
    env = polling(fake, tmp_path)
    first = CarebotRun(tmp_path, env, "first")
    runs.append(first)
    first.started()
    fake.wait_for(lambda: fake.long_poll_waiting, timeout=START_TIMEOUT)
    fake.hold_sends(1001)
    fake.push_message(1001, "/start")
    fake.wait_for(lambda: fake.held_sends(1001), timeout=10)  # the reply is on its way

    signalled = time.monotonic()
    first.process.send_signal(sig)
    fake.push_message(2002, "/start")  # too late: carebot is stopping
    time.sleep(0.5)
    assert first.process.poll() is None, "carebot left with a turn in flight"
    fake.release_sends(1001)
    first.process.wait(timeout=STOP_WITHIN + 5)
    took = time.monotonic() - signalled
    assert first.process.returncode == 0, first.output
    assert took < STOP_WITHIN
    assert [NOTICE in (m.text or "") for m in fake.sent_to(1001)] == [True]
    assert fake.sent_to(2002) == []
    # The processed update was confirmed at the stop; the one not taken waits for the next.
    assert [u["message"]["chat"]["id"] for u in fake.pending_updates] == [2002]
    [stopped] = first.events("carebot.stopped")
    assert (stopped["unfinished_turns"], stopped["unfinished_jobs"]) == (0, 0)

    second = CarebotRun(tmp_path, env, "second")
    runs.append(second)
    second.started()
    fake.wait_for(lambda: fake.sent_to(2002), timeout=10)
    fake.wait_for(lambda: not fake.pending_updates and fake.long_poll_waiting, timeout=10)
    assert sum(NOTICE in (m.text or "") for m in fake.sent_to(1001)) == 1
    assert second.stop() < STOP_WITHIN
    assert second.process.returncode == 0, second.output


def test_a_stop_mid_dispatch_finishes_the_send_and_puts_the_rest_back(
    fake: FakeTelegram, tmp_path: Path, runs: list[CarebotRun]
) -> None:
    """The dispatcher is sending a chat's due messages when SIGTERM comes: the send under
    way finishes, the next is not started but goes back to the outbox as it was (not left
    "sending" for minutes, as after a crash), and the next start sends it."""
    env = polling(fake, tmp_path)
    database = Database(env["DATABASE_URL"])
    database.migrate()
    now = datetime.now(UTC)
    with database.unit_of_work() as uow:
        for n in range(2):
            uow.outbox.enqueue(
                f"stoptest:{n}",
                "telegram",
                "3003",
                "reply",
                Reply(f"message {n}").to_payload(),
                not_before=now - timedelta(minutes=1, seconds=-n),
                now=now,
            )
        uow.commit()
    fake.add_chat(3003)
    fake.hold_sends(3003)
    first = CarebotRun(tmp_path, env, "first")
    runs.append(first)
    first.started()
    fake.wait_for(lambda: fake.held_sends(3003), timeout=10)  # the dispatcher's first send

    first.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert first.process.poll() is None, "carebot left with a send in flight"
    fake.release_sends(3003)
    first.process.wait(timeout=STOP_WITHIN)
    assert first.process.returncode == 0, first.output
    assert [m.text for m in fake.sent_to(3003)] == ["message 0"]
    with database.unit_of_work(read_only=True) as uow:
        rows = {row.idempotency_key: row for row in uow.session.exec(select(OutboxMessage))}
    assert rows["stoptest:0"].status == OutboxStatus.SENT.value
    assert rows["stoptest:1"].status == OutboxStatus.PENDING.value
    assert rows["stoptest:1"].attempts == 0

    second = CarebotRun(tmp_path, env, "second")
    runs.append(second)
    second.started()
    fake.wait_for(lambda: len(fake.sent_to(3003)) == 2, timeout=10)
    assert [m.text for m in fake.sent_to(3003)] == ["message 0", "message 1"]
    assert second.stop() < STOP_WITHIN
    database.dispose()


@pytest.mark.parametrize(
    ("thinking", "answered"),
    [(2.0, True), (9.5, False)],
    ids=["answer-in-time", "slower-than-the-drain"],
)
def test_a_stop_while_the_llm_thinks_still_answers_the_question(
    fake: FakeTelegram,
    tmp_path: Path,
    runs: list[CarebotRun],
    thinking: float,
    answered: bool,
) -> None:
    """SIGTERM while the Anthropic API is still working on a patient's question. The LLM's
    whole budget in a turn (7 s: understanding the message, then answering it) fits in
    the drain (8 s): the patient gets the model's answer, or, when the model is slower
    than that, the usual "a person will answer" — either way carebot exits cleanly within
    10 s with no turn cut short."""
    with running_fake_anthropic() as llm:
        llm.delay = thinking
        llm.understand_with({"type": "ask_question"})  # first the model reads the message
        llm.answer_with(CHARGER_REPLY, ["parking"])
        env = polling(
            fake, tmp_path, ANTHROPIC_API_KEY=llm.api_key, ANTHROPIC_BASE_URL=llm.base_url
        )
        run = CarebotRun(tmp_path, env)
        runs.append(run)
        run.started()
        fake.push_message(1001, "Bonjour")
        fake.wait_for(lambda: any(NOTICE in (m.text or "") for m in fake.sent_to(1001)), 10)
        fake.push_callback(1001, CONSENT)
        fake.wait_for(lambda: len(fake.sent_to(1001)) >= 2, 10)
        asked = len(fake.sent_to(1001))
        fake.push_message(1001, CHARGER_QUESTION)
        fake.wait_for(lambda: llm.requests, timeout=10)  # the model is thinking
        took = run.stop()
        assert run.process.returncode == 0, run.output
        assert took < STOP_WITHIN
        after = [m.text or "" for m in fake.sent_to(1001)[asked:]]
        assert any(CHARGER_REPLY in text for text in after) is answered, after
        assert after, "the question went unanswered"
        [stopped] = run.events("carebot.stopped")
        assert stopped["unfinished_turns"] == 0
