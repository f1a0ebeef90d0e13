"""What inspectors record of an assessment: the assessment itself, its findings, recommendations
and their progress, and the responses to the report; with the checks every change shares (the
actor, links, codes) and its entry in the audit log, in the same transaction.

Bad input raises ``AssessmentError`` (or ``UnknownCodeError``) naming what is wrong and what would
be accepted; nothing is stored then. The evidence is ``openpeel.assess.evidence``, the graded
judgements ``openpeel.assess.judgement``; ``openpeel.assess.service`` names all three.
"""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess import audit
from openpeel.assess.models import (
    FINDING_KINDS,
    RECOMMENDATION_STATUSES,
    RESPONDENTS,
    Assessment,
    Finding,
    Recommendation,
    RecommendationUpdate,
    Response,
)
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.framework.model import Edition, load_framework
from openpeel.settings import setting

#: police and crime commissioners must publish a response within 56 days of publication
RESPONSE_DAYS = 56


class AssessmentError(OpenPeelError):
    pass


def current_actor() -> str:
    return setting("user") or getpass.getuser()


def utc_now() -> datetime:
    return datetime.now(UTC)


#: the only kinds of link stored (a ``javascript:`` or ``data:`` link would run in a reader's
#: browser from the public pages and the reports)
LINK_SCHEMES = ("http", "https")


def checked_link(url: str | None, what: str = "link") -> str | None:
    """``url`` if it is an absolute http(s) address (None or blank: no link), else an error."""
    from urllib.parse import urlsplit

    if url is None or not url.strip():
        return None
    url = url.strip()
    parts = urlsplit(url)
    if (
        parts.scheme.lower() not in LINK_SCHEMES
        or not parts.netloc
        or any(c.isspace() for c in url)
    ):
        raise AssessmentError(
            f"the {what} {url[:80]!r} is not a web address: only http:// and https:// links "
            "are kept",
            hint="give the full address, e.g. https://www.example.police.uk/response.pdf",
        )
    return url


def one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise UnknownCodeError(what, value, allowed, hint=f"one of: {', '.join(allowed)}")
    return value


def log_change(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    obj: Any,
    detail: dict[str, Any],
    reason: str | None = None,
) -> None:
    """Store a new or changed object (flushed, so it has its id) and log the change."""
    session.add(obj)
    session.flush()
    audit.record(session, actor, action, entity, obj.id, detail, reason)


def edition_of(assessment: Assessment) -> Edition:
    return load_framework().edition(assessment.edition_id)


def create_assessment(
    session: Session,
    force: str,
    edition: str,
    actor: str,
    *,
    published_on: date | None = None,
) -> Assessment:
    from openpeel.reference import forces

    code = forces().resolve(force)
    if not code.is_territorial:
        raise AssessmentError(
            f"{code.name} is not one of the 43 territorial forces that PEEL assesses"
        )
    ed = load_framework().edition(edition)
    if find_assessment(session, code.code, ed.id) is not None:
        raise AssessmentError(
            f"{code.name} already has a PEEL {ed.id} assessment",
            hint="add findings to it, or show it with `openpeel assess show`",
        )
    assessment = Assessment(
        force_code=code.code,
        edition_id=ed.id,
        status="draft",
        published_on=published_on,
        created_at=utc_now(),
        created_by=actor,
    )
    log_change(
        session,
        actor,
        "create",
        "assessment",
        assessment,
        {"force_code": code.code, "edition": ed.id, "published_on": published_on},
    )
    if published_on is not None:
        _expect_responses(session, assessment, actor)
    return assessment


def find_assessment(session: Session, force_code: str, edition_id: str) -> Assessment | None:
    return session.scalars(
        select(Assessment).where(
            Assessment.force_code == force_code, Assessment.edition_id == edition_id
        )
    ).first()


def get_assessment(session: Session, force: str, edition: str) -> Assessment:
    from openpeel.reference import forces

    code = forces().resolve(force)
    ed = load_framework().edition(edition)
    found = find_assessment(session, code.code, ed.id)
    if found is None:
        raise AssessmentError(
            f"{code.name} has no PEEL {ed.id} assessment",
            hint=f"create it with `openpeel assess create --force {force!r} --edition {ed.id}`",
        )
    return found


def _due(assessment: Assessment) -> date | None:
    """Responses are due 56 days after publication (None until a date is set)."""
    if assessment.published_on is None:
        return None
    return assessment.published_on + timedelta(days=RESPONSE_DAYS)


def _expect_responses(session: Session, assessment: Assessment, actor: str) -> None:
    """Open a response (due 56 days after publication) from each respondent not yet present."""
    due = _due(assessment)
    present = {r.respondent for r in assessment.responses}
    for respondent in RESPONDENTS:
        if respondent not in present:
            response = Response(assessment=assessment, respondent=respondent, due_on=due)
            log_change(
                session,
                actor,
                "expect",
                "response",
                response,
                {"respondent": respondent, "due_on": due},
            )


def add_finding(
    session: Session,
    assessment: Assessment,
    kind: str,
    text: str,
    actor: str,
    *,
    question: str | None = None,
    pillar: str | None = None,
    recommendations: list[dict[str, Any]] | None = None,
    source: str | None = None,
) -> Finding:
    """A finding about a question (or a whole pillar); a cause of concern needs at least one
    recommendation (``[{"text": ..., "due_on": date}]``)."""
    # "cause of concern" and "Cause_of_concern" both name the kind cause_of_concern
    kind = one_of(kind.strip().lower().replace(" ", "_"), FINDING_KINDS, "finding kind")
    if not text.strip():
        raise AssessmentError("a finding needs its text")
    ed = edition_of(assessment)
    if question is not None:
        q = ed.question(question)
        pillar_id = q.pillar
        if pillar is not None and pillar != q.pillar:
            raise AssessmentError(
                f"question {q.id} is in pillar {q.pillar} of PEEL {ed.id}, not {pillar}"
            )
    elif pillar is not None:
        pillar_id = ed.pillar(pillar).id
    else:
        raise AssessmentError("a finding needs a question or a pillar")
    recs = recommendations or []
    if kind == "cause_of_concern" and not recs:
        raise AssessmentError(
            "a cause of concern needs at least one recommendation",
            hint="give the recommendation with the finding (--recommendation TEXT)",
        )
    finding = Finding(
        assessment=assessment,
        question_id=question,
        pillar_id=pillar_id,
        kind=kind,
        text=text.strip(),
        source=source,
        created_at=utc_now(),
        created_by=actor,
    )
    log_change(
        session,
        actor,
        "add",
        "finding",
        finding,
        {
            "assessment": assessment.id,
            "question": question,
            "pillar": pillar_id,
            "kind": kind,
            "text": finding.text,
        },
    )
    for rec in recs:
        add_recommendation(session, finding, str(rec["text"]), actor, due_on=rec.get("due_on"))
    return finding


def edit_finding(session: Session, finding_id: int, actor: str, *, kind: str, text: str) -> Finding:
    """Change a finding's kind or text; the audit log keeps what it was."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise AssessmentError(f"there is no finding {finding_id}")
    kind = one_of(kind.strip().lower().replace(" ", "_"), FINDING_KINDS, "finding kind")
    if not text.strip():
        raise AssessmentError("a finding needs its text")
    if kind == "cause_of_concern" and not finding.recommendations:
        raise AssessmentError(
            "a cause of concern needs at least one recommendation",
            hint="add it as a new cause of concern with its recommendation instead",
        )
    before = {"kind": finding.kind, "text": finding.text}
    finding.kind, finding.text = kind, text.strip()
    log_change(
        session,
        actor,
        "edit",
        "finding",
        finding,
        {"before": before, "after": {"kind": finding.kind, "text": finding.text}},
    )
    return finding


def add_recommendation(
    session: Session, finding: Finding, text: str, actor: str, *, due_on: date | None = None
) -> Recommendation:
    if not text.strip():
        raise AssessmentError("a recommendation needs its text")
    rec = Recommendation(
        finding=finding, text=text.strip(), due_on=due_on, status="open", created_at=utc_now()
    )
    log_change(
        session,
        actor,
        "add",
        "recommendation",
        rec,
        {"finding": finding.id, "text": rec.text, "due_on": due_on},
    )
    return rec


def update_recommendation(
    session: Session,
    recommendation_id: int,
    status: str,
    text: str,
    actor: str,
    *,
    on: date | None = None,
    evidence: str | None = None,
    accepted: bool = True,
    at: datetime | None = None,
) -> RecommendationUpdate:
    """Dated progress on a recommendation. The inspectorate's own record is ``accepted`` (public
    at once); a force's post waits for an inspector to accept it (``accept_progress``)."""
    rec = session.get(Recommendation, recommendation_id)
    if rec is None:
        raise AssessmentError(f"there is no recommendation {recommendation_id}")
    status = one_of(status.strip(), RECOMMENDATION_STATUSES, "recommendation status")
    at = at or utc_now()
    update = RecommendationUpdate(
        recommendation=rec,
        on=on or at.date(),
        status=status,
        text=text,
        evidence=evidence,
        created_by=actor,
        created_at=at,
        accepted_by=actor if accepted else None,
        accepted_at=at if accepted else None,
    )
    previous = rec.status
    if accepted:
        rec.status = status
    session.add(update)
    log_change(
        session,
        actor,
        "update",
        "recommendation",
        rec,
        {
            "from": previous,
            "to": status,
            "on": update.on,
            "text": text,
            "evidence": evidence,
            "accepted": accepted,
        },
    )
    return update


def accept_progress(
    session: Session, update_id: int, actor: str, at: datetime | None = None
) -> RecommendationUpdate:
    """The inspectorate accepts progress a force posted: it becomes public, and the
    recommendation takes its status."""
    update = session.get(RecommendationUpdate, update_id)
    if update is None:
        raise AssessmentError(f"there is no progress update {update_id}")
    if update.accepted_by is not None:
        raise AssessmentError(
            f"progress update {update_id} was accepted already, by {update.accepted_by}"
        )
    update.accepted_by, update.accepted_at = actor, at or utc_now()
    rec = update.recommendation
    previous, rec.status = rec.status, update.status
    log_change(
        session,
        actor,
        "accept",
        "recommendation",
        rec,
        {"update": update.id, "from": previous, "to": update.status},
    )
    return update


def record_response(
    session: Session,
    assessment: Assessment,
    respondent: str,
    actor: str,
    *,
    received_on: date,
    text: str | None = None,
    url: str | None = None,
) -> Response:
    respondent = one_of(respondent.strip(), RESPONDENTS, "respondent")
    url = checked_link(url, "response's link")
    response = next((r for r in assessment.responses if r.respondent == respondent), None)
    if response is None:
        response = Response(assessment=assessment, respondent=respondent, due_on=_due(assessment))
    response.received_on, response.text, response.url = received_on, text, url
    log_change(
        session,
        actor,
        "receive",
        "response",
        response,
        {"respondent": respondent, "received_on": received_on, "url": url},
    )
    return response
