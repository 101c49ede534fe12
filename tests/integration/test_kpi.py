"""The KPI report against a hand count of a seeded history, and against real conversations.

``tests/kpi_seed.py`` says what each record is; the expected figures below are
added up from it by hand, not computed.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.stats import build_report, default_period, format_table
from clinic.config import ClinicConfig
from storage.db import Database
from storage.kpi import durations
from tests.chat import MovableClock, ScriptedPatient
from tests.cli import carebot
from tests.integration.test_conversations import book_gp
from tests.kpi_seed import FIRST_DAY, LAST_DAY, NOW, seed_kpi_history


def test_the_report_matches_a_hand_count_of_the_seeded_history(
    database: Database, clinic: ClinicConfig
) -> None:
    seed_kpi_history(database)
    report = build_report(database, clinic, FIRST_DAY, LAST_DAY, now=NOW).to_dict()

    # Booked by patients through the bot in the period: a1, a2 (Monday 00:30 in Paris),
    # a4, a5, a6, a7 — not a3 (staff), a8 (a move), a9 (Monday 16th in Paris), a10 (October).
    assert report["bookings"] == 6
    # Visits that have happened: a1 (missed), a2 in week 45; a3, a4, a6 (missed) in week 46.
    assert report["weeks"] == [
        {
            "week": "2026-W45",
            "start": "2026-11-02",
            "bookings": 4,  # a1, a2, a5, a6
            "visits": 2,
            "no_shows": 1,
            "no_show_rate": 0.5,
        },
        {
            "week": "2026-W46",
            "start": "2026-11-09",
            "bookings": 2,  # a4, a7
            "visits": 3,
            "no_shows": 1,
            "no_show_rate": 0.3333,
        },
    ]
    assert report["no_shows"] == {"visits": 5, "no_shows": 2, "rate": 0.4}
    # Reminded in the period: a4 (twice, counted once) and a8; only a4 confirmed after.
    assert report["reminders"] == {"sent": 2, "confirmed": 1, "confirmation_rate": 0.5}
    # Cancelled: a5 (patient) and a10 (staff); a7's move is not one. a5's time went to a6.
    assert report["cancellations"] == {
        "total": 2,
        "rebooked_from_waitlist": 1,
        "rebooked_rate": 0.5,
    }
    # First replies: 2, 1, 4, 6, 3, 10 s → median (3 + 4) / 2, p90 the 6th of 6.
    assert report["first_answer"] == {"count": 6, "median_seconds": 3.5, "p90_seconds": 10.0}
    # c1..c5 wrote in the period; c2 and c4 were handed to a person in it, and a person
    # has held c5 since October.
    assert report["conversations"] == {
        "total": 5,
        "without_person": 2,
        "share_without_person": 0.4,
    }
    assert report["handoffs"] == {
        "total": 2,
        "answered": 1,
        "wait": {"count": 1, "median_seconds": 1800.0, "p90_seconds": 1800.0},
        "by_reason": {"asked": 1, "medical": 1},
    }
    # 8 messages: c1 ×2, c3 ×2, c4, c5 on Telegram; c2 ×2 on WhatsApp. French: c1, c3, c5.
    assert report["messages"] == {
        "total": 8,
        "by_channel": {"telegram": 6, "whatsapp": 2},
        "by_language": {"fr": 5, "en": 3},
    }
    assert report["time_saved"] == {
        "minutes_per_conversation": 4.0,
        "conversations": 2,
        "minutes": 8.0,
    }
    assert report["notes"] == []


def test_minutes_per_conversation_and_the_period_change_what_is_counted(
    database: Database, clinic: ClinicConfig
) -> None:
    seed_kpi_history(database)
    week_46 = build_report(
        database,
        clinic,
        date(2026, 11, 9),
        LAST_DAY,
        now=NOW,
        minutes_per_conversation=6,
    )
    assert week_46.bookings == 2
    assert [week.week for week in week_46.weeks] == ["2026-W46"]
    assert week_46.cancellations.total == 1  # a10 only
    assert week_46.messages.total == 0
    assert week_46.time_saved.minutes == 0
    whole = build_report(database, clinic, FIRST_DAY, LAST_DAY, now=NOW, minutes_per_conversation=6)
    assert whole.time_saved.minutes == 12.0


def test_an_empty_period_has_no_rates_rather_than_zero_percent(
    database: Database, clinic: ClinicConfig
) -> None:
    report = build_report(database, clinic, FIRST_DAY, LAST_DAY, now=NOW)
    assert report.reminders.confirmation_rate is None
    assert report.no_shows.rate is None
    assert report.first_answer.median_seconds is None
    text = format_table(report, clinic, "en", NOW)
    assert "0 of 0 reminded (—)" in text


def test_a_period_older_than_message_retention_is_flagged(
    database: Database, clinic: ClinicConfig
) -> None:
    later = NOW + timedelta(days=200)
    report = build_report(database, clinic, FIRST_DAY, LAST_DAY, now=later)
    assert report.notes == ["retention"]
    assert "incomplete" in format_table(report, clinic, "en", later)


def test_percentiles_are_nearest_rank() -> None:
    assert durations([]).median_seconds is None
    figures = durations([5.0])
    assert (figures.median_seconds, figures.p90_seconds) == (5.0, 5.0)
    ten = durations([float(n) for n in range(1, 11)])
    assert (ten.median_seconds, ten.p90_seconds) == (5.5, 9.0)
    eleven = durations([float(n) for n in range(1, 12)])
    assert eleven.p90_seconds == 10.0


def test_the_default_period_is_the_last_four_full_weeks() -> None:
    assert default_period(date(2026, 11, 28)) == (date(2026, 10, 26), date(2026, 11, 22))
    assert default_period(date(2026, 11, 23)) == (date(2026, 10, 26), date(2026, 11, 22))


class TickingClock(MovableClock):
    """A clock one second later at each reading, so every turn has its own moment."""

    def __call__(self) -> datetime:
        self.advance(timedelta(seconds=1))
        return self.now


def test_real_conversations_are_counted_as_the_bot_writes_them(
    database: Database, clinic: ClinicConfig
) -> None:
    """The report reads conventions the engine and flows write (who booked, reply rows of a
    turn): a booking made by chatting shows up, with its first-answer times."""
    clock = TickingClock(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    engine = Engine(database, lambda: clinic, clock=clock)
    alice = ScriptedPatient(engine, "alice", channel="telegram", locale="fr")
    book_gp(alice)
    assert alice.sees("C'est réservé")
    day = date(2026, 12, 2)
    report = build_report(database, clinic, day, day, now=clock())
    assert report.bookings == 1
    assert report.conversations.total == 1
    assert report.conversations.without_person == 1
    assert report.messages.by_channel == {"telegram": report.messages.total}
    assert report.messages.by_language == {"fr": report.messages.total}
    # Every turn was answered; each reply "delivered" one clock tick after its turn.
    assert report.first_answer.count == report.messages.total
    assert report.first_answer.p90_seconds == 1.0


def test_carebot_stats_prints_the_table_and_json(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kpi.db'}"}
    database = Database(env["DATABASE_URL"])
    database.migrate()
    seed_kpi_history(database)
    database.dispose()
    args = ["stats", "--from", "2026-11-02", "--to", "2026-11-15"]
    table = carebot(*args, "--language", "en", env=env, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert "Centre médical Lumière — 2026-11-02 to 2026-11-15 (Europe/Paris)" in table.stdout
    assert "1 of 2 reminded (50%)" in table.stdout
    assert "2026-W46  2026-11-09" in table.stdout
    machine = carebot(*args, "--json", env=env, cwd=tmp_path)
    assert machine.returncode == 0, machine.stderr
    assert json.loads(machine.stdout)["bookings"] == 6
    wrong = carebot("stats", "--from", "2026-11-15", "--to", "2026-11-02", env=env, cwd=tmp_path)
    assert wrong.returncode == 2
    assert "The first day (2026-11-15) is after the last (2026-11-02)" in said(wrong.stderr)
    silly = carebot("stats", "--from", "yesterday", env=env, cwd=tmp_path)
    assert silly.returncode == 2
    assert "is not a date" in silly.stderr


def said(stderr: str) -> str:
    """An error message as read, whatever box and line breaks the terminal drew around it."""
    return " ".join(stderr.replace("│", " ").split())


def test_carebot_stats_from_a_day_alone_runs_to_today(tmp_path: Path) -> None:
    """`--from` a recent day without `--to`: the report runs from that day to today, as on
    the staff page (it used to say "--to is before --from")."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kpi.db'}"}
    today = datetime.now(UTC).date()
    start = today - timedelta(days=3)
    answer = carebot("stats", "--from", start.isoformat(), "--json", env=env, cwd=tmp_path)
    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    assert report["start"] == start.isoformat()
    # Today in the clinic's zone (Paris), which may be a day ahead of UTC's.
    assert report["end"] in {today.isoformat(), (today + timedelta(days=1)).isoformat()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "9999-12-31", "--to", "9999-12-31"],
            "9999-12-31 is not a day the figures can cover: pick one from 2000-01-01",
        ),
        (["--to", "0001-01-05"], "0001-01-05 is not a day the figures can cover"),
        (["--from", "2025-01-01", "--to", "2026-12-31"], "a report covers at most 366 days"),
    ],
)
def test_carebot_stats_refuses_far_off_or_long_periods_in_words(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Years no clinic ran carebot in (that overflowed date arithmetic) and periods over a
    year: exit 2 and a sentence saying what to fix, no traceback."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kpi.db'}"}
    answer = carebot("stats", *args, env=env, cwd=tmp_path)
    assert answer.returncode == 2
    assert message in said(answer.stderr)
    assert "Traceback" not in answer.stderr


def test_messages_of_the_same_instant_are_each_timed_to_the_first_reply(
    database: Database, clinic: ClinicConfig
) -> None:
    """Two messages stamped alike (a double tap) both count as answered by the first reply."""
    moment = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    with database.unit_of_work() as uow:
        chat = uow.conversations.get_or_create_locked("telegram", "1", "fr", now=moment)
        assert chat.id is not None
        for _ in range(2):
            uow.turns.record(
                conversation_id=chat.id,
                at=moment,
                inbound_kind="button",
                flow="idle",
                step="start",
                latency_ms=2.0,
                replies=1,
            )
        row = uow.outbox.enqueue(
            idempotency_key="reply:telegram:1:0",
            channel="telegram",
            external_id="1",
            kind="reply",
            payload={"text": "…"},
            not_before=moment,
            conversation_id=chat.id,
            now=moment,
        )
        assert row is not None and row.id is not None
        uow.outbox.mark_sent(row.id, None, moment + timedelta(seconds=2))
        uow.commit()
    day = moment.date()
    report = build_report(database, clinic, day, day, now=moment + timedelta(days=1))
    assert report.first_answer == durations([2.0, 2.0])
