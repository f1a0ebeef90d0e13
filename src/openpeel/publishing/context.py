"""One context per output, built from the assessment store and the warehouse.

A context is plain JSON-ready data: every grade, figure, sentence (with its source) and chart
(as SVG text with its text alternative) that the output shows. Templates only lay it out, so a
context frozen in the store renders to the same bytes later, whatever happens to the data.

* ``force_contexts``: the force report, the inspector's summary and the press release of one
  assessment (one bundle, built together from the same facts);
* the national overview of a PEEL year is in ``openpeel.publishing.national``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from openpeel.assess.history import NOT_GRADED, GradeRow, confirmed, history, published
from openpeel.assess.models import Assessment, Response
from openpeel.assess.service import edition_of
from openpeel.framework.model import Edition, load_framework
from openpeel.publishing import narrative
from openpeel.publishing.annex import annex
from openpeel.publishing.asof import AsOf
from openpeel.publishing.demand import demand_section
from openpeel.publishing.evidence import evidence_by_question
from openpeel.publishing.figures import report_figures
from openpeel.publishing.findings import FINDING_ORDER, findings_by_question, groups
from openpeel.publishing.narrative import Sentence
from openpeel.publishing.spoken import press_release, spoken
from openpeel.warehouse.db import Warehouse

#: the version of the context's shape; a frozen context records it (2: the audit head and the
#: correction notes; 3: the as-of date, the cover and contents, the press release's form)
CONTEXT_VERSION = 3
GOOD_OR_BETTER = {"outstanding", "good", "adequate"}


def _force_name(wh: Warehouse, code: str) -> str:
    return str(wh.scalar("SELECT name FROM ref_force WHERE force_code = ?", [code]) or code)


def edition_dict(ed: Edition) -> dict[str, Any]:
    return {
        "id": ed.id,
        "title": ed.title,
        "peel_year": ed.peel_years[0],
        "scale": [
            {"id": g.id, "title": g.title, "definition": g.definition} for g in ed.scale.grades
        ],
    }


def _grade(row: GradeRow | None) -> dict[str, Any]:
    if row is None:
        return {"grade": NOT_GRADED, "change": None, "words": None, "source": None}
    since = load_framework().edition(row.previous_edition).id if row.previous_edition else None
    return {
        "grade": row.grade,
        "previous_grade": row.previous_grade,
        "previous_edition": row.previous_edition,
        "change": row.change,
        "words": narrative.grade_words(row.change, row.grade, row.previous_grade, since),
        "sentence": row.sentence,
        "source": row.source,
    }


def _day(value: str | date) -> str:
    d = value if isinstance(value, date) else datetime.fromisoformat(value)
    return f"{d.day} {d:%B %Y}"


# -- the force bundle --------------------------------------------------------------------------


def response_dict(r: Response) -> dict[str, Any]:
    """A response to a report: who, when it is due, when it came, what it says."""
    return {
        "id": r.id,
        "respondent": r.respondent,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "received_on": r.received_on.isoformat() if r.received_on else None,
        "text": r.text,
        "url": r.url,
    }


def _inspectorate_page(wh: Warehouse, force_code: str, edition: str) -> str | None:
    """The address of the inspectorate's page for the force's edition, from the published
    grades (where one was read)."""
    for row in published(wh, force_code):
        if row.edition == edition and row.source and str(row.source).startswith("http"):
            return str(row.source)
    return None


def force_contexts(
    wh: Warehouse,
    session: Session,
    assessment: Assessment,
    built_at: datetime,
    register: list[dict[str, Any]] | None = None,
    *,
    retrospective: bool = False,
) -> dict[str, Any]:
    """The report, summary and press-release contexts of one assessment, built together, as
    of its publication date (the build date when it has none). ``register`` is the
    data-quality register, when the caller already has it (many reports). A ``retrospective``
    edition keeps the judgement as of that date and sets later figures beside it, labelled."""
    ed = edition_of(assessment)
    asof = AsOf(assessment.published_on or built_at.date(), retrospective)
    force = _force_name(wh, assessment.force_code)
    short = str(
        wh.scalar("SELECT short_name FROM ref_force WHERE force_code = ?", [assessment.force_code])
        or force
    )
    working = confirmed(session, {assessment.force_code: force}, only=[assessment.id])
    rows = [r for r in history(wh, assessment.force_code, store=working) if r.edition == ed.id]
    pillar_rows = {r.pillar: r for r in rows if r.question is None}
    question_rows = {r.question: r for r in rows if r.question is not None}
    findings = findings_by_question(assessment, asof)
    evidence = evidence_by_question(wh, assessment, asof)
    judgements = {(j.level, j.target_id): j for j in assessment.judgements}
    provenance: dict[str, Any] = {}

    pillars = []
    for p in ed.pillars:
        questions = []
        for q in (q for q in ed.questions if q.pillar == p.id):
            j = judgements.get(("question", q.id))
            if j is not None:
                provenance[f"question:{q.id}"] = {
                    "proposed_reasons": list(j.proposed_reasons or []),
                    "rationale": j.rationale,
                }
            if not (findings.get(q.id) or evidence.get(q.id) or q.id in question_rows):
                continue  # not inspected in this edition, as far as the store knows
            grade = _grade(question_rows.get(q.id))
            questions.append(
                {
                    "id": q.id,
                    "title": q.title,
                    **grade,
                    "narrative": narrative.question_sentence(grade["grade"]),
                    "findings": {
                        kind: [f for f in findings.get(q.id, []) if f["kind"] == kind]
                        for kind in FINDING_ORDER
                    },
                    "groups": groups(findings.get(q.id, [])),
                    "evidence": evidence.get(q.id, []),
                }
            )
        j = judgements.get(("pillar", p.id))
        if j is not None:
            provenance[f"pillar:{p.id}"] = {
                "proposed_reasons": list(j.proposed_reasons or []),
                "rationale": j.rationale,
            }
        grade = _grade(pillar_rows.get(p.id))
        pillars.append(
            {
                "id": p.id,
                "title": p.title,
                "headline": p.headline,
                **grade,
                "narrative": narrative.pillar_grade_sentence(
                    p.id,
                    grade["change"],
                    grade["grade"],
                    grade.get("previous_grade"),
                    _since(grade),
                )
                if grade["grade"] != NOT_GRADED
                else None,
                "findings": findings.get(f"pillar:{p.id}", []),
                "groups": groups(findings.get(f"pillar:{p.id}", [])),
                "questions": questions,
                # an ungraded pillar with nothing to say (leadership in 2016) is left out
                "shown": bool(
                    grade["grade"] != NOT_GRADED or questions or findings.get(f"pillar:{p.id}")
                ),
            }
        )

    opening = narrative.overall(force, [p["grade"] for p in pillars], GOOD_OR_BETTER)
    overview = [Sentence(opening, f"grades:{assessment.id}").as_dict()] if opening else []
    for shown in pillars:
        if shown["grade"] != NOT_GRADED:
            overview.append(
                Sentence(
                    f"{shown['title']}: {shown['words']}.",
                    f"grade:{assessment.id}:pillar:{shown['id']}",
                ).as_dict()
            )
    responses = [response_dict(r) for r in assessment.responses]
    words = narrative.wording()["asof"]
    title = f"PEEL {ed.id}: {force}"
    common = {
        "version": CONTEXT_VERSION,
        "force": {"code": assessment.force_code, "name": force},
        "edition": edition_dict(ed),
        "assessment_id": assessment.id,
        "published_on": assessment.published_on.isoformat() if assessment.published_on else None,
        "as_of": asof.as_dict(),
        "retrospective_note": str(words["retrospective_note"]).format(as_of=_day(asof.on))
        if retrospective
        else None,
        "built_at": built_at.isoformat(),
        "inspector": narrative.inspector_for(ed.id, short),
        "provenance": provenance,
    }
    numbers, missing_numbers, later_numbers = report_figures(wh, assessment.force_code, ed, asof)
    report = {
        **common,
        "kind": "report",
        "title": _titled(title, retrospective),
        "cover": {"force": force, "edition": ed.title, "date": common["published_on"]},
        "overview": overview,
        "numbers": numbers,
        "numbers_missing": missing_numbers,
        "numbers_afterwards": later_numbers,
        "pillars": pillars,
        "responses": responses,
        "demand": demand_section(wh, assessment.force_code, asof),
        "annex": annex(wh, assessment.force_code, pillars, numbers, register, asof),
    }
    report["contents"] = _contents(report)
    said = spoken(pillars, opening)
    summary = {
        **common,
        "kind": "summary",
        "title": _titled(f"{common['inspector']}'s assessment of {force}", retrospective),
        "paragraphs": said.paragraphs,
    }
    address = str(narrative.report_settings()["address"]).format(
        slug=_slug_name(short, ed.id, retrospective)
    )
    press = {
        **common,
        "kind": "press_release",
        **press_release(
            force,
            ed,
            pillars,
            said,
            responses,
            address=address,
            inspectorate=_inspectorate_page(wh, assessment.force_code, ed.id),
            inspector=str(common["inspector"]),
        ),
    }
    press["title"] = _titled(press["title"], retrospective)
    return {"report": report, "summary": summary, "press_release": press}


def _slug_name(short: str, edition: str, retrospective: bool) -> str:
    import re

    slug = re.sub(r"[^a-z0-9]+", "-", f"{short} {edition}".lower()).strip("-")
    return f"{slug}-retrospective" if retrospective else slug


def _titled(title: str, retrospective: bool) -> str:
    if not retrospective:
        return title
    return str(narrative.wording()["asof"]["retrospective_title"]).format(title=title)


def _since(grade: dict[str, Any]) -> str | None:
    previous = grade.get("previous_edition")
    return load_framework().edition(previous).id if previous else None


def _contents(report: dict[str, Any]) -> list[dict[str, str]]:
    """The report's table of contents: its sections, each pillar and question."""
    out = [
        {"id": "numbers", "title": "The force in numbers", "level": "1"},
        {"id": "overview", "title": "Overview", "level": "1"},
    ]
    for p in report["pillars"]:
        if not p["shown"]:
            continue
        out.append({"id": p["id"], "title": p["title"], "level": "1"})
        out += [
            {"id": str(q["id"]).replace("/", "-"), "title": q["title"], "level": "2"}
            for q in p["questions"]
        ]
    out += [
        {"id": "responses", "title": "Responses", "level": "1"},
        {"id": "demand", "title": "Demand", "level": "1"},
    ]
    if report["as_of"]["retrospective"]:
        out.append(
            {
                "id": "afterwards",
                "title": str(narrative.wording()["asof"]["afterwards"]),
                "level": "1",
            }
        )
    out.append({"id": "annex", "title": "Annex: about the data", "level": "1"})
    return out
