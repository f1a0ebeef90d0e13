"""Reading a publication: the version a reader may read, rendered; every read of a version
before its publication is in the access log, and the public's refused reads are only counted,
in memory (``refused_public_reads``). Who may read what is ``openpeel.access``."""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import PUBLISHED, Viewer, viewer_of
from openpeel.assess.models import AccessLogEntry, Publication, User
from openpeel.clock import uk
from openpeel.publishing import renditions
from openpeel.publishing.outputs import OUTPUTS
from openpeel.publishing.render import FORMATS, render
from openpeel.publishing.versions import Version, label, readable_version, versions
from openpeel.publishing.workflow import PublishError, find


class EmbargoError(PublishError):
    """A read that the embargo or the force scope does not allow."""


def viewer(session: Session, name: str | None) -> Viewer:
    """The viewer a user name stands for (the public for None or an unknown name)."""
    if name is None:
        return access.PUBLIC
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        return Viewer(name=name)
    return viewer_of(user)


class Counter:
    """A count kept in memory by the server, safe across its threads."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


#: reads of an unpublished version refused to the public since the process started
refused_public_reads = Counter()


def read(
    session: Session,
    slug: str,
    output: str,
    fmt: str,
    who: Viewer,
    now: datetime,
    version: int | None = None,
    rendition: str | None = None,
) -> bytes:
    """One output of a publication for one reader: the newest version they may read (or
    version ``version``; for a press release, the ``rendition`` or the one for the reader and
    time); every read of a version before its publication is logged."""
    return read_version(session, slug, output, fmt, who, now, version, rendition)[0]


def read_version(
    session: Session,
    slug: str,
    output: str,
    fmt: str,
    who: Viewer,
    now: datetime,
    version: int | None = None,
    rendition: str | None = None,
) -> tuple[bytes, Version]:
    """``read``, with the version that was read."""
    pub = find(session, slug)
    outputs = OUTPUTS[pub.kind]
    if output not in outputs:
        raise PublishError(f"{slug} has no output {output!r}", hint=f"one of: {', '.join(outputs)}")
    if fmt not in FORMATS:
        raise PublishError(f"unknown format {fmt!r}", hint=f"one of: {', '.join(FORMATS)}")
    chosen = readable_version(pub, who, now, version)
    asked = chosen or _asked(pub, version)
    current = access.state(asked, now)
    if chosen is None and who.name is None:
        # the public's refused reads are counted in memory, not logged: a flood of them must
        # not write to the store (and a refusal is the same as for a report that does not exist)
        refused_public_reads.add()
    elif current != PUBLISHED:
        suffix = f" ({label(asked)})" if asked.number else ""
        session.add(
            AccessLogEntry(
                publication_id=pub.id,
                user_name=who.name or "(public)",
                at=now,
                state=current,
                output=f"{output}.{fmt}{suffix}",
                allowed=chosen is not None,
            )
        )
        session.flush()
    if chosen is None:
        until = f" until {uk(asked.embargo_until)}" if asked.embargo_until else ""
        raise EmbargoError(
            f"{slug} is {current.replace('_', ' ')}{until}; "
            f"{who.name or 'the public'} may not read it yet",
            hint="ask an inspector for pre-release access" if current == "embargoed" else None,
        )
    try:
        context = renditions.choose(chosen.context, outputs[output], rendition, current, who)
    except renditions.RenditionError as e:
        raise PublishError(e.message, hint=e.hint) from e
    return render(context, fmt), chosen


def _asked(pub: Publication, number: int | None) -> Version:
    """The version a refused read asked for (the original when none was named)."""
    for v in versions(pub):
        if v.number == (number or 0):
            return v
    raise PublishError(
        f"{pub.slug} has no version {number}",
        hint=f"versions: 0 (the original) to {len(pub.corrections)}",
    )
