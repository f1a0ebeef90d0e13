"""The versions of a publication: the original (version 0) and its corrections (1, 2, ...),
each frozen, each taken through draft -> factual accuracy check -> embargo -> published.

Readers see the newest version they may read: the public, the newest published one. The
grades a page shows for an OpenPEEL assessment are the grades its frozen report shows
(``report_grades``), never the assessment's working state in the store, which an inspector
may be changing for a correction (``openpeel.assess.history.confirmed`` is that working state).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import PUBLISHED, Viewer
from openpeel.assess.history import NOT_GRADED, GradeRow
from openpeel.assess.models import Correction, Publication, Recommendation

#: a version of a publication: the original, or one of its corrections
Version = Publication | Correction


def versions(pub: Publication) -> list[Version]:
    return [pub, *pub.corrections]


def label(version: Version) -> str:
    return "original" if version.number == 0 else f"correction {version.number}"


def public_version(pub: Publication, now: datetime) -> Version | None:
    """The newest version published at ``now`` (None before the first release)."""
    released = [v for v in versions(pub) if access.state(v, now) == PUBLISHED]
    return released[-1] if released else None


def open_version(pub: Publication, now: datetime) -> Version | None:
    """The version on its way to publication (the original before its release, or a
    correction not yet released); None when every version is out."""
    last = versions(pub)[-1]
    return None if access.state(last, now) == PUBLISHED else last


def may_read(pub: Publication, version: Version, viewer: Viewer, now: datetime) -> bool:
    """The embargo and force scope of one version (a correction has its publication's force
    and pre-release access list)."""
    return access.may_read(pub, viewer, now, version)


def readable_version(
    pub: Publication, viewer: Viewer, now: datetime, number: int | None = None
) -> Version | None:
    """Version ``number`` if the viewer may read it, else the newest version they may read."""
    candidates = versions(pub)
    if number is not None:
        candidates = [v for v in candidates if v.number == number]
    readable = [v for v in candidates if may_read(pub, v, viewer, now)]
    return readable[-1] if readable else None


def scheduled_version(pub: Publication) -> Version | None:
    """The newest version that is embargoed or published (what a national overview includes)."""
    scheduled = [v for v in versions(pub) if v.state == "embargoed"]
    return scheduled[-1] if scheduled else None


def report_grades(report: dict[str, Any], source: str, state: str) -> list[GradeRow]:
    """The pillar and question grades a frozen force report shows, as grade history rows."""
    from openpeel.assess.history import series_of

    edition, force = report["edition"], report["force"]
    shown = [(p["id"], None, p) for p in report["pillars"]]
    shown += [(p["id"], q["id"], q) for p in report["pillars"] for q in p["questions"]]
    return [
        GradeRow(
            force_code=str(force["code"]),
            force_name=str(force["name"]),
            edition=str(edition["id"]),
            peel_year=int(edition["peel_year"]),
            pillar=pillar,
            question=question,
            wording=item["title"] if question else None,
            grade=item["grade"],
            source=source,
            series=series_of(str(edition["id"]), pillar, question),
            state=state,
        )
        for pillar, question, item in shown
        if item["grade"] != NOT_GRADED
    ]


def shown_grades(
    session: Session, viewer: Viewer, now: datetime, force_code: str | None = None
) -> list[GradeRow]:
    """The grades of every force publication as the viewer may see them now: from the newest
    version they may read (for the public, the newest published one), marked with its state."""
    query = select(Publication).where(Publication.kind == "force").order_by(Publication.slug)
    if force_code is not None:
        query = query.where(Publication.force_code == force_code)
    rows = []
    for pub in session.scalars(query):
        version = readable_version(pub, viewer, now)
        if version is not None:
            source = f"OpenPEEL publication {pub.slug}, {label(version)}"
            rows += report_grades(version.context["report"], source, access.state(version, now))
    return rows


def included_grades(pubs: list[Publication]) -> list[GradeRow]:
    """The grades of the scheduled (or published) version of each force publication."""
    rows = []
    for pub in pubs:
        version = scheduled_version(pub)
        if version is not None:
            source = f"OpenPEEL publication {pub.slug}, {label(version)}"
            rows += report_grades(version.context["report"], source, PUBLISHED)
    return rows


def recommendations(
    session: Session, pub: Publication, version: Version, reviewers: bool = False
) -> list[dict[str, Any]]:
    """The recommendations a frozen report makes (its findings and recommendations as
    published), with the force's progress on each since (posted after publication, live):
    the progress the inspectorate accepted, and for ``reviewers`` (the force and the
    inspectorate) what waits for acceptance too, marked so."""
    from openpeel.publishing.findings import FINDING_ORDER

    report = version.context["report"]
    findings = [f for p in report["pillars"] for f in p["findings"]]
    findings += [
        f
        for p in report["pillars"]
        for q in p["questions"]
        for kind in FINDING_ORDER
        for f in q["findings"][kind]
    ]
    out = []
    for finding in findings:
        for rec in finding["recommendations"]:
            live = session.get(Recommendation, rec["id"])
            updates = sorted(live.updates, key=lambda u: (u.on, u.id)) if live else []
            accepted = [u for u in updates if u.is_accepted]
            out.append(
                {
                    "id": rec["id"],
                    "edition": pub.edition_id,
                    "finding": finding["text"],
                    "text": rec["text"],
                    "due_on": rec["due_on"],
                    "status": accepted[-1].status if accepted else rec["status"],
                    "updates": [
                        {
                            "id": u.id,
                            "on": u.on.isoformat(),
                            "status": u.status,
                            "text": u.text,
                            "posted_by": u.created_by,
                            "accepted": u.is_accepted,
                            "accepted_by": u.accepted_by,
                            "accepted_on": u.accepted_at.date().isoformat()
                            if u.accepted_at
                            else None,
                        }
                        for u in updates
                        if u.is_accepted or reviewers
                    ],
                }
            )
    return out
