"""Accounts managed after they are made: a declared password policy; disable, enable, a new
password and a new role, each in the audit log (and reconciled with it); sign-in sessions kept
on the server, which end at sign-out, when the account is disabled or its password changes;
the store and the keys readable by their owner only."""

from __future__ import annotations

import logging
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from openpeel.assess import audit
from openpeel.assess.models import AuditEntry, User, WebSession
from openpeel.assess.reconcile import reconcile
from openpeel.assess.sessions import end_session, live_sessions, session_user, start_session
from openpeel.assess.store import STORE_FILE, Store
from openpeel.assess.users import (
    AccountDisabled,
    UserError,
    add_user,
    authenticate,
    disable_user,
    enable_user,
    find_user,
    issue_token,
    password_policy,
    set_password,
    set_role,
    user_for_token,
)

PASSWORD = "correct horse battery"
NEW_PASSWORD = "purple elephant umbrella"


def _accounts(store: Store) -> None:
    with store.session() as s:
        add_user(s, "jo", "admin", PASSWORD, "tester")
        add_user(s, "pat", "inspector", PASSWORD, "tester")


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short", "shorter than 12 characters"),
        ("PassWord1234", "common password"),  # the declared list, whatever the case
        ("  qwerty123456 ", "common password"),
        ("bob.inspector", "own name"),
        ("aaaaaaaaaaaaaaaa", "one character repeated"),
    ],
)
def test_the_password_policy_refuses_weak_passwords_saying_why(
    assessments: Store, password: str, words: str
) -> None:
    with pytest.raises(UserError, match=words) as caught, assessments.session() as s:
        add_user(s, "bob.inspector", "inspector", password, "tester")
    assert "at least 12 characters" in str(caught.value.hint)
    with assessments.session() as s:
        assert s.scalars(select(User)).first() is None


def test_the_common_passwords_are_declared_as_data_and_all_pass_the_length_rule() -> None:
    policy = password_policy()
    assert policy.min_length == 12
    assert "password1234" in policy.common
    # an entry the length rule already refuses would be dead weight in the list
    assert all(len(p) >= policy.min_length for p in policy.common)


def test_a_disabled_account_cannot_sign_in_and_its_sessions_and_tokens_stop(
    assessments: Store,
) -> None:
    _accounts(assessments)
    with assessments.session() as s:
        pat = find_user(s, "pat")
        sid = start_session(s, pat)
        token = issue_token(s, "pat", "script", "tester")
        assert session_user(s, sid) is not None
        assert user_for_token(s, token) is not None
    with assessments.session() as s:
        disable_user(s, "pat", "jo")
    with assessments.session() as s:
        assert session_user(s, sid) is None
        assert user_for_token(s, token) is None
        with pytest.raises(AccountDisabled, match="disabled"):
            authenticate(s, "pat", PASSWORD)
        assert authenticate(s, "pat", "a wrong password") is None  # no hint without it
        row = s.scalars(select(WebSession)).one()
        assert row.ended_why == "disabled"
        assert reconcile(s).ok, reconcile(s).differences
    with assessments.session() as s:
        enable_user(s, "pat", "jo")
    with assessments.session() as s:
        assert authenticate(s, "pat", PASSWORD) is not None
        assert user_for_token(s, token) is not None  # enabled again: its tokens work again
        assert session_user(s, sid) is None  # the ended session stays ended
        actions = [e.action for e in s.scalars(select(AuditEntry))]
        assert actions[-2:] == ["disable", "enable"]
        assert audit.verify(s).ok
        assert reconcile(s).ok, reconcile(s).differences


def test_an_account_enabled_in_the_store_behind_the_log_is_reported(assessments: Store) -> None:
    _accounts(assessments)
    with assessments.session() as s:
        disable_user(s, "pat", "jo")
    with assessments.session() as s:
        s.execute(update(User).where(User.name == "pat").values(disabled_at=None))
    with assessments.session() as s:
        found = reconcile(s)
        assert not found.ok
        assert any("disabled_at" in d and "pat" in d for d in found.differences)


def test_a_new_password_replaces_the_old_and_ends_the_sessions(assessments: Store) -> None:
    _accounts(assessments)
    with assessments.session() as s:
        sid = start_session(s, find_user(s, "pat"))
    with pytest.raises(UserError, match="common password"), assessments.session() as s:
        set_password(s, "pat", "password1234", "jo")
    with assessments.session() as s:
        assert session_user(s, sid) is not None  # a refused change changes nothing
        set_password(s, "pat", NEW_PASSWORD, "jo")
    with assessments.session() as s:
        assert authenticate(s, "pat", PASSWORD) is None
        assert authenticate(s, "pat", NEW_PASSWORD) is not None
        assert session_user(s, sid) is None
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        assert entry.action == "change password"
        assert NEW_PASSWORD not in entry.detail


def test_a_role_changes_and_the_last_admin_is_kept(assessments: Store) -> None:
    _accounts(assessments)
    with assessments.session() as s:
        set_role(s, "pat", "force", "jo", force="Kent")
    with assessments.session() as s:
        pat = find_user(s, "pat")
        assert (pat.role, pat.force_code) == ("force", "E23000032")
        assert reconcile(s).ok, reconcile(s).differences
    with pytest.raises(UserError, match="only admin"), assessments.session() as s:
        set_role(s, "jo", "inspector", "jo")
    with pytest.raises(UserError, match="only admin"), assessments.session() as s:
        disable_user(s, "jo", "jo")
    with pytest.raises(UserError, match="needs a force"), assessments.session() as s:
        set_role(s, "pat", "force", "jo")
    with pytest.raises(UserError, match="no user 'nobody'"), assessments.session() as s:
        disable_user(s, "nobody", "jo")
    with assessments.session() as s:
        set_role(s, "pat", "admin", "jo")
        disable_user(s, "jo", "pat")  # another admin can sign in now
        assert find_user(s, "jo").disabled_at is not None


def test_a_session_ends_at_sign_out_and_at_expiry(assessments: Store) -> None:
    _accounts(assessments)
    with assessments.session() as s:
        pat = find_user(s, "pat")
        one, two = start_session(s, pat), start_session(s, pat)
        assert live_sessions(s) == {"pat": 2}
        end_session(s, one)
    with assessments.session() as s:
        assert session_user(s, one) is None
        assert session_user(s, two) is not None
        assert session_user(s, "a made-up id") is None
        s.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with assessments.session() as s:
        assert session_user(s, two) is None
        start_session(s, find_user(s, "jo"))  # a sign-in clears ended and expired rows
    with assessments.session() as s:
        assert [r.user_name for r in s.scalars(select(WebSession))] == ["jo"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_and_the_keys_are_made_private_and_loose_ones_tightened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpeel.web.app import SECRET_FILE, secret_key

    monkeypatch.delenv("OPENPEEL_DATABASE_URL", raising=False)
    monkeypatch.delenv("OPENPEEL_AUDIT_KEY", raising=False)
    monkeypatch.delenv("OPENPEEL_SECRET_KEY", raising=False)
    home = tmp_path / "home"
    Store.open(home).close()
    secret_key(home)
    files = [home / STORE_FILE, home / audit.KEY_FILE, home / SECRET_FILE]
    assert [_mode(f) for f in files] == [0o600, 0o600, 0o600]
    for f in files:  # a home made by an older OpenPEEL, or copied without care
        f.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="openpeel.private"):
        Store.open(home).close()
        secret_key(home)
    assert [_mode(f) for f in files] == [0o600, 0o600, 0o600]
    assert sum("could be read by other users" in r.message for r in caplog.records) == 3
