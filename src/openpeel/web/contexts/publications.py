"""The publications' pages: every report the viewer may read, and one publication's outputs,
formats, correction notes and versions. A publication the viewer may not read (a draft, an
embargoed report) is answered as one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import Viewer
from openpeel.assess.models import Publication
from openpeel.publishing.outputs import OUTPUTS
from openpeel.publishing.versions import (
    Version,
    label,
    may_read,
    open_version,
    public_version,
    versions,
)
from openpeel.web.errors import NotFound


def readable(session: Session, viewer: Viewer, now: datetime) -> list[Publication]:
    """The publications the viewer may read now, in slug order."""
    pubs = session.scalars(select(Publication).order_by(Publication.slug))
    return [p for p in pubs if access.may_read(p, viewer, now)]


def publication_row(p: Publication, now: datetime, viewer: Viewer) -> dict[str, Any]:
    """A publication in a list: its state, its correction notes (those published), and the
    correction on its way, for those who may read it."""
    published = public_version(p, now)
    coming = open_version(p, now) if published is not None else None
    if coming is not None and not may_read(p, coming, viewer, now):
        coming = None
    return {
        "slug": p.slug,
        "kind": p.kind,
        "edition": p.edition_id,
        "state": access.state(p, now),
        "embargo_until": access.aware(p.embargo_until).isoformat() if p.embargo_until else None,
        "title": _title(p),
        "outputs": list(OUTPUTS[p.kind]),
        "version": published.number if published is not None else 0,
        "corrections": _notes(published),
        "correction_coming": None
        if coming is None
        else {
            "number": coming.number,
            "state": access.state(coming, now),
            "embargo_until": access.aware(coming.embargo_until).isoformat()
            if coming.embargo_until
            else None,
            "notes": _notes(coming)[-1:],
        },
    }


def _notes(version: Version | None) -> list[dict[str, Any]]:
    """The correction notes a version carries (what changed, when, why)."""
    if version is None:
        return []
    first: dict[str, Any] = next(iter(version.context.values()), {})
    return list(first.get("corrections", []))


def _title(p: Publication) -> str:
    first: dict[str, Any] = next(iter(p.context.values()), {})
    return str(first.get("title", p.slug))


def publication_list(session: Session, viewer: Viewer, now: datetime) -> dict[str, Any]:
    """Every publication the viewer may read now, newest edition first."""
    rows = [publication_row(p, now, viewer) for p in readable(session, viewer, now)]
    rows.sort(key=lambda r: (r["edition"], r["kind"] == "force", r["slug"]), reverse=True)
    return {"title": "Reports", "publications": rows}


def publication_page(session: Session, viewer: Viewer, now: datetime, slug: str) -> dict[str, Any]:
    """A publication the viewer may read: its state, its outputs and their formats, its
    correction notes, and the versions the viewer may read."""
    pub = publication(session, viewer, now, slug)
    row = publication_row(pub, now, viewer)
    row["versions"] = [
        {
            "number": v.number,
            "label": label(v),
            "state": access.state(v, now),
            "embargo_until": access.aware(v.embargo_until).isoformat() if v.embargo_until else None,
        }
        for v in versions(pub)
        if may_read(pub, v, viewer, now)
    ]
    return row


def publication(session: Session, viewer: Viewer, now: datetime, slug: str) -> Publication:
    """A publication the viewer may read now; for anyone else it does not exist (a draft's or
    an embargoed report's existence is not told either)."""
    pub = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    if pub is None or not access.may_read(pub, viewer, now):
        raise unreadable(slug)
    return pub


def unreadable(slug: str) -> NotFound:
    """The one answer to every read of a publication that does not exist, is not readable by
    the viewer yet, or has no such output: the same status and body, so that a draft's or an
    embargoed report's existence cannot be told from an unknown slug's."""
    return NotFound(
        f"no publication {slug!r} that you may read now", hint="see /publications for the reports"
    )
