"""The publication workflow: draft -> factual accuracy check -> embargoed -> published.

``draft`` builds and freezes the contexts of a force's reports (or of a national overview);
``send_for_check`` lets the force see its draft; ``schedule`` embargoes it until a UK time with
a pre-release access list; from that time on it is public (``openpeel.publishing.embargo``).
Every step is in the audit log; every read before publication is in the access log.
"""

from __future__ import annotations

import multiprocessing
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess import audit
from openpeel.assess.models import AccessLogEntry, Assessment, Publication, PublicationAccess, User
from openpeel.assess.service import get_assessment
from openpeel.clock import uk
from openpeel.errors import OpenPeelError
from openpeel.framework.model import load_framework
from openpeel.publishing import embargo
from openpeel.publishing.context import force_contexts, quality_register
from openpeel.publishing.embargo import PUBLISHED, Viewer
from openpeel.publishing.national import national_context
from openpeel.publishing.render import FORMATS, context_hash, render
from openpeel.warehouse.db import Warehouse

#: the outputs of each kind of publication: name -> key of its context
OUTPUTS = {
    "force": {"report": "report", "summary": "summary", "press-release": "press_release"},
    "national": {"overview": "overview"},
}
PUBLICATIONS_DIR = "publications"


class PublishError(OpenPeelError):
    pass


class EmbargoError(PublishError):
    """A read that the embargo or the force scope does not allow."""


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


def _log(session: Session, actor: str, action: str, pub: Publication, **detail: Any) -> None:
    audit.record(session, actor, action, "publication", pub.id, {"slug": pub.slug, **detail})


def _freeze(pub: Publication, contexts: dict[str, Any], now: datetime) -> None:
    pub.context = contexts
    pub.context_sha256 = context_hash(contexts)
    pub.built_at = now


def draft(
    session: Session,
    wh: Warehouse,
    force: str,
    edition: str,
    actor: str,
    now: datetime,
    register: list[dict[str, Any]] | None = None,
) -> Publication:
    """Build (or rebuild, while still a draft or in check) a force's reports and freeze them.
    ``register``: the data-quality register, when drafting many (computed here otherwise)."""
    assessment = get_assessment(session, force, edition)
    if not any(j.confirmed_grade for j in assessment.judgements):
        raise PublishError(
            f"the PEEL {assessment.edition_id} assessment of {force} has no confirmed grade",
            hint="confirm its grades first: `openpeel assess confirm ...`",
        )
    name = wh.scalar(
        "SELECT short_name FROM ref_force WHERE force_code = ?", [assessment.force_code]
    )
    slug = f"{_slug(str(name or assessment.force_code))}-{_slug(assessment.edition_id)}"
    pub = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    _editable(pub)
    contexts = force_contexts(wh, session, assessment, now, register)
    if pub is None:
        pub = Publication(
            kind="force",
            slug=slug,
            assessment_id=assessment.id,
            force_code=assessment.force_code,
            edition_id=assessment.edition_id,
            state="draft",
            created_by=actor,
        )
        session.add(pub)
    _freeze(pub, contexts, now)
    session.flush()
    _log(session, actor, "draft", pub, context_sha256=pub.context_sha256)
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


def draft_national(
    session: Session, wh: Warehouse, year: int, actor: str, now: datetime
) -> Publication:
    """The national overview of a PEEL year, with the store's grades of every force report
    already scheduled or published (so nothing embargoed elsewhere is released early)."""
    edition = load_framework().edition(year)
    slug = f"national-{year}"
    pub = session.scalars(select(Publication).where(Publication.slug == slug)).first()
    _editable(pub)
    included = _scheduled_assessments(session, edition.id)
    contexts = {"overview": national_context(wh, session, year, list(included), now)}
    contexts["overview"]["includes"] = sorted(included.values())
    if pub is None:
        pub = Publication(
            kind="national", slug=slug, edition_id=edition.id, state="draft", created_by=actor
        )
        session.add(pub)
    _freeze(pub, contexts, now)
    session.flush()
    _log(session, actor, "draft", pub, context_sha256=pub.context_sha256)
    return pub


def _scheduled_assessments(session: Session, edition_id: str) -> dict[int, str]:
    pubs = session.scalars(
        select(Publication).where(
            Publication.kind == "force",
            Publication.edition_id == edition_id,
            Publication.state == "embargoed",
        )
    )
    return {int(p.assessment_id): p.slug for p in pubs if p.assessment_id is not None}


def _editable(pub: Publication | None) -> None:
    if pub is not None and pub.state == "embargoed":
        raise PublishError(
            f"{pub.slug} is embargoed; its frozen outputs cannot be rebuilt with new content",
            hint="`openpeel publish rebuild` renders it again from its frozen context",
        )


def send_for_check(session: Session, slug: str, actor: str) -> Publication:
    pub = find(session, slug)
    if pub.kind != "force" or pub.state != "draft":
        raise PublishError(
            f"only a force's draft goes to factual accuracy check; {slug} is a {pub.kind} "
            f"publication in state {pub.state}"
        )
    pub.state = "fact_check"
    _log(session, actor, "send for factual accuracy check", pub)
    return pub


def schedule(
    session: Session,
    slug: str,
    at: datetime,
    actor: str,
    now: datetime,
    access: list[str] | None = None,
) -> Publication:
    """Embargo until ``at`` (UTC-aware), with a pre-release access list of user names."""
    pub = find(session, slug)
    allowed_from = ("fact_check",) if pub.kind == "force" else ("draft",)
    if pub.state not in allowed_from:
        raise PublishError(
            f"{slug} is {pub.state}; it can be scheduled only from {' or '.join(allowed_from)}",
            hint="a force's draft goes to factual accuracy check first: `openpeel publish check`"
            if pub.kind == "force" and pub.state == "draft"
            else None,
        )
    if pub.kind == "national":
        _check_national_after_forces(session, pub, at)
    for name in access or []:  # every name checked before anything changes
        _known_user(session, name)
    pub.state = "embargoed"
    pub.embargo_until = at
    for name in access or []:
        _grant(session, pub, name, actor, now)
    _log(session, actor, "schedule", pub, embargo_until=at.isoformat(), access=access or [])
    return pub


def _check_national_after_forces(session: Session, pub: Publication, at: datetime) -> None:
    included = pub.context.get("overview", {}).get("includes", [])
    for slug in included:
        force_pub = find(session, slug)
        until = force_pub.embargo_until
        if until is not None and embargo.aware(until) > at:
            raise PublishError(
                f"{pub.slug} includes {slug}, which is embargoed until {uk(until)}; the national "
                f"overview cannot come out before it ({uk(at)})",
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
    _log(session, actor, "grant pre-release access", pub, user=name)
    return pub


def viewer(session: Session, name: str | None) -> Viewer:
    """The viewer a user name stands for (the public for None or an unknown name)."""
    if name is None:
        return embargo.PUBLIC
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        return Viewer(name=name)
    return Viewer(name=user.name, role=user.role, force_code=user.force_code)


def read(session: Session, slug: str, output: str, fmt: str, who: Viewer, now: datetime) -> bytes:
    """One output of a publication for one reader; every read before publication is logged."""
    pub = find(session, slug)
    outputs = OUTPUTS[pub.kind]
    if output not in outputs:
        raise PublishError(f"{slug} has no output {output!r}", hint=f"one of: {', '.join(outputs)}")
    if fmt not in FORMATS:
        raise PublishError(f"unknown format {fmt!r}", hint=f"one of: {', '.join(FORMATS)}")
    current = embargo.state(pub, now)
    allowed = embargo.may_read(pub, who, now)
    if current != PUBLISHED:
        session.add(
            AccessLogEntry(
                publication_id=pub.id,
                user_name=who.name or "(public)",
                at=now,
                state=current,
                output=f"{output}.{fmt}",
                allowed=allowed,
            )
        )
        session.flush()
    if not allowed:
        until = f" until {uk(pub.embargo_until)}" if pub.embargo_until else ""
        raise EmbargoError(
            f"{slug} is {current.replace('_', ' ')}{until}; "
            f"{who.name or 'the public'} may not read it yet",
            hint="ask an inspector for pre-release access" if current == "embargoed" else None,
        )
    return render(pub.context[outputs[output]], fmt)


def public(session: Session, now: datetime) -> list[Publication]:
    """The publications the public can read at ``now``."""
    pubs = session.scalars(select(Publication).order_by(Publication.slug))
    return [p for p in pubs if embargo.state(p, now) == PUBLISHED]


@dataclass(frozen=True)
class Written:
    slug: str
    files: list[Path]


def _write_output(context: dict[str, Any], output: str, folder: Path) -> list[Path]:
    """One output (report, summary, ...) in every format; each file replaced whole."""
    files = []
    for fmt in FORMATS:
        path = folder / f"{output}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(render(context, fmt))
        tmp.replace(path)
        files.append(path)
    return files


def _outputs(pub: Publication, folder: Path) -> list[tuple[dict[str, Any], str, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    return [(pub.context[key], output, folder) for output, key in OUTPUTS[pub.kind].items()]


def write_outputs(pub: Publication, folder: Path) -> Written:
    """Every output of a publication in every format, rendered from its frozen context."""
    return Written(pub.slug, [p for o in _outputs(pub, folder) for p in _write_output(*o)])


def write_many(
    pubs: Iterable[tuple[Publication, Path]],
    jobs: int,
    done: Callable[[Written], None] | None = None,
) -> list[Written]:
    """The outputs of many publications, rendered by ``jobs`` worker processes while ``pubs``
    (which may be building the next publication) goes on; ``done`` hears of each finished one.
    With ``jobs`` 1 everything is rendered here, in order."""
    written: list[Written] = []

    def finish(w: Written) -> None:
        written.append(w)
        if done is not None:
            done(w)

    if jobs <= 1:
        for pub, folder in pubs:
            finish(write_outputs(pub, folder))
        return written
    # spawn, not fork: the parent holds DuckDB's and SQLAlchemy's threads and connections
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: list[tuple[str, list[Future[list[Path]]]]] = []

        def collect(wait: bool) -> None:  # finished publications, in the order they came
            while pending and (wait or all(f.done() for f in pending[0][1])):
                slug, futures = pending.pop(0)
                finish(Written(slug, [p for f in futures for p in f.result()]))

        for pub, folder in pubs:
            pending.append(
                (pub.slug, [pool.submit(_write_output, *o) for o in _outputs(pub, folder)])
            )
            collect(wait=False)
        collect(wait=True)
    return written


def private_folder(home: Path, pub: Publication) -> Path:
    """Where a publication's outputs are written for staff (never served to the public)."""
    return home / PUBLICATIONS_DIR / pub.slug


def export_public(session: Session, out: Path, now: datetime) -> list[Written]:
    """Write what the public may read at ``now`` into ``out`` (replacing its contents)."""
    if out.exists():
        shutil.rmtree(out)
    return [write_outputs(p, out / p.slug) for p in public(session, now)]


@dataclass(frozen=True)
class Released:
    slug: str
    at: datetime
    new: bool


def publish_assessments(
    session: Session, wh: Warehouse, home: Path, actor: str, now: datetime
) -> list[Released]:
    """Take every graded assessment with a publication date through the whole workflow, at
    00:01 UK time on that date, and the national overview of each of their years after them.
    Publications that already exist are left as they are. (The demo uses this.)"""
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
            select(Publication).where(Publication.assessment_id == a.id)
        ).first()
        if existing is not None:
            out.append(Released(existing.slug, at, new=False))
            continue
        pub = draft(session, wh, a.force_code, a.edition_id, actor, now)
        send_for_check(session, pub.slug, actor)
        schedule(session, pub.slug, at, actor, now)
        write_outputs(pub, private_folder(home, pub))
        out.append(Released(pub.slug, at, new=True))
    for year, at in sorted(years.items()):
        slug = f"national-{year}"
        if session.scalars(select(Publication).where(Publication.slug == slug)).first():
            out.append(Released(slug, at, new=False))
            continue
        pub = draft_national(session, wh, year, actor, now)
        schedule(session, pub.slug, at, actor, now)
        write_outputs(pub, private_folder(home, pub))
        out.append(Released(slug, at, new=True))
    return out
