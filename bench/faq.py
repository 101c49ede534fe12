"""How fast and how well the FAQ retrieval answers: ``python -m bench.faq``.

Prints, for a 500-entry FAQ (the sample clinic's 22 entries and facts plus
synthetic entries built from clinic vocabulary, each with French and English
phrasings) and for the sample FAQ alone:

* the index build time;
* ``FaqIndex.best`` per question — median and p99 of wall time and p99 of the
  thread's CPU time (on a busy machine the wall p99 includes time given to other
  processes) — with warm caches, and with the typo caches cleared before every call;
* the baseline, measured in the same run on the same questions: rapidfuzz
  ``process.extractOne`` (WRatio) over every phrasing, the naive approach;
* on the labelled evaluation cases (``tests/eval``): how many in-scope questions each
  approach answers correctly and how many out-of-scope or medical ones it wrongly
  answers, and the share of questions settled without the LLM;
* the size of the LLM's cached system prompt, to compare with the model's minimum
  cacheable length.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bench.timing import row, timings
from clinic.loader import load_clinic_file
from faq import terms
from faq.evaluation import IN_SCOPE, EvalCase, load_cases, run_eval
from faq.knowledge import KnowledgeEntry, build_knowledge
from faq.llm import knowledge_text
from faq.loader import load_faq_file
from faq.retrieval import FaqIndex

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 20
ENTRIES = 500
#: The baseline answers when WRatio reaches one of these (a lenient and a strict cut-off).
BASELINE_CUTOFFS = (85, 95)

# fmt: off
_SUBJECTS = [
    ("la radiographie", "an X-ray"),
    ("l'échographie", "an ultrasound"),
    ("le vaccin contre l'hépatite", "the hepatitis vaccine"),
    ("le frottis", "a smear test"),
    ("l'électrocardiogramme", "an ECG"),
    ("la séance d'ostéopathie", "an osteopathy session"),
    ("le bilan sanguin complet", "a full blood panel"),
    ("le test d'allergie", "an allergy test"),
    ("la consultation diététique", "a dietitian appointment"),
    ("le suivi de grossesse", "pregnancy follow-up"),
    ("l'audiogramme", "a hearing test"),
    ("la spirométrie", "a spirometry test"),
    ("le retrait des points", "stitch removal"),
    ("le pansement", "a dressing change"),
    ("la pose de stérilet", "an IUD fitting"),
    ("le dépistage IST", "STI screening"),
    ("la visite de reprise", "a return-to-work check"),
    ("le certificat de décès", "a death certificate"),
    ("l'injection retard", "a depot injection"),
    ("la séance de podologie", "a podiatry session"),
    ("le bilan orthophonique", "a speech therapy assessment"),
    ("la cryothérapie", "cryotherapy"),
    ("le test de grossesse", "a pregnancy test"),
    ("la mesure de tension", "a blood pressure check"),
    ("la vaccination des voyageurs", "travel vaccinations"),
    ("le sevrage tabagique", "stopping smoking"),
    ("la consultation du sommeil", "a sleep consultation"),
    ("le holter", "a Holter monitor"),
    ("la kiné respiratoire", "respiratory physio"),
    ("l'ablation de verrue", "wart removal"),
    ("le dossier médical partagé", "the shared medical record"),
    ("la téléexpertise", "tele-expertise"),
    ("le bilan de santé", "a health check"),
    ("la consultation pédiatrique", "a paediatric visit"),
    ("le renouvellement de lunettes", "a glasses renewal"),
    ("l'arrêt de travail", "a sick note"),
    ("la prise en charge ALD", "long-term illness cover"),
    ("le test PCR", "a PCR test"),
]
_ASPECTS = [
    ("Combien coûte {fr} ?", "How much is {en}?"),
    ("Quel délai pour {fr} ?", "How long is the wait for {en}?"),
    ("Faut-il une ordonnance pour {fr} ?", "Do I need a prescription for {en}?"),
    ("Est-ce remboursé, {fr} ?", "Is {en} reimbursed?"),
    ("Comment se préparer pour {fr} ?", "How do I prepare for {en}?"),
    ("Quel jour proposez-vous {fr} ?", "Which day do you offer {en}?"),
    ("Qui s'occupe de {fr} ?", "Who does {en}?"),
    ("Combien de temps dure {fr} ?", "How long does {en} take?"),
    ("Où se passe {fr} ?", "Where does {en} take place?"),
    ("Peut-on annuler {fr} ?", "Can I cancel {en}?"),
    ("Que faut-il apporter pour {fr} ?", "What should I bring for {en}?"),
    ("Peut-on venir avec un enfant pour {fr} ?", "Can I bring a child to {en}?"),
    ("Y a-t-il un tarif réduit pour {fr} ?", "Is there a reduced rate for {en}?"),
]
# fmt: on


def _synthetic(count: int) -> list[KnowledgeEntry]:
    """Entries asking about a clinic subject from one angle, in French and English."""
    pairs = [(subject, aspect) for subject in _SUBJECTS for aspect in _ASPECTS]
    random.Random(7).shuffle(pairs)
    entries = []
    for number, ((fr, en), (ask_fr, ask_en)) in enumerate(pairs[:count]):
        questions = (
            ask_fr.format(fr=fr),
            ask_en.format(en=en),
            f"{ask_fr.format(fr=fr).rstrip(' ?')} svp",
            f"question sur {fr} : {ask_fr.split(' ')[0].lower()}",
        )
        answers = (("fr", f"Réponse {number} au sujet de {fr}."), ("en", f"Answer {number}."))
        entries.append(KnowledgeEntry(f"synthetic-{number}", questions, answers, "faq"))
    return entries


def _typo(text: str, rng: random.Random) -> str:
    """Swap two letters in one longer word: what thumbs do on a phone."""
    words = text.split()
    long_words = [i for i, w in enumerate(words) if len(w) > 5]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _questions(cases: Sequence[EvalCase], synthetic: Sequence[KnowledgeEntry]) -> list[str]:
    rng = random.Random(11)
    picked = rng.sample(list(synthetic), min(100, len(synthetic)))
    return [case.text for case in cases] + [_typo(e.questions[0], rng) for e in picked]


def _clear_caches(index: FaqIndex) -> None:
    terms._raw_words.cache_clear()
    index._mender._cache.clear()


def _speed(
    title: str, entries: Sequence[KnowledgeEntry], index: FaqIndex, questions: list[str]
) -> None:
    print(
        f"\n{title}: {len(entries)} entries, {sum(len(e.questions) for e in entries)} phrasings, "
        f"{len(questions)} questions × {ROUNDS} rounds"
    )
    start = time.perf_counter()
    FaqIndex(entries)
    print(f"{'index build':<46} {1000 * (time.perf_counter() - start):6.1f} ms")
    phrasings = [q for e in entries for q in e.questions]
    naive = [
        (
            lambda q=q: process.extractOne(
                q, phrasings, scorer=fuzz.WRatio, processor=default_process
            )
        )
        for q in questions
    ]
    baseline = row("baseline: rapidfuzz extractOne (WRatio)", timings(naive, ROUNDS))
    ours = [(lambda q=q: index.best(q, "fr")) for q in questions]
    row("FaqIndex.best", timings(ours, ROUNDS), baseline)
    row(
        "FaqIndex.best, typo caches cleared",
        timings(ours, ROUNDS, lambda: _clear_caches(index)),
        baseline,
    )


def _baseline_quality(
    entries: Sequence[KnowledgeEntry], cases: Sequence[EvalCase], cutoff: int
) -> tuple[int, int]:
    """The naive baseline on the eval cases: right in-scope answers, wrong answers elsewhere."""
    owner = [(q, e.id) for e in entries for q in e.questions]
    right = wrong = 0
    for case in cases:
        found = process.extractOne(
            case.text,
            [q for q, _ in owner],
            scorer=fuzz.WRatio,
            processor=default_process,
            score_cutoff=cutoff,
        )
        entry_id = owner[found[2]][1] if found else None
        if case.category in IN_SCOPE:
            right += entry_id in case.expect
        elif case.category in ("out_of_scope", "medical") and entry_id is not None:
            wrong += 1
    return right, wrong


def main() -> None:
    """Print the figures."""
    clinic = load_clinic_file(ROOT / "examples" / "clinic.yaml")
    faq = load_faq_file(ROOT / "examples" / "faq.yaml", clinic.clinic.languages)
    cases = load_cases(ROOT / "tests" / "eval" / "cases.yaml")
    sample = build_knowledge(faq, clinic)
    synthetic = _synthetic(ENTRIES - len(sample))
    large = [*sample, *synthetic]
    questions = _questions(cases, synthetic)

    sample_index = FaqIndex.build(faq, clinic)
    _speed("Sample FAQ + clinic facts", sample, sample_index, [c.text for c in cases])
    _speed("500-entry FAQ", large, FaqIndex(large), questions)

    print("\nQuality on tests/eval/cases.yaml (sample clinic, no LLM)")
    report = run_eval(ROOT / "tests" / "eval" / "cases.yaml", faq, clinic)
    in_scope = [r for r in report.results if r.case.category in IN_SCOPE]
    ours_right = sum(r.correct for r in in_scope)
    ours_wrong = sum(
        r.got.startswith("faq:")
        for r in report.results
        if r.case.category in ("out_of_scope", "medical")
    )
    scope = sum(c.category in ("out_of_scope", "medical") for c in cases)
    print(f"{'':<46} in-scope right   out-of-scope/medical answered")
    for cutoff in BASELINE_CUTOFFS:
        right, wrong = _baseline_quality(sample, cases, cutoff)
        name = f"baseline (WRatio ≥ {cutoff})"
        print(f"{name:<46} {right:>4}/{len(in_scope):<10} {wrong:>4}/{scope}")
    name = "triage + medical rules + FaqIndex"
    print(f"{name:<46} {ours_right:>4}/{len(in_scope):<10} {ours_wrong:>4}/{scope}")
    print(
        f"questions settled without the LLM: {100 * report.without_llm_share:.1f}% "
        f"({len(report.questions)} questions; emergencies excluded)"
    )
    holdout = run_eval(ROOT / "tests" / "eval" / "holdout.yaml", faq, clinic)
    for line in holdout.lines()[1:4]:
        print(f"holdout.yaml {line.strip()}")

    prompt = knowledge_text(clinic, sample_index.entries)
    print(
        f"\nLLM cached system block: {len(prompt)} characters ≈ {len(prompt) // 4} tokens "
        "(claude-haiku-4-5 caches from 4,096 tokens)"
    )


if __name__ == "__main__":
    main()
