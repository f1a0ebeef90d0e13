"""Users of the assessment store and their roles.

A user is a force user (one force: checks its drafts, reports progress on recommendations),
an inspector (records findings, confirms grades, schedules publication) or an admin (manages
users). The public needs no account. Passwords are kept only as argon2 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess import audit
from openpeel.assess.models import ROLES, ApiToken, User
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.reference import forces

#: the roles an account can have (the public needs none)
ACCOUNT_ROLES = tuple(r for r in ROLES if r != "public")
MIN_PASSWORD = 12

_hasher = PasswordHasher()


class UserError(OpenPeelError):
    pass


def add_user(
    session: Session,
    name: str,
    role: str,
    password: str,
    actor: str,
    force: str | None = None,
) -> User:
    """A new account. A force user needs ``force``; other roles must not have one."""
    name = name.strip()
    if not name:
        raise UserError("a user needs a name", hint="pass a name such as 'a.inspector'")
    if role not in ACCOUNT_ROLES:
        raise UnknownCodeError(
            "role",
            role,
            ACCOUNT_ROLES,
            hint="the public needs no account; one of: " + ", ".join(ACCOUNT_ROLES),
        )
    force_code: str | None = None
    if role == "force":
        if not force:
            raise UserError(
                f"a force user needs a force: {name!r} has none", hint="pass --force NAME"
            )
        force_code = forces().resolve(force).code
    elif force:
        raise UserError(
            f"only a force user belongs to one force; {name!r} is {role}",
            hint="leave out --force, or use --role force",
        )
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"the password for {name!r} is shorter than {MIN_PASSWORD} characters",
            hint=f"choose a password of at least {MIN_PASSWORD} characters",
        )
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise UserError(f"there is already a user called {name!r}", hint="choose another name")
    user = User(
        name=name,
        role=role,
        force_code=force_code,
        password_hash=_hasher.hash(password),
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "add", "user", user.id, {"name": name, "role": role, "force": force_code}
    )
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if the password is theirs, else None (the same for an unknown name)."""
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None or not user.password_hash:
        _hasher.hash(password)  # spend the same time whether or not the name exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def issue_token(session: Session, name: str, label: str, actor: str) -> str:
    """A new API token for a user, shown once: only its SHA-256 digest is stored."""
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise UserError(f"no user {name!r}", hint="add the account first: `openpeel users add`")
    token = "opl_" + secrets.token_urlsafe(32)
    row = ApiToken(
        user_name=name,
        label=label,
        token_sha256=_digest(token),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "issue api token", "user", user.id, {"label": label})
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The user a live token stands for, else None."""
    row = session.scalars(
        select(ApiToken).where(
            ApiToken.token_sha256 == _digest(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    return session.scalars(select(User).where(User.name == row.user_name)).first()


def revoke_tokens(session: Session, name: str, actor: str) -> int:
    """Revoke every live token of a user; how many there were."""
    rows = list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_name == name, ApiToken.revoked_at.is_(None))
        )
    )
    for row in rows:
        row.revoked_at = datetime.now(UTC)
    if rows:
        audit.record(
            session, actor, "revoke api tokens", "user", None, {"user": name, "count": len(rows)}
        )
    return len(rows)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))
