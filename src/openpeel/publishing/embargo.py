"""Who may see a publication, and when, and who may change what: the one place the embargo and
the force scope live.

A publication is a draft, then in factual accuracy check (its force sees it), then embargoed
until a set time (only those on its pre-release access list, inspectors and admins see it),
then published: from its embargo time on, with no one acting, it is public. A correction of a
published publication goes through the same states (``openpeel.publishing.versions``). The
web app and every public output ask ``may_read``; nothing else decides. What a user may change is
``may_act``, from the table ``ACTIONS``: a force user acts only for their own force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from openpeel.assess.models import Correction, Publication

PUBLISHED = "published"
#: roles that see every publication in every state
STAFF = ("inspector", "admin")


@dataclass(frozen=True)
class Viewer:
    """Someone reading: the public (no name), or a user with a role (and a force user's force)."""

    name: str | None = None
    role: str = "public"
    force_code: str | None = None


PUBLIC = Viewer()


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def state(version: Publication | Correction, now: datetime) -> str:
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
    publication: Publication,
    viewer: Viewer,
    now: datetime,
    version: Publication | Correction | None = None,
) -> bool:
    """Whether the viewer may read the publication (or one version of it: a correction has its
    publication's force and pre-release access list) at ``now``."""
    current = state(version if version is not None else publication, now)
    if current == PUBLISHED:
        return True
    if viewer.role in STAFF:
        return True
    if viewer.role == "force" and viewer.force_code == publication.force_code:
        # the force sees its own report from factual accuracy check on, never another's
        return current in ("fact_check", "embargoed")
    if current == "embargoed" and viewer.name is not None:
        return any(a.user_name == viewer.name for a in publication.access)
    return False


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


def may_act(viewer: Viewer, action: str, force_code: str | None = None) -> bool:
    roles = ACTIONS[action]
    if viewer.role not in roles:
        return False
    if viewer.role == "force":
        return force_code is not None and viewer.force_code == force_code
    return True
