"""The Home Office's rolling-year recorded crime by police force area, ``rec-crime-pfa.csv``
(``openpeel/sources/home_office_rolling.py``; PROVENANCE.md section 14).

The whole published file is bundled in the sample (byte-identical, see its MANIFEST.csv), so
these tests need no shared data. It loads with every row accounted for and nothing refused;
the check values are PROVENANCE's; fraud bodies and British Transport Police are kept and
recognised, outside the 43; the offence list's changes are the declared mapping's; negative
counts and the odd period label are kept and listed in the quality register. The broken
copies are real published lines with one thing changed.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from openpeel.ingest.batch import FileResult
from openpeel.reference import recorded_crime_offences
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import register_records
from tests.conftest import load

REC_CRIME = sample_path() / "home_office" / "rec-crime-pfa.csv.gz"
ROWS = 46_469
CORE = "core_homeoffice__recorded_crime_rolling"
HAMPSHIRE, NORTH_WALES, CHESHIRE = "E23000030", "W15000001", "E23000006"
LINES = gzip.decompress(REC_CRIME.read_bytes()).decode("utf-8").splitlines()


def only(results: list[FileResult]) -> FileResult:
    assert len(results) == 1, results
    return results[0]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    warehouse = Warehouse(tmp_path_factory.mktemp("rolling") / "home")
    result = only(load(warehouse, REC_CRIME))
    assert (result.status, result.kind) == ("loaded", "homeoffice_recorded_crime_rolling")
    yield warehouse
    warehouse.close()


def test_every_row_is_accounted_for(wh: Warehouse) -> None:
    assert wh.scalar("SELECT count(*) FROM meta_refused_file") == 0
    assert wh.rows("SELECT rows_read, rows_loaded, rows_quarantined FROM meta_load_ledger") == [
        (ROWS, ROWS, 0)
    ]
    assert wh.scalar(f"SELECT count(*) FROM {CORE}") == ROWS
    unresolved = "force_code IS NULL OR offence_series IS NULL OR period_end IS NULL"
    assert wh.scalar(f"SELECT count(*) FROM {CORE} WHERE {unresolved}") == 0
    periods = wh.scalar("SELECT periods FROM meta_load_ledger")
    assert len(periods) == 52
    assert (periods[0], periods[-1]) == ("12 months to 2003-03", "12 months to 2018-12")
    (again,) = load(wh, REC_CRIME)
    assert again.status == "unchanged"


def test_provenance_check_values(wh: Warehouse) -> None:
    june_2016 = "period = '12 months to 2016-06'"
    assert wh.rows(
        f"SELECT sum(offences), count(*) FROM {CORE} WHERE {june_2016} AND force_code = ?",
        [HAMPSHIRE],
    ) == [(133_439, 21)]
    forces = wh.rows(
        f"SELECT sum(offences), count(DISTINCT force_code) FROM {CORE} "
        f"WHERE {june_2016} AND is_territorial_force"
    )
    assert forces == [(3_903_725, 43)]


def test_fraud_bodies_and_btp_are_kept_outside_the_43(wh: Warehouse) -> None:
    others = wh.rows(
        f"SELECT force_code, count(*), bool_or(is_territorial_force), "
        f"list(DISTINCT offence_series) FROM {CORE} WHERE NOT is_territorial_force "
        "GROUP BY 1 ORDER BY 1"
    )
    fraud = ["Fraud (national bodies)"]
    assert [(c, n, t) for c, n, t, _ in others] == [
        ("ACTION_FRAUD", 31, False),
        ("BTP", 1054, False),
        ("CIFAS", 31, False),
        ("UK_FINANCE", 31, False),
    ]
    assert all(series == fraud for code, _, _, series in others if code != "BTP")
    assert not any(
        wh.scalar(
            f"SELECT bool_or(is_in_total_excluding_fraud) FROM {CORE} WHERE force_code = ?",
            [code],
        )
        for code in ("ACTION_FRAUD", "CIFAS", "UK_FINANCE")
    )


def test_the_declared_offence_list_is_the_files(wh: Warehouse) -> None:
    """Every offence's first and last period in the mapping are those of the file."""
    seen = {
        offence: (first, last)
        for offence, first, last in wh.rows(
            f"SELECT offence, min(period_end), max(period_end) FROM {CORE} GROUP BY 1"
        )
    }
    declared = {
        o.offence: (o.first_period, o.last_period) for o in recorded_crime_offences().rows()
    }
    assert set(declared) == set(seen)
    for offence, (first, last) in seen.items():
        labels = tuple(f"12 months to {d:%Y-%m}" for d in (first, last))
        assert declared[offence] == labels, offence


def test_burglary_is_comparable_across_the_change_of_classification(wh: Warehouse) -> None:
    by_period = {
        period: (old, new)
        for period, old, new in wh.rows(
            f"SELECT period, sum(offences) FILTER (WHERE offence IN "
            "('Domestic burglary', 'Non-domestic burglary')), "
            "sum(offences) FILTER (WHERE offence IN "
            "('Residential burglary', 'Non-residential burglary')) "
            f"FROM {CORE} WHERE is_territorial_force AND offence_series = 'Burglary' "
            "GROUP BY 1"
        )
    }
    assert by_period["12 months to 2017-03"][1] == 0  # the new pair listed, not yet used
    assert all(v > 0 for v in by_period["12 months to 2017-09"])  # months of both
    assert by_period["12 months to 2018-03"][0] < 10  # the old pair all but 0
    # the total excluding fraud holds every burglary offence and no fraud
    excluded = wh.rows(
        f"SELECT DISTINCT offence FROM {CORE} WHERE NOT is_in_total_excluding_fraud ORDER BY 1"
    )
    assert excluded == [("Action Fraud",), ("CIFAS",), ("Fraud offences",), ("UK Finance",)]


def test_negative_counts_are_kept_and_registered(wh: Warehouse) -> None:
    negative = wh.rows(f"SELECT force_code, period, offences FROM {CORE} WHERE offences < 0")
    assert len(negative) == 25
    assert (NORTH_WALES, "12 months to 2013-12", -120) in negative
    assert (CHESHIRE, "12 months to 2007-06", -1) in negative
    register = [
        r
        for r in register_records(wh)
        if r["finding"] == "negative count" and r["dataset"] == "homeoffice__recorded_crime_rolling"
    ]
    assert sum(r["count"] for r in register) == 25
    where = {(r["force_code"], r["period"]) for r in register}
    assert (NORTH_WALES, "12 months to 2013-12") in where
    assert (CHESHIRE, "12 months to 2007-06") in where


def test_the_odd_period_label_is_read_and_registered(wh: Warehouse) -> None:
    odd = wh.rows(
        f"SELECT DISTINCT published_period_end, period, period_end FROM {CORE} "
        "WHERE is_period_end_adjusted"
    )
    assert odd == [("30/12/2017", "12 months to 2017-12", dt.date(2017, 12, 31))]
    found = [r for r in register_records(wh) if r["finding"] == "period end not a month end"]
    assert len(found) == 47
    assert {r["period"] for r in found} == {"12 months to 2017-12"}


# -- broken copies and other encodings --------------------------------------------------------


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_an_offence_not_in_the_mapping_stops_the_file(tmp_path: Path) -> None:
    lines = LINES[:30]
    at = next(i for i, line in enumerate(lines) if ",Robbery," in line)
    lines[at] = lines[at].replace(",Robbery,", ",Robery,")  # a misspelt offence
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, _write(tmp_path / "rec-crime-pfa.csv", lines)))
        assert result.status == "refused", result
        assert "unknown recorded crime offence 'Robery'" in result.message
        assert f"line {at + 1}" in result.message
        assert "'Offence'" in result.message
        assert "'Robbery'" in result.message  # the nearest known offence
        assert "recorded_crime_offences.csv" not in result.message
        assert "openpeel/reference/data" in (result.hint or "")
        assert wh.scalar("SELECT count(*) FROM raw_homeoffice__recorded_crime_rolling") == 0


def test_an_impossible_date_is_quarantined_with_its_line(tmp_path: Path) -> None:
    lines = LINES[:30]
    lines[5] = lines[5].replace("31/03/2003", "31/02/2003", 1)
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, _write(tmp_path / "rec-crime-pfa.csv", lines)))
        assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 29, 28)
        ((line, reason),) = wh.rows("SELECT line, reason FROM meta_quarantine")
        assert line == 6
        assert reason.startswith("12 months ending: '31/02/2003' is not a date")


def test_a_spreadsheet_with_date_cells_gives_the_same_periods(tmp_path: Path) -> None:
    """The first 200 published rows as an XLSX, dates as date cells (a re-encoding)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "rec-crime-pfa"
    header, *body = (line.split(",") for line in LINES[:201])
    sheet.append(header)
    for end, pfa, region, offence, count in body:
        day, month, year = (int(x) for x in end.split("/"))
        sheet.append([dt.datetime(year, month, day), pfa, region, offence, int(count)])
    path = tmp_path / "rec-crime-pfa.xlsx"
    book.save(path)
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, path))
        assert (result.status, result.rows_loaded) == ("loaded", 200), result
        rows = wh.rows(f"SELECT period, force_code, offence, offences FROM {CORE} ORDER BY ALL")
    with Warehouse(tmp_path / "csv") as wh:
        only(load(wh, _write(tmp_path / "rec-crime-pfa.csv", LINES[:201])))
        assert rows == wh.rows(
            f"SELECT period, force_code, offence, offences FROM {CORE} ORDER BY ALL"
        )


def test_a_line_cut_short_is_quarantined_and_the_rest_loads(tmp_path: Path) -> None:
    """A copy that ends in the middle of a line (as a download cut off does)."""
    lines = [*LINES[:30], "31/03/2003,Bedfordshire,East,Criminal damage"]
    with Warehouse(tmp_path / "home") as wh:
        result = only(load(wh, _write(tmp_path / "rec-crime-pfa.csv", lines)))
        assert (result.status, result.rows_read) == ("loaded", 30), result
        assert (result.rows_loaded, result.rows_quarantined) == (29, 1)
        ((line, text),) = wh.rows("SELECT line, raw_text FROM meta_quarantine")
        assert line == 31
        assert text.endswith(lines[-1])


def test_the_quarantined_text_of_a_crlf_line_is_the_line(tmp_path: Path) -> None:
    lines = [*LINES[:30], "31/03/2003,Bedfordshire,East,Criminal damage"]
    with Warehouse(tmp_path / "home") as wh:
        only(load(wh, _write(tmp_path / "rec-crime-pfa.csv", lines)))
        assert wh.scalar("SELECT raw_text FROM meta_quarantine") == lines[-1]
