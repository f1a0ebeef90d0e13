"""Corrections: how a published publication changes. Published means frozen: the findings and
grades of an assessment can still be changed in the store (its working state), but readers see
them only once a correction is published. A correction is the publication built again from
the working state, with a note of what changed (the grades and findings that differ from the
published version), when (its release time) and why (the inspector's reason), taken through
its own draft -> factual accuracy check -> embargo -> published steps
(``openpeel.publishing.workflow``). Every version keeps the notes of every correction before.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from openpeel import access
from openpeel.assess.models import Assessment, Correction, Publication
from openpeel.framework.model import load_framework
from openpeel.publishing.context import force_contexts
from openpeel.publishing.findings import FINDING_ORDER
from openpeel.publishing.outputs import publication_of
from openpeel.publishing.render import context_hash
from openpeel.publishing.renditions import PRESS_RENDITION
from openpeel.publishing.versions import (
    Version,
    label,
    open_version,
    public_version,
    versions,
)
from openpeel.publishing.workflow import (
    PublishError,
    anchor,
    find,
    freeze,
    log_step,
    national_contexts,
)
from openpeel.warehouse.db import Warehouse

#: the parts of a context that differ between any two builds, whatever they say
UNSAID = ("built_at", "audit", "corrections", "embargo")


@dataclass
class Judged:
    """What a report judges: its grades, findings and recommendations."""

    grades: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    findings: dict[int, dict[str, str]] = field(default_factory=dict)
    recommendations: dict[int, str] = field(default_factory=dict)


def judged_report(report: dict[str, Any]) -> Judged:
    """The grades, findings and recommendations a frozen force report shows."""
    out = Judged()

    def findings(items: list[dict[str, Any]], where: str) -> None:
        for f in items:
            out.findings[int(f["id"])] = {"where": where, "kind": f["kind"], "text": f["text"]}
            for r in f["recommendations"]:
                out.recommendations[int(r["id"])] = r["text"]

    for p in report["pillars"]:
        out.grades[("pillar", p["id"])] = (p["title"], p["grade"])
        findings(p["findings"], p["title"])
        for q in p["questions"]:
            out.grades[("question", q["id"])] = (q["title"], q["grade"])
            findings([f for kind in FINDING_ORDER for f in q["findings"][kind]], q["title"])
    return out


def judged_store(assessment: Assessment) -> Judged:
    """The working state: the grades confirmed and the findings held in the store now."""
    ed = load_framework().edition(assessment.edition_id)
    titles = {q.id: q.title for q in ed.questions} | {p.id: p.title for p in ed.pillars}
    out = Judged()
    for j in assessment.judgements:
        if j.confirmed_grade:
            title = titles.get(j.target_id, j.target_id)
            out.grades[(j.level, j.target_id)] = (title, j.confirmed_grade)
    for f in assessment.findings:
        where = titles.get(f.question_id or f.pillar_id, f.pillar_id)
        out.findings[f.id] = {"where": where, "kind": f.kind, "text": f.text}
        for r in f.recommendations:
            out.recommendations[r.id] = r.text
    return out


def _change(what: str, before: str | None, after: str | None) -> dict[str, str | None]:
    return {"what": what, "before": before, "after": after}


def changes(before: Judged, after: Judged, *, all_grades: bool = True) -> list[dict[str, Any]]:
    """What differs, in the report's words. ``all_grades`` False: only the grades ``after``
    holds (the store's working state holds only confirmed grades)."""
    out = []
    keys = sorted(set(after.grades) | (set(before.grades) if all_grades else set()))
    for key in keys:
        title = (after.grades.get(key) or before.grades[key])[0]
        was = before.grades.get(key, (title, None))[1]
        now = after.grades.get(key, (title, None))[1]
        if was != now:
            out.append(_change(f"{title}: grade", was, now))
    for fid in sorted(set(before.findings) | set(after.findings)):
        b, a = before.findings.get(fid), after.findings.get(fid)
        if b is None and a is not None:
            out.append(_change(f"{a['where']}: new {_kind(a)}", None, a["text"]))
        elif a is None and b is not None:
            out.append(_change(f"{b['where']}: {_kind(b)} removed", b["text"], None))
        elif a is not None and b is not None:
            if a["kind"] != b["kind"]:
                out.append(_change(f"{a['where']}: finding's kind", _kind(b), _kind(a)))
            if a["text"] != b["text"]:
                out.append(_change(f"{a['where']}: {_kind(a)}", b["text"], a["text"]))
    for rid in sorted(set(before.recommendations) | set(after.recommendations)):
        was_text, now_text = before.recommendations.get(rid), after.recommendations.get(rid)
        if was_text != now_text:
            out.append(_change("recommendation", was_text, now_text))
    return out


def _kind(finding: dict[str, str]) -> str:
    return finding["kind"].replace("_", " ")


def national_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The force grades that differ between two national overviews."""

    def grades(overview: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
        return {
            (f["name"], pillar): (f"{f['name']}: {pillar} grade", g["grade"])
            for f in overview["forces"]
            for pillar, g in f["grades"].items()
        }

    return changes(Judged(grades=grades(before)), Judged(grades=grades(after)))


def _said(contexts: dict[str, Any]) -> str:
    """What the outputs say, leaving out stamps (the press rendition is the press release
    with its embargo line)."""
    return context_hash(
        {
            k: {n: v for n, v in c.items() if n not in UNSAID}
            for k, c in contexts.items()
            if k != PRESS_RENDITION
        }
    )


def _compare(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    if kind != "national":
        found = changes(judged_report(before["report"]), judged_report(after["report"]))
    else:
        found = national_changes(before["overview"], after["overview"])
    if not found and _said(before) != _said(after):
        found = [_change("figures and wording, rebuilt from the data as it now stands", None, None)]
    return found


def _rebuild(
    session: Session,
    wh: Warehouse,
    version: Version,
    now: datetime,
    register: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    pub = publication_of(version)
    if pub.kind != "national":
        assessment = session.get(Assessment, pub.assessment_id)
        if assessment is None:
            raise PublishError(f"{pub.slug}'s assessment is no longer in the store")
        return force_contexts(
            wh, session, assessment, now, register, retrospective=pub.kind == "retrospective"
        )
    year = load_framework().edition(pub.edition_id).peel_years[0]
    return national_contexts(session, wh, year, now)


def correct(
    session: Session,
    wh: Warehouse,
    slug: str,
    why: str,
    actor: str,
    now: datetime,
    register: list[dict[str, Any]] | None = None,
) -> Correction:
    """Draft (or redraft, while in draft or check) a correction of a published publication
    from the assessment as it stands, with its note: what changed since the published version,
    and why."""
    why = why.strip()
    if not why:
        raise PublishError("a correction needs its reason", hint="give --why TEXT")
    pub = find(session, slug)
    published = public_version(pub, now)
    if published is None:
        raise PublishError(
            f"{slug} is not published yet ({access.state(pub, now).replace('_', ' ')}): "
            "there is nothing to correct",
            hint="redraft it instead (`openpeel publish draft`), after withdrawing its release "
            "if it is scheduled",
        )
    pending = open_version(pub, now)
    if pending is not None and pending.state == "embargoed":
        raise PublishError(
            f"{slug}'s {label(pending)} is scheduled for release",
            hint=f"withdraw it first: `openpeel publish withdraw {slug} --why TEXT`",
        )
    contexts = _rebuild(session, wh, published, now, register)
    found = _compare(pub.kind, published.context, contexts)
    if not found:
        raise PublishError(
            f"nothing that {slug} says differs from its published version ({label(published)})",
            hint="change the findings or grades first (the inspector's workspace, or "
            "`openpeel assess`)",
        )
    earlier = next(iter(published.context.values())).get("corrections", [])
    number = pending.number if isinstance(pending, Correction) else len(pub.corrections) + 1
    note = {"number": number, "reason": why, "changes": found, "released_at": None}
    for context in contexts.values():
        context["corrections"] = [*earlier, note]
    anchor(session, contexts)
    correction = pending if isinstance(pending, Correction) else None
    if correction is None:
        correction = Correction(
            publication=pub,
            number=number,
            state="draft",
            created_by=actor,
        )
        session.add(correction)
    correction.reason, correction.changes = why, found
    freeze(correction, contexts, now)
    session.flush()
    log_step(
        session,
        actor,
        "draft",
        correction,
        context_sha256=correction.context_sha256,
        state=correction.state,
        reason=why,
        changes=found,
    )
    return correction


def stamp(correction: Correction, at: datetime) -> None:
    """Write the correction's release time into its note (the note says when), freezing its
    context again."""
    contexts = copy.deepcopy(correction.context)
    for context in contexts.values():
        context["corrections"][-1]["released_at"] = at.isoformat()
    correction.context = contexts
    correction.context_sha256 = context_hash(contexts)


def pending_changes(assessment: Assessment, version: Version | None) -> list[dict[str, Any]]:
    """What the working state of an assessment says differently from a frozen version of its
    report (all of it, when nothing is drafted yet)."""
    before = judged_report(version.context["report"]) if version is not None else Judged()
    return changes(before, judged_store(assessment), all_grades=False)


def finding_mark(said: Judged | None, fid: int, kind: str, text: str) -> str | None:
    """A finding of the working state against the published version: "new", "changed" or
    None (as published, or nothing published)."""
    if said is None:
        return None
    was = said.findings.get(fid)
    if was is None:
        return "new"
    return None if (was["kind"], was["text"]) == (kind, text) else "changed"


def working_state(pub: Publication, a: Assessment, now: datetime) -> dict[str, Any]:
    """The publication's versions, and how the working state differs from the published
    version (what a correction would say) and from the newest frozen version."""
    public = public_version(pub, now)
    newest = versions(pub)[-1]
    return {
        "slug": pub.slug,
        "state": access.state(pub, now),
        "embargo_until": access.aware(pub.embargo_until).isoformat() if pub.embargo_until else None,
        "public_version": label(public) if public is not None else None,
        "versions": [
            {
                "number": v.number,
                "label": label(v),
                "state": access.state(v, now),
                "embargo_until": access.aware(v.embargo_until).isoformat()
                if v.embargo_until
                else None,
            }
            for v in versions(pub)
        ],
        "access": [x.user_name for x in pub.access],
        "unpublished_changes": pending_changes(a, public) if public is not None else [],
        "changes_since_newest": pending_changes(a, newest),
        "newest": label(newest),
    }
