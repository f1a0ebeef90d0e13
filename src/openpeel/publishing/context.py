"""One context per output, built from the assessment store and the warehouse.

A context is plain JSON-ready data: every grade, figure, sentence (with its source) and chart
(as SVG text with its text alternative) that the output shows. Templates only lay it out, so a
context frozen in the store renders to the same bytes later, whatever happens to the data.

* ``force_contexts``: the force report, the inspector's summary and the press release of one
  assessment (one bundle, built together from the same facts);
* the national overview of a PEEL year is in ``openpeel.publishing.national``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from openpeel.assess.history import NOT_GRADED, GradeRow, confirmed, history
from openpeel.assess.models import Assessment, Response
from openpeel.assess.service import edition_of
from openpeel.framework.model import Edition, load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing import narrative
from openpeel.publishing.demand import demand_section
from openpeel.publishing.figures import charts, figure, key_figures
from openpeel.publishing.narrative import Sentence
from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.publishing")

#: the version of the context's shape; a frozen context records it (2: the audit head and the
#: correction notes)
CONTEXT_VERSION = 2
GOOD_OR_BETTER = {"outstanding", "good", "adequate"}
FINDING_ORDER = (
    "cause_of_concern",
    "area_for_improvement",
    "strength",
    "innovative_practice",
    "promising_practice",
)
FINDING_TITLES = {
    "strength": "Strengths",
    "area_for_improvement": "Areas for improvement",
    "cause_of_concern": "Causes of concern",
    "promising_practice": "Promising practice",
    "innovative_practice": "Innovative practice",
}


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


def _day(iso: str) -> str:
    d = datetime.fromisoformat(iso)
    return f"{d.day} {d:%B %Y}"


# -- the force bundle --------------------------------------------------------------------------


def _findings_by_question(assessment: Assessment) -> dict[str | None, list[dict[str, Any]]]:
    out: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for f in assessment.findings:
        out[f.question_id or f"pillar:{f.pillar_id}"].append(
            {
                "id": f.id,
                "kind": f.kind,
                "text": f.text,
                "source": f"finding:{f.id}",
                "recommendations": [
                    {
                        "id": r.id,
                        "text": r.text,
                        "due_on": r.due_on.isoformat() if r.due_on else None,
                        "status": r.status,
                        "updates": [
                            {
                                "id": u.id,
                                "on": u.on.isoformat(),
                                "status": u.status,
                                "text": u.text,
                                "evidence": u.evidence,
                            }
                            for u in r.updates
                            if u.is_accepted
                        ],
                    }
                    for r in f.recommendations
                ],
            }
        )
    return out


def _evidence(wh: Warehouse, assessment: Assessment) -> dict[str | None, list[dict[str, Any]]]:
    catalogue = load_catalogue()
    out: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for e in assessment.evidence:
        if e.kind == "document":
            out[e.question_id].append(
                {
                    "kind": "document",
                    "title": e.title,
                    "url": e.url,
                    "note": e.note,
                    "source": f"evidence:{e.id}",
                }
            )
            continue
        frozen = dict(e.frozen or {})
        ind = catalogue.indicator(str(e.indicator_id))
        frozen["unit"] = frozen.get("unit", ind.unit)
        item = figure(wh, ind, frozen)
        item.update(
            kind="indicator",
            note=e.note,
            source=f"evidence:{e.id}",
            numerator_definition=frozen.get("numerator_definition"),
            denominator_definition=frozen.get("denominator_definition"),
            charts=charts(wh, ind, assessment.force_code, frozen),
        )
        out[e.question_id].append(item)
    return out


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


def force_contexts(
    wh: Warehouse,
    session: Session,
    assessment: Assessment,
    built_at: datetime,
    register: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report, summary and press-release contexts of one assessment, built together.
    ``register`` is the data-quality register, when the caller already has it (many reports)."""
    ed = edition_of(assessment)
    year = ed.peel_years[0]
    force = _force_name(wh, assessment.force_code)
    working = confirmed(session, {assessment.force_code: force}, only=[assessment.id])
    rows = [r for r in history(wh, assessment.force_code, store=working) if r.edition == ed.id]
    pillar_rows = {r.pillar: r for r in rows if r.question is None}
    question_rows = {r.question: r for r in rows if r.question is not None}
    findings = _findings_by_question(assessment)
    evidence = _evidence(wh, assessment)
    judgements = {(j.level, j.target_id): j for j in assessment.judgements}

    pillars = []
    for p in ed.pillars:
        questions = []
        for q in (q for q in ed.questions if q.pillar == p.id):
            j = judgements.get(("question", q.id))
            if not (findings.get(q.id) or evidence.get(q.id) or q.id in question_rows or j):
                continue
            questions.append(
                {
                    "id": q.id,
                    "title": q.title,
                    **_grade(question_rows.get(q.id)),
                    "reasons": list(j.proposed_reasons or []) if j else [],
                    "rationale": j.rationale if j else None,
                    "findings": {
                        kind: [f for f in findings.get(q.id, []) if f["kind"] == kind]
                        for kind in FINDING_ORDER
                    },
                    "evidence": evidence.get(q.id, []),
                }
            )
        j = judgements.get(("pillar", p.id))
        pillars.append(
            {
                "id": p.id,
                "title": p.title,
                "headline": p.headline,
                **_grade(pillar_rows.get(p.id)),
                "reasons": list(j.proposed_reasons or []) if j else [],
                "rationale": j.rationale if j else None,
                "findings": findings.get(f"pillar:{p.id}", []),
                "questions": questions,
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
    common = {
        "version": CONTEXT_VERSION,
        "force": {"code": assessment.force_code, "name": force},
        "edition": edition_dict(ed),
        "assessment_id": assessment.id,
        "published_on": assessment.published_on.isoformat() if assessment.published_on else None,
        "built_at": built_at.isoformat(),
        "inspector": narrative.report_settings()["inspector"],
    }
    report = {
        **common,
        "kind": "report",
        "title": f"PEEL {ed.id}: {force}",
        "overview": overview,
        "numbers": key_figures(wh, assessment.force_code, year),
        "pillars": pillars,
        "responses": responses,
        "demand": demand_section(wh, assessment.force_code, year),
        "annex": _annex(wh, assessment.force_code, pillars, register),
    }
    summary = {
        **common,
        "kind": "summary",
        "title": f"The inspector's summary: {force}",
        "paragraphs": _summary(force, pillars, opening, assessment),
    }
    press = {**common, "kind": "press_release", **_press(force, ed, pillars, summary, responses)}
    return {"report": report, "summary": summary, "press_release": press}


def _summary(
    force: str, pillars: list[dict[str, Any]], opening: str | None, assessment: Assessment
) -> list[list[dict[str, str]]]:
    """First person, spoken: the opening, then per pillar its findings, progress and figures."""
    published = assessment.published_on
    paragraphs: list[list[dict[str, str]]] = []
    if opening:
        paragraphs.append([Sentence(opening, f"grades:{assessment.id}").as_dict()])
    for p in pillars:
        said: list[dict[str, str]] = []
        items = list(p["findings"]) + [
            f for q in p["questions"] for kind in FINDING_ORDER for f in q["findings"][kind]
        ]
        for kind in (
            "strength",
            "innovative_practice",
            "promising_practice",
            "area_for_improvement",
            "cause_of_concern",
        ):
            for f in (f for f in items if f["kind"] == kind):
                said.append(
                    Sentence(narrative.finding_sentence(kind, f["text"]), f["source"]).as_dict()
                )
                for rec in f["recommendations"]:
                    for u in rec["updates"]:
                        if published and u["on"] > published.isoformat():
                            continue  # progress after publication is not in the summary
                        text = narrative.progress_sentence(u["status"], u["text"])
                        if text:
                            said.append(
                                Sentence(text, f"recommendation_update:{u['id']}").as_dict()
                            )
                if kind == "cause_of_concern":
                    said += _concern_figures(p, f)
        if said:
            paragraphs.append(said)
    return paragraphs


def _concern_figures(pillar: dict[str, Any], finding: dict[str, Any]) -> list[dict[str, str]]:
    """The indicator sentences attached to the concern's question that make a comparison."""
    out = []
    for q in pillar["questions"]:
        if finding in (f for kind in FINDING_ORDER for f in q["findings"][kind]):
            out += [
                Sentence(e["sentence"], e["source"]).as_dict()
                for e in q["evidence"]
                if e["kind"] == "indicator" and e["comparisons"]
            ]
    return out


def _press(
    force: str,
    ed: Edition,
    pillars: list[dict[str, Any]],
    summary: dict[str, Any],
    responses: list[dict[str, Any]],
) -> dict[str, Any]:
    words = narrative.wording()["press"]
    bullets = [
        Sentence(
            str(words["bullet"]).format(pillar=p["title"], grade_words=p["words"]),
            f"grade:pillar:{p['id']}",
        ).as_dict()
        for p in pillars
        if p["grade"] != NOT_GRADED
    ]
    quote = [s for paragraph in summary["paragraphs"][:2] for s in paragraph][:4]
    said = []
    for r in responses:
        if r["received_on"]:
            said.append(r)
        else:
            due = _day(r["due_on"]) if r["due_on"] else "56 days after publication"
            said.append(
                {**r, "text": str(words["no_response"]).format(respondent=r["respondent"], due=due)}
            )
    scale = ", ".join(g.title for g in ed.scale.grades)
    notes = [str(n).format(scale_size=len(ed.scale.grades), scale=scale) for n in words["notes"]]
    return {
        "title": str(words["headline"]).format(force=force, edition=ed.id),
        "bullets": bullets,
        "quote_intro": str(words["quote_intro"]).format(inspector=summary["inspector"]),
        "quote": quote,
        "responses": said,
        "notes": notes,
    }


def _annex(
    wh: Warehouse,
    force_code: str,
    pillars: list[dict[str, Any]],
    register: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """Sources, periods, definitions, suppression and the data gaps for the force."""
    catalogue = load_catalogue()
    used: dict[str, set[str]] = defaultdict(set)
    for p in pillars:
        for q in p["questions"]:
            for e in q["evidence"]:
                if e["kind"] == "indicator":
                    used[e["indicator_id"]].add(str(e["period"]))
    for iid in narrative.report_settings()["key_indicators"]:
        used.setdefault(iid, set())
    definitions = []
    sources: set[str] = set()
    for iid in sorted(used):
        ind = catalogue.indicator(iid)
        measure = catalogue.measures[ind.measure]
        sources.update(measure.sources)
        definitions.append(
            {
                "indicator_id": iid,
                "title": ind.title,
                "version": ind.version,
                "numerator": ind.numerator_words,
                "denominator": ind.denominator_words,
                "minimum_denominator": ind.minimum_denominator,
                "caveats": list(ind.caveats),
                "periods": sorted(used[iid]),
                "sources": list(measure.sources),
            }
        )
    rows = quality_register(wh) if register is None else register
    gaps = [
        {k: (str(v) if v is not None else None) for k, v in r.items()}
        for r in rows
        if r.get("force_code") in (force_code, None)
    ][:40]
    return {"definitions": definitions, "sources": sorted(sources), "gaps": gaps}


def quality_register(wh: Warehouse) -> list[dict[str, Any]]:
    """The data-quality register, or nothing where the warehouse lacks a source it checks."""
    from openpeel.warehouse.quality import register_records

    try:
        return register_records(wh)
    except Exception as exc:  # the register needs every source; a partial warehouse has gaps
        log.info("data-quality register not available: %s", exc)
        return []
