"""The staff's KPI page: what carebot did over a period, in counts and charts, behind a login.

Served by the web app under ``/staff``. Staff sign in with the account set in
the environment (``STAFF_USER`` + ``STAFF_PASSWORD``) or with one of an
htpasswd-style file of bcrypt hashes (``STAFF_PASSWORD_FILE``; ``carebot
staff-password NAME`` prints a line for it). The page shows counts only, never
a patient, and draws its charts as inline SVG on the server: no script, no CDN.

Security choices, so a reviewer need not reverse-engineer them:

* the session is a signed, timed cookie (itsdangerous) scoped to ``/staff``:
  HttpOnly, SameSite=Lax, and Secure when the request came over https;
* login and logout are POST forms. SameSite=Lax keeps the cookie off
  cross-site POSTs (no logout CSRF), and a POST whose ``Origin`` names another
  site is refused (no login CSRF) — so no token in the forms;
* the cookie carries a keyed digest of the account's credential (its bcrypt hash,
  or the environment password's digest): changing a password or removing the user
  ends that user's sessions;
* passwords are compared in constant time (bcrypt, or HMAC digests for the
  environment's account), and an unknown user name costs the same bcrypt check
  as a known one (a dummy hash of the file's own cost);
* every login attempt from an address is counted *before* its password is
  checked, so five in a row — sent one by one or all at once — lock it out for a
  minute; a right password clears the count;
* logs name a user who signed in, never a password, nor the name typed in a failed
  attempt (it may be a password typed in the wrong field).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import math
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import bcrypt
import jinja2
import structlog
from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup, escape

from bot import stats
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.settings import Settings
from bot.stats import PeriodError, parse_period
from clinic.config import ClinicConfig
from storage.kpi import Durations, KpiReport

log = structlog.get_logger("carebot.staff_web")

PREFIX = "/staff"
COOKIE = "carebot_staff"
#: A staff session lasts a working day; then the page asks for the password again.
SESSION_MAX_AGE = 12 * 3600
#: bcrypt only reads the first 72 bytes of a password (htpasswd -B truncates to them too).
BCRYPT_MAX_BYTES = 72
BCRYPT_PREFIXES = (b"$2a$", b"$2b$", b"$2y$")
#: The cost of the hashes ``carebot staff-password`` writes (~0.2 s per check).
BCRYPT_ROUNDS = 12
_COST = re.compile(rb"\$2[aby]\$([0-9]{2})\$")
_NAME = re.compile(r"[^\s:]{1,64}")


# --- Accounts -------------------------------------------------------------------------


def password_file_line(name: str, password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    """A ``NAME:$2b$…`` line for ``STAFF_PASSWORD_FILE`` (``ValueError`` if unusable)."""
    if not _NAME.fullmatch(name):
        raise ValueError("the user name must be 1 to 64 characters, without spaces or ':'")
    secret = password.encode()
    if not secret:
        raise ValueError("the password is empty")
    if len(secret) > BCRYPT_MAX_BYTES:
        raise ValueError(f"the password is longer than bcrypt's {BCRYPT_MAX_BYTES} bytes")
    hashed = bcrypt.hashpw(secret, bcrypt.gensalt(rounds=rounds)).decode()
    return f"{name}:{hashed}"


def parse_password_file(text: str, path: Path) -> dict[str, bytes]:
    """The users and bcrypt hashes of an htpasswd-style file; bad lines are logged, skipped."""
    users: dict[str, bytes] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, hashed = line.partition(":")
        if (
            not colon
            or not _NAME.fullmatch(name)
            or not hashed.encode().startswith(BCRYPT_PREFIXES)
        ):
            # Neither the line nor the name is logged: a password may have been pasted there.
            log.warning(
                "staff.password_file_line_ignored",
                file=str(path),
                line=number,
                hint="expected NAME:$2b$… as `carebot staff-password NAME` prints it",
            )
            continue
        users[name] = hashed.encode()
    return users


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def bcrypt_cost(hashed: bytes) -> int | None:
    """The cost of a ``$2b$NN$…`` hash (``None`` if it is not one)."""
    match = _COST.match(hashed)
    return int(match.group(1)) if match else None


#: Dummy hashes by cost, shared by every set of accounts (each takes a bcrypt run to make).
_DUMMIES: dict[int, bytes] = {}


class StaffAccounts:
    """Who may sign in: the environment's account and those of the password file.

    The file is read again when it changes, so adding a colleague needs no restart.
    """

    def __init__(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        password_file: Path | None = None,
    ) -> None:
        """Accounts from an explicit user + password and/or a bcrypt password file."""
        self._env = (user, _digest(password)) if user and password else None
        if bool(user) != bool(password):
            log.warning("staff.account_incomplete", hint="set both STAFF_USER and STAFF_PASSWORD")
        self.password_file = password_file
        self._file_users: dict[str, bytes] = {}
        self._file_content: bytes | None = None
        self._file_unreadable = False

    @classmethod
    def from_settings(cls, settings: Settings) -> StaffAccounts:
        """The accounts the settings (environment, ``.env``) configure."""
        password = settings.staff_password.get_secret_value() if settings.staff_password else None
        return cls(
            user=settings.staff_user,
            password=password,
            password_file=settings.staff_password_file,
        )

    @property
    def enabled(self) -> bool:
        """Whether anyone at all can sign in."""
        return self._env is not None or bool(self._users())

    def credential(self, user: str) -> bytes | None:
        """What ``user`` signs in with now (their hash or password digest); ``None``: no account.

        A session is bound to it, so a changed password or a removed user ends the session.
        """
        parts = []
        if self._env is not None and self._env[0] == user:
            parts.append(b"env:" + self._env[1])
        hashed = self._users().get(user)
        if hashed is not None:
            parts.append(b"file:" + hashed)
        return b"\n".join(parts) if parts else None

    def check(self, user: str, password: str) -> bool:
        """Whether ``password`` is ``user``'s, taking the same time whichever is wrong."""
        matches = False
        if self._env is not None:
            same_user = hmac.compare_digest(user.encode(), self._env[0].encode())
            same_password = hmac.compare_digest(_digest(password), self._env[1])
            matches = same_user and same_password
        if self.password_file is None:
            return matches
        hashed = self._users().get(user)
        # An unknown user is checked against a dummy hash: the answer takes as long.
        in_file = self._bcrypt(password.encode()[:BCRYPT_MAX_BYTES], hashed or self.dummy_hash())
        return matches or (hashed is not None and in_file)

    @staticmethod
    def _bcrypt(password: bytes, hashed: bytes) -> bool:
        try:
            return bcrypt.checkpw(password, hashed)
        except ValueError:  # a malformed hash in the file
            return False

    def dummy_hash(self) -> bytes:
        """A hash no password matches, of the cost most of the file's hashes have.

        Checking an unknown user against it takes as long as checking a known one:
        ``htpasswd -B`` writes cost 5, ``carebot staff-password`` cost 12.
        """
        costs = Counter(bcrypt_cost(hashed) for hashed in self._users().values())
        costs.pop(None, None)
        # The most common cost; on a tie the dearer one (a slow answer reveals less).
        cost = max(costs.items(), key=lambda item: (item[1], item[0]))[0] if costs else None
        rounds = min(max(cost or BCRYPT_ROUNDS, 4), 31)
        if rounds not in _DUMMIES:
            _DUMMIES[rounds] = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds))
        return _DUMMIES[rounds]

    def _users(self) -> dict[str, bytes]:
        """The file's users, parsed again whenever its content changed.

        The content, not its modification time, says so: a password changed twice
        within the filesystem's clock tick leaves the size and the time alike.
        """
        if self.password_file is None:
            return {}
        try:
            content = self.password_file.read_bytes()
            if content != self._file_content:
                self._file_users = parse_password_file(content.decode("utf-8"), self.password_file)
                self._file_content = content
            self._file_unreadable = False
        except (OSError, UnicodeDecodeError) as error:
            if not self._file_unreadable:
                log.error(
                    "staff.password_file_unreadable", file=str(self.password_file), error=str(error)
                )
            self._file_users, self._file_content, self._file_unreadable = {}, None, True
        return self._file_users


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


class LoginThrottle:
    """Login attempts per client address: after ``limit`` in a row, a ``lockout`` of seconds.

    An attempt is counted before its password is checked and the count is cleared
    when one succeeds: otherwise many attempts sent at once would all be checked
    before the first failure was counted. In memory: a restart forgets it, which
    only gives an attacker five more tries.
    """

    def __init__(
        self,
        *,
        limit: int = 5,
        lockout: float = 60.0,
        forget_after: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        """Lock an address out after ``limit`` failures; forget quiet ones after a while."""
        self.limit = limit
        self.lockout = lockout
        self.forget_after = forget_after
        self.clock = clock
        self.max_clients = max_clients
        self._clients: dict[str, _Failures] = {}

    def wait(self, client: str) -> int:
        """Seconds before this address may try again (0: now)."""
        entry = self._clients.get(client)
        if entry is None:
            return 0
        return max(0, math.ceil(entry.blocked_until - self.clock()))

    def attempt(self, client: str) -> int:
        """Count a login attempt about to be checked; 0 lets it go on, else the seconds to wait.

        The ``limit``-th attempt in a row is still checked but starts the lockout
        (:meth:`succeeded` lifts it if that password was right). Call it with no
        ``await`` between it and the check's start, so no other attempt slips by.
        """
        wait = self.wait(client)
        if wait:
            return wait
        now = self.clock()
        entry = self._clients.get(client)
        if entry is None or now - entry.last > self.forget_after:
            self._prune(now)
            entry = self._clients[client] = _Failures()
        entry.count += 1
        entry.last = now
        if entry.count >= self.limit:
            entry.count = 0
            entry.blocked_until = now + self.lockout
        return 0

    def succeeded(self, client: str) -> None:
        """A right password clears the address's attempts (and a lockout they started)."""
        self._clients.pop(client, None)

    def _prune(self, now: float) -> None:
        """Bound the memory a flood of addresses can take."""
        if len(self._clients) < self.max_clients:
            return
        for client, entry in list(self._clients.items()):
            if now - entry.last > self.forget_after and entry.blocked_until <= now:
                del self._clients[client]
        if len(self._clients) >= self.max_clients:
            oldest = sorted(self._clients, key=lambda c: self._clients[c].last)
            for client in oldest[: len(oldest) // 2]:
                del self._clients[client]


class SessionCookies:
    """The signed, timed session cookie of a signed-in staff member.

    It holds the user name and a keyed digest of the account's credential: the
    cookie can be read (it is signed, not encrypted), so the digest is an HMAC
    under the session secret, which tells nothing about the password.
    """

    def __init__(self, secret: str, *, max_age: int = SESSION_MAX_AGE) -> None:
        """Sign with ``secret``; sessions older than ``max_age`` seconds are refused."""
        self.max_age = max_age
        self._serializer = URLSafeTimedSerializer(secret, salt="carebot.staff.session")
        self._stamp_key = hmac.new(
            secret.encode(), b"carebot.staff.credential", hashlib.sha256
        ).digest()

    def user(self, request: Request, credential: Callable[[str], bytes | None]) -> str | None:
        """The signed-in user, if the request carries a valid, fresh session.

        ``credential(user)`` is the account's credential now: a session started
        with another one (the password changed since) or none (the user was
        removed) is refused.
        """
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:  # includes SignatureExpired
            return None
        user = data.get("u") if isinstance(data, dict) else None
        stamp = data.get("c") if isinstance(data, dict) else None
        if not isinstance(user, str) or not isinstance(stamp, str):
            return None
        current = credential(user)
        if current is None or not hmac.compare_digest(stamp, self._stamp(current)):
            return None
        return user

    def start(self, response: Response, request: Request, user: str, credential: bytes) -> None:
        """Sign ``user``, who signed in with ``credential``, in on this browser."""
        response.set_cookie(
            COOKIE,
            self._serializer.dumps({"u": user, "c": self._stamp(credential)}),
            max_age=self.max_age,
            path=PREFIX,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )

    def end(self, response: Response, request: Request) -> None:
        """Sign this browser out."""
        response.delete_cookie(
            COOKIE, path=PREFIX, secure=request.url.scheme == "https", httponly=True, samesite="lax"
        )

    def _stamp(self, credential: bytes) -> str:
        """A short keyed digest of a credential: enough to tell a changed one."""
        return hmac.new(self._stamp_key, credential, hashlib.sha256).hexdigest()[:32]


# --- What the page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One number on the page: its path in the report, its raw value and its text."""

    key: str
    raw: str
    text: str

    def html(self) -> Markup:
        """The number as shown, with a hook (``data-kpi``, raw ``value``) for machines."""
        return Markup('<data class="kpi" data-kpi="{}" value="{}">{}</data>').format(
            self.key, self.raw, self.text
        )


def _raw(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Tile:
    """A headline figure with a line or two of detail."""

    id: str
    label: str
    main: Markup
    details: list[Markup]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: across in percent of the width, down in pixels."""

    label: str
    title: str
    key: str
    raw: str
    text: str
    drawn: bool  # False when there is nothing to measure (a rate without visits)
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    show_label: bool


@dataclass(frozen=True)
class Chart:
    """A bar chart and the table that says the same for those who cannot see it."""

    id: str
    title: str
    kind: str  # "columns" (weeks) or "rows" (categories)
    height: int  # pixels; the width is the card's
    bars: list[Bar]
    show_values: bool
    headers: list[str]
    rows: Sequence[tuple[str, list[Markup]]]


class Formats:
    """Numbers, rates and durations as a language writes them."""

    def __init__(self, t: Translator) -> None:
        self.t = t
        self.language = t.language
        # The same texts as `carebot stats` prints.
        self.text = stats.Formatter(t.language, t)

    def count(self, key: str, value: int | float) -> Figure:
        return Figure(key, _raw(value), self.text.number(value))

    def rate(self, key: str, value: float | None) -> Figure:
        return Figure(key, _raw(value), self.text.rate(value))

    def duration(self, key: str, seconds: float | None) -> Figure:
        return Figure(key, _raw(seconds), self.text.duration(seconds))

    def minutes(self, key: str, minutes: float) -> Figure:
        return Figure(key, _raw(minutes), self.text.minutes(minutes))

    def sentence(self, key: str, **parts: Figure | str) -> Markup:
        """A translated sentence with figures (their hooks included) in its placeholders."""
        values = {name: p.html() if isinstance(p, Figure) else p for name, p in parts.items()}
        return Markup(escape(self.t(key))).format(**values)

    def week_label(self, monday: str) -> str:
        return format_date(date.fromisoformat(monday), "d MMM", locale=self.language)


def tiles(report: KpiReport, f: Formats) -> list[Tile]:
    """The headline figures."""
    t = f.t
    reminders, no_shows, cancels = report.reminders, report.no_shows, report.cancellations
    first, conversations, handoffs = report.first_answer, report.conversations, report.handoffs
    saved = report.time_saved
    return [
        Tile(
            "bookings", t("staff_web.kpi.bookings"), f.count("bookings", report.bookings).html(), []
        ),
        Tile(
            "reminders",
            t("staff_web.kpi.confirmation_rate"),
            f.rate("reminders.confirmation_rate", reminders.confirmation_rate).html(),
            [
                f.sentence(
                    "staff_web.kpi.confirmation_detail",
                    confirmed=f.count("reminders.confirmed", reminders.confirmed),
                    sent=f.count("reminders.sent", reminders.sent),
                )
            ],
        ),
        Tile(
            "no_shows",
            t("staff_web.kpi.no_show_rate"),
            f.rate("no_shows.rate", no_shows.rate).html(),
            [
                f.sentence(
                    "staff_web.kpi.no_show_detail",
                    no_shows=f.count("no_shows.no_shows", no_shows.no_shows),
                    visits=f.count("no_shows.visits", no_shows.visits),
                )
            ],
        ),
        Tile(
            "cancellations",
            t("staff_web.kpi.cancellations"),
            f.count("cancellations.total", cancels.total).html(),
            [
                f.sentence(
                    "staff_web.kpi.rebooked_detail",
                    rebooked=f.count(
                        "cancellations.rebooked_from_waitlist", cancels.rebooked_from_waitlist
                    ),
                    rate=f.rate("cancellations.rebooked_rate", cancels.rebooked_rate),
                )
            ],
        ),
        Tile(
            "first_answer",
            t("staff_web.kpi.first_answer"),
            f.duration("first_answer.median_seconds", first.median_seconds).html(),
            _duration_details(f, "first_answer", first, "staff_web.kpi.first_answer_detail"),
        ),
        Tile(
            "without_person",
            t("staff_web.kpi.without_person"),
            f.rate("conversations.share_without_person", conversations.share_without_person).html(),
            [
                f.sentence(
                    "staff_web.kpi.without_person_detail",
                    without=f.count("conversations.without_person", conversations.without_person),
                    total=f.count("conversations.total", conversations.total),
                )
            ],
        ),
        Tile(
            "handoffs",
            t("staff_web.kpi.handoffs"),
            f.count("handoffs.total", handoffs.total).html(),
            [
                f.sentence(
                    "staff_web.kpi.handoffs_detail",
                    answered=f.count("handoffs.answered", handoffs.answered),
                    median=f.duration("handoffs.wait.median_seconds", handoffs.wait.median_seconds),
                ),
                *_duration_details(f, "handoffs.wait", handoffs.wait, "staff_web.kpi.wait_detail"),
            ],
        ),
        Tile(
            "messages",
            t("staff_web.kpi.messages"),
            f.count("messages.total", report.messages.total).html(),
            [],
        ),
        Tile(
            "time_saved",
            t("staff_web.kpi.time_saved"),
            f.minutes("time_saved.minutes", saved.minutes).html(),
            [
                f.sentence(
                    "staff_web.kpi.time_saved_detail",
                    conversations=f.count("time_saved.conversations", saved.conversations),
                    minutes=f.count(
                        "time_saved.minutes_per_conversation", saved.minutes_per_conversation
                    ),
                )
            ],
        ),
    ]


def _duration_details(f: Formats, key: str, durations: Durations, sentence: str) -> list[Markup]:
    return [
        f.sentence(
            sentence,
            p90=f.duration(f"{key}.p90_seconds", durations.p90_seconds),
            count=f.count(f"{key}.count", durations.count),
        )
    ]


#: Chart geometry. Across, in percent of the card's width; down, in pixels: the SVG
#: stretches to any screen while its text keeps its size (no viewBox scaling).
COLUMNS_HEIGHT = 190
TOP, BOTTOM = 22, 24
ROW_HEIGHT, ROW_LABEL, ROW_BAR = 42, 16, 14
ROW_SPAN = 78.0  # percent of the width the longest row takes; the rest is for its value
MAX_VALUES = 8  # more columns than this: values in the tooltips and the table only
MAX_LABELS = 8


def column_chart(
    chart_id: str,
    title: str,
    columns: Sequence[tuple[str, str, Figure, bool]],
    headers: list[str],
    rows: Sequence[tuple[str, list[Markup]]],
) -> Chart:
    """Vertical bars, one per (label, full title, figure, drawn) column, scaled to the tallest."""
    count = max(len(columns), 1)
    slot = 100 / count
    width = slot * 0.64
    area = COLUMNS_HEIGHT - TOP - BOTTOM
    top = max((_number(fig.raw) for _, _, fig, _ in columns), default=0.0) or 1.0
    every = math.ceil(count / MAX_LABELS)  # axis labels that never overlap
    bars = []
    for index, (label, full, figure, drawn) in enumerate(columns):
        height = area * _number(figure.raw) / top if drawn else 0.0
        centre = round(index * slot + slot / 2, 3)
        bars.append(
            Bar(
                label=label,
                title=full,
                key=figure.key,
                raw=figure.raw,
                text=figure.text,
                drawn=drawn,
                x=round(centre - width / 2, 3),
                y=round(TOP + area - height, 2),
                width=round(width, 3),
                height=round(height, 2),
                label_x=centre,
                label_y=COLUMNS_HEIGHT - 7,
                value_x=centre,
                value_y=round(TOP + area - height - 6, 2),
                show_label=index % every == 0,
            )
        )
    show_values = count <= MAX_VALUES
    return Chart(chart_id, title, "columns", COLUMNS_HEIGHT, bars, show_values, headers, rows)


def row_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Figure]],
    headers: list[str],
) -> Chart:
    """Horizontal bars, one per (label, figure), the label above its bar."""
    top = max((_number(fig.raw) for _, fig in items), default=0.0) or 1.0
    bars = []
    for index, (label, figure) in enumerate(items):
        y = index * ROW_HEIGHT + ROW_LABEL + 4
        length = round(ROW_SPAN * _number(figure.raw) / top, 3)
        bars.append(
            Bar(
                label=label,
                title=label,
                key=figure.key,
                raw=figure.raw,
                text=figure.text,
                drawn=True,
                x=0.0,
                y=y,
                width=length,
                height=ROW_BAR,
                label_x=0.0,
                label_y=y - 5,
                value_x=round(length + 1.5, 3),
                value_y=y + ROW_BAR - 3,
                show_label=True,
            )
        )
    height = max(len(items), 1) * ROW_HEIGHT
    rows = [(label, [figure.html()]) for label, figure in items]
    return Chart(chart_id, title, "rows", height, bars, True, headers, rows)


def _number(raw: str) -> float:
    return float(raw) if raw else 0.0


def charts(report: KpiReport, f: Formats) -> list[Chart]:
    """The page's charts, each with its table."""
    t = f.t
    bookings, no_shows = [], []
    booking_rows, no_show_rows = [], []
    for index, week in enumerate(report.weeks):
        label = f.week_label(week.start)
        full = t("staff_web.week", week=week.week, start=label)
        booked = f.count(f"weeks.{index}.bookings", week.bookings)
        rate = f.rate(f"weeks.{index}.no_show_rate", week.no_show_rate)
        missed = f.count(f"weeks.{index}.no_shows", week.no_shows)
        visits = f.count(f"weeks.{index}.visits", week.visits)
        bookings.append((label, full, booked, True))
        no_shows.append((label, full, rate, week.no_show_rate is not None))
        heading = f.sentence(
            "staff_web.week",
            week=Figure(f"weeks.{index}.week", week.week, week.week),
            start=Figure(f"weeks.{index}.start", week.start, label),
        )
        booking_rows.append((heading, [booked.html()]))
        no_show_rows.append((heading, [rate.html(), missed.html(), visits.html()]))
    week_header = t("staff_web.col.week")
    by_channel = _ranked(report.messages.by_channel)
    by_language = _ranked(report.messages.by_language)
    by_reason = _ranked(report.handoffs.by_reason)
    return [
        column_chart(
            "bookings",
            t("staff_web.chart.bookings"),
            bookings,
            [week_header, t("staff_web.col.bookings")],
            booking_rows,
        ),
        column_chart(
            "no_show_rate",
            t("staff_web.chart.no_shows"),
            no_shows,
            [
                week_header,
                t("staff_web.col.rate"),
                t("staff_web.col.no_shows"),
                t("staff_web.col.visits"),
            ],
            no_show_rows,
        ),
        row_chart(
            "channels",
            t("staff_web.chart.channels"),
            [
                (_channel_name(t, name), f.count(f"messages.by_channel.{name}", n))
                for name, n in by_channel
            ],
            [t("staff_web.col.channel"), t("staff_web.col.messages")],
        ),
        row_chart(
            "languages",
            t("staff_web.chart.languages"),
            [
                (LANGUAGE_NAMES.get(code, code), f.count(f"messages.by_language.{code}", n))
                for code, n in by_language
            ],
            [t("staff_web.col.language"), t("staff_web.col.messages")],
        ),
        row_chart(
            "handoff_reasons",
            t("staff_web.chart.reasons"),
            [
                (_reason_name(t, reason), f.count(f"handoffs.by_reason.{reason}", n))
                for reason, n in by_reason
            ],
            [t("staff_web.col.reason"), t("staff_web.col.handoffs")],
        ),
    ]


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _channel_name(t: Translator, channel: str) -> str:
    key = f"staff_web.channel.{channel}"
    name = t(key)
    return channel if name == key else name


def _reason_name(t: Translator, reason: str) -> str:
    key = f"handoff.reason.{reason}"
    name = t(key)
    return reason if name == key else name


# --- The routes ---------------------------------------------------------------------------

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot", "templates"),
    autoescape=jinja2.select_autoescape(("html",)),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

ReportSource = Callable[[date, date], KpiReport]
_R = TypeVar("_R", bound=Response)


class StaffPages:
    """The ``/staff`` pages: login, logout and the KPI report of a period."""

    def __init__(
        self,
        *,
        accounts: StaffAccounts,
        report: ReportSource,
        clinic: Callable[[], ClinicConfig],
        clock: Callable[[], datetime],
        session_secret: str | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        """Pages reading figures from ``report(first_day, last_day)``; no database here."""
        self.accounts = accounts
        self.report = report
        self.clinic = clinic
        self.clock = clock
        # Without a configured secret, sessions last as long as the process.
        self.sessions = SessionCookies(session_secret or secrets.token_urlsafe(32))
        self.throttle = throttle or LoginThrottle()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        report: ReportSource,
        clinic: Callable[[], ClinicConfig],
        clock: Callable[[], datetime],
    ) -> StaffPages:
        """The pages as the settings configure them (accounts, session secret)."""
        secret = settings.web_session_secret
        return cls(
            accounts=StaffAccounts.from_settings(settings),
            report=report,
            clinic=clinic,
            clock=clock,
            session_secret=secret.get_secret_value() if secret else None,
        )

    def router(self) -> APIRouter:
        """The routes, to include in the web app."""
        router = APIRouter(prefix=PREFIX)
        router.add_api_route("", self.home, methods=["GET"], include_in_schema=False)
        router.add_api_route("/", self.home, methods=["GET"], include_in_schema=False)
        router.add_api_route("/login", self.login_form, methods=["GET"], include_in_schema=False)
        router.add_api_route("/login", self.login, methods=["POST"], include_in_schema=False)
        router.add_api_route("/logout", self.logout_form, methods=["GET"], include_in_schema=False)
        router.add_api_route("/logout", self.logout, methods=["POST"], include_in_schema=False)
        router.add_api_route("/stats", self.stats, methods=["GET"], include_in_schema=False)
        router.add_api_route(
            "/stats.json", self.stats_json, methods=["GET"], include_in_schema=False
        )
        return router

    # Each handler is a method so the router needs no closures; FastAPI sees ``request``.

    async def home(self, request: Request) -> Response:
        """``/staff``: the figures when signed in, else the login (or why it is off)."""
        if not self.accounts.enabled:
            return self._render(request, "staff/disabled.html", {}, status=200)
        target = "/stats" if self._user(request) else "/login"
        return _redirect(PREFIX + target + _query(request, "lang"))

    async def login_form(self, request: Request) -> Response:
        """The sign-in form."""
        if not self.accounts.enabled:
            return self._render(request, "staff/disabled.html", {}, status=200)
        if self._user(request):
            return _redirect(_safe_next(request.query_params.get("next")))
        return self._login_page(request, None, status=200)

    async def login(self, request: Request) -> Response:
        """Check the posted user name and password; on success start a session."""
        if not self.accounts.enabled:
            return self._render(request, "staff/disabled.html", {}, status=200)
        if not _same_origin(request):
            return self._login_page(request, "staff_web.login.foreign", status=403)
        client = request.client.host if request.client else "unknown"
        form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        user = _text(form.get("username"))[:200].strip()
        password = _text(form.get("password"))[:1024]
        target = _safe_next(_text(form.get("next")))
        # Counted before the check, with no await in between: parallel guesses count too.
        wait = self.throttle.attempt(client)
        if wait:
            log.warning("staff.login_throttled", wait=wait)
            page = self._login_page(
                request,
                "staff_web.login.throttled",
                status=429,
                user=user,
                wait=wait,
                target=target,
            )
            page.headers["Retry-After"] = str(wait)
            return page
        # Read before the check: if the password changes meanwhile, the session is already stale.
        credential = self.accounts.credential(user)
        checked = await asyncio.to_thread(self.accounts.check, user, password)
        if not checked or credential is None:
            # Not the name typed: it may be a password typed in the wrong field.
            log.warning("staff.login_failed", known_user=credential is not None)
            return self._login_page(
                request, "staff_web.login.failed", status=200, user=user, target=target
            )
        self.throttle.succeeded(client)
        log.info("staff.login", user=user)
        lang = request.query_params.get("lang")
        if lang in LANGUAGES and "lang=" not in target:
            target += ("&" if "?" in target else "?") + urlencode({"lang": lang})
        response = _redirect(target)
        self.sessions.start(response, request, user, credential)
        return response

    async def logout_form(self, request: Request) -> Response:
        """A page with the sign-out button (a GET never signs out: links are not actions)."""
        user = self._user(request)
        if user is None:
            return _redirect(f"{PREFIX}/login")
        return self._render(request, "staff/logout.html", {"user": user})

    async def logout(self, request: Request) -> Response:
        """End the session on this browser."""
        user = self._user(request)
        if user is not None:
            log.info("staff.logout", user=user)
        response = _redirect(f"{PREFIX}/login" + _query(request, "lang"))
        self.sessions.end(response, request)
        return response

    async def stats(self, request: Request) -> Response:
        """The figures and charts of a period (default: the last four full weeks)."""
        user = self._user(request)
        if user is None:
            return self._to_login(request)
        clinic = self.clinic()
        params = request.query_params
        given_from, given_to = params.get("from"), params.get("to")
        context: dict[str, Any] = {"user": user, "form_from": given_from or "", "form_to": ""}
        context["form_to"] = given_to or ""
        try:
            period = parse_period(given_from, given_to, self._today(clinic))
        except PeriodError as error:
            t = self._translator(request, clinic)
            context["error"] = t(error.key, **error.values)
            return self._render(request, "staff/stats.html", context, status=400)
        context.update(form_from=period.start.isoformat(), form_to=period.end.isoformat())
        try:
            report = await asyncio.to_thread(self.report, period.start, period.end)
        except Exception:
            log.exception("staff.report_failed")
            context["error"] = self._translator(request, clinic)("staff_web.error.unavailable")
            return self._render(request, "staff/stats.html", context, status=503)
        t = self._translator(request, clinic)
        formats = Formats(t)
        context.update(
            report=report,
            period_text=formats.sentence(
                "staff_web.period.summary",
                start=Figure("start", report.start, t.long_date(period.start)),
                end=Figure("end", report.end, t.long_date(period.end)),
                timezone=Figure("timezone", report.timezone, report.timezone),
            ),
            tiles=tiles(report, formats),
            charts=charts(report, formats),
            notes=self._notes(report, clinic, formats),
            json_url=f"{PREFIX}/stats.json?"
            + urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()}),
        )
        return self._render(request, "staff/stats.html", context)

    async def stats_json(self, request: Request) -> Response:
        """The same figures for machines: ``KpiReport.to_dict()``."""
        if self._user(request) is None:
            return _secured(JSONResponse({"error": "sign in at /staff/login"}, status_code=401))
        clinic = self.clinic()
        params = request.query_params
        try:
            period = parse_period(params.get("from"), params.get("to"), self._today(clinic))
        except PeriodError as error:
            message = Translator("en", clinic.zone)(error.key, **error.values)
            return _secured(JSONResponse({"error": message}, status_code=400))
        try:
            report = await asyncio.to_thread(self.report, period.start, period.end)
        except Exception:
            log.exception("staff.report_failed")
            return _secured(JSONResponse({"error": "figures unavailable"}, status_code=503))
        return _secured(JSONResponse(report.to_dict()))

    # --- helpers ---

    def _user(self, request: Request) -> str | None:
        return self.sessions.user(request, self.accounts.credential)

    def _notes(self, report: KpiReport, clinic: ClinicConfig, formats: Formats) -> list[Figure]:
        """The report's notes as ``carebot stats`` writes them, each hooked to its code."""
        now = self.clock()
        figures = []
        for index, code in enumerate(report.notes):
            one = dataclasses.replace(report, notes=[code])
            text = stats.notes(one, clinic, formats.text, now)
            figures.append(Figure(f"notes.{index}", code, text[0] if text else code))
        return figures

    def _today(self, clinic: ClinicConfig) -> date:
        return self.clock().astimezone(clinic.zone).date()

    def _to_login(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return _redirect(f"{PREFIX}/login?" + urlencode({"next": target}))

    def _login_page(
        self,
        request: Request,
        error: str | None,
        *,
        status: int,
        user: str = "",
        wait: int = 0,
        target: str | None = None,
    ) -> HTMLResponse:
        t = self._translator(request, self.clinic())
        context = {
            "error": t(error, seconds=wait) if error and wait else (t(error) if error else None),
            "username": user,
            "next": target or _safe_next(request.query_params.get("next")),
        }
        return self._render(request, "staff/login.html", context, status=status)

    def _languages(self, clinic: ClinicConfig) -> list[str]:
        return [code for code in clinic.clinic.languages if code in LANGUAGES] or ["fr"]

    def _language(self, request: Request, clinic: ClinicConfig) -> str:
        supported = self._languages(clinic)
        asked = request.query_params.get("lang")
        if asked in supported:
            return asked
        chosen = accepted_language(request.headers.get("accept-language", ""), supported)
        if chosen:
            return chosen
        default = clinic.clinic.default_language
        return default if default in supported else supported[0]

    def _translator(self, request: Request, clinic: ClinicConfig) -> Translator:
        return Translator(self._language(request, clinic), clinic.zone)

    def _render(
        self, request: Request, template: str, context: dict[str, Any], *, status: int = 200
    ) -> HTMLResponse:
        clinic = self.clinic()
        t = self._translator(request, clinic)
        nonce = secrets.token_urlsafe(16)
        switch = [
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "url": request.url.path + "?" + _with(request, lang=code),
                "current": code == t.language,
            }
            for code in self._languages(clinic)
        ]
        values: dict[str, Any] = {"user": None, "error": None, **context}
        html = _TEMPLATES.get_template(template).render(
            t=t,
            lang=t.language,
            clinic_name=clinic.clinic.name,
            languages=switch,
            nonce=nonce,
            prefix=PREFIX,
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["Content-Language"] = t.language
        return _secured(response)


def accepted_language(header: str, supported: Sequence[str]) -> str | None:
    """The supported language an ``Accept-Language`` header prefers most, if any."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().split("-")[0].lower()
        if base in supported and quality > 0:
            choices.append((-quality, index, base))
    return min(choices)[2] if choices else None


def _secured(response: _R) -> _R:
    """Headers every staff response carries: never cached, never framed, never sniffed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin, not no-referrer: with no-referrer Chromium posts forms with "Origin: null".
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _redirect(url: str) -> Response:
    # 303: after a POST the browser GETs the new page, and a reload does not re-post.
    return _secured(RedirectResponse(url, status_code=303))


def _same_origin(request: Request) -> bool:
    """False when the browser says the form was posted from another site."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser, or an old one: SameSite=Lax still holds
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def _safe_next(value: str | None) -> str:
    """Where to go after signing in: only a page of ours (no open redirect)."""
    fallback = f"{PREFIX}/stats"
    if not value or not value.startswith(f"{PREFIX}/") or not value.isprintable():
        return fallback
    if any(part in value for part in ("//", "\\", "/..")) or value.startswith(
        (f"{PREFIX}/login", f"{PREFIX}/logout")
    ):
        return fallback
    return value


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _query(request: Request, *names: str) -> str:
    kept = {name: request.query_params[name] for name in names if name in request.query_params}
    return f"?{urlencode(kept)}" if kept else ""


def _with(request: Request, **changes: str) -> str:
    params = dict(request.query_params)
    params.update(changes)
    return urlencode(params)
