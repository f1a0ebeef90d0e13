"""Accounts: roles, force scope, argon2 passwords, and refusals that store nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from openpeel.assess import audit
from openpeel.assess.models import User
from openpeel.assess.store import Store
from openpeel.assess.users import UserError, add_user, authenticate, list_users
from openpeel.errors import UnknownCodeError

PASSWORD = "correct horse battery"


def test_users_are_added_with_roles_and_hashed_passwords(assessments: Store) -> None:
    with assessments.session() as s:
        add_user(s, "ann", "force", PASSWORD, "admin", force="Hampshire")
        add_user(s, "ivy", "inspector", PASSWORD, "admin")
    with assessments.session() as s:
        users = {u.name: u for u in list_users(s)}
        assert users["ann"].force_code == "E23000030"
        assert users["ivy"].force_code is None
        assert users["ivy"].role == "inspector"
        assert PASSWORD not in (users["ivy"].password_hash or "")
        assert users["ivy"].password_hash.startswith("$argon2")  # type: ignore[union-attr]
        assert authenticate(s, "ivy", PASSWORD) is not None
        assert authenticate(s, "ivy", PASSWORD + "!") is None
        assert authenticate(s, "nobody", PASSWORD) is None
        assert audit.verify(s).ok
        assert audit.verify(s).entries == 2


@pytest.mark.parametrize(
    ("name", "role", "force", "password", "error", "words"),
    [
        ("bob", "inspector", "Kent", PASSWORD, UserError, "only a force user"),
        ("bob", "force", None, PASSWORD, UserError, "needs a force"),
        ("bob", "public", None, PASSWORD, UnknownCodeError, "role"),
        ("bob", "inspector", None, "short", UserError, "shorter than 12"),
        ("", "inspector", None, PASSWORD, UserError, "needs a name"),
        ("bob", "force", "Gotham", PASSWORD, UnknownCodeError, "Gotham"),
    ],
)
def test_bad_accounts_are_refused(
    assessments: Store,
    name: str,
    role: str,
    force: str | None,
    password: str,
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error, match=words), assessments.session() as s:
        add_user(s, name, role, password, "admin", force=force)
    with assessments.session() as s:
        assert s.scalars(select(User)).first() is None


def test_a_name_is_taken_once(assessments: Store) -> None:
    with assessments.session() as s:
        add_user(s, "ivy", "inspector", PASSWORD, "admin")
    with pytest.raises(UserError, match="already a user called 'ivy'"), assessments.session() as s:
        add_user(s, "ivy", "admin", PASSWORD, "admin")
    with assessments.session() as s:
        assert [u.role for u in list_users(s)] == ["inspector"]
