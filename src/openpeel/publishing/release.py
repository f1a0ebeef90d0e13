"""Changing a release before its time, and the demo's whole workflow at once.

A scheduled release can be postponed to a later time or withdrawn (back to factual accuracy
check, or for a national overview to draft), and a user's pre-release access revoked; each is
in the audit log. A force report included in a scheduled national overview cannot be withdrawn
or postponed past it (the overview would release it): that overview is changed first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.assess.models import Assessment, Correction, Publication
from openpeel.clock import uk
from openpeel.framework.model import load_framework
from openpeel.publishing.outputs import publication_of
from openpeel.publishing.versions import Version, label, open_version
from openpeel.publishing.workflow import (
    PublishError,
    check_national_after_forces,
    draft,
    draft_national,
    find,
    in_progress,
    log_step,
    schedule,
    send_for_check,
    stamp_embargo,
)
from openpeel.warehouse.db import Warehouse


def _waiting_overviews(session: Session, pub: Publication, now: datetime) -> list[Version]:
    """National overviews scheduled but not yet out that include this force publication."""
    out = []
    for national in session.scalars(select(Publication).where(Publication.kind == "national")):
        version = open_version(national, now)
        includes = version.context.get("overview", {}).get("includes", []) if version else []
        if version is not None and version.state == "embargoed" and pub.slug in includes:
            out.append(version)
    return out


def _scheduled(session: Session, slug: str, now: datetime, step: str) -> Version:
    version = in_progress(session, slug, now)
    if access.state(version, now) != "embargoed":
        raise PublishError(
            f"{slug} ({label(version)}) is {version.state.replace('_', ' ')}, not scheduled: "
            f"there is no release to {step}",
            hint="`openpeel publish status` shows every publication's state",
        )
    return version


def postpone(
    session: Session, slug: str, to: datetime, actor: str, now: datetime, why: str | None = None
) -> Version:
    """Move a scheduled release to a later time (the pre-release access list stays)."""
    from openpeel.publishing.corrections import stamp

    version = _scheduled(session, slug, now, "postpone")
    pub = publication_of(version)
    before = access.aware(version.embargo_until) if version.embargo_until else now
    if to <= before:
        raise PublishError(
            f"{uk(to)} is not later than {slug}'s release time {uk(before)}",
            hint="to release it earlier, withdraw it and schedule it again",
        )
    if pub.kind == "national":
        check_national_after_forces(session, version, to)
    else:
        for overview in _waiting_overviews(session, pub, now):
            until = access.aware(overview.embargo_until) if overview.embargo_until else to
            if until < to:
                raise PublishError(
                    f"{publication_of(overview).slug} includes {slug} and is released at "
                    f"{uk(until)}, before {uk(to)}",
                    hint=f"postpone {publication_of(overview).slug} first",
                )
    version.embargo_until = to
    detail: dict[str, Any] = {"from": before.isoformat(), "to": to.isoformat(), "reason": why}
    if isinstance(version, Correction):
        stamp(version, to)
    detail["renditions_sha256"] = stamp_embargo(version, to)
    detail["context_sha256"] = version.context_sha256
    log_step(session, actor, "postpone", version, **detail)
    return version


def withdraw(session: Session, slug: str, actor: str, now: datetime, why: str) -> Version:
    """Stop a scheduled release before its time: the version goes back to factual accuracy
    check (a national overview, to draft), to be redrafted or scheduled again."""
    if not why.strip():
        raise PublishError("say why the release is withdrawn", hint="give --why TEXT")
    version = _scheduled(session, slug, now, "withdraw")
    pub = publication_of(version)
    waiting = _waiting_overviews(session, pub, now) if pub.kind == "force" else []
    if waiting:
        overview = publication_of(waiting[0]).slug
        raise PublishError(
            f"{overview} includes {slug} and is scheduled: it would release what is withdrawn here",
            hint=f"withdraw {overview} first",
        )
    before = access.aware(version.embargo_until) if version.embargo_until else None
    version.state = "fact_check" if pub.kind == "force" else "draft"
    version.embargo_until = None
    kept = stamp_embargo(version, None)
    log_step(
        session,
        actor,
        "withdraw",
        version,
        embargo_until=before.isoformat() if before else None,
        state=version.state,
        context_sha256=version.context_sha256,
        renditions_sha256=kept,
        reason=why.strip(),
    )
    return version


def revoke(
    session: Session,
    slug: str,
    name: str,
    actor: str,
    now: datetime,  # noqa: ARG001  (every workflow step takes the time; revoking keeps none)
) -> Publication:
    """Take a user off the pre-release access list: they may no longer read it before its
    release."""
    pub = find(session, slug)
    held = next((a for a in pub.access if a.user_name == name), None)
    if held is None:
        on = ", ".join(a.user_name for a in pub.access) or "nobody"
        raise PublishError(
            f"{name!r} has no pre-release access to {slug}", hint=f"access is held by: {on}"
        )
    pub.access.remove(held)
    session.delete(held)
    session.flush()
    log_step(session, actor, "revoke pre-release access", pub, user=name)
    return pub


@dataclass(frozen=True)
class Released:
    slug: str
    at: datetime
    #: the publication made now, None for one already there
    new: Publication | None


def publish_assessments(
    session: Session, wh: Warehouse, actor: str, now: datetime
) -> list[Released]:
    """Take every graded assessment with a publication date through the whole workflow, at
    00:01 UK time on that date (a past date releases it at once), and the national overview
    of each of their years after them. Publications that already exist are left as they are.
    The caller writes the new ones' outputs once this has committed. (The demo uses this.)"""
    from openpeel.clock import UK

    out: list[Released] = []
    years: dict[int, datetime] = {}
    for a in session.scalars(select(Assessment).order_by(Assessment.id)):
        if a.published_on is None or not any(j.confirmed_grade for j in a.judgements):
            continue
        at = datetime(
            a.published_on.year, a.published_on.month, a.published_on.day, 0, 1, tzinfo=UK
        )
        year = load_framework().edition(a.edition_id).peel_years[0]
        years[year] = max(years.get(year, at), at)
        existing = session.scalars(
            select(Publication).where(
                Publication.assessment_id == a.id, Publication.kind == "force"
            )
        ).first()
        if existing is not None:
            out.append(Released(existing.slug, at, None))
            continue
        pub = draft(session, wh, a.force_code, a.edition_id, actor, now)
        send_for_check(session, pub.slug, actor, now)
        schedule(session, pub.slug, at, actor, now, release_now=True)
        out.append(Released(pub.slug, at, pub))
    for year, at in sorted(years.items()):
        slug = f"national-{year}"
        if session.scalars(select(Publication).where(Publication.slug == slug)).first():
            out.append(Released(slug, at, None))
            continue
        pub = draft_national(session, wh, year, actor, now)
        schedule(session, pub.slug, at, actor, now, release_now=True)
        out.append(Released(slug, at, pub))
    return out
