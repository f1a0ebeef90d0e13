"""An assessment's graded judgements: the grades the rules propose for every graded question
and pillar (from the findings and the frozen evidence), and the grade an inspector confirms, with
the rationale (required when it differs from the proposal)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from openpeel.assess import audit
from openpeel.assess.grading import Proposal, propose_from_findings, propose_pillar
from openpeel.assess.models import (
    Assessment,
    Judgement,
)
from openpeel.assess.records import (
    AssessmentError,
    edition_of,
    log_change,
    utc_now,
)
from openpeel.errors import UnknownCodeError
from openpeel.indicators.signals import concerns


def _judgement(session: Session, assessment: Assessment, level: str, target: str) -> Judgement:
    for j in assessment.judgements:
        if j.level == level and j.target_id == target:
            return j
    j = Judgement(assessment=assessment, level=level, target_id=target)
    session.add(j)
    return j


def _worse_evidence(assessment: Assessment, question: str) -> list[str]:
    out = []
    for e in assessment.evidence:
        if e.kind == "indicator" and e.question_id == question and e.frozen:
            for s in concerns(e.frozen, str(e.frozen.get("polarity"))):
                out.append(f"{e.title}, {e.period}: {s.text}")
    return out


def propose(session: Session, assessment: Assessment, actor: str) -> list[Judgement]:
    """Propose a grade for every graded question, then for every graded pillar."""
    ed = edition_of(assessment)
    changed: list[Judgement] = []

    def put(level: str, target: str, proposal: Proposal) -> str | None:
        j = _judgement(session, assessment, level, target)
        if j.proposed_grade != proposal.grade or j.proposed_reasons != list(proposal.reasons):
            j.proposed_grade = proposal.grade
            j.proposed_reasons = list(proposal.reasons)
            j.proposed_at = utc_now()
            log_change(
                session,
                actor,
                "propose",
                "judgement",
                j,
                {
                    "assessment": assessment.id,
                    "level": level,
                    "target": target,
                    "grade": proposal.grade,
                    "reasons": list(proposal.reasons),
                },
            )
            changed.append(j)
        return j.confirmed_grade or j.proposed_grade

    grades_by_pillar: dict[str, list[str]] = {}
    for q in ed.questions:
        if not q.graded:
            continue
        kinds = [f.kind for f in assessment.findings if f.question_id == q.id]
        grade = put(
            "question",
            q.id,
            propose_from_findings(ed.scale, kinds, _worse_evidence(assessment, q.id)),
        )
        if grade:
            grades_by_pillar.setdefault(q.pillar, []).append(grade)
    for p in ed.pillars:
        if not p.graded:
            continue
        in_pillar = [f for f in assessment.findings if f.pillar_id == p.id]
        has_cause = any(f.kind == "cause_of_concern" for f in in_pillar)
        pillar_kinds = [f.kind for f in in_pillar if f.question_id is None]
        put(
            "pillar",
            p.id,
            propose_pillar(ed, grades_by_pillar.get(p.id, []), has_cause, pillar_kinds),
        )
    return changed


def confirm(
    session: Session,
    assessment: Assessment,
    level: str,
    target: str,
    actor: str,
    *,
    grade: str | None = None,
    rationale: str | None = None,
) -> Judgement:
    """Confirm the proposed grade, or override it with another grade and a rationale."""
    ed = edition_of(assessment)
    if level == "question":
        if not ed.question(target).graded:
            raise AssessmentError(f"question {target} is not graded in PEEL {ed.id}")
    elif level == "pillar":
        if not ed.pillar(target).graded:
            raise AssessmentError(f"pillar {target} is not graded in PEEL {ed.id}")
    else:
        raise UnknownCodeError("judgement level", level, ("question", "pillar"))
    j = _judgement(session, assessment, level, target)
    chosen = ed.scale.grade(grade).id if grade else j.proposed_grade
    if chosen is None:
        raise AssessmentError(
            f"there is no proposed grade for {level} {target} to confirm",
            hint="give --grade with a --rationale, or add findings and run "
            "`openpeel assess propose`",
        )
    is_override = chosen != j.proposed_grade
    if is_override and not (rationale and rationale.strip()):
        raise AssessmentError(
            f"{chosen!r} differs from the proposed grade {j.proposed_grade!r}: "
            "an override needs a rationale",
            hint="give --rationale TEXT",
        )
    previous = j.confirmed_grade
    j.confirmed_grade, j.rationale, j.is_override = chosen, rationale, is_override
    j.confirmed_by, j.confirmed_at = actor, utc_now()
    log_change(
        session,
        actor,
        "override" if is_override else "confirm",
        "judgement",
        j,
        {
            "assessment": assessment.id,
            "level": level,
            "target": target,
            "from": previous,
            "to": chosen,
            "proposed": j.proposed_grade,
        },
        reason=rationale,
    )
    graded = [jj for jj in assessment.judgements if jj.confirmed_grade]
    needed = sum(q.graded for q in ed.questions) + sum(p.graded for p in ed.pillars)
    if len(graded) >= needed and assessment.status == "draft":
        assessment.status = "graded"
        audit.record(session, actor, "status", "assessment", assessment.id, {"to": "graded"})
    return j
