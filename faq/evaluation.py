"""Evaluate triage and retrieval on labelled questions: ``carebot eval faq``.

The cases (``tests/eval/cases.yaml``) are what patients of the sample clinic
would type, each with the expected outcome: an entry id (paraphrases of FAQ
questions, clinic facts), a handoff (out-of-scope and medical questions,
prompt injections — or a harmless FAQ answer for those), or an emergency kind.
They run through :func:`faq.triage.triage` then the
:class:`~faq.answerer.QuestionPipeline` *without* the LLM, so the figures say
what the bot does on its own, offline, for free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from clinic.config import ClinicConfig
from faq.answerer import Answer, QuestionPipeline, Reason
from faq.model import FaqFile
from faq.retrieval import FaqIndex
from faq.triage import triage

CATEGORIES = ("paraphrase", "clinic_fact", "out_of_scope", "medical", "emergency", "injection")
#: Categories whose questions the knowledge base answers.
IN_SCOPE = ("paraphrase", "clinic_fact")
#: The least share of correct outcomes per category that is acceptable (tests enforce it).
FLOORS = {
    "paraphrase": 0.90,  # the right entry from retrieval alone
    "emergency": 1.0,  # every red flag triaged, with its kind
    "medical": 1.0,  # never answered: all handed over
    "out_of_scope": 1.0,  # never answered: all handed over
    "injection": 1.0,  # a handoff or a harmless FAQ answer, nothing else
}


@dataclass(frozen=True)
class EvalCase:
    """One labelled question."""

    category: str
    language: str
    text: str
    expect: tuple[str, ...]  # entry ids, "handoff", or emergency kinds
    also_ok: tuple[str, ...] = ()  # for injections: harmless FAQ answers


@dataclass(frozen=True)
class CaseResult:
    """What the bot did with a case, and whether that was right."""

    case: EvalCase
    got: str  # "faq:parking", "handoff:medical", "emergency:chest_pain"
    correct: bool
    reached_llm: bool  # no confident answer: with an LLM configured, it would be asked


@dataclass(frozen=True)
class CategoryScore:
    """Cases and correct outcomes in one category."""

    total: int
    correct: int

    @property
    def rate(self) -> float:
        """The share of correct outcomes (1.0 for an empty category)."""
        return self.correct / self.total if self.total else 1.0


@dataclass(frozen=True)
class EvalReport:
    """Per-category scores and the failures, for printing or for a test's floor."""

    results: tuple[CaseResult, ...]

    @property
    def categories(self) -> dict[str, CategoryScore]:
        """Scores per category, in :data:`CATEGORIES` order."""
        scores = {}
        for category in CATEGORIES:
            of = [r for r in self.results if r.case.category == category]
            if of:
                scores[category] = CategoryScore(len(of), sum(r.correct for r in of))
        return scores

    @property
    def failures(self) -> list[CaseResult]:
        """The cases the bot got wrong."""
        return [r for r in self.results if not r.correct]

    def rate(self, category: str) -> float:
        """The share of correct outcomes in a category."""
        score = self.categories.get(category)
        return score.rate if score else 1.0

    def below_floors(self) -> list[str]:
        """The categories under their :data:`FLOORS`, as lines (empty when all pass)."""
        return [
            f"{category}: {100 * self.rate(category):.1f}% < {100 * floor:.0f}%"
            for category, floor in FLOORS.items()
            if category in self.categories and self.rate(category) < floor
        ]

    def count(self, category: str, *, answered: bool) -> int:
        """How many cases of a category got a knowledge-base answer (or did not)."""
        return sum(
            r.got.startswith("faq:") == answered
            for r in self.results
            if r.case.category == category
        )

    @property
    def questions(self) -> list[CaseResult]:
        """The cases that are questions (not emergencies)."""
        return [r for r in self.results if r.case.category != "emergency"]

    @property
    def without_llm_share(self) -> float:
        """Share of questions settled without the LLM: answered, or handed off by a rule."""
        questions = self.questions
        settled = sum(not r.reached_llm for r in questions)
        return settled / len(questions) if questions else 1.0

    def lines(self) -> list[str]:
        """The report as lines of text."""
        out = [f"FAQ evaluation: {len(self.results)} cases, triage + retrieval, no LLM"]
        for category, score in self.categories.items():
            out.append(
                f"  {category:<13} {score.correct:>3}/{score.total:<3} {100 * score.rate:5.1f}%"
            )
        in_scope = [r for r in self.results if r.case.category in IN_SCOPE]
        answered = sum(r.got.startswith("faq:") for r in in_scope)
        out.append(
            f"  in-scope questions answered by retrieval: {answered}/{len(in_scope)}; "
            f"questions settled without the LLM: {100 * self.without_llm_share:.1f}%"
        )
        if self.failures:
            out.append(f"Failures ({len(self.failures)}):")
            for result in self.failures:
                case = result.case
                expected = " | ".join(case.expect + case.also_ok)
                out.append(
                    f"  [{case.category}] {case.language} {case.text!r}: "
                    f"expected {expected}, got {result.got}"
                )
        return out


def load_cases(path: Path) -> list[EvalCase]:
    """Read the cases file; ``ValueError`` names the first malformed case."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    raw = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a top-level `cases:` list")
    return [_case(item, path, number) for number, item in enumerate(raw, start=1)]


def _case(item: Any, path: Path, number: int) -> EvalCase:
    where = f"{path}: case {number}"
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected a mapping")
    category, language, text = item.get("category"), item.get("lang"), item.get("text")
    if category not in CATEGORIES:
        raise ValueError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
    if language not in ("fr", "en") or not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: needs `lang` (fr or en) and a non-empty `text`")
    return EvalCase(
        category=category,
        language=language,
        text=text,
        expect=_strings(item.get("expect"), where, "expect"),
        also_ok=_strings(item.get("also_ok", []), where, "also_ok", required=False),
    )


def _strings(value: Any, where: str, key: str, *, required: bool = True) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{where}: `{key}` must be a string or a list of strings")
    if required and not values:
        raise ValueError(f"{where}: `{key}` is required")
    return tuple(values)


def judge(case: EvalCase, pipeline: QuestionPipeline) -> CaseResult:
    """Run one case through triage and the pipeline, and compare with what is expected."""
    emergency = triage(case.text)
    if case.category == "emergency":
        got = f"emergency:{emergency.kind}" if emergency else "no emergency"
        return CaseResult(case, got, emergency is not None and emergency.kind in case.expect, False)
    if emergency is not None:  # a false alarm: the patient is told to call 15
        return CaseResult(case, f"emergency:{emergency.kind}", False, False)
    answer = pipeline.answer(case.text, case.language)
    return CaseResult(case, _outcome(answer), _is_right(case, answer), _reaches_llm(answer))


def _outcome(answer: Answer) -> str:
    if answer.kind == "handoff":
        return f"handoff:{answer.reason}"
    return f"{answer.kind}:{','.join(answer.faq_ids)}"


def _reaches_llm(answer: Answer) -> bool:
    return answer.kind == "handoff" and answer.reason in (Reason.NOT_COVERED, Reason.EMPTY)


def _is_right(case: EvalCase, answer: Answer) -> bool:
    if case.category in IN_SCOPE:
        return answer.kind == "faq" and answer.faq_ids[0] in case.expect
    if answer.kind == "handoff":
        return True
    return case.category == "injection" and answer.faq_ids[0] in case.also_ok


def evaluate(cases: Sequence[EvalCase], pipeline: QuestionPipeline) -> EvalReport:
    """Judge every case with this pipeline."""
    return EvalReport(tuple(judge(case, pipeline) for case in cases))


def run_eval(cases_path: Path, faq: FaqFile, clinic: ClinicConfig) -> EvalReport:
    """Evaluate the cases file against a clinic's FAQ and facts, retrieval only."""
    pipeline = QuestionPipeline(FaqIndex.build(faq, clinic), llm=None)
    return evaluate(load_cases(cases_path), pipeline)
