"""Grade history from the published grades, changes across editions, the national view, the
risk screen, and the CLI (including ``openpeel audit verify`` on a tampered log)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from openpeel.assess.history import GradeRow, compare, history, national
from openpeel.assess.screen import screen
from openpeel.cli.app import app
from openpeel.errors import UnknownCodeError
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse

HAMPSHIRE = "E23000030"


def test_hampshire_2016_effectiveness_was_downgraded_from_good(wh: Warehouse) -> None:
    rows = {(r.edition, r.pillar, r.question): r for r in history(wh, HAMPSHIRE)}
    row = rows[("2016", "effectiveness", None)]
    assert (row.previous_grade, row.grade, row.change) == (
        "good",
        "requires improvement",
        "downgraded",
    )
    assert row.sentence == (
        "effectiveness: downgraded from good to requires improvement since PEEL 2015"
    )
    assert rows[("2017", "effectiveness", None)].change == "upgraded"


def test_national_view_matches_the_published_counts(wh: Warehouse) -> None:
    # PROVENANCE: 2016 effectiveness has 1 outstanding, 28 good, 13 requires improvement and
    # 1 inadequate (the iwradio list and Full Fact); 2015 has 1, 24, 18, 0
    view = national(wh, 2016, "effectiveness")
    assert view.counts == {
        "outstanding": 1,
        "good": 28,
        "requires improvement": 13,
        "inadequate": 1,
        "not graded": 0,
    }
    assert sum(view.changes.values()) == 43
    assert national(wh, 2015, "effectiveness").counts["requires improvement"] == 18


def _row(edition: str, year: int, grade: str) -> GradeRow:
    return GradeRow(HAMPSHIRE, "Hampshire", edition, year, "overall", "x", "x", grade, series="t")


def test_changes_across_grade_scales_are_not_comparable() -> None:
    rows = compare([_row("2018/19", 2018, "good"), _row("2021/22", 2021, "adequate")])
    assert rows[1].change == "not comparable"
    assert "not directly comparable" in rows[1].sentence
    graded = compare([_row("2017", 2017, "not graded"), _row("2018/19", 2018, "good")])
    assert graded[1].change == "not graded"


def test_screen_lists_only_evidence_pointing_to_worse_performance(wh: Warehouse) -> None:
    rows = screen(wh)
    assert rows, "the sample has forces with significant signals"
    for r in rows:
        assert "better" not in r.signal
    assert all(r.force_code == HAMPSHIRE for r in screen(wh, HAMPSHIRE))


def test_cli_worked_example_grades_and_a_tampered_log(sample_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes((sample_home / "warehouse.duckdb").read_bytes())
    runner = CliRunner()
    env = {"OPENPEEL_USER": "inspector-a", "OPENPEEL_DATABASE_URL": ""}
    loaded = runner.invoke(
        app,
        ["assess", "load", str(assessments_path() / "hampshire-2016.yaml"), "--home", str(home)],
        env=env,
    )
    assert loaded.exit_code == 0, loaded.output
    shown = runner.invoke(
        app,
        ["grades", "history", "--force", "Hampshire", "--home", str(home), "-f", "json"],
        env=env,
    )
    assert "downgraded from good to requires improvement" in shown.output
    ok = runner.invoke(app, ["audit", "verify", "--home", str(home)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output
    with sqlite3.connect(home / "assessments.sqlite") as con:
        con.execute("UPDATE audit_log SET actor = 'nobody' WHERE seq = 5")
    tampered = runner.invoke(app, ["audit", "verify", "--home", str(home)], env=env)
    assert tampered.exit_code == 1
    assert "entry 5" in tampered.output
    refused = runner.invoke(
        app,
        [
            "assess",
            "confirm",
            "--force",
            "Hampshire",
            "--edition",
            "2016",
            "--pillar",
            "effectiveness",
            "--grade",
            "adequate",
            "--home",
            str(home),
        ],
        env=env,
    )
    # main() prints this error plainly and exits 2; CliRunner runs the app without main()
    assert isinstance(refused.exception, UnknownCodeError)
    assert "unknown grade on the four-point scale 'adequate'" in str(refused.exception)
