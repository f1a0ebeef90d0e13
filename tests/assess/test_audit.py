"""An audit log that cannot be rewritten unseen (issue 15, item 8): a forged entry appended, the
end cut off, history rewritten with recomputed hashes, the data changed instead of the log; an
earlier anchor checked as a prefix of the chain; an old, unkeyed log migrated and still
verifying. The tampering is done as an attacker would: in the database file, with SQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from openpeel.assess import audit
from openpeel.assess.models import AuditEntry
from openpeel.assess.store import Store, _alembic_config
from openpeel.cli.app import app
from openpeel.sample import assessments_path

ENV = {"OPENPEEL_USER": "inspector-a", "OPENPEEL_DATABASE_URL": "", "OPENPEEL_AUDIT_KEY": ""}


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=ENV)


@pytest.fixture
def home(sample_home: Path, tmp_path: Path) -> Path:
    """A home with the sample warehouse and the worked example loaded through the CLI."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes((sample_home / "warehouse.duckdb").read_bytes())
    example = str(assessments_path() / "hampshire-2016.yaml")
    loaded = _cli("assess", "load", example, "--home", str(home))
    assert loaded.exit_code == 0, loaded.output
    return home


def _verify(home: Path, *options: str) -> Any:
    return _cli("audit", "verify", "--home", str(home), *options)


def _rows(home: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(home / "assessments.sqlite") as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY seq")]


def _hash(row: dict[str, Any], key: bytes | None) -> str:
    """What OpenPEEL computes for an entry: plain SHA-256, or keyed when a key is given."""
    fields = [row[f] for f in ("prev_hash", "seq", "at", "actor", "action", "entity")]
    fields += [row["entity_id"], row["detail"], row["reason"]]
    if key is None:
        return hashlib.sha256(audit.canonical(fields).encode()).hexdigest()
    text = audit.canonical([*fields, audit.KEYED]).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def _rewrite(home: Path, rows: list[dict[str, Any]], key: bytes | None) -> None:
    """Write ``rows`` back as the whole log, every hash recomputed and the head moved."""
    previous = audit.GENESIS
    with sqlite3.connect(home / "assessments.sqlite") as con:
        con.execute("DELETE FROM audit_log")
        for row in rows:
            row = {**row, "prev_hash": previous}
            row["hash"] = previous = _hash(row, key)
            names = [n for n in row if n != "scheme" or key is not None]
            _insert(con, {n: row[n] for n in names})
        con.execute("UPDATE audit_head SET seq = ?, hash = ?", [rows[-1]["seq"], previous])


def _insert(con: sqlite3.Connection, row: dict[str, Any]) -> None:
    names = ", ".join(row)
    con.execute(
        f"INSERT INTO audit_log ({names}) VALUES ({', '.join('?' * len(row))})", [*row.values()]
    )


def _key(home: Path) -> bytes:
    return (home / "audit.key").read_text().strip().encode()


def test_the_cli_log_is_keyed_and_intact(home: Path) -> None:
    ok = _verify(home)
    assert ok.exit_code == 0, ok.output
    assert "audit log intact" in ok.output
    assert "keyed from entry 1" in ok.output
    assert "the store agrees with it" in ok.output
    assert (home / "audit.key").stat().st_mode & 0o077 == 0  # readable by its owner only
    assert (home / "assessments.sqlite").stat().st_mode & 0o077 == 0


def test_a_forged_entry_appended_without_the_key_is_caught(home: Path) -> None:
    rows = _rows(home)
    last = rows[-1]
    forged = {
        **last,
        "seq": last["seq"] + 1,
        "actor": "inspector-a",
        "action": "confirm",
        "detail": json.dumps({"to": "outstanding"}),
        "reason": None,
        "scheme": None,
    }
    # as the old code computed it: plain SHA-256 over the previous hash and the fields
    forged["prev_hash"] = last["hash"]
    forged["hash"] = _hash(forged, None)
    with sqlite3.connect(home / "assessments.sqlite") as con:
        _insert(con, {n: v for n, v in forged.items() if n != "scheme"})
        con.execute("UPDATE audit_head SET seq = ?, hash = ?", [forged["seq"], forged["hash"]])
    caught = _verify(home)
    assert caught.exit_code == 1, caught.output
    assert f"entry {forged['seq']}" in caught.output
    assert "not keyed but comes after keyed entries" in caught.output


def test_an_entry_keyed_with_another_key_is_caught(home: Path) -> None:
    rows = _rows(home)
    rows[-1]["detail"] = rows[-1]["detail"].replace("good", "outstanding")
    _rewrite(home, rows, key=b"someone else's key")
    caught = _verify(home)
    assert caught.exit_code == 1
    assert "was edited or forged" in caught.output


def test_cutting_the_end_off_is_caught(home: Path) -> None:
    rows = _rows(home)
    with sqlite3.connect(home / "assessments.sqlite") as con:
        con.execute("DELETE FROM audit_log WHERE seq > ?", [len(rows) - 3])
        con.execute("UPDATE audit_head SET seq = ?, hash = ?", [len(rows) - 3, rows[-4]["hash"]])
    caught = _verify(home)
    assert caught.exit_code == 1, caught.output
    # the chain is whole, but the store holds what the removed entries did
    assert "confirmed_grade is 'good' but no entry of the log set it" in caught.output
    with sqlite3.connect(home / "assessments.sqlite") as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == len(rows) - 3


def test_an_earlier_anchor_is_checked_as_a_prefix_of_the_chain(home: Path) -> None:
    first = _verify(home)
    anchor = first.output.split("head ")[1].split(";")[0]
    seq, hash_ = anchor.split(":")
    # more work after the anchor was kept
    more = _cli(
        "assess", "confirm", "--force", "Hampshire", "--edition", "2016", "--pillar",
        "legitimacy", "--grade", "outstanding", "--rationale", "Seen on site.",
        "--home", str(home),
    )  # fmt: skip
    assert more.exit_code == 0, more.output
    later = _verify(home, "--expect", anchor, "--expect", hash_)
    assert later.exit_code == 0, later.output
    assert "passes through all 2 anchors" in later.output
    # an insider with the key rewrites an entry before the anchor, every hash recomputed
    rows = _rows(home)
    rows[2]["actor"] = "someone else"
    _rewrite(home, rows, key=_key(home))
    assert _verify(home).exit_code == 0  # the chain alone is consistent again...
    caught = _verify(home, "--expect", anchor)
    assert caught.exit_code == 1  # ...but it no longer passes through the anchor
    assert f"entry {seq} has the hash" in caught.output
    assert "rewritten" in caught.output
    refused = _verify(home, "--expect", "42:not-a-hash")
    assert isinstance(refused.exception, audit.AuditError)


def test_a_grade_changed_in_the_table_is_caught(home: Path) -> None:
    assert _verify(home).exit_code == 0
    with sqlite3.connect(home / "assessments.sqlite") as con:
        con.execute(
            "UPDATE judgements SET confirmed_grade = 'outstanding' "
            "WHERE level = 'pillar' AND target_id = 'effectiveness'"
        )
    caught = _verify(home)
    assert caught.exit_code == 1
    assert "confirmed_grade is 'outstanding' but entry" in caught.output


def test_an_unkeyed_log_is_migrated_and_still_verifies(tmp_path: Path) -> None:
    """A store made before the log was keyed (migrations up to 0004, plain SHA-256 entries):
    its entries verify as before, entries from the upgrade on are keyed, and an unkeyed entry
    after them, or a log rewritten without keys, is caught."""
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    home = tmp_path
    previous = audit.GENESIS
    with sqlite3.connect(tmp_path / "old.sqlite") as con:
        for seq in (1, 2):
            row = {
                "seq": seq, "at": f"2017-01-0{seq}T00:00:00.000000+00:00", "actor": "old",
                "action": "add", "entity": "note", "entity_id": str(seq),
                "detail": json.dumps({"n": seq}), "reason": None, "prev_hash": previous,
            }  # fmt: skip
            row["hash"] = previous = _hash(row, None)
            _insert(con, row)
        con.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 2, ?)", [previous])
    engine.dispose()
    store = Store(url, audit_key=b"the home's key")
    with store.session() as s:
        result = audit.verify(s)
        assert result.ok, result.problems
        assert (result.entries, result.keyed_from) == (3, 3)
        schemes = list(s.scalars(select(AuditEntry.scheme).order_by(AuditEntry.seq)))
        assert schemes == [None, None, audit.KEYED]
    store.close()
    rows = _rows_of(tmp_path / "old.sqlite")
    # everything rewritten as plain SHA-256 (the attacker has no key)
    for row in rows:
        row["scheme"] = None
    _rewrite_file(tmp_path / "old.sqlite", rows, None)
    again = Store(url, audit_key=None)  # opened without the key, so nothing is added
    with again.session() as s:
        result = audit.verify(s, key=b"the home's key")
    again.close()
    assert any("which is not keyed" in p for p in result.problems), result.problems
    assert home.exists()


def _rows_of(path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("SELECT * FROM audit_log ORDER BY seq")]


def _rewrite_file(path: Path, rows: list[dict[str, Any]], key: bytes | None) -> None:
    home = path.parent
    target = home / "assessments.sqlite"
    if path != target:
        path.rename(target)
    _rewrite(home, rows, key)
    target.rename(path)


def test_grades_as_the_public_sees_them_leave_out_the_working_state(home: Path) -> None:
    """`openpeel grades history` shows published grades only; `--working` shows the store's
    confirmed grades, marked (nothing of the worked example is published in this home)."""
    question = "effectiveness/investigating-crime"
    confirmed = _cli(
        "assess", "confirm", "--force", "Hampshire", "--edition", "2016", "--question",
        question, "--grade", "outstanding", "--rationale", "Not yet published.",
        "--home", str(home),
    )  # fmt: skip
    assert confirmed.exit_code == 0, confirmed.output

    def shown(*options: str) -> dict[tuple[str | None, str | None], tuple[str, str]]:
        args = ["--force", "Hampshire", "-f", "json", *options, "--home", str(home)]
        run = _cli("grades", "history", *args)
        assert run.exit_code == 0, run.output
        rows = [r for r in json.loads(run.output) if r["edition"] == "2016"]
        return {(r["pillar"], r["question"]): (r["grade"], r["state"]) for r in rows}

    public = shown()
    assert ("effectiveness", question) not in public
    assert public[("effectiveness", None)] == ("requires improvement", "published")
    working = shown("--working")
    assert working[("effectiveness", question)] == ("outstanding", "working")
    for options, grades in (((), set()), (("--working",), {"outstanding"})):
        args = ["--year", "2016", "--pillar", question, "-f", "json", *options]
        national = _cli("grades", *args, "--home", str(home))
        (view,) = json.loads(national.output)
        assert {f["grade"] for f in view["forces"] if f["force_code"] == "E23000030"} == grades
