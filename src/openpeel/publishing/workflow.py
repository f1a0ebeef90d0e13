"""The publication workflow: draft -> factual accuracy check -> embargoed -> published.

``draft`` builds and freezes the contexts of a force's reports (or of a national overview),
with the audit log's head at that time; ``send_for_check`` lets the force see its draft;
``schedule`` embargoes it until a UK time with a pre-release access list; from that time on it
is public (``openpeel.access``). Until then a release can be postponed or withdrawn
and pre-release access revoked. A published publication is frozen: a change to its findings or
grades is published as a correction (``openpeel.publishing.corrections``), which takes the same
steps. Every step is in the audit log. Reading a publication, and the log of reads before
its publication, is ``openpeel.publishing.reading``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import PUBLISHED
from openpeel.assess import audit
from openpeel.assess.models import (
    Assessment,
    Correction,
    Publication,
    PublicationAccess,
    User,
)
from openpeel.assess.service import get_assessment
from openpeel.clock import uk
from openpeel.errors import OpenPeelError
from openpeel.framework.model import load_framework
from openpeel.publishing import renditions
from openpeel.publishing.annex import quality_register
from openpeel.publishing.context import force_contexts
from openpeel.publishing.national import national_context
from openpeel.publishing.outputs import publication_of
from openpeel.publishing.render import context_hash
from openpeel.publishing.versions import (
    Version,
    included_grades,
    label,
    open_version,
    scheduled_version,
    versions,
)
from openpeel.warehouse.db import Warehouse


class PublishError(OpenPeelError):
    pass


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def find(session: Session, slug: str) -> Publication:
    pub = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    if pub is None:
        known = list(session.scalars(select(Publication.slug).order_by(Publication.slug)))
        raise PublishError(
            f"no publication {slug!r}",
            hint=f"known: {', '.join(known)}"
            if known
            else "create one with `openpeel publish draft`",
        )
    return pub


def log_step(session: Session, actor: str, action: str, version: Version, **detail: Any) -> None:
    """The audit entry of a step: on the publication, or on the correction."""
    pub = publication_of(version)
    if isinstance(version, Correction):
        extra = {"publication": pub.id, "number": version.number}
        audit.record(
            session,
            actor,
            action,
            "correction",
            version.id,
            {"slug": pub.slug, **extra, **detail},
            reason=detail.get("reason"),
        )
    else:
        audit.record(
            session,
            actor,
            action,
            "publication",
            pub.id,
            {"slug": pub.slug, **detail},
            reason=detail.get("reason"),
        )


def anchor(session: Session, contexts: dict[str, Any]) -> None:
    """Put the audit log's head into every context, so that each output carries it (a copy of
    a published JSON or PDF is an anchor kept outside the store)."""
    session.flush()
    seq, hash_ = audit.head(session)
    for context in contexts.values():
        context["audit"] = {"seq": seq, "hash": hash_}


def freeze(version: Version, contexts: dict[str, Any], now: datetime) -> None:
    version.context = contexts
    version.context_sha256 = context_hash(contexts)
    version.built_at = now


def stamp_embargo(version: Version, at: datetime | None) -> dict[str, str]:
    """Freeze both renditions of a force's press release when its release is scheduled (or
    moved; None when withdrawn): the press one with the embargo line, the public one without
    (``renditions``). Returns their hashes, for the audit log."""
    contexts = renditions.stamp(version.context, at)
    version.context = contexts
    version.context_sha256 = context_hash(contexts)
    return renditions.hashes(contexts)


def _refuse_frozen(pub: Publication, now: datetime) -> None:
    current = access.state(pub, now)
    if current == PUBLISHED:
        raise PublishError(
            f"{pub.slug} is published; its outputs are frozen",
            hint=f"to change what it says, draft a correction: `openpeel publish correct "
            f"{pub.slug} --why TEXT`",
        )
    if current == "embargoed":
        raise PublishError(
            f"{pub.slug} is embargoed until {uk(pub.embargo_until or now)} "
            "(its frozen outputs cannot be rebuilt with new content)",
            hint=f"withdraw its release first (`openpeel publish withdraw {pub.slug} --why "
            "TEXT`), or render it again from its frozen context (`openpeel publish rebuild`)",
        )


def _slug_of(wh: Warehouse, assessment: Assessment) -> str:
    name = wh.scalar(
        "SELECT short_name FROM ref_force WHERE force_code = ?", [assessment.force_code]
    )
    return f"{_slug(str(name or assessment.force_code))}-{_slug(assessment.edition_id)}"


def draft(
    session: Session,
    wh: Warehouse,
    force: str,
    edition: str,
    actor: str,
    now: datetime,
    register: list[dict[str, Any]] | None = None,
    *,
    retrospective: bool = False,
) -> Publication:
    """Build (or rebuild, while still a draft or in check) a force's reports and freeze them,
    as of the assessment's publication date. ``register``: the data-quality register, when
    drafting many (computed here otherwise). A ``retrospective`` edition is a publication of
    its own (SLUG-retrospective): the same judgement, with later figures set beside it."""
    assessment = get_assessment(session, force, edition)
    if not any(j.confirmed_grade for j in assessment.judgements):
        raise PublishError(
            f"the PEEL {assessment.edition_id} assessment of {force} has no confirmed grade",
            hint="confirm its grades first: `openpeel assess confirm ...`",
        )
    slug = _slug_of(wh, assessment) + ("-retrospective" if retrospective else "")
    pub = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    if pub is not None:
        _refuse_frozen(pub, now)
    contexts = force_contexts(wh, session, assessment, now, register, retrospective=retrospective)
    anchor(session, contexts)
    if pub is None:
        pub = Publication(
            kind="retrospective" if retrospective else "force",
            slug=slug,
            assessment_id=assessment.id,
            force_code=assessment.force_code,
            edition_id=assessment.edition_id,
            state="draft",
            created_by=actor,
        )
        session.add(pub)
    freeze(pub, contexts, now)
    session.flush()
    log_step(session, actor, "draft", pub, context_sha256=pub.context_sha256, state=pub.state)
    return pub


def draft_edition(
    session: Session,
    wh: Warehouse,
    edition: str,
    actor: str,
    now: datetime,
    skipped: Callable[[str], None] | None = None,
) -> Iterator[Publication]:
    """Draft the reports of every force whose assessment in ``edition`` has a confirmed grade,
    one after another (so the caller can render each while the next is built). Reports already
    embargoed or published are left as they are, and ``skipped`` hears why."""
    edition_id = load_framework().edition(edition).id
    graded = [
        a
        for a in session.scalars(
            select(Assessment)
            .where(Assessment.edition_id == edition_id)
            .order_by(Assessment.force_code)
        )
        if any(j.confirmed_grade for j in a.judgements)
    ]
    if not graded:
        raise PublishError(
            f"no assessment of PEEL {edition_id} has a confirmed grade",
            hint="confirm grades first: `openpeel assess confirm ...`",
        )
    frozen = {
        p.assessment_id: p.slug
        for p in session.scalars(select(Publication).where(Publication.state == "embargoed"))
    }
    register = quality_register(wh)
    for a in graded:
        if a.id in frozen:
            if skipped is not None:
                skipped(f"{frozen[a.id]} is embargoed or published: left as it is")
            continue
        yield draft(session, wh, a.force_code, edition_id, actor, now, register)


def national_contexts(session: Session, wh: Warehouse, year: int, now: datetime) -> dict[str, Any]:
    """The national overview of a PEEL year, with the grades of every force report already
    scheduled or published, as the scheduled version of each shows them (so nothing embargoed
    elsewhere is released early, and no unpublished change is released at all)."""
    edition = load_framework().edition(year)
    included = [
        p
        for p in session.scalars(
            select(Publication)
            .where(Publication.kind == "force", Publication.edition_id == edition.id)
            .order_by(Publication.slug)
        )
        if scheduled_version(p) is not None
    ]
    overview = national_context(wh, year, included_grades(included), now)
    overview["includes"] = [p.slug for p in included]
    overview["include_versions"] = {
        p.slug: version.number for p in included if (version := scheduled_version(p))
    }
    return {"overview": overview}


def draft_national(
    session: Session, wh: Warehouse, year: int, actor: str, now: datetime
) -> Publication:
    """Draft (or redraft) the national overview of a PEEL year (``national_contexts``)."""
    edition = load_framework().edition(year)
    slug = f"national-{year}"
    pub = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    if pub is not None:
        _refuse_frozen(pub, now)
    contexts = national_contexts(session, wh, year, now)
    anchor(session, contexts)
    if pub is None:
        pub = Publication(
            kind="national", slug=slug, edition_id=edition.id, state="draft", created_by=actor
        )
        session.add(pub)
    freeze(pub, contexts, now)
    session.flush()
    log_step(session, actor, "draft", pub, context_sha256=pub.context_sha256, state=pub.state)
    return pub


def in_progress(session: Session, slug: str, now: datetime) -> Version:
    pub = find(session, slug)
    version = open_version(pub, now)
    if version is None:
        raise PublishError(
            f"{slug} is published and has no correction on its way",
            hint=f"to change it, draft a correction: `openpeel publish correct {slug} --why TEXT`",
        )
    return version


def send_for_check(session: Session, slug: str, actor: str, now: datetime | None = None) -> Version:
    """The force's draft (or a correction's draft) goes to factual accuracy check."""
    version = in_progress(session, slug, now or _clock())
    pub = publication_of(version)
    if pub.kind != "force" or version.state != "draft":
        raise PublishError(
            f"only a force's draft goes to factual accuracy check; {slug} ({label(version)}) "
            f"is a {pub.kind} publication in state {version.state}"
        )
    version.state = "fact_check"
    log_step(session, actor, "send for factual accuracy check", version)
    return version


def _clock() -> datetime:
    from openpeel.clock import now

    return now()


def _check_release_time(at: datetime, now: datetime, release_now: bool) -> None:
    if at <= now and not release_now:
        raise PublishError(
            f"the release time {uk(at)} is not in the future (it is {uk(now)} now): the "
            "publication would be public at once",
            hint="give a later time, or confirm that it is to be released now (--now)",
        )


def schedule(
    session: Session,
    slug: str,
    at: datetime,
    actor: str,
    now: datetime,
    access: list[str] | None = None,
    *,
    release_now: bool = False,
) -> Version:
    """Embargo until ``at`` (UTC-aware), with a pre-release access list of user names. A time
    at or before ``now`` releases it at once, and is refused unless ``release_now`` says so."""
    from openpeel.publishing.corrections import stamp

    version = in_progress(session, slug, now)
    pub = publication_of(version)
    allowed_from = ("fact_check",) if pub.kind == "force" else ("draft",)
    if version.state not in allowed_from:
        raise PublishError(
            f"{slug} ({label(version)}) is {version.state}; it can be scheduled only from "
            f"{' or '.join(allowed_from)}",
            hint="a force's draft goes to factual accuracy check first: `openpeel publish check`"
            if pub.kind == "force" and version.state == "draft"
            else None,
        )
    _check_release_time(at, now, release_now)
    if pub.kind == "national":
        check_national_after_forces(session, version, at)
    for name in access or []:  # every name checked before anything changes
        _known_user(session, name)
    version.state = "embargoed"
    version.embargo_until = at
    for name in access or []:
        _grant(session, pub, name, actor, now)
    detail: dict[str, Any] = {"embargo_until": at.isoformat(), "access": access or []}
    if isinstance(version, Correction):
        stamp(version, at)
    detail["renditions_sha256"] = stamp_embargo(version, at)
    detail["context_sha256"] = version.context_sha256
    log_step(session, actor, "schedule", version, **detail)
    return version


def check_national_after_forces(session: Session, version: Version, at: datetime) -> None:
    overview = version.context.get("overview", {})
    numbers: dict[str, int] = overview.get("include_versions", {})
    for slug in overview.get("includes", []):
        included = find(session, slug)
        number = numbers.get(slug, 0)
        chosen = next((v for v in versions(included) if v.number == number), None)
        until = chosen.embargo_until if chosen is not None else None
        if until is not None and access.aware(until) > at:
            raise PublishError(
                f"{publication_of(version).slug} includes {slug}, which is embargoed until "
                f"{uk(until)}; the national overview cannot come out before it ({uk(at)})",
                hint="schedule the overview at or after the latest force publication it includes",
            )


def _known_user(session: Session, name: str) -> None:
    if session.scalars(select(User).where(User.name == name)).first() is None:
        raise PublishError(
            f"no user {name!r} to give pre-release access to",
            hint="add the account first: `openpeel users add`",
        )


def _grant(session: Session, pub: Publication, name: str, actor: str, now: datetime) -> None:
    _known_user(session, name)
    if any(a.user_name == name for a in pub.access):
        return
    pub.access.append(PublicationAccess(user_name=name, granted_by=actor, granted_at=now))


def grant(session: Session, slug: str, name: str, actor: str, now: datetime) -> Publication:
    pub = find(session, slug)
    _grant(session, pub, name, actor, now)
    session.flush()
    log_step(session, actor, "grant pre-release access", pub, user=name)
    return pub
