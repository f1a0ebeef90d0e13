"""Proposed grades: transparent rules from findings (``grading_rules.toml``), with reasons.

A question's proposal comes from the counts of its findings by the first matching rule of the
edition's scale; its reasons list that rule, the findings, and the indicator evidence that
points to worse performance than England and Wales or to a deterioration (listed, never
counted). A pillar's proposal follows the edition's pillar rule:

* ``openpeel-v1`` (PEEL 2014 to 2018/19): when a question of the pillar has a cause of concern,
  the pillar takes its worst question grade; otherwise the median of its question grades, the
  worse of the two middle grades on a tie. A pillar with no graded questions (PEEL 2014) is
  graded from its own findings by the question rules.
* ``none`` (PEEL 2021/22 onward): no pillar or overall grade.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from openpeel.framework.model import Edition, FrameworkError, Scale

CONDITIONS = {
    "min_causes",
    "max_causes",
    "min_afis",
    "max_afis",
    "min_strengths",
    "min_practice",
    "afis_exceed_strengths",
}


@dataclass(frozen=True)
class Rule:
    grade: str
    when: dict[str, Any]
    reason: str


@dataclass(frozen=True)
class Counts:
    causes: int = 0
    afis: int = 0
    strengths: int = 0
    practice: int = 0

    @classmethod
    def of(cls, kinds: Sequence[str]) -> Counts:
        return cls(
            causes=sum(k == "cause_of_concern" for k in kinds),
            afis=sum(k == "area_for_improvement" for k in kinds),
            strengths=sum(k == "strength" for k in kinds),
            practice=sum(k in ("promising_practice", "innovative_practice") for k in kinds),
        )

    @property
    def total(self) -> int:
        return self.causes + self.afis + self.strengths + self.practice

    def words(self) -> str:
        return (
            f"{self.strengths} strength(s), {self.afis} area(s) for improvement, "
            f"{self.causes} cause(s) of concern, {self.practice} practice(s) worth sharing"
        )


@dataclass(frozen=True)
class Proposal:
    grade: str | None
    reasons: tuple[str, ...]


@cache
def rules() -> dict[str, tuple[Rule, ...]]:
    """The rules per scale, checked: known conditions, grades on the scale."""
    from openpeel.framework.model import load_framework

    text = (resources.files("openpeel.assess") / "grading_rules.toml").read_text("utf-8")
    scales = load_framework().scales
    out: dict[str, tuple[Rule, ...]] = {}
    for scale_id, entries in tomllib.loads(text).items():
        if scale_id not in scales:
            raise FrameworkError(f"assess/grading_rules.toml: unknown scale {scale_id!r}")
        parsed = []
        for entry in entries:
            unknown = set(entry["when"]) - CONDITIONS
            if unknown:
                raise FrameworkError(
                    f"assess/grading_rules.toml [{scale_id}]: unknown condition "
                    f"{', '.join(sorted(unknown))}",
                    hint=f"conditions: {', '.join(sorted(CONDITIONS))}",
                )
            scales[scale_id].grade(entry["grade"], where="assess/grading_rules.toml")
            parsed.append(Rule(entry["grade"], dict(entry["when"]), entry["reason"]))
        out[scale_id] = tuple(parsed)
    return out


def _holds(rule: Rule, counts: Counts) -> bool:
    for key, limit in rule.when.items():
        if key == "afis_exceed_strengths":
            if (counts.afis > counts.strengths) != bool(limit):
                return False
            continue
        bound, field = key.split("_", 1)
        value = getattr(counts, field)
        if (bound == "min" and value < limit) or (bound == "max" and value > limit):
            return False
    return True


def propose_from_findings(
    scale: Scale, kinds: Sequence[str], worse_evidence: Sequence[str] = ()
) -> Proposal:
    """The first rule of the scale that the findings' counts satisfy, with the reasons."""
    counts = Counts.of(kinds)
    evidence = tuple(f"evidence to weigh: {e}" for e in worse_evidence)
    if counts.total == 0:
        return Proposal(None, ("no findings recorded: nothing to grade from", *evidence))
    for rule in rules()[scale.id]:
        if _holds(rule, counts):
            return Proposal(rule.grade, (f"{rule.reason} ({counts.words()})", *evidence))
    return Proposal(None, (f"no rule matches {counts.words()}", *evidence))


def propose_pillar(
    edition: Edition,
    question_grades: Sequence[str],
    has_cause_of_concern: bool,
    pillar_kinds: Sequence[str] = (),
) -> Proposal:
    """A pillar's proposal from its question grades (see the module docstring)."""
    if edition.pillar_rule == "none":
        return Proposal(None, (f"PEEL {edition.id} gives no pillar grades",))
    scale = edition.scale
    if not question_grades:
        if pillar_kinds:
            return propose_from_findings(scale, pillar_kinds)
        return Proposal(None, ("no question grades and no findings for the pillar",))
    ranks = sorted(scale.grade(g).rank for g in question_grades)
    listed = ", ".join(question_grades)
    if has_cause_of_concern:
        worst = scale.grades[ranks[-1]].id
        return Proposal(
            worst,
            (f"a cause of concern in the pillar: it takes its worst question grade ({listed})",),
        )
    median = scale.grades[ranks[len(ranks) // 2]].id  # odd: the middle; even: the worse middle
    return Proposal(median, (f"the median of its question grades, the worse on a tie ({listed})",))
