"""The staff KPI page over HTTP: who gets in, who is kept out, and what the page may show.

Most tests serve a report built by hand (the page's job is to show a report,
not to compute one); the privacy test serves the real report of a seeded
database, with patients who have names and phone numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Protocol

import bcrypt
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from structlog.testing import capture_logs
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.settings import Settings
from bot.staff_web import (
    COOKIE,
    LoginThrottle,
    SessionCookies,
    StaffAccounts,
    StaffPages,
    password_file_line,
)
from bot.stats import build_report
from bot.web import create_app
from clinic.config import ClinicConfig
from storage.db import Database
from storage.kpi import (
    Cancellations,
    Conversations,
    Durations,
    Handoffs,
    KpiReport,
    Messages,
    NoShows,
    Reminders,
    TimeSaved,
    WeekFigures,
)
from tests.kpi_seed import FIRST_DAY, LAST_DAY, seed_kpi_history
from tests.kpi_seed import NOW as SEEDED_NOW

#: Wednesday 25 November 2026, 11:00 in Paris.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
USER, PASSWORD = "anne", "correct horse battery"
#: Cheap hashes for tests; the command writes cost-12 ones.
ROUNDS = 4


def sample_report(start: date, end: date) -> KpiReport:
    """A report with every kind of figure, one week without visits."""
    return KpiReport(
        start=start.isoformat(),
        end=end.isoformat(),
        timezone="Europe/Paris",
        bookings=12,
        weeks=[
            WeekFigures("2026-W45", "2026-11-02", 3, 10, 1, 0.1),
            WeekFigures("2026-W46", "2026-11-09", 5, 0, 0, None),
            WeekFigures("2026-W47", "2026-11-16", 4, 8, 2, 0.25),
        ],
        reminders=Reminders(20, 15, 0.75),
        no_shows=NoShows(18, 3, 1 / 6),
        cancellations=Cancellations(4, 1, 0.25),
        first_answer=Durations(30, 1.5, 4.25),
        conversations=Conversations(40, 34, 0.85),
        handoffs=Handoffs(6, 5, Durations(5, 420.0, 3900.0), {"asked": 4, "medical": 2}),
        messages=Messages(300, {"telegram": 200, "whatsapp": 100}, {"fr": 250, "en": 50}),
        time_saved=TimeSaved(4.0, 34, 136.0),
        notes=["retention"],
    )


@dataclass
class Reports:
    """The report source the page is given; remembers the periods asked for."""

    asked: list[tuple[date, date]] = field(default_factory=list)
    broken: bool = False

    def __call__(self, start: date, end: date) -> KpiReport:
        self.asked.append((start, end))
        if self.broken:
            raise ConnectionError("database unreachable")
        return sample_report(start, end)


@dataclass
class Ticks:
    """A monotonic clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


class Answer(Protocol):
    """What a test reads of an HTTP response (TestClient's, whichever httpx it uses)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...


def pages(
    clinic: ClinicConfig,
    accounts: StaffAccounts | None = None,
    *,
    reports: Reports | None = None,
    throttle: LoginThrottle | None = None,
    secret: str = "test secret",
) -> StaffPages:
    """The staff pages with the env-style account anne, unless told otherwise."""
    return StaffPages(
        accounts=accounts or StaffAccounts(user=USER, password=PASSWORD),
        report=reports or Reports(),
        clinic=lambda: clinic,
        clock=lambda: NOW,
        session_secret=secret,
        throttle=throttle,
    )


@pytest.fixture
def client(clinic: ClinicConfig) -> Iterator[TestClient]:
    """A browser on the app with the staff pages (account anne)."""
    with TestClient(create_app(staff_pages=pages(clinic))) as browser:
        yield browser


def browse(app: FastAPI, *, https: bool = False) -> TestClient:
    """A client of ``app`` (use it in a ``with``)."""
    return TestClient(app, base_url="https://testserver" if https else "http://testserver")


def sign_in(browser: TestClient, user: str = USER, password: str = PASSWORD, **extra: str) -> Any:
    """Post the login form, not following the redirect."""
    form = {"username": user, "password": password, **extra}
    return browser.post("/staff/login", data=form, follow_redirects=False)


def shown(answer: Answer) -> str:
    """The page as read: entities decoded, non-breaking spaces as spaces."""
    return unescape(answer.text).replace("\xa0", " ").replace("\u202f", " ")


class Hooks(HTMLParser):
    """The ``data-kpi`` hooks of a page: key → (raw value, text shown)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: dict[str, list[tuple[str, str]]] = {}
        self._open: list[tuple[str, str]] = []
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "data" and values.get("data-kpi") is not None:
            self._open.append((values["data-kpi"] or "", values.get("value") or ""))
            self._text = []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "data" and self._open:
            key, raw = self._open.pop()
            self.found.setdefault(key, []).append((raw, "".join(self._text)))


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [1]}}`` → ``{"a.b.0": 1}``."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)  # type: ignore[assignment]
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for name, item in items:
        flat.update(flatten(item, f"{prefix}.{name}" if prefix else str(name)))
    return flat


def test_the_figures_need_a_login(client: TestClient) -> None:
    """Signed out, /staff and the stats lead to the login form, keeping the period asked
    for; the JSON answers 401."""
    home = client.get("/staff", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/staff/login"
    stats = client.get("/staff/stats?from=2026-11-02&to=2026-11-15", follow_redirects=False)
    assert stats.status_code == 303
    assert stats.headers["location"] == (
        "/staff/login?next=%2Fstaff%2Fstats%3Ffrom%3D2026-11-02%26to%3D2026-11-15"
    )
    form = client.get(stats.headers["location"])
    assert 'type="password"' in form.text
    assert 'name="next" value="/staff/stats?from=2026-11-02&amp;to=2026-11-15"' in form.text
    assert client.get("/staff/stats.json").status_code == 401
    signed_in = sign_in(client, next="/staff/stats?from=2026-11-02&to=2026-11-15")
    assert signed_in.headers["location"] == "/staff/stats?from=2026-11-02&to=2026-11-15"
    page = client.get(signed_in.headers["location"])
    assert page.status_code == 200 and 'data-kpi="bookings" value="12"' in page.text


def test_a_wrong_password_or_user_gets_the_same_answer_and_no_session(
    client: TestClient,
) -> None:
    """Wrong password and unknown user read alike; the log says whether the name was a
    user's, names only who signed in, and never holds a password."""
    with capture_logs() as logs:
        wrong_password = sign_in(client, password="tr0ub4dor")
        unknown_user = sign_in(client, user="mallory", password=PASSWORD)
        right = sign_in(client)
    for answer in (wrong_password, unknown_user):
        assert answer.status_code == 200
        assert "Nom d'utilisateur ou mot de passe incorrect." in shown(answer)
        assert COOKIE not in answer.headers.get("set-cookie", "")
    assert right.status_code == 303 and COOKIE in right.headers["set-cookie"]
    assert [(e["event"], e.get("known_user"), e.get("user")) for e in logs] == [
        ("staff.login_failed", True, None),
        ("staff.login_failed", False, None),
        ("staff.login", None, USER),
    ]
    assert "tr0ub4dor" not in repr(logs) and PASSWORD not in repr(logs)
    assert "mallory" not in repr(logs)


def test_a_failed_login_does_not_log_the_name_typed(clinic: ClinicConfig) -> None:
    """The user name field may hold a password typed in the wrong place: neither a failed
    nor a throttled login puts it in the logs."""
    throttle = LoginThrottle(clock=Ticks())
    app = create_app(staff_pages=pages(clinic, throttle=throttle))
    with browse(app) as browser, capture_logs() as logs:
        for _ in range(6):
            sign_in(browser, user="hunter2-secret", password="x")
    assert [e["event"] for e in logs] == ["staff.login_failed"] * 5 + ["staff.login_throttled"]
    assert all(e.get("known_user") is False for e in logs[:5])
    assert "hunter2-secret" not in repr(logs)


async def test_logins_posted_all_at_once_are_counted_before_they_are_checked(
    clinic: ClinicConfig, tmp_path: Path
) -> None:
    """Twenty wrong passwords posted at once, the right one last among them: only five
    passwords are checked, the others (the right one included) get 429, and so does the
    right password posted afterwards."""
    passwords = tmp_path / "staff.passwd"
    passwords.write_text(password_file_line(USER, PASSWORD, rounds=ROUNDS) + "\n", "utf-8")
    throttle = LoginThrottle(clock=Ticks())
    staff = pages(clinic, StaffAccounts(password_file=passwords), throttle=throttle)
    transport = httpx.ASGITransport(app=create_app(staff_pages=staff))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:

        async def post(password: str) -> httpx.Response:
            form = {"username": USER, "password": password}
            return await browser.post("/staff/login", data=form)

        with capture_logs() as logs:
            answers = await asyncio.gather(*(post(f"guess {n}") for n in range(20)), post(PASSWORD))
            after = await post(PASSWORD)
    checked = [e for e in logs if e["event"] == "staff.login_failed"]
    assert len(checked) == throttle.limit
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 16
    assert COOKIE not in answers[-1].headers.get("set-cookie", "")
    assert after.status_code == 429 and after.headers["retry-after"] == "60"


def test_five_failures_lock_the_address_out_for_a_minute(clinic: ClinicConfig) -> None:
    """After five wrong passwords even the right one is refused (429, Retry-After) until
    the minute has passed; then it works."""
    ticks = Ticks()
    app = create_app(staff_pages=pages(clinic, throttle=LoginThrottle(clock=ticks)))
    with browse(app) as browser:
        for _ in range(5):
            assert sign_in(browser, password="guess").status_code == 200
        locked = sign_in(browser)
        assert locked.status_code == 429 and locked.headers["retry-after"] == "60"
        assert "Réessayez dans 60 secondes" in shown(locked)
        ticks.now += 59
        assert sign_in(browser).status_code == 429
        ticks.now += 2
        assert sign_in(browser).status_code == 303


def test_the_environment_account_signs_in_with_a_safe_cookie(clinic: ClinicConfig) -> None:
    """STAFF_USER + STAFF_PASSWORD from the settings; the session cookie is HttpOnly,
    SameSite=Lax, limited to /staff, and Secure over https only."""
    settings = Settings(_env_file=None, staff_user="bob", staff_password="s3cret-enough")
    staff = StaffPages.from_settings(
        settings, report=Reports(), clinic=lambda: clinic, clock=lambda: NOW
    )
    app = create_app(staff_pages=staff)
    for https in (False, True):
        with browse(app, https=https) as browser:
            assert sign_in(browser, "bob", "s3cret-enough").status_code == 303
            cookie = browser.cookies.jar
            [session] = [c for c in cookie if c.name == COOKIE]
            assert session.path == "/staff" and session.secure is https
            header = sign_in(browser, "bob", "s3cret-enough").headers["set-cookie"]
            assert "HttpOnly" in header and "SameSite=lax" in header
            assert ("Secure" in header) is https
            assert browser.get("/staff/stats").status_code == 200


def test_accounts_from_a_bcrypt_file_including_htpasswd_lines(
    clinic: ClinicConfig, tmp_path: Path
) -> None:
    """Lines from `carebot staff-password` and from `htpasswd -B` ($2y$) both sign in;
    comments and broken lines are skipped; a colleague added later signs in without a
    restart, and one removed loses the session."""
    alice = password_file_line("alice", "alice's passphrase", rounds=ROUNDS)
    hashed = bcrypt.hashpw(b"bruno's passphrase", bcrypt.gensalt(ROUNDS)).decode()
    bruno = "bruno:$2y$" + hashed[4:]  # what htpasswd -B writes
    passwords = tmp_path / "staff.passwd"
    passwords.write_text(f"# staff\n{alice}\nbroken line\n\n{bruno}\n", encoding="utf-8")
    accounts = StaffAccounts(password_file=passwords)
    with browse(create_app(staff_pages=pages(clinic, accounts))) as browser:
        assert sign_in(browser, "alice", "alice's passphrase").status_code == 303
        assert sign_in(browser, "bruno", "bruno's passphrase").status_code == 303
        assert sign_in(browser, "bruno", "alice's passphrase").status_code == 200
        assert sign_in(browser, "broken line", "x").status_code == 200
        claire = password_file_line("claire", "claire's passphrase", rounds=ROUNDS)
        passwords.write_text(f"{alice}\n{claire}\n", encoding="utf-8")
        assert sign_in(browser, "claire", "claire's passphrase").status_code == 303
        assert browser.get("/staff/stats").status_code == 200
        passwords.write_text(f"{alice}\n", encoding="utf-8")
        assert browser.get("/staff/stats", follow_redirects=False).status_code == 303


def test_an_unknown_user_is_checked_against_a_hash_as_dear_as_the_files(tmp_path: Path) -> None:
    """`htpasswd -B` writes cost-5 hashes: the dummy hash an unknown user is checked
    against has the cost of the file's hashes (a cost-12 one would answer 100 times
    slower and tell which names exist), and follows the file when it changes."""
    hashed = bcrypt.hashpw(b"bruno's passphrase", bcrypt.gensalt(5)).decode()
    passwords = tmp_path / "staff.passwd"
    passwords.write_text(f"bruno:$2y${hashed[4:]}\n", encoding="utf-8")
    accounts = StaffAccounts(password_file=passwords)
    assert accounts.dummy_hash().startswith(b"$2b$05$")
    assert not accounts.check("mallory", "bruno's passphrase")
    assert accounts.check("bruno", "bruno's passphrase")
    alice = password_file_line("alice", "alice's passphrase", rounds=ROUNDS)
    claire = password_file_line("claire", "claire's passphrase", rounds=ROUNDS)
    passwords.write_text(f"{alice}\n{claire}\nbruno:$2y${hashed[4:]}\n", encoding="utf-8")
    assert accounts.dummy_hash().startswith(b"$2b$04$")  # most of the file's hashes
    assert StaffAccounts(password_file=tmp_path / "none").dummy_hash().startswith(b"$2b$12$")


def test_a_changed_password_or_a_removed_user_ends_their_sessions(
    clinic: ClinicConfig, tmp_path: Path
) -> None:
    """The session is bound to the password it was opened with: a new hash for the user in
    the file, or a new STAFF_PASSWORD (same session secret), sends the browser back to the
    login; a session cookie that names only the user is refused."""
    passwords = tmp_path / "staff.passwd"
    passwords.write_text(password_file_line("alice", "old passphrase", rounds=ROUNDS) + "\n")
    accounts = StaffAccounts(password_file=passwords)
    with browse(create_app(staff_pages=pages(clinic, accounts))) as browser:
        assert sign_in(browser, "alice", "old passphrase").status_code == 303
        assert browser.get("/staff/stats").status_code == 200
        # Same length, likely the same modification time: only the content tells.
        passwords.write_text(password_file_line("alice", "new passphrase", rounds=ROUNDS) + "\n")
        moved = browser.get("/staff/stats", follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"].startswith("/staff/login")
        assert sign_in(browser, "alice", "new passphrase").status_code == 303
        assert browser.get("/staff/stats").status_code == 200

    def environment(password: str) -> FastAPI:
        return create_app(staff_pages=pages(clinic, StaffAccounts(user=USER, password=password)))

    with browse(environment(PASSWORD)) as browser:
        sign_in(browser)
        session = browser.cookies[COOKIE]
    with browse(environment(PASSWORD)) as restarted:
        restarted.cookies.set(COOKIE, session, path="/staff")
        assert restarted.get("/staff/stats", follow_redirects=False).status_code == 200
    with browse(environment("a new passphrase")) as changed:
        changed.cookies.set(COOKIE, session, path="/staff")
        assert changed.get("/staff/stats", follow_redirects=False).status_code == 303
    with browse(environment(PASSWORD)) as unbound:
        name_only = SessionCookies("test secret")._serializer.dumps({"u": USER})
        unbound.cookies.set(COOKIE, name_only, path="/staff")
        assert unbound.get("/staff/stats", follow_redirects=False).status_code == 303


def test_the_staff_password_command_prints_a_line_for_the_file() -> None:
    """`carebot staff-password NAME` reads the password from stdin (not a terminal) and
    prints NAME:$2b$…; a name with a colon is refused."""
    result = CliRunner().invoke(cli, ["staff-password", "anne"], input="my passphrase\n")
    assert result.exit_code == 0, result.output
    name, hashed = result.output.strip().split(":", 1)
    assert name == "anne" and hashed.startswith("$2b$12$")
    assert bcrypt.checkpw(b"my passphrase", hashed.encode())
    refused = CliRunner().invoke(cli, ["staff-password", "an:ne"], input="x\n")
    assert refused.exit_code == 1 and "user name" in refused.output


def test_without_accounts_the_page_says_how_to_turn_it_on(clinic: ClinicConfig) -> None:
    """No STAFF_* settings: /staff explains how to enable it and offers no login form;
    posting to the login changes nothing."""
    settings = Settings(_env_file=None)
    staff = StaffPages.from_settings(
        settings, report=Reports(), clinic=lambda: clinic, clock=lambda: NOW
    )
    with browse(create_app(staff_pages=staff)) as browser:
        for answer in (
            browser.get("/staff"),
            browser.get("/staff/login"),
            sign_in(browser, "", ""),
        ):
            assert answer.status_code == 200
            assert "Page de l'équipe désactivée" in shown(answer)
            assert "STAFF_PASSWORD_FILE" in answer.text and "carebot staff-password" in answer.text
            assert 'type="password"' not in answer.text
            assert COOKIE not in answer.headers.get("set-cookie", "")
        assert browser.get("/staff/stats", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01&to=2026-12-31", "« 2026-13-01 » n'est pas une date"),
        ("from=yesterday", "« yesterday » n'est pas une date"),
        ("from=2026-11-15&to=2026-11-02", "Le premier jour (2026-11-15) est après le dernier"),
        ("from=2025-01-01&to=2026-12-31", "Cette période dure 730 jours"),
        ("from=%3Cscript%3E", "« <script> » n'est pas une date"),
        ("to=0001-01-05", "Le 0001-01-05 n'est pas un jour que les chiffres peuvent couvrir"),
        ("from=9999-12-31", "choisissez-en un du 2000-01-01 au 2027-12-31"),
        ("from=1999-12-31&to=2000-01-05", "Le 1999-12-31 n'est pas un jour"),
        ("from=2026-11-02&to=2028-01-01", "Le 2028-01-01 n'est pas un jour"),
    ],
)
def test_a_bad_period_gets_a_clear_message_not_an_error(
    clinic: ClinicConfig, query: str, message: str
) -> None:
    """Unreadable, reversed or too long periods: a 400 page that says what to fix (and
    escapes what was typed); the report is never asked for; the JSON says so too."""
    reports = Reports()
    with browse(create_app(staff_pages=pages(clinic, reports=reports))) as browser:
        sign_in(browser)
        page = browser.get(f"/staff/stats?{query}")
        assert page.status_code == 400
        assert message in shown(page)
        assert 'role="alert"' in page.text and "<script>" not in page.text
        data = browser.get(f"/staff/stats.json?{query}")
        assert data.status_code == 400 and data.json()["error"]
    assert reports.asked == []


def test_the_default_period_is_the_last_four_full_weeks(clinic: ClinicConfig) -> None:
    """On Wednesday 25 November: Monday 26 October to Sunday 22 November; only a start
    given runs to today."""
    reports = Reports()
    with browse(create_app(staff_pages=pages(clinic, reports=reports))) as browser:
        sign_in(browser)
        assert browser.get("/staff/stats").status_code == 200
        assert browser.get("/staff/stats?from=2026-11-16").status_code == 200
        assert browser.get("/staff/stats.json").json()["start"] == "2026-10-26"
    assert reports.asked == [
        (date(2026, 10, 26), date(2026, 11, 22)),
        (date(2026, 11, 16), date(2026, 11, 25)),
        (date(2026, 10, 26), date(2026, 11, 22)),
    ]


def test_every_number_carries_its_raw_value_and_reads_naturally(client: TestClient) -> None:
    """Each figure of the report is on the page with a data-kpi hook holding its exact
    value; rates read as percentages, durations in s / min / h, "—" when there is none."""
    sign_in(client)
    page = client.get("/staff/stats?from=2026-11-02&to=2026-11-22&lang=en")
    hooks = Hooks(page.text).found
    expected = flatten(sample_report(date(2026, 11, 2), date(2026, 11, 22)).to_dict())
    assert set(hooks) == set(expected)
    for key, shown in hooks.items():
        for raw, _text in shown:
            value = expected[key]
            if value is None:
                assert raw == "", key
            elif isinstance(value, int | float):
                assert float(raw) == value, key
            else:
                assert raw == value, key
    text = {key: shown[0][1] for key, shown in hooks.items()}
    assert text["reminders.confirmation_rate"] == "75%"
    assert text["no_shows.rate"] == "16.7%"
    assert text["weeks.1.no_show_rate"] == "—"
    assert text["first_answer.median_seconds"] == "1.5 s"
    assert text["handoffs.wait.median_seconds"] == "7 min"
    assert text["handoffs.wait.p90_seconds"] == "1 h 05"
    assert text["time_saved.minutes"] == "2 h 16"
    assert text["messages.by_channel.telegram"] == "200"
    assert page.text.count('<rect class="bar"') == 3 + 2 + 2 + 2 + 2  # one week has no rate


def test_a_period_past_the_message_retention_says_so_in_words(
    database: Database, clinic: ClinicConfig
) -> None:
    """Messages are kept 90 days: for June, the page's note is the sentence `carebot stats`
    prints (with the day the figures become complete), not the report's code for it."""
    staff = StaffPages(
        accounts=StaffAccounts(user=USER, password=PASSWORD),
        report=lambda start, end: build_report(database, clinic, start, end, now=NOW),
        clinic=lambda: clinic,
        clock=lambda: NOW,
        session_secret="test secret",
    )
    with browse(create_app(staff_pages=staff)) as browser:
        sign_in(browser)
        june = browser.get("/staff/stats?from=2026-06-01&to=2026-06-28&lang=en")
        recent = browser.get("/staff/stats?from=2026-11-02&to=2026-11-22&lang=en")
    assert Hooks(june.text).found["notes.0"] == [
        (
            "retention",
            "Messages are deleted after the retention period: reminder and first-answer "
            "figures before Thursday, August 27 are incomplete.",
        )
    ]
    assert ">retention<" not in june.text
    assert "notes.0" not in Hooks(recent.text).found


def test_language_from_the_browser_or_the_switch(client: TestClient) -> None:
    """French by default (the clinic's), English for an English browser, and ?lang= wins."""
    sign_in(client)
    assert "Les chiffres de l'accueil" in shown(client.get("/staff/stats"))
    english = {"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}
    assert "Front desk figures" in client.get("/staff/stats", headers=english).text
    forced = client.get("/staff/stats?lang=fr", headers=english)
    assert "Les chiffres de l'accueil" in shown(forced) and '<html lang="fr">' in forced.text


def test_logout_ends_the_session_and_forged_cookies_are_refused(client: TestClient) -> None:
    """Signing out clears the cookie; a session signed with another secret, or a login
    posted from another site, gets nowhere."""
    sign_in(client)
    out = client.post("/staff/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/staff/login")
    assert f'{COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    assert client.get("/staff/stats", follow_redirects=False).status_code == 303
    forged = SessionCookies("another secret")._serializer.dumps({"u": USER})
    client.cookies.set(COOKIE, forged, path="/staff")
    assert client.get("/staff/stats", follow_redirects=False).status_code == 303
    client.cookies.clear()
    foreign = client.post(
        "/staff/login",
        data={"username": USER, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403 and COOKIE not in foreign.headers.get("set-cookie", "")


def test_after_login_only_our_own_pages_are_a_destination(client: TestClient) -> None:
    """``next`` cannot send a signed-in user to another site."""
    for target in ("https://evil.example/", "//evil.example/staff/", "/staff/../x", "/other"):
        answer = sign_in(client, next=target)
        assert answer.headers["location"] == "/staff/stats", target
    assert sign_in(client, next="/staff/stats?from=2026-11-02").headers["location"] == (
        "/staff/stats?from=2026-11-02"
    )


def test_an_unreachable_database_gets_a_message_not_a_crash(clinic: ClinicConfig) -> None:
    """When the report cannot be read, the page says so with a 503."""
    reports = Reports(broken=True)
    with browse(create_app(staff_pages=pages(clinic, reports=reports))) as browser:
        sign_in(browser)
        page = browser.get("/staff/stats")
        assert page.status_code == 503 and "ne peuvent pas être lus" in shown(page)
        assert browser.get("/staff/stats.json").status_code == 503


def test_the_page_shows_counts_but_no_patient_data(
    database: Database, clinic: ClinicConfig
) -> None:
    """On a real seeded history whose patients have names and phone numbers, the page
    (and its JSON) shows the report's counts and nothing that identifies a patient."""
    seeded = seed_kpi_history(database)
    people = {"p1": ("Alice Martin", "+33612345678"), "p2": ("Bob Smith", "+447911123456")}
    with database.unit_of_work() as uow:
        for name, (display_name, phone) in people.items():
            uow.patients.update(seeded.patients[name], display_name=display_name, phone=phone)
        uow.commit()
    staff = StaffPages(
        accounts=StaffAccounts(user=USER, password=PASSWORD),
        report=lambda start, end: build_report(database, clinic, start, end, now=SEEDED_NOW),
        clinic=lambda: clinic,
        clock=lambda: SEEDED_NOW,
        session_secret="test secret",
    )
    with browse(create_app(staff_pages=staff)) as browser:
        sign_in(browser)
        period = f"from={FIRST_DAY}&to={LAST_DAY}"
        page = browser.get(f"/staff/stats?{period}").text
        data = browser.get(f"/staff/stats.json?{period}").text
    report = build_report(database, clinic, FIRST_DAY, LAST_DAY, now=SEEDED_NOW)
    assert f'data-kpi="bookings" value="{report.bookings}"' in page
    assert report.bookings > 0
    for display_name, phone in people.values():
        for secret in (display_name, *display_name.split(), phone, phone[1:], phone[-6:]):
            assert secret not in page and secret not in data, secret
    assert "chat-p1" not in page and "chat-p1" not in data
