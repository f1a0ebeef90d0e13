"""Sign-in sessions of the web app, kept on the server.

A sign-in makes a random session id; the browser's (signed) cookie carries it, and the store
keeps only its SHA-256 with the user, when it expires and whether it has ended. Every request
that comes with a session id looks it up: a session that has ended (signed out, account
disabled, password changed) or expired signs nobody in, whatever cookie is sent. Expired and
ended rows are deleted at the next sign-in, so the table holds about one row per live session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from openpeel.assess.account_tables import User, WebSession

#: how long a session lasts without signing in again
SESSION_HOURS = 8


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def start_session(session: Session, user: User, hours: int = SESSION_HOURS) -> str:
    """A new session for ``user``; the id returned goes into the cookie (and nowhere else)."""
    now = _now()
    session.execute(
        delete(WebSession).where(or_(WebSession.expires_at < now, WebSession.ended_at.is_not(None)))
    )
    session_id = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_sha256=_digest(session_id),
            user_name=user.name,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    session.flush()
    return session_id


def session_user(session: Session, session_id: str) -> User | None:
    """The user a live session signs in, else None (ended, expired, unknown, or the account
    is disabled or gone)."""
    row = session.scalars(
        select(WebSession).where(WebSession.id_sha256 == _digest(session_id))
    ).first()
    if row is None or row.ended_at is not None or _aware(row.expires_at) <= _now():
        return None
    user = session.scalars(select(User).where(User.name == row.user_name)).first()
    return user if user is not None and user.disabled_at is None else None


def end_session(session: Session, session_id: str, why: str = "signed out") -> None:
    """End one session (sign-out)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id_sha256 == _digest(session_id), WebSession.ended_at.is_(None))
        .values(ended_at=_now(), ended_why=why)
    )


def end_sessions(session: Session, user_name: str, why: str) -> int:
    """End every live session of a user; how many there were."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_name == user_name, WebSession.ended_at.is_(None))
        .values(ended_at=_now(), ended_why=why)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def live_sessions(session: Session) -> dict[str, int]:
    """How many live sessions each user has."""
    counts: dict[str, int] = {}
    now = _now()
    for row in session.scalars(select(WebSession).where(WebSession.ended_at.is_(None))):
        if _aware(row.expires_at) > now:
            counts[row.user_name] = counts.get(row.user_name, 0) + 1
    return counts
