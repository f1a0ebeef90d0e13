"""The release workflow (issue 15, items 6, 8 and 12): postponing and withdrawing a scheduled
release and revoking pre-release access, all audited; a past release time refused unless
confirmed; corrections with their notes; the national overview built from published judgements
only; the audit head in every output, so that an export anchors the log; the data changed
behind the log's back found by `verify`; and a draft killed with SIGKILL leaving no render
worker and no output of a context that was never stored."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from openpeel.access import PUBLIC
from openpeel.assess import audit, service
from openpeel.assess.bulk import load_yaml
from openpeel.assess.models import AuditEntry, Publication
from openpeel.assess.reconcile import reconcile
from openpeel.assess.store import Store
from openpeel.clock import uk
from openpeel.publishing import corrections, reading, release, workflow
from openpeel.publishing.outputs import export_public
from openpeel.publishing.render import render
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse
from tests.publishing.conftest import BUILT, RELEASE, Published
from tests.publishing.test_cli_publish import _openpeel
from tests.publishing.test_publish import _schedule

BEFORE = RELEASE - timedelta(hours=1)
AFTER = RELEASE + timedelta(days=30)


def test_postpone_withdraw_and_revoke_before_the_release(published: Published) -> None:
    _schedule(published, access=["kim"])
    with published.store.session() as s:
        kim = reading.viewer(s, "kim")  # a Kent user: Hampshire's only by the grant
        # the national overview includes Hampshire's report: it is changed first
        with pytest.raises(workflow.PublishError, match="national-2016 includes hampshire-2016"):
            release.withdraw(s, "hampshire-2016", "pat", BEFORE, "Wrong figures.")
        with pytest.raises(workflow.PublishError, match="postpone national-2016 first"):
            release.postpone(s, "hampshire-2016", RELEASE + timedelta(days=1), "pat", BEFORE)
        release.postpone(s, "national-2016", RELEASE + timedelta(days=2), "pat", BEFORE)
        with pytest.raises(workflow.PublishError, match="is not later than"):
            release.postpone(s, "hampshire-2016", RELEASE - timedelta(hours=2), "pat", BEFORE)
        release.postpone(s, "hampshire-2016", RELEASE + timedelta(days=1), "pat", BEFORE, "Late.")
        with pytest.raises(reading.EmbargoError, match="embargoed until 3 March 2017"):
            reading.read(s, "hampshire-2016", "report", "md", PUBLIC, RELEASE)
        # pre-release access revoked: refused from then on
        assert reading.read(s, "hampshire-2016", "report", "md", kim, BEFORE)
        release.revoke(s, "hampshire-2016", "kim", "pat", BEFORE)
        with pytest.raises(reading.EmbargoError):
            reading.read(s, "hampshire-2016", "report", "md", kim, BEFORE)
        with pytest.raises(workflow.PublishError, match="'kim' has no pre-release access"):
            release.revoke(s, "hampshire-2016", "kim", "pat", BEFORE)
        # withdrawn: back in check, and never released at its old time
        release.withdraw(s, "national-2016", "pat", BEFORE, "Redo after Hampshire.")
        with pytest.raises(workflow.PublishError, match="say why"):
            release.withdraw(s, "hampshire-2016", "pat", BEFORE, "  ")
        release.withdraw(s, "hampshire-2016", "pat", BEFORE, "Wrong figures.")
        pub = workflow.find(s, "hampshire-2016")
        assert (pub.state, pub.embargo_until) == ("fact_check", None)
        with pytest.raises(reading.EmbargoError, match="fact check"):
            reading.read(s, "hampshire-2016", "report", "md", PUBLIC, AFTER)
        with pytest.raises(workflow.PublishError, match="not scheduled"):
            release.postpone(s, "hampshire-2016", AFTER, "pat", BEFORE)
        actions = [
            (e.action, e.reason)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.entity == "publication"))
        ]
        assert actions[-5:] == [
            ("postpone", None),
            ("postpone", "Late."),
            ("revoke pre-release access", None),
            ("withdraw", "Redo after Hampshire."),
            ("withdraw", "Wrong figures."),
        ]
        assert audit.verify(s).ok
        assert reconcile(s).ok, reconcile(s).differences


def test_a_release_time_that_has_passed_is_refused_unless_confirmed(
    published: Published,
) -> None:
    with Warehouse(published.home, read_only=True) as wh, published.store.session() as s:
        workflow.draft(s, wh, "Hampshire", "2016", "tester", BUILT)
        workflow.send_for_check(s, "hampshire-2016", "tester", BUILT)
        with pytest.raises(workflow.PublishError, match="not in the future") as refused:
            workflow.schedule(s, "hampshire-2016", BUILT - timedelta(days=1), "tester", BUILT)
        assert refused.value.hint is not None
        assert "--now" in refused.value.hint
        assert workflow.find(s, "hampshire-2016").state == "fact_check"
        workflow.schedule(
            s, "hampshire-2016", BUILT - timedelta(days=1), "tester", BUILT, release_now=True
        )
        assert reading.read(s, "hampshire-2016", "summary", "md", PUBLIC, BUILT)


def _published_and_changed(p: Published) -> None:
    """Hampshire's report out at RELEASE, then a new grade and a finding in the store."""
    _schedule(p)
    with p.store.session() as s:
        a = service.get_assessment(s, "Hampshire", "2016")
        service.confirm(s, a, "pillar", "effectiveness", "pat", grade="good", rationale="Later.")
        service.add_finding(
            s, a, "strength", "Found later.", "pat", question="effectiveness/preventing-crime"
        )


def _correct_a_draft(p: Published) -> None:
    with Warehouse(p.home, read_only=True) as wh, p.store.session() as s:
        workflow.draft(s, wh, "Hampshire", "2016", "tester", BUILT)
        corrections.correct(s, wh, "hampshire-2016", "Why.", "pat", BUILT)


def _md(s: Any, who: Any, at: datetime) -> str:
    return reading.read(s, "hampshire-2016", "report", "md", who, at).decode()


def test_a_correction_takes_its_own_steps_and_carries_its_note(published: Published) -> None:
    with pytest.raises(workflow.PublishError, match="not published yet"):
        _correct_a_draft(published)  # and nothing of it is stored
    _published_and_changed(published)
    with Warehouse(published.home, read_only=True) as wh, published.store.session() as s:
        with pytest.raises(workflow.PublishError, match="is published; its outputs are frozen"):
            workflow.draft(s, wh, "Hampshire", "2016", "pat", AFTER)
        with pytest.raises(workflow.PublishError, match="needs its reason"):
            corrections.correct(s, wh, "hampshire-2016", " ", "pat", AFTER)
        first = corrections.correct(s, wh, "hampshire-2016", "Grade entered wrongly.", "pat", AFTER)
        assert first.number == 1
        assert {c["what"]: (c["before"], c["after"]) for c in first.changes}[
            "Effectiveness: grade"
        ] == ("requires improvement", "good")
        # the public still reads the original; the force reads the correction in check
        workflow.send_for_check(s, "hampshire-2016", "pat", AFTER)
        ann = reading.viewer(s, "ann")
        assert "Found later." not in _md(s, PUBLIC, AFTER)
        assert "Found later." in _md(s, ann, AFTER)
        out = AFTER + timedelta(days=1)
        workflow.schedule(s, "hampshire-2016", out, "pat", AFTER)
        assert first.context["report"]["corrections"][0]["released_at"] == out.isoformat()
        public = reading.read(s, "hampshire-2016", "report", "md", PUBLIC, out).decode()
        assert "Found later." in public
        assert f"**Correction 1**, published {uk(out)}" in public
        # with nothing changed since, there is nothing to correct
        with pytest.raises(workflow.PublishError, match="nothing that hampshire-2016 says differs"):
            corrections.correct(s, wh, "hampshire-2016", "Again.", "pat", out)
        a = service.get_assessment(s, "Hampshire", "2016")
        later = a.findings[-1].id
        service.edit_finding(s, later, "pat", kind="strength", text="Found later, and kept.")
        second = corrections.correct(s, wh, "hampshire-2016", "Wording.", "pat", out)
        notes = second.context["summary"]["corrections"]
        assert [n["number"] for n in notes] == [1, 2]
        assert notes[0]["released_at"] == out.isoformat()
        for fmt in ("html", "md"):
            assert "Wording." in render(second.context["press_release"], fmt).decode()
        assert audit.verify(s).ok
        assert reconcile(s).ok, reconcile(s).differences


def test_the_national_overview_shows_only_published_judgements(published: Published) -> None:
    _published_and_changed(published)
    with Warehouse(published.home, read_only=True) as wh, published.store.session() as s:
        pub = workflow.find(s, "national-2016")
        release.withdraw(s, "national-2016", "pat", BEFORE, "Redraft.")
        workflow.draft_national(s, wh, 2016, "pat", BEFORE)
        hampshire = next(f for f in pub.context["overview"]["forces"] if f["code"] == "E23000030")
        assert hampshire["grades"]["effectiveness"]["grade"] == "requires improvement"


def test_an_export_anchors_the_log_and_changed_data_is_found(
    published: Published, tmp_path: Path
) -> None:
    _schedule(published, access=["jo"])
    with published.store.session() as s:
        context = workflow.find(s, "hampshire-2016").context
        head = context["report"]["audit"]
        assert all(c["audit"] == head for c in context.values())
        export_public(s, tmp_path / "public", RELEASE)
        assert audit.verify(s, audit.anchors_in(tmp_path / "public")).ok
    report = (tmp_path / "public" / "hampshire-2016" / "report.md").read_text()
    assert f"--expect {head['seq']}:{head['hash']}" in report
    # history rewritten before the anchor, every hash recomputed (the store has no key here)
    url = published.store.url
    db = url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        con.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 2")
        previous = audit.GENESIS
        for seq, *_ in con.execute("SELECT seq FROM audit_log ORDER BY seq").fetchall():
            con.execute("UPDATE audit_log SET prev_hash = ? WHERE seq = ?", [previous, seq])
            entry = _entry(con, seq)
            con.execute("UPDATE audit_log SET hash = ? WHERE seq = ?", [entry, seq])
            previous = entry
        con.execute("UPDATE audit_head SET hash = ?", [previous])
    with published.store.session() as s:
        assert audit.verify(s).ok  # consistent in itself...
        anchored = audit.verify(s, audit.anchors_in(tmp_path / "public"))
    assert not anchored.ok  # ...but not through the published anchors
    assert f"entry {head['seq']} has the hash" in anchored.problems[0]
    # the data changed instead of the log: an embargo lifted, access granted, a frozen grade
    with sqlite3.connect(db) as con:
        con.execute("UPDATE publications SET embargo_until = '2017-01-01 00:00:00.000000'")
        con.execute(
            "INSERT INTO publication_access (publication_id, user_name, granted_by, granted_at) "
            "SELECT id, 'kim', 'nobody', '2017-01-01 00:00:00' FROM publications WHERE slug = "
            "'national-2016'"
        )
        con.execute("UPDATE publication_access SET user_name = 'pat' WHERE user_name = 'jo'")
    with published.store.session() as s:
        found = "\n".join(reconcile(s).differences)
    assert "embargo_until is '2017-01-01T00:00:00+00:00' but entry" in found
    assert "kim has pre-release access that no entry of the audit log granted" in found
    assert "granted jo pre-release access, which the store no longer holds" in found


def _entry(con: sqlite3.Connection, seq: int) -> str:
    con.row_factory = sqlite3.Row
    row = dict(con.execute("SELECT * FROM audit_log WHERE seq = ?", [seq]).fetchone())
    con.row_factory = None
    fields = [row[f] for f in ("prev_hash", "seq", "at", "actor", "action", "entity")]
    fields += [row["entity_id"], row["detail"], row["reason"]]
    return hashlib.sha256(audit.canonical(fields).encode()).hexdigest()


@pytest.fixture
def cli_home(built_home: Path, tmp_path: Path) -> Path:
    """A home of its own: the built warehouse, and the worked example in its store."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes((built_home / "warehouse.duckdb").read_bytes())
    store = Store.open(home)
    with Warehouse(home, read_only=True) as wh, store.session() as s:
        load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
    store.close()
    return home


def _processes() -> dict[int, tuple[int, str, str]]:
    """Every process: pid -> (parent pid, state, command line), from /proc (Linux)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (int(fields[1]), fields[0], cmdline)
    return out


def _descendants(pid: int) -> dict[int, str]:
    table = _processes()
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _, cmdline) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmdline
                todo.append(child)
    return found


def _still_running(pids: list[int], seconds: float) -> list[int]:
    """Those of ``pids`` still running (not ended, not a zombie) after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        table = _processes()
        running = [p for p in pids if p in table and table[p][1] != "Z"]
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.1)


@pytest.mark.slow
def test_a_draft_killed_while_rendering_leaves_no_worker_and_no_output(cli_home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    command = [sys.executable, "-m", "openpeel", "publish", "draft", "--force", "Hampshire"]
    command += ["--edition", "2016", "--jobs", "2", "--home", str(cli_home)]
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    folder = cli_home / "publications" / "hampshire-2016"
    deadline = time.monotonic() + 300
    workers: list[int] = []
    while time.monotonic() < deadline and run.poll() is None:
        workers = [p for p, cmd in _descendants(run.pid).items() if "spawn_main" in cmd]
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) >= 2, "the render workers never started"
    everything = list(_descendants(run.pid))
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    alive = _still_running(everything, 20)
    assert alive == [], f"processes left running after the kill: {alive}"
    assert not folder.exists()  # nothing of a context that was never stored
    store = Store.open(cli_home)
    with store.session() as s:
        assert s.scalars(select(Publication)).first() is None
    store.close()
    staged = list((cli_home / "publications").glob(".hampshire-2016.new-*"))
    assert staged, "the killed run's staging folder is where the next run will find it"
    # the next run removes what the killed one left, and drafts
    again = _openpeel(*command[3:9], "--jobs", "1", "--home", str(cli_home))
    assert again.returncode == 0, again.stderr
    assert not any(p.exists() for p in staged)
    assert len(list(folder.iterdir())) == 12
    status = _openpeel("publish", "status", "--format", "json", "--home", str(cli_home))
    assert [r["state"] for r in json.loads(status.stdout)] == ["draft"]
