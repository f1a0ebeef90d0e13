"""The ``openpeel`` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpeel import __version__
from openpeel.cli.app import app
from openpeel.sample import sample_path

runner = CliRunner()
SAMPLE = sample_path()
CITY = SAMPLE / "police_uk" / "2016-01"


def openpeel(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openpeel", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "true", **(env or {})},
        check=False,
    )


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"openpeel {__version__}"


def _commands() -> list[list[str]]:
    names: list[list[str]] = []
    for command in app.registered_commands:
        assert command.callback is not None
        names.append([command.name or command.callback.__name__])
    for group in app.registered_groups:
        assert group.typer_instance is not None
        assert group.name is not None
        names.append([group.name])
        for sub in group.typer_instance.registered_commands:
            assert sub.callback is not None
            names.append([group.name, sub.name or sub.callback.__name__.replace("_", "-")])
    return names


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    no_home = {("docs",), ("sources",), ("indicators",), ("indicators", "list"), ("chart",)}
    no_home |= {("assess",), ("audit",), ("users",), ("publish",), ("forces",)}  # groups
    # the framework is declared data: its commands read no home
    takes_home = command[0] not in ("docs", "framework") and tuple(command) not in no_home
    assert ("--home" in result.output) == takes_home


def test_ingest_reports_refusals_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "2016-01-kent-street.csv"
    bad.write_text("Crime ID,Month\n1,2016-01\n", encoding="utf-8")
    home = tmp_path / "home"
    result = openpeel("ingest", str(CITY), str(bad), "--home", str(home))
    assert result.returncode == 1, result.stderr
    assert "3 loaded" in result.stdout
    assert f"refused: {bad}: unexpected header" in result.stderr
    assert "hint:" in result.stderr
    again = openpeel("ingest", str(CITY), "--home", str(home))
    assert again.returncode == 0
    assert "Nothing new: all 3 files were already loaded." in again.stdout


def test_status_and_quality_formats(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"OPENPEEL_HOME": str(home)}  # the environment names the home
    assert openpeel("ingest", str(CITY), env=env).returncode == 0
    status = json.loads(openpeel("status", "--format", "json", env=env).stdout)
    by_kind = {row["kind"]: row for row in status}
    assert by_kind["policeuk_street"]["rows_loaded"] == 446
    assert by_kind["policeuk_street"]["first_period"] == "2016-01"
    csv_out = openpeel("quality", "--section", "register", "--format", "csv", env=env).stdout
    assert csv_out.splitlines()[0] == "section,finding,dataset,force_code,period,count,detail"
    table = openpeel("status", env=env).stdout
    assert "policeuk_street" in table


def test_status_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    result = openpeel("status", "--home", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "there is no warehouse" in result.stderr
    assert "openpeel ingest PATH" in result.stderr


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = openpeel("ingest", str(tmp_path / "nope.csv"), "--home", str(tmp_path / "h"))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_unknown_quality_section(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert openpeel("ingest", str(CITY), "--home", str(home)).returncode == 0
    result = openpeel("quality", "--section", "bogus", "--home", str(home))
    assert result.returncode == 2
    assert "use one of quarantine, refused, register or all" in result.stderr
