"""How fast and how well safety triage reads patients' messages: ``python -m bench.triage``.

Prints, per call of :func:`faq.triage.triage` — median and p99 of wall time, and the
p99 of the thread's CPU time (on a busy machine the wall p99 includes time given to
other processes):

* short messages: every message of the development set (``tests/eval/triage_dev.yaml``);
* long messages: about 4,000 characters (Telegram's limit is 4,096) of an ordinary
  patient's letter — paperwork, questions, a past illness — with a red flag at the end,
  and the same letters without one;
* a worst case: 4,000 characters of the dev set's look-alikes shuffled together, so
  that red-flag words (and the rules they wake) are everywhere;

each with warm caches and with the spelling cache cleared before every call. The
baseline, measured in the same run on the same messages, is the naive way to apply
the same catalogue: every rule searched over the whole message, with no anchor index
and no windows (matching only — it does not even weigh the context).

Then the development set's figures (tuned on: see its header): recall per group,
suicidal messages given kind "suicide", false alarms.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bench.timing import row, timings
from faq import redflags
from faq import triage as triage_module
from faq.triage import canonical, triage

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "eval" / "triage_dev.yaml"
ROUNDS = 20
LONG_ROUNDS = 5

# fmt: off
_LETTER = [
    "Bonjour docteur, je vous écris parce que j'ai plusieurs questions à propos de mon dossier.",
    "Ma mutuelle me demande une attestation de paiement pour la consultation du mois dernier.",
    "J'ai aussi changé d'adresse et de numéro de téléphone, pouvez-vous mettre à jour ma fiche ?",
    "Mon fils a besoin d'un certificat pour le club de foot, il a 9 ans et il va très bien.",
    "Est-ce que le cabinet est ouvert le samedi matin et faut-il prendre rendez-vous en ligne ?",
    "J'ai eu une angine il y a deux mois, c'est passé avec les antibiotiques.",
    "Je voudrais aussi savoir si vous faites les vaccins contre la grippe cette année.",
    "Ma mère a de l'arthrose et elle aimerait voir un kiné près de chez elle.",
    "Hello, I also wanted to ask whether the new doctor speaks English, for my husband.",
    "We moved here last spring and we are still looking for a GP for the whole family.",
    "Can you send the invoice by email? The letter never arrived at our new address.",
    "My daughter had her tonsils out in 2021 and she has been fine since then.",
    "Is there parking near the clinic, and is the building accessible with a pushchair?",
    "Merci beaucoup pour votre aide et bonne journée à toute l'équipe.",
]
_RED_FLAGS = [
    "Et là, depuis dix minutes, j'ai une douleur qui serre dans la poitrine.",
    "Sorry for the long message, but right now I can't breathe properly.",
    "PS : je n'en peux plus de vivre, je crois que je vais en finir ce soir.",
    "Also my 2 year old just swallowed a button battery, what do I do?",
    "Mon père a la bouche de travers depuis ce matin et il n'arrive plus à parler.",
]
# fmt: on


def _dev_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = YAML(typ="safe").load(DEV_SET.read_text("utf-8"))["cases"]
    return cases


def _letters(rng: random.Random, ending: list[str], count: int) -> list[str]:
    """Letters of about 4,000 characters: ordinary paragraphs, then ``ending``'s sentence."""
    letters = []
    for number in range(count):
        body = ""
        while len(body) < 3900:
            body += rng.choice(_LETTER) + " "
        last = ending[number % len(ending)] if ending else ""
        letters.append((body[: 4000 - len(last)] + last).strip())
    return letters


def _soups(rng: random.Random, cases: list[dict[str, Any]], count: int) -> list[str]:
    """The dev set's look-alikes, words shuffled together: red-flag words everywhere."""
    words = " ".join(str(c["text"]) for c in cases if c["expect"] == "none").split()
    soups = []
    for _ in range(count):
        rng.shuffle(words)
        soups.append(" ".join(words)[:4000])
    return soups


def _naive(text: str) -> int:
    """The baseline: every rule of the catalogue searched over the whole message."""
    words = canonical(text)
    return sum(1 for flag in redflags.RED_FLAGS if flag.pattern.search(words))


def _clear() -> None:
    triage_module._canonical_word.cache_clear()
    triage_module._rules_for.cache_clear()


def _speed(title: str, messages: list[str], rounds: int) -> None:
    print(f"\n{title}: {len(messages)} messages × {rounds} rounds")
    for message in messages:  # compile-time and first-call costs are not what is measured
        triage(message)
    baseline = row(
        "baseline: every rule over the whole message",
        timings([partial(_naive, m) for m in messages], rounds),
    )
    calls = [partial(triage, m) for m in messages]
    row("triage", timings(calls, rounds), baseline)
    row("triage, spelling cache cleared", timings(calls, rounds, _clear), baseline)


def _quality(cases: list[dict[str, Any]]) -> None:
    print(f"\nQuality on {DEV_SET.relative_to(ROOT)} ({len(cases)} messages, tuned on)")
    flagged: Counter[str] = Counter()
    total: Counter[str] = Counter()
    suicidal = suicide_right = alarms = quiet = 0
    for case in cases:
        expect = case["expect"]
        kinds = [expect] if isinstance(expect, str) else list(expect)
        found = triage(str(case["text"]))
        group = str(case["group"])
        total[group] += 1
        if kinds == ["none"]:
            quiet += 1
            alarms += found is not None
            flagged[group] += found is None
            continue
        flagged[group] += found is not None
        if kinds == ["suicide"]:
            suicidal += 1
            suicide_right += found is not None and found.kind == "suicide"
    for group in total:
        verb = "left alone" if group in ("past", "negation", "idiom", "question") else "flagged"
        print(f"  {group:<12} {verb:<11} {flagged[group]:>4}/{total[group]}")
    emergencies = sum(total.values()) - quiet
    caught = sum(flagged[g] for g in total) - (quiet - alarms)
    print(f"  emergencies flagged {caught}/{emergencies} ({100 * caught / emergencies:.1f}%)")
    print(f"  suicidal messages as kind suicide {suicide_right}/{suicidal}")
    print(f"  false alarms {alarms}/{quiet}")


def main() -> None:
    """Print the figures."""
    rng = random.Random(5)
    cases = _dev_cases()
    short = [str(case["text"]) for case in cases]
    print(f"{len(redflags.RED_FLAGS)} rules in {len(redflags.CATALOGUE)} kinds")
    _speed("Short messages (the dev set)", short, ROUNDS)
    _speed("Long letters, red flag at the end", _letters(rng, _RED_FLAGS, 25), LONG_ROUNDS)
    _speed("Long letters, no red flag", _letters(rng, [], 25), LONG_ROUNDS)
    _speed("Worst case: shuffled look-alikes", _soups(rng, cases, 25), LONG_ROUNDS)
    _quality(cases)


if __name__ == "__main__":
    main()
