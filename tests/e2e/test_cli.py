"""The carebot command as a user runs it: a real process, real files, a real SQLite database."""

from __future__ import annotations

from pathlib import Path

from bot.settings import DEFAULT_CLINIC_FILE, DEFAULT_FAQ_FILE
from tests.cli import carebot


def test_check_config_accepts_the_sample_clinic_and_summarises_it(tmp_path: Path) -> None:
    """Valid files: exit 0 and a short summary of what was found."""
    result = carebot("check-config", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Centre médical Lumière (Europe/Paris, fr/en) — 5 practitioners, 7 services" in (
        result.stdout
    )
    assert "22 entries" in result.stdout


def test_check_config_prints_every_problem_with_its_line_and_fails(tmp_path: Path) -> None:
    """A typo'd key and a bad time range: both reported as file:line, exit code 1."""
    text = DEFAULT_CLINIC_FILE.read_text(encoding="utf-8")
    text = text.replace("practitioners:\n", "practioners:\n", 1)
    text = text.replace('mon: "08:00-19:00"', 'mon: "8h-19h"', 1)
    broken = tmp_path / "clinic.yaml"
    broken.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    typo_line = lines.index("practioners:") + 1
    hours_line = next(i for i, line in enumerate(lines, 1) if "8h-19h" in line)
    result = carebot("check-config", "--clinic", str(broken), cwd=tmp_path)
    assert result.returncode == 1
    assert f"clinic.yaml:{typo_line}: practioners: unknown key" in result.stderr
    assert "did you mean 'practitioners'" in result.stderr
    assert f"clinic.yaml:{hours_line}: opening_hours.mon" in result.stderr
    assert "HH:MM-HH:MM" in result.stderr


def test_init_copies_a_working_clinic_to_start_from(tmp_path: Path) -> None:
    """`carebot init DIR` writes clinic.yaml, faq.yaml and a .env that check-config accepts,
    and refuses to overwrite them."""
    result = carebot("init", "my-clinic", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "my-clinic"
    assert (folder / "clinic.yaml").read_text() == DEFAULT_CLINIC_FILE.read_text()
    assert (folder / "faq.yaml").read_text() == DEFAULT_FAQ_FILE.read_text()
    checked = carebot("check-config", cwd=folder)
    assert checked.returncode == 0, checked.stderr
    assert str(folder / "clinic.yaml") in checked.stdout
    again = carebot("init", "my-clinic", cwd=tmp_path)
    assert again.returncode == 1
    assert "Not overwriting" in again.stderr


def test_chat_books_an_appointment_in_the_terminal(tmp_path: Path) -> None:
    """The README's first command: numbered buttons, a booking, the .ics written to a file;
    another patient (--as) does not see it."""
    # The first "1" agrees to the privacy notice; then book by numbers.
    script = "1\n1\n1\n1\n1\n1\nJean Dupont\n06 12 34 56 78\n1\n/appointments\n/quit\n"
    result = carebot("chat", "--as", "jean", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Avant de commencer" in out and "[1] ✅ J'accepte" in out
    assert "bienvenue au Centre médical Lumière" in out
    assert "[1] 📅 Prendre rendez-vous" in out
    assert "C'est réservé ✅" in out
    assert "Vos prochains rendez-vous" in out
    ics = list((tmp_path / "carebot-out").glob("*.ics"))
    assert len(ics) == 1
    assert "LOCATION:12 rue des Lilas" in ics[0].read_text()
    assert (tmp_path / "carebot.db").exists()
    other = carebot("chat", "--as", "marie", cwd=tmp_path, stdin="1\n/appointments\n")
    assert "Vous n'avez aucun rendez-vous à venir" in other.stdout
    same = carebot("chat", "--as", "jean", cwd=tmp_path, stdin="/appointments\n")
    assert "Vos prochains rendez-vous" in same.stdout


def test_chat_refuses_a_broken_clinic_file_with_its_problems(tmp_path: Path) -> None:
    """A broken CLINIC_FILE: no traceback, the problem with its line, exit 1."""
    broken = tmp_path / "clinic.yaml"
    broken.write_text(
        DEFAULT_CLINIC_FILE.read_text().replace("Europe/Paris", "Europe/Pariss"), encoding="utf-8"
    )
    result = carebot("chat", cwd=tmp_path, stdin="", env={"CLINIC_FILE": str(broken)})
    assert result.returncode == 1
    assert "clinic.yaml:" in result.stderr and "Europe/Pariss" in result.stderr
    assert "Traceback" not in result.stderr


def test_reminders_preview_lists_what_will_be_sent_and_no_show_needs_a_started_visit(
    tmp_path: Path,
) -> None:
    """After a booking, `reminders preview` shows the planned reminders at local times;
    `appointments mark-no-show` refuses an appointment that has not started."""
    script = "1\n1\n1\n1\n3\n1\nJean Dupont\n06 12 34 56 78\n1\n/quit\n"
    assert carebot("chat", "--as", "jean", cwd=tmp_path, stdin=script).returncode == 0
    preview = carebot(
        "reminders", "preview", "--from", "2020-01-01", "--to", "2099-12-31", cwd=tmp_path
    )
    assert preview.returncode == 0, preview.stderr
    lines = preview.stdout.splitlines()
    assert any(
        "reminder" in line and "Jean Dupont" in line and "appt:1:reminder:48h" in line
        for line in lines
    )
    assert any("appt:1:reminder:2h" in line for line in lines)
    assert lines[-1].endswith("planned.")
    refused = carebot("appointments", "mark-no-show", "1", cwd=tmp_path)
    assert refused.returncode == 1
    assert "has not started yet" in refused.stderr
    missing = carebot("appointments", "mark-no-show", "42", cwd=tmp_path)
    assert missing.returncode == 1 and "no appointment 42" in missing.stderr
