"""Users of the assessment store and their roles.

A user is a force user (one force: checks its drafts, reports progress on recommendations),
an inspector (records findings, confirms grades, schedules publication) or an admin (manages
users). The public needs no account. Passwords are kept only as argon2 hashes, and must pass
the minimum policy declared in ``password_policy.toml``. An admin may disable an account (it
cannot sign in and its sessions and API tokens stop working), enable it again, set its password
or change its role; each is in the audit log. Sign-in sessions are in ``openpeel.assess.sessions``.
"""

from __future__ import annotations

import hashlib
import secrets
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.access import ACCOUNT_ROLES
from openpeel.assess import audit
from openpeel.assess.account_tables import ApiToken, User
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.reference import forces

#: the roles an account can have (the public needs none)
POLICY_FILE = "password_policy.toml"

_hasher = PasswordHasher()


class UserError(OpenPeelError):
    pass


class AccountDisabled(UserError):
    """The password is right but the account is disabled."""


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int
    common: frozenset[str]


@cache
def password_policy() -> PasswordPolicy:
    """The minimum password policy, as ``password_policy.toml`` declares it."""
    data = tomllib.loads((resources.files("openpeel.assess") / POLICY_FILE).read_text())
    return PasswordPolicy(
        int(data["min_length"]), frozenset(str(p).strip().casefold() for p in data["common"])
    )


MIN_PASSWORD = password_policy().min_length


def check_password(name: str, password: str) -> None:
    """Refuse a password the policy does not allow, saying why."""
    policy = password_policy()
    hint = (
        f"choose at least {policy.min_length} characters that are not a common password, "
        "e.g. three or four unrelated words"
    )
    if len(password) < policy.min_length:
        raise UserError(
            f"the password for {name!r} is shorter than {policy.min_length} characters "
            f"(it has {len(password)})",
            hint=hint,
        )
    folded = password.strip().casefold()
    if folded == name.strip().casefold():
        raise UserError(f"the password for {name!r} is the account's own name", hint=hint)
    if len(set(folded)) == 1:
        raise UserError(f"the password for {name!r} is one character repeated", hint=hint)
    if folded in policy.common:
        raise UserError(
            f"the password for {name!r} is a common password (in OpenPEEL's {POLICY_FILE}), "
            "among the first anyone guessing would try",
            hint=hint,
        )


def hash_password(password: str) -> str:
    """The argon2 hash of a password (64 MiB of memory while it runs)."""
    return _hasher.hash(password)


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
    force_code = _role_force(name, role, force)
    check_password(name, password)
    if session.scalars(select(User).where(User.name == name)).first() is not None:
        raise UserError(f"there is already a user called {name!r}", hint="choose another name")
    user = User(
        name=name,
        role=role,
        force_code=force_code,
        password_hash=hash_password(password),
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "add", "user", user.id, {"name": name, "role": role, "force": force_code}
    )
    return user


def _role_force(name: str, role: str, force: str | None) -> str | None:
    """The force code an account of ``role`` has: a force user's one force, else none."""
    if role not in ACCOUNT_ROLES:
        raise UnknownCodeError(
            "role",
            role,
            ACCOUNT_ROLES,
            hint="the public needs no account; one of: " + ", ".join(ACCOUNT_ROLES),
        )
    if role == "force":
        if not force:
            raise UserError(
                f"a force user needs a force: {name!r} has none", hint="pass --force NAME"
            )
        return forces().resolve(force).code
    if force:
        raise UserError(
            f"only a force user belongs to one force; {name!r} is {role}",
            hint="leave out --force, or use --role force",
        )
    return None


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if the password is theirs, else None (the same for an unknown name). A right
    password of a disabled account raises ``AccountDisabled``."""
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None or not user.password_hash:
        _hasher.hash(password)  # spend the same time whether or not the name exists
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if user.disabled_at is not None:
        raise AccountDisabled(
            f"the account {name!r} is disabled", hint="ask an admin to enable it again"
        )
    return user


def find_user(session: Session, name: str) -> User:
    """The account called ``name``, or an error that says how to list them."""
    user = session.scalars(select(User).where(User.name == name.strip())).first()
    if user is None:
        raise UserError(f"no user {name!r}", hint="list the accounts: `openpeel users list`")
    return user


def _enabled_admins(session: Session) -> list[User]:
    return list(
        session.scalars(select(User).where(User.role == "admin", User.disabled_at.is_(None)))
    )


def _keep_an_admin(session: Session, user: User, change: str) -> None:
    """Refuse to leave no enabled admin (nobody could then manage the accounts on the web)."""
    if user.role == "admin" and [u.name for u in _enabled_admins(session)] == [user.name]:
        raise UserError(
            f"{user.name!r} is the only admin who can sign in; {change} would leave none",
            hint="make another account an admin first: `openpeel users role NAME --role admin`",
        )


def disable_user(session: Session, name: str, actor: str) -> User:
    """Stop an account signing in: its sessions end at once and its API tokens stop working
    (they work again if it is enabled; revoke them with `openpeel users revoke-tokens`)."""
    from openpeel.assess.sessions import end_sessions

    user = find_user(session, name)
    if user.disabled_at is not None:
        return user
    _keep_an_admin(session, user, "disabling it")
    user.disabled_at = datetime.now(UTC)
    ended = end_sessions(session, user.name, "disabled")
    audit.record(
        session,
        actor,
        "disable",
        "user",
        user.id,
        {"name": user.name, "at": user.disabled_at.isoformat(), "sessions_ended": ended},
    )
    return user


def enable_user(session: Session, name: str, actor: str) -> User:
    """Let a disabled account sign in again."""
    user = find_user(session, name)
    if user.disabled_at is None:
        return user
    user.disabled_at = None
    audit.record(session, actor, "enable", "user", user.id, {"name": user.name})
    return user


def set_password(session: Session, name: str, password: str, actor: str) -> User:
    """A new password for an account (checked against the policy); its sessions end."""
    from openpeel.assess.sessions import end_sessions

    user = find_user(session, name)
    check_password(user.name, password)
    user.password_hash = hash_password(password)
    ended = end_sessions(session, user.name, "password changed")
    audit.record(
        session,
        actor,
        "change password",
        "user",
        user.id,
        {"name": user.name, "sessions_ended": ended},
    )
    return user


def set_role(session: Session, name: str, role: str, actor: str, force: str | None = None) -> User:
    """A new role for an account (a force user with its force). It applies to the account's
    next request: every request reads the role from the store."""
    user = find_user(session, name)
    force_code = _role_force(user.name, role, force)
    if role != "admin":
        _keep_an_admin(session, user, f"making it {role}")
    before = {"role": user.role, "force": user.force_code}
    after = {"role": role, "force": force_code}
    if before == after:
        return user
    user.role, user.force_code = role, force_code
    audit.record(session, actor, "change role", "user", user.id, {"from": before, "to": after})
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
    user = session.scalars(select(User).where(User.name == row.user_name)).first()
    return user if user is not None and user.disabled_at is None else None


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
