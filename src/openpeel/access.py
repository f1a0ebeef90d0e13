"""Who may read what, and who may do what: the one place the roles, the embargo and the force
scope are decided.

A publication is a draft, then in factual accuracy check (its force sees it), then embargoed
until a set time (only those on its pre-release access list, inspectors and admins see it),
then published: from its embargo time on, with no one acting, it is public. A correction of a
published publication goes through the same states (``openpeel.publishing.versions``). The
web app and every public output ask ``may_read``; nothing else decides. What a user may change is
``may_act``, from the table ``ACTIONS``: a force user acts only for their own force.

This module depends on nothing of OpenPEEL's but its errors: a publication is anything with the
fields of ``Restricted`` (the store's ``Publication`` and ``Correction`` have them), so the rules
are tested on their own (``tests/test_access.py``) and every layer above may ask them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from openpeel.errors import OpenPeelError

#: every role; "public" is everyone without an account (the store's ``users.role`` holds the rest)
ROLES = ("public", "force", "inspector", "admin")
#: the roles an account may have
ACCOUNT_ROLES = tuple(r for r in ROLES if r != "public")
#: roles that see every publication in every state
STAFF = ("inspector", "admin")
#: the state an embargoed version is in from its embargo time on (never stored)
PUBLISHED = "published"

#: what each role may do; a force user only for their own force
ACTIONS: dict[str, tuple[str, ...]] = {
    "edit_assessment": ("inspector",),  # findings, evidence, proposing and confirming grades
    # drafts, corrections, factual accuracy check, scheduling, postponing, withdrawing, access
    "publish": ("inspector",),
    "post_progress": ("force", "inspector"),  # progress on recommendations
    "accept_progress": ("inspector",),  # a force's progress made public
    "post_response": ("force", "inspector"),  # responses to a report
    "see_workspace": ("inspector", "admin"),
    "manage_users": ("admin",),
}


class UnknownRole(OpenPeelError, ValueError):
    """A viewer with a role that is not one of ``ROLES`` (or a force scope that does not fit its
    role): refused outright, so that a forged role can neither read nor act."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            hint="an admin sets the account's role: `openpeel users role NAME --role ROLE`",
        )


@dataclass(frozen=True)
class Viewer:
    """Someone reading: the public (no name), or a user with a role (and a force user's force).

    A role that is not one of ``ROLES`` is refused when the viewer is made, so a forged or
    misspelt role can neither read nor act; so is a force user without a force, or another role
    with one (a force scope on an inspector would mean nothing).
    """

    name: str | None = None
    role: str = "public"
    force_code: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise UnknownRole(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")
        if self.role == "force" and not self.force_code:
            raise UnknownRole(f"the force user {self.name!r} has no force")
        if self.role != "force" and self.force_code is not None:
            raise UnknownRole(f"only a force user has a force, not the {self.role} {self.name!r}")
        if self.role != "public" and not self.name:
            raise UnknownRole(f"a {self.role} viewer needs a name")


PUBLIC = Viewer()


class Account(Protocol):
    """A stored user (``openpeel.assess.account_tables.User``)."""

    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def force_code(self) -> str | None: ...


def viewer_of(user: Account) -> Viewer:
    """The viewer a stored user stands for."""
    return Viewer(name=user.name, role=user.role, force_code=user.force_code)


class Versioned(Protocol):
    """A publication or a correction of it: a stored state and the time its embargo ends."""

    @property
    def state(self) -> str: ...
    @property
    def embargo_until(self) -> datetime | None: ...


class Grant(Protocol):
    @property
    def user_name(self) -> str: ...


class Restricted(Versioned, Protocol):
    """A publication: its force (none for a national one) and its pre-release access list."""

    @property
    def force_code(self) -> str | None: ...
    @property
    def access(self) -> Sequence[Grant]: ...


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def state(version: Versioned, now: datetime) -> str:
    """The state at ``now`` of a publication (or a correction of it): an embargoed one is
    published from its embargo time on."""
    if (
        version.state == "embargoed"
        and version.embargo_until is not None
        and now >= aware(version.embargo_until)
    ):
        return PUBLISHED
    return version.state


def may_read(
    publication: Restricted,
    viewer: Viewer,
    now: datetime,
    version: Versioned | None = None,
) -> bool:
    """Whether the viewer may read the publication (or one version of it: a correction has its
    publication's force and pre-release access list) at ``now``."""
    current = state(version if version is not None else publication, now)
    if current == PUBLISHED:
        return True
    if viewer.role in STAFF:
        return True
    if (
        viewer.role == "force"
        and publication.force_code is not None
        and viewer.force_code == publication.force_code
    ):
        # the force sees its own report from factual accuracy check on, never another's
        return current in ("fact_check", "embargoed")
    if current == "embargoed" and viewer.name is not None:
        return any(a.user_name == viewer.name for a in publication.access)
    return False


def may_act(viewer: Viewer, action: str, force_code: str | None = None) -> bool:
    """Whether the viewer may do ``action`` (one of ``ACTIONS``), for ``force_code`` when the
    action concerns one force."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if viewer.role not in ACTIONS[action]:
        return False
    if viewer.role == "force":
        return force_code is not None and viewer.force_code == force_code
    return True
