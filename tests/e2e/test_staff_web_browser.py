"""The staff page in a real browser: Debian's Chromium, headless, driven by Playwright.

The app is served by uvicorn on 127.0.0.1 over a seeded database (the history
``tests/integration/test_kpi.py`` counts by hand); a staff member signs in
through the form and reads the figures. The test checks that the numbers the
browser shows are the report's, and that the charts are drawn.

Playwright only drives the browser: no ``playwright install``, Chromium is
Debian's (``apt-get install chromium``). Without it the test is skipped
locally and fails under CI (``CI`` set), as the PostgreSQL tests do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from bot.settings import Settings
from bot.staff_web import StaffPages
from bot.stats import build_report
from bot.web import create_app
from clinic.config import ClinicConfig
from storage.db import Database
from storage.kpi import KpiReport
from tests.fakes.serving import serve_in_thread
from tests.kpi_seed import FIRST_DAY, LAST_DAY, NOW, seed_kpi_history

CHROMIUM = Path(os.environ.get("CAREBOT_CHROMIUM", "/usr/bin/chromium"))
#: Headless and quiet: no sandbox (root in containers), no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USER, PASSWORD = "reception", "a long enough passphrase"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, launched once for the module."""
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": [1]}}`` → ``{"a.b.0": 1}``: the page's ``data-kpi`` keys."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = list(enumerate(value))
    else:
        return {prefix: value}
    flat: dict[str, Any] = {}
    for name, item in pairs:
        flat.update(flatten(item, f"{prefix}.{name}" if prefix else str(name)))
    return flat


def as_shown_in_english(value: object) -> str | None:
    """What an English page must print for a count or a rate (None: not checked here)."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return None


def read_figures(page: Page) -> dict[str, list[tuple[str, str]]]:
    """Every ``data-kpi`` hook on the page: key → [(raw value, text shown)]."""
    rows = page.eval_on_selector_all(
        "[data-kpi]",
        "nodes => nodes.map(n => [n.dataset.kpi, n.getAttribute('value'), n.textContent])",
    )
    figures: dict[str, list[tuple[str, str]]] = {}
    for key, raw, text in rows:
        figures.setdefault(key, []).append((raw, text))
    return figures


def test_a_staff_member_signs_in_and_reads_the_reports_numbers(
    chromium: Browser, database: Database, clinic: ClinicConfig, tmp_path: Path
) -> None:
    """In Chromium: the stats link leads to the login form; after signing in, every
    figure shown equals the report's, rates read as percentages, each chart has one bar
    per week or category, the page loads nothing from elsewhere and breaks no rule of
    its security policy; signing out leads back to the form."""
    seed_kpi_history(database)
    report: KpiReport = build_report(database, clinic, FIRST_DAY, LAST_DAY, now=NOW)
    staff = StaffPages.from_settings(
        Settings(_env_file=None, staff_user=USER, staff_password=PASSWORD),
        report=lambda start, end: build_report(database, clinic, start, end, now=NOW),
        clinic=lambda: clinic,
        clock=lambda: NOW,
    )
    with serve_in_thread(
        create_app(staff_pages=staff), name="staff-web", on_close=lambda: None
    ) as port:
        base = f"http://127.0.0.1:{port}"
        context = chromium.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on(
            "request",
            lambda r: None if r.url.startswith(base) else problems.append(f"fetched {r.url}"),
        )
        try:
            page.goto(f"{base}/staff/stats?from={FIRST_DAY}&to={LAST_DAY}")
            assert "/staff/login" in page.url
            assert page.get_by_role("heading", name="Staff sign-in").is_visible()
            page.get_by_label("User name").fill(USER)
            page.get_by_label("Password").fill("not the password")
            page.get_by_role("button", name="Sign in").click()
            assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{base}/staff/stats?from={FIRST_DAY}&to={LAST_DAY}&lang=en")
            assert page.get_by_role("heading", name="Front desk figures").is_visible()

            shown = read_figures(page)
            expected = flatten(report.to_dict())
            assert set(shown) == set(expected)
            for key, appearances in shown.items():
                value = expected[key]
                for raw, text in appearances:
                    if value is None:
                        assert raw == "" and text == "—", key
                    elif isinstance(value, int | float):
                        assert float(raw) == value, key
                    else:
                        assert raw == value, key
                    if as_shown_in_english(value) is not None and key != "start":
                        assert text == as_shown_in_english(value), (key, text)
            for key in ("reminders.confirmation_rate", "no_shows.rate", "weeks.1.no_show_rate"):
                rate = expected[key]
                assert shown[key][0][1] == f"{round(rate * 100, 1):g}%", key
            assert report.bookings > 0 and report.messages.total > 0  # a history worth reading

            bars = {
                "bookings": len(report.weeks),
                "no_show_rate": sum(w.no_show_rate is not None for w in report.weeks),
                "channels": len(report.messages.by_channel),
                "languages": len(report.messages.by_language),
                "handoff_reasons": len(report.handoffs.by_reason),
            }
            for chart, count in bars.items():
                rects = page.locator(f'svg[data-chart="{chart}"] rect.bar')
                assert rects.count() == count > 0, chart
            weekly = page.locator('svg[data-chart="bookings"] rect.bar')
            heights = [weekly.nth(i).bounding_box()["height"] for i in range(weekly.count())]  # type: ignore[index]
            values = [week.bookings for week in report.weeks]
            tallest = max(heights)
            for height, value in zip(heights, values, strict=True):
                assert height == pytest.approx(tallest * value / max(values), abs=0.6)

            page.screenshot(path=str(tmp_path / "staff-page.png"), full_page=True)
            page.get_by_role("button", name="Sign out").click()
            page.wait_for_url(f"{base}/staff/login?lang=en")
            page.goto(f"{base}/staff/stats")
            assert "/staff/login" in page.url
            assert problems == []
        finally:
            context.close()
