"""The access rules on their own: who reads a publication in each state, who does what, and what
a forged role or another force's user gets.

The expectations are tables written out here, not derived from ``openpeel.access``; the web's
route-by-route check of the same rules is ``tests/web/test_access.py``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from openpeel import access
from openpeel.access import PUBLIC, UnknownRole, Viewer, may_act, may_read, state, viewer_of
from openpeel.assess.account_tables import User
from openpeel.publishing import embargo
from tests.web.conftest import make_site

HAMPSHIRE, KENT = "E23000030", "E23000032"
NOW = datetime(2017, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=1)


@dataclass
class Grant:
    user_name: str


@dataclass
class Pub:
    """A publication as the rules see it (the store's ``Publication`` has these fields)."""

    state: str
    force_code: str | None = HAMPSHIRE
    embargo_until: datetime | None = None
    access: list[Grant] = field(default_factory=list)


ANN = Viewer("ann", "force", HAMPSHIRE)
KIM = Viewer("kim", "force", KENT)
PAT = Viewer("pat", "inspector")
JO = Viewer("jo", "admin")
LEE = Viewer("lee")  # a named reader with no role: only the pre-release access list lets them in
VIEWERS = {"public": PUBLIC, "ann": ANN, "kim": KIM, "pat": PAT, "jo": JO, "lee": LEE}

#: who reads Hampshire's report (lee is on its pre-release access list)
READERS = {
    "draft": {"pat", "jo"},
    "fact_check": {"ann", "pat", "jo"},
    "embargoed": {"ann", "pat", "jo", "lee"},
    "published": set(VIEWERS),
}


def _hampshire(current: str) -> Pub:
    if current == "published":
        return Pub("embargoed", embargo_until=NOW - timedelta(minutes=1), access=[Grant("lee")])
    until = NOW + timedelta(hours=1) if current == "embargoed" else None
    return Pub(current, embargo_until=until, access=[Grant("lee")])


@pytest.mark.parametrize("current", list(READERS))
def test_who_reads_a_force_report_in_each_state(current: str) -> None:
    pub = _hampshire(current)
    assert state(pub, NOW) == current
    readers = {name for name, v in VIEWERS.items() if may_read(pub, v, NOW)}
    assert readers == READERS[current]


def test_another_forces_user_never_reads_before_publication() -> None:
    for current in ("draft", "fact_check", "embargoed"):
        assert not may_read(_hampshire(current), KIM, NOW), current
    assert may_read(_hampshire("published"), KIM, NOW)


def test_a_force_user_reads_no_national_overview_before_publication() -> None:
    national = Pub("fact_check", force_code=None)
    assert not may_read(national, ANN, NOW)
    assert may_read(national, PAT, NOW)


def test_a_corrections_own_state_decides_with_its_publications_force_and_list() -> None:
    pub = _hampshire("published")
    correction = Pub("draft")  # its own fields other than the state are not asked
    assert not may_read(pub, ANN, NOW, correction)
    assert not may_read(pub, LEE, NOW, correction)
    assert may_read(pub, PAT, NOW, correction)
    checked = Pub("fact_check")
    assert may_read(pub, ANN, NOW, checked)
    assert not may_read(pub, KIM, NOW, checked)


def test_an_embargo_lifts_at_its_moment_without_anyone_acting() -> None:
    pub = Pub("embargoed", embargo_until=LATER)
    assert state(pub, LATER - timedelta(microseconds=1)) == "embargoed"
    assert state(pub, LATER) == access.PUBLISHED
    # SQLite hands back naive times: they are UTC
    naive = Pub("embargoed", embargo_until=LATER.replace(tzinfo=None))
    assert state(naive, LATER) == access.PUBLISHED
    assert not may_read(naive, PUBLIC, NOW)


#: action -> who may do it for Hampshire
ACTORS = {
    "edit_assessment": {"pat"},
    "publish": {"pat"},
    "post_progress": {"ann", "pat"},
    "accept_progress": {"pat"},
    "post_response": {"ann", "pat"},
    "see_workspace": {"pat", "jo"},
    "manage_users": {"jo"},
}


@pytest.mark.parametrize("action", list(ACTORS))
def test_who_acts_for_hampshire(action: str) -> None:
    assert set(ACTORS) == set(access.ACTIONS)
    actors = {name for name, v in VIEWERS.items() if may_act(v, action, HAMPSHIRE)}
    assert actors == ACTORS[action]


def test_a_force_user_acts_only_for_their_own_force() -> None:
    assert may_act(ANN, "post_response", HAMPSHIRE)
    assert not may_act(ANN, "post_response", KENT)
    assert not may_act(KIM, "post_progress", HAMPSHIRE)
    assert not may_act(ANN, "post_progress")  # no force named: not theirs
    assert may_act(PAT, "post_progress", KENT)


def test_an_unknown_action_is_an_error_not_a_refusal() -> None:
    with pytest.raises(KeyError, match="unknown action 'delete_everything'"):
        may_act(JO, "delete_everything")


@pytest.mark.parametrize(
    ("name", "role", "force"),
    [
        ("eve", "superuser", None),  # not a role
        ("eve", "Inspector", None),  # a role misspelt
        ("eve", "admin ", None),
        ("eve", "force", None),  # a force user with no force
        ("eve", "inspector", HAMPSHIRE),  # a force scope on a role that has none
        (None, "inspector", None),  # a role with no one holding it
    ],
)
def test_a_forged_role_cannot_be_made(name: str | None, role: str, force: str | None) -> None:
    with pytest.raises(UnknownRole) as refused:
        Viewer(name, role, force)
    assert refused.value.hint is not None
    assert "openpeel users role" in refused.value.hint


def test_a_stored_user_with_a_forged_role_is_refused() -> None:
    tampered = User(name="eve", role="root", force_code=None)
    with pytest.raises(UnknownRole, match="unknown role 'root'"):
        viewer_of(tampered)
    assert viewer_of(User(name="ann", role="force", force_code=HAMPSHIRE)) == ANN


def test_the_old_path_is_the_same_rules() -> None:
    assert embargo.may_read is may_read
    assert embargo.may_act is may_act
    assert embargo.Viewer is Viewer
    assert embargo.PUBLIC is PUBLIC


def test_the_web_forms_roles_are_the_account_roles() -> None:
    from openpeel.web.routers.admin import Role

    assert typing.get_args(Role) == access.ACCOUNT_ROLES


def test_the_web_refuses_a_tampered_role_and_another_forces_draft(
    built_home: Path, tmp_path: Path
) -> None:
    """Through the web: a role changed behind the app's back in the store reads nothing, and a
    force user reads another force's report only once it is published."""
    site = make_site(built_home, tmp_path, "fact_check")
    try:
        path = "/api/publications/hampshire-2016"
        assert site.client.get(path, headers=site.as_user("ann")).status_code == 200
        assert site.client.get(path, headers=site.as_user("kim")).status_code == 404
        with site.store.session() as s:
            s.execute(update(User).where(User.name == "pat").values(role="superinspector"))
        refused = site.client.get(path, headers=site.as_user("pat"))
        assert refused.status_code == 403
        assert "unknown role 'superinspector'" in refused.json()["error"]["detail"]
        assert "hampshire" not in refused.text.replace(path, "")
    finally:
        site.store.close()
