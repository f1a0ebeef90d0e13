"""PEEL grades (``openpeel/sources/hmic.py``, ``schema/40_other.toml``).

The real file loads whole and gives the counts of PROVENANCE.md section 9. A grade that is not an
inspectorate wording refuses the file, naming the file, line and field (see the module docstring
of ``openpeel.sources.hmic`` for why a refusal and not a quarantine).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.sources.hmic import GRADES_FROM_2021
from openpeel.warehouse.db import Warehouse
from tests.sources.real_files import loaded, only

HAMPSHIRE = "E23000030"
GRADES = "hmic/peel_grades.csv"
#: the bundled sample holds the same file (byte-identical), for the broken-copy tests
SAMPLE_GRADES = sample_path() / GRADES


@pytest.fixture(scope="module")
def wh(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    files = {GRADES: "hmic_peel_grades"}
    with loaded(tmp_path_factory.mktemp("hmic"), shared_data, files) as warehouse:
        yield warehouse


def grade_counts(wh: Warehouse, year: int, pillar: str) -> dict[str, int]:
    return dict(
        wh.rows(
            "SELECT grade, count(*) FROM core_hmic__peel_grades "
            "WHERE year = ? AND pillar = ? AND is_pillar_grade GROUP BY 1",
            [year, pillar],
        )
    )


@pytest.mark.shared
def test_rows_and_pillar_grades(wh: Warehouse) -> None:
    assert wh.rows(
        "SELECT count(*), count(*) FILTER (WHERE is_pillar_grade), count(DISTINCT force_code), "
        "count(*) FILTER (WHERE force_code IS NULL), count(published) FROM core_hmic__peel_grades"
    ) == [(704, 511, 43, 0, 704 - 469)]
    pillars = wh.rows(
        "SELECT year, pillar, count(*) FROM core_hmic__peel_grades WHERE is_pillar_grade "
        "GROUP BY ALL ORDER BY ALL"
    )
    assert pillars == [
        (2015, "effectiveness", 43), (2015, "efficiency", 43), (2015, "legitimacy", 43),
        (2016, "effectiveness", 43), (2016, "efficiency", 43), (2016, "legitimacy", 43),
        (2017, "effectiveness", 41), (2017, "efficiency", 42), (2017, "legitimacy", 43),
        (2018, "effectiveness", 42), (2018, "efficiency", 43), (2018, "legitimacy", 42),
    ]  # fmt: skip
    questions = dict(
        wh.rows(
            "SELECT peel_edition, count(*) FROM core_hmic__peel_grades "
            "WHERE NOT is_pillar_grade GROUP BY 1"
        )
    )
    assert questions == {"2015": 2, "2016": 16, "2017": 131, "2018/19": 34, "2021/22": 10}


@pytest.mark.shared
def test_national_counts_match_the_published_ones(wh: Warehouse) -> None:
    assert grade_counts(wh, 2015, "effectiveness") == {
        "outstanding": 1,
        "good": 24,
        "requires improvement": 18,
    }
    assert grade_counts(wh, 2016, "effectiveness") == {
        "outstanding": 1,
        "good": 28,
        "requires improvement": 13,
        "inadequate": 1,
    }
    legitimacy_2017 = grade_counts(wh, 2017, "legitimacy")
    assert (legitimacy_2017["outstanding"], legitimacy_2017["requires improvement"]) == (1, 6)
    assert legitimacy_2017["not graded"] == 1  # Greater Manchester


@pytest.mark.shared
def test_hampshire(wh: Warehouse) -> None:
    grades = {
        (edition, pillar): grade
        for edition, pillar, grade in wh.rows(
            "SELECT peel_edition, pillar, grade FROM core_hmic__peel_grades "
            "WHERE force_code = ? AND is_pillar_grade",
            [HAMPSHIRE],
        )
    }
    assert grades.pop(("2016", "effectiveness")) == "requires improvement"
    assert set(grades.values()) == {"good"}
    assert len(grades) == 11
    published = wh.scalar(
        "SELECT published FROM core_hmic__peel_grades WHERE force_code = ? AND year = 2016 "
        "AND pillar = 'effectiveness' AND is_pillar_grade",
        [HAMPSHIRE],
    )
    assert str(published) == "2017-03-02"


@pytest.mark.shared
def test_peel_2021_area_grades(wh: Warehouse) -> None:
    rows = wh.rows(
        "SELECT DISTINCT year, peel_edition, pillar FROM core_hmic__peel_grades WHERE year = 2021"
    )
    assert rows == [(2021, "2021/22", "overall")]
    grades = dict(
        wh.rows("SELECT grade, count(*) FROM core_hmic__peel_grades WHERE year = 2021 GROUP BY 1")
    )
    # "adequate" exists on the 2021/22 scale but none of the ten rows here has it
    assert set(grades) <= set(GRADES_FROM_2021)
    assert sum(grades.values()) == 10


# -- broken copies (from the bundled sample: no shared data needed) --------------------------------


def _copy(tmp_path: Path, edit_line: int, field: str, value: str) -> Path:
    """The grades file with one field of one line (1 = the header) changed."""
    rows = list(csv.reader(io.StringIO(SAMPLE_GRADES.read_text(encoding="utf-8"), newline="")))
    rows[edit_line - 1][rows[0].index(field)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "peel_grades.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_an_unknown_grade_refuses_the_file(warehouse: Warehouse, tmp_path: Path) -> None:
    bad = _copy(tmp_path, 3, "grade", "excellent")
    result = only(ingest(warehouse, [bad]))
    assert result.status == "refused", result
    assert result.message == (
        "line 3, field 'grade': 'excellent' is not a PEEL grade (allowed: outstanding, good, "
        "adequate, requires improvement, inadequate, not graded)"
    )
    assert warehouse.rows("SELECT path, problem FROM meta_refused_file") == [
        (str(bad), result.message)
    ]
    assert warehouse.scalar("SELECT count(*) FROM meta_load_ledger") == 0
    assert warehouse.scalar("SELECT count(*) FROM raw_hmic__peel_grades") == 0


def test_adequate_before_peel_2021_refuses_the_file(warehouse: Warehouse, tmp_path: Path) -> None:
    bad = _copy(tmp_path, 2, "grade", "adequate")  # Avon and Somerset 2015 effectiveness
    result = only(ingest(warehouse, [bad]))
    assert result.status == "refused", result
    assert result.message.startswith("line 2, field 'grade': 'adequate' is only a PEEL grade from")


def test_a_grade_differing_only_in_case_loads_as_the_canonical_wording(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    copy = _copy(tmp_path, 3, "grade", "Good")
    result = only(ingest(warehouse, [copy]))
    assert (result.status, result.rows_loaded) == ("loaded", 704)
    assert (
        warehouse.scalar("SELECT grade FROM raw_hmic__peel_grades WHERE grade = 'Good'") == "Good"
    )
    assert "Good" not in {g for (g,) in warehouse.rows("SELECT grade FROM core_hmic__peel_grades")}


def test_a_bad_year_is_quarantined_with_its_reason(warehouse: Warehouse, tmp_path: Path) -> None:
    copy = _copy(tmp_path, 4, "year", "20l5")
    result = only(ingest(warehouse, [copy]))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 703, 1)
    line, raw_text, reason = warehouse.rows("SELECT line, raw_text, reason FROM meta_quarantine")[0]
    assert reason == "year: '20l5' is not a whole number"
    assert line == 4  # the line _copy changed (1 = the header)
    assert raw_text.startswith("Avon and Somerset,20l5,legitimacy,")


def test_a_file_truncated_mid_row_is_refused_naming_the_line(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    text = SAMPLE_GRADES.read_text(encoding="utf-8")
    bad = tmp_path / "peel_grades.csv"
    bad.write_text(text[: text.index("\n", 2000) + 30], encoding="utf-8")
    lines = bad.read_text(encoding="utf-8").splitlines()
    result = only(ingest(warehouse, [bad]))
    assert result.status == "refused", result
    assert result.message.startswith(f"line {len(lines)} has ")
    assert result.message.endswith("fields but the header has 7")
