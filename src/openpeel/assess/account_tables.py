"""The store's account tables: users, their web sessions and their API tokens.

What an account's role allows is decided in ``openpeel.access``; creating, disabling and
re-roling accounts is ``openpeel.assess.users``; signing in is ``openpeel.assess.sessions``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from openpeel.access import ROLES
from openpeel.assess.table_base import Base

__all__ = ["ROLES", "ApiToken", "User", "WebSession"]


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    #: a force user's one force (ONS code); null for other roles
    force_code: Mapped[str | None] = mapped_column(String(9))
    #: argon2 hash of the password (``openpeel.assess.users``); the password is never stored
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: set while the account may not sign in (``openpeel users disable``); null when enabled
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """One sign-in to the web app. The cookie carries a random id; only its SHA-256 is kept.
    A session signs its user in until it expires or ends (sign-out, account disabled,
    password changed), whatever cookie is sent after."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: why it ended: "signed out", "disabled", "password changed"
    ended_why: Mapped[str | None] = mapped_column(String(40))


class ApiToken(Base):
    """A token a script sends as ``Authorization: Bearer ...``; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
