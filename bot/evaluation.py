"""Evaluate the whole front desk on labelled patient messages: ``carebot eval``.

Each case is what one new patient types first. It goes through the real
:class:`~bot.engine.Engine` on a throw-away SQLite database, exactly as a
patient's message would: the privacy notice (agreed to, as most patients do),
safety triage, understanding and routing, the flows, the FAQ — no LLM. What the
patient then experiences is read back from the turn (what was understood, the
events) and judged against the case's label:

========= ==============================================================
outcome    meaning
========= ==============================================================
emergency  the emergency numbers were given (with the suicide line, for a
           suicidal message)
answer     an FAQ entry or clinic fact was answered (right or wrong)
suggested  two or three entries were offered as buttons; the patient presses
           the expected one when it is there
flow       a booking, move, cancel or list of appointments was started
person     the message was passed to a person
nothing    anything else (a greeting, "I did not understand")
========= ==============================================================

The figures are only honest on cases nobody tuned on: see ``tests/eval/unseen.yaml``.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.answers import SUGGESTION, Knowledge, parse_suggestion
from bot.consent import ACCEPT
from bot.engine import Engine
from bot.flows.base import TurnContext
from bot.messages import Inbound, InboundKind, Reply
from bot.settings import Settings
from clinic.config import ClinicConfig
from clinic.loader import load_clinic_file
from faq.triage import is_suicide_line
from storage.db import Database

#: The categories a case may have, in report order ("injection" is read as "manipulative").
CATEGORIES = (
    "emergency",
    "past_event",
    "paraphrase",
    "clinic_fact",
    "medical",
    "out_of_scope",
    "manipulative",
    "action",
)
_ALIASES = {"injection": "manipulative"}
#: Categories whose questions the knowledge base answers.
IN_SCOPE = ("paraphrase", "clinic_fact")
#: Flows a case may expect, as ``flow:<name>``.
FLOWS = ("book", "move", "cancel", "list")
#: Every case is played at this moment (a Tuesday, 10:00 in Paris): the same figures each run.
EVAL_NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class EvalCase:
    """One labelled patient message."""

    category: str
    language: str
    text: str
    expect: tuple[str, ...] = ()
    also_ok: tuple[str, ...] = ()
    kind: str | None = None  # for emergencies: the clinical category, as labelled


@dataclass
class Seen:
    """What a patient experienced after sending a message."""

    emergency: str | None = None
    suicide_line: bool = False
    answered: str | None = None
    suggested: tuple[str, ...] = ()
    flow: str | None = None
    person: bool = False

    @property
    def label(self) -> str:
        """The outcome in a word, as the report prints it."""
        parts = []
        if self.emergency:
            parts.append(f"emergency:{self.emergency}")
        if self.answered:
            parts.append(f"answer:{self.answered}")
        elif self.suggested:
            parts.append(f"suggested:{','.join(self.suggested)}")
        if self.flow:
            parts.append(f"flow:{self.flow}")
        if self.person and not (self.emergency or self.flow or self.answered):
            parts.append("person")
        return " + ".join(parts) or "nothing"


@dataclass(frozen=True)
class CaseResult:
    """A case, what happened, and the verdict."""

    case: EvalCase
    seen: Seen
    verdict: str  # "right", "suggested", "wrong", "flow", "person", "emergency", "missed"…
    correct: bool


@dataclass(frozen=True)
class EvalReport:
    """Per-category results of one cases file."""

    name: str
    results: tuple[CaseResult, ...]

    def of(self, category: str) -> list[CaseResult]:
        """The results of one category."""
        return [r for r in self.results if r.case.category == category]

    def rate(self, category: str) -> float:
        """The share of correct outcomes in a category (1.0 when it has none)."""
        results = self.of(category)
        return sum(r.correct for r in results) / len(results) if results else 1.0

    @property
    def failures(self) -> list[CaseResult]:
        """The cases handled wrongly."""
        return [r for r in self.results if not r.correct]

    @property
    def wrong_answers(self) -> int:
        """Confident answers with the wrong entry, over every non-emergency case."""
        return sum(r.seen.answered is not None and r.verdict == "wrong" for r in self.results)

    @property
    def suicide(self) -> tuple[int, int]:
        """Suicidal messages given the suicide line, and their number."""
        cases = [r for r in self.of("emergency") if r.case.kind == "suicide"]
        return sum(r.seen.suicide_line for r in cases), len(cases)

    def summary(self) -> dict[str, Any]:
        """The figures as a mapping (for JSON and tests)."""
        figures: dict[str, Any] = {}
        for category in CATEGORIES:
            results = self.of(category)
            if results:
                verdicts = Counter(r.verdict for r in results)
                figures[category] = {
                    "total": len(results),
                    "correct": sum(r.correct for r in results),
                    "verdicts": dict(verdicts),
                }
        given, total = self.suicide
        figures["suicide_line"] = {"given": given, "total": total}
        figures["wrong_answers"] = self.wrong_answers
        return figures

    def lines(self, *, failures: bool = True) -> list[str]:
        """The report as lines of text."""
        out = [f"{self.name}: {len(self.results)} cases through the whole engine, no LLM"]
        for category in CATEGORIES:
            results = self.of(category)
            if not results:
                continue
            correct = sum(r.correct for r in results)
            verdicts = Counter(r.verdict for r in results)
            detail = ", ".join(f"{v} {n}" for v, n in verdicts.most_common())
            out.append(
                f"  {category:<13} {correct:>3}/{len(results):<3} "
                f"{100 * correct / len(results):5.1f}%   ({detail})"
            )
        given, total = self.suicide
        if total:
            out.append(f"  suicidal messages given the suicide line: {given}/{total}")
        questions = [r for r in self.results if r.case.category != "emergency"]
        out.append(
            f"  wrong confident answers: {self.wrong_answers}/{len(questions)} "
            f"({100 * self.wrong_answers / max(len(questions), 1):.1f}%)"
        )
        if failures and self.failures:
            out.append(f"Failures ({len(self.failures)}):")
            for result in self.failures:
                case = result.case
                expected = " | ".join(case.expect + case.also_ok) or case.kind or ""
                out.append(
                    f"  [{case.category}] {case.language} {case.text[:120]!r}: "
                    f"expected {expected}, got {result.seen.label}"
                )
        return out


# ---------------------------------------------------------------------------
# Reading cases
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CasesFile:
    """A cases file: its cases and the clinic folder it was written for, if it names one."""

    cases: tuple[EvalCase, ...]
    clinic_dir: Path | None = None


def load_cases(path: Path) -> CasesFile:
    """Read a cases file; ``ValueError`` names the first malformed case."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    raw = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a top-level `cases:` list")
    cases = tuple(_case(item, path, number) for number, item in enumerate(raw, start=1))
    clinic = data.get("clinic")
    clinic_dir = _clinic_dir(path, clinic) if isinstance(clinic, str) else None
    return CasesFile(cases, clinic_dir)


def _clinic_dir(cases_path: Path, named: str) -> Path:
    """The clinic folder a cases file names, relative to the project (or to the file)."""
    for base in (Path.cwd(), *cases_path.resolve().parents):
        if (base / named / "clinic.yaml").exists():
            return base / named
    raise ValueError(f"{cases_path}: clinic folder {named!r} not found")


def _case(item: Any, path: Path, number: int) -> EvalCase:
    where = f"{path}: case {number}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping")
    category = str(item.get("category"))
    category = _ALIASES.get(category, category)
    language, text = item.get("lang"), item.get("text")
    if category not in CATEGORIES:
        raise ValueError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
    if language not in ("fr", "en") or not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: needs `lang` (fr or en) and a non-empty `text`")
    expect = _strings(item.get("expect", []), where, "expect")
    kind = item.get("kind")
    if category == "emergency" and kind is None:
        kind = "suicide" if "suicide" in expect else (expect[0] if expect else None)
    return EvalCase(
        category=category,
        language=language,
        text=text,
        expect=expect,
        also_ok=_strings(item.get("also_ok", []), where, "also_ok"),
        kind=str(kind) if kind is not None else None,
    )


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: `{key}` must be a string or a list of strings")
    return tuple(values)


# ---------------------------------------------------------------------------
# Playing a case
# ---------------------------------------------------------------------------


@dataclass
class _Recorder:
    """What the engine understood and did in the turns of one case."""

    contexts: list[TurnContext] = field(default_factory=list)

    def __call__(self, ctx: TurnContext) -> None:
        self.contexts.append(ctx)


class Player:
    """Plays cases as new patients against one engine and reads what they experienced."""

    def __init__(self, engine: Engine, clinic: ClinicConfig) -> None:
        self.engine = engine
        self.clinic = clinic
        self._ids = itertools.count(1)
        self._recorder = _Recorder()
        engine.observer = self._recorder

    def play(self, case: EvalCase) -> Seen:
        """Send the case's text as a new patient's first message; agree to the notice."""
        sender = f"eval-{next(self._ids)}"
        self._recorder.contexts.clear()
        replies = self._send(sender, InboundKind.TEXT, text=case.text, locale=case.language)
        if any(choice.data == ACCEPT for reply in replies for choice in reply.choices):
            replies += self._send(sender, InboundKind.BUTTON, button=ACCEPT, locale=case.language)
        seen = self._seen(replies)
        wanted = [
            choice.data
            for reply in replies
            for choice in reply.choices
            if choice.data.startswith(SUGGESTION)
            and parse_suggestion(choice.data.removeprefix(SUGGESTION))[0] in case.expect
        ]
        if wanted and seen.answered is None:
            # The patient presses the suggestion that is their question.
            self._recorder.contexts.clear()
            self._send(sender, InboundKind.BUTTON, button=wanted[0], locale=case.language)
            pressed = self._seen([])
            seen.answered = pressed.answered
        return seen

    def _send(self, sender: str, kind: InboundKind, **values: Any) -> list[Reply]:
        inbound = Inbound("terminal", sender, f"{sender}-{next(self._ids)}", kind=kind, **values)
        outgoing = self.engine.handle(inbound)
        for item in outgoing:
            self.engine.mark_sent(item, None)
        return [item.reply for item in outgoing]

    def _seen(self, replies: Sequence[Reply]) -> Seen:
        seen = Seen()
        for ctx in self._recorder.contexts:
            for event in (*ctx.events, *ctx.understood):
                _note_event(seen, event)
        if seen.emergency:
            seen.suicide_line = any(_names_suicide_line(r.text, self.clinic) for r in replies)
        return seen


def _note_event(seen: Seen, event: str) -> None:
    name, _, detail = event.partition(":")
    if name in ("emergency", "emergency.possible"):
        seen.emergency = seen.emergency or detail or "emergency"
    elif name == "question.answered":
        entry = detail.partition(":")[2]  # "faq:parking" (the audited event has no id)
        if entry:
            seen.answered = seen.answered or entry
    elif name == "question.suggested":
        seen.suggested = tuple(detail.split(","))
    elif name == "flow.started":
        seen.flow = seen.flow or detail
    elif name in ("handoff.requested", "question.unanswered"):
        seen.person = True


def _names_suicide_line(text: str, clinic: ClinicConfig) -> bool:
    """Whether a reply gives a number the clinic lists as its suicide line."""
    lines = [n.number for n in clinic.emergency_numbers if is_suicide_line(n)]
    return any(line in text for line in lines)


# ---------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------


def judge(case: EvalCase, seen: Seen) -> CaseResult:
    """Whether what the patient experienced is what the case's label asks for."""
    verdict, correct = _JUDGES[case.category](case, seen)
    return CaseResult(case, seen, verdict, correct)


def _emergency(case: EvalCase, seen: Seen) -> tuple[str, bool]:
    if seen.emergency is None:
        return "missed", False
    if seen.flow:
        return "flow", False
    if case.kind == "suicide" and not seen.suicide_line:
        return "no suicide line", False
    return "emergency", True


def _request(case: EvalCase, seen: Seen) -> tuple[str, bool]:
    """A request (a flow, a question, a person) that must be carried out."""
    flows = [e.partition(":")[2] for e in case.expect if e.startswith("flow:")]
    if seen.flow is not None and seen.flow in flows:
        return "flow", True
    if "person" in case.expect:
        return ("person", True) if seen.person and not seen.flow else (_other(seen), False)
    if seen.answered in case.expect:
        return ("suggested" if seen.suggested else "right"), True
    if seen.answered is not None:
        return "wrong", False
    return _other(seen), False


def _past_event(case: EvalCase, seen: Seen) -> tuple[str, bool]:
    verdict, correct = _request(case, seen)
    if not correct and seen.emergency:
        return "request lost", False
    return verdict, correct


def _not_served(case: EvalCase, seen: Seen) -> tuple[str, bool]:
    """Medical, out-of-scope and manipulative messages: no flow, no answer (but harmless)."""
    if seen.flow:
        return "flow", False
    if seen.answered is not None and seen.answered not in case.also_ok:
        return "wrong", False
    if seen.emergency:
        return "false alarm", case.category != "out_of_scope"
    return _other(seen), True


def _other(seen: Seen) -> str:
    if seen.emergency:
        return "emergency"
    if seen.flow:
        return "flow"
    if seen.answered:
        return "answered"
    if seen.suggested:
        return "suggested other"
    return "person" if seen.person else "nothing"


_JUDGES: dict[str, Callable[[EvalCase, Seen], tuple[str, bool]]] = {
    "emergency": _emergency,
    "past_event": _past_event,
    "paraphrase": _request,
    "clinic_fact": _request,
    "medical": _not_served,
    "out_of_scope": _not_served,
    "manipulative": _not_served,
    "action": _request,
}


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


@contextmanager
def eval_engine(clinic_file: Path, faq_file: Path) -> Iterator[tuple[Engine, ClinicConfig]]:
    """An engine on a throw-away SQLite database, the given clinic and FAQ, no LLM."""
    clinic = load_clinic_file(clinic_file)
    with tempfile.TemporaryDirectory(prefix="carebot-eval-") as folder:
        database = Database(f"sqlite:///{folder}/eval.db")
        database.migrate()
        settings = Settings(
            _env_file=None,
            clinic_file=clinic_file,
            faq_file=faq_file,
            anthropic_api_key=None,
        )
        knowledge = Knowledge(settings, clinic)
        engine = Engine(database, lambda: clinic, clock=lambda: EVAL_NOW, knowledge=knowledge)
        try:
            yield engine, clinic
        finally:
            database.dispose()


def run_cases(
    cases: Sequence[EvalCase], clinic_file: Path, faq_file: Path, name: str
) -> EvalReport:
    """Play and judge every case against a clinic and its FAQ."""
    with eval_engine(clinic_file, faq_file) as (engine, clinic):
        player = Player(engine, clinic)
        results = tuple(judge(case, player.play(case)) for case in cases)
    return EvalReport(name, results)


def run_file(path: Path, clinic_file: Path, faq_file: Path) -> EvalReport:
    """Evaluate a cases file; a file that names its clinic folder is played against it."""
    loaded = load_cases(path)
    if loaded.clinic_dir is not None:
        clinic_file, faq_file = loaded.clinic_dir / "clinic.yaml", loaded.clinic_dir / "faq.yaml"
    return run_cases(loaded.cases, clinic_file, faq_file, str(path))
