"""The data-quality register finds the real quirks of the bundled sample (PROVENANCE.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import register_records, section_records
from tests.conftest import load

SAMPLE = sample_path()
HAMPSHIRE, DORSET, CITY = "E23000030", "E23000039", "E23000034"


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    home: Path = tmp_path_factory.mktemp("quality") / "home"
    with Warehouse(home) as wh:
        results = load(
            wh,
            SAMPLE / "police_uk",
            SAMPLE / "home_office" / "prc_outcomes_open_data_2017_18_tidy.csv.gz",
            SAMPLE / "ons" / "crime_severity_score_region_pfa_2003_2022_tidy.csv.gz",
            SAMPLE
            / "police_uk_aggregates"
            / "alrababah_marble_policeuk_street_counts_by_force_crime_type_month_2015_2018.csv.gz",
        )
        assert {r.status for r in results} == {"loaded"}
        yield register_records(wh)


def findings(register: list[dict[str, Any]], finding: str, dataset: str) -> list[dict[str, Any]]:
    return [r for r in register if r["finding"] == finding and r["dataset"] == dataset]


def test_missing_force_months(register: list[dict[str, Any]]) -> None:
    # February 2019 has only Hampshire's street file; the others of January are missing
    missing = findings(register, "missing force-month", "policeuk__street")
    assert {(r["force_code"], r["period"]) for r in missing} >= {(DORSET, "2019-02")}
    assert (HAMPSHIRE, "2019-02") not in {(r["force_code"], r["period"]) for r in missing}


def test_blank_crime_ids(register: list[dict[str, Any]]) -> None:
    # every British Transport Police row has a blank Crime ID (PROVENANCE section 1)
    btp = findings(register, "blank crime id", "policeuk__street")
    assert [(r["force_code"], r["period"]) for r in btp] == [("BTP", "2019-01")]
    asb = findings(register, "blank crime id (anti-social behaviour)", "policeuk__street")
    assert (HAMPSHIRE, "2019-01") in {(r["force_code"], r["period"]) for r in asb}


def test_repeated_crime_ids_in_outcomes(register: list[dict[str, Any]]) -> None:
    # one crime can have several outcomes: City of London repeats IDs
    repeated = findings(register, "repeated crime id", "policeuk__outcomes")
    assert {r["force_code"] for r in repeated} == {CITY}
    assert all(r["count"] > 0 for r in repeated)


def test_negative_not_yet_assigned_counts(register: list[dict[str, Any]]) -> None:
    negative = findings(register, "negative count", "homeoffice__outcomes")
    assert negative
    assert {r["period"] for r in negative} <= {f"2017/18 Q{q}" for q in range(1, 5)}


def test_suppressed_crime_severity_for_city_of_london(register: list[dict[str, Any]]) -> None:
    suppressed = findings(register, "suppressed value", "ons__crime_severity_score")
    assert sum(r["count"] for r in suppressed) == 140  # PROVENANCE section 3


def test_monthly_count_gaps_and_truncated_month(register: list[dict[str, Any]]) -> None:
    dataset = "policeuk_agg__street_counts_monthly"
    missing = {
        (r["force_code"], r["period"]) for r in findings(register, "missing force-month", dataset)
    }
    # London (the Met) lacks 2018-09; BTP lacks 2016-02 and 2016-03 (PROVENANCE section 12)
    assert missing == {("E23000001", "2018-09"), ("BTP", "2016-02"), ("BTP", "2016-03")}
    small = {(r["force_code"], r["period"]) for r in findings(register, "small month", dataset)}
    assert ("E23000029", "2018-09") in small  # Thames Valley, truncated at source


def test_quarantine_and_refused_sections_are_listed(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "home") as wh:
        load(wh, SAMPLE / "home_office" / "prc_outcomes_open_data_2017_18_tidy.csv.gz")
        (row,) = section_records(wh, "quarantine")
        assert (row["line"], row["reason"]) == (450_914, "blank row")
        assert section_records(wh, "refused") == []


def test_monthly_counts_losing_a_whole_crime_type(register: list[dict[str, Any]]) -> None:
    # Cheshire has no anti-social behaviour rows from 2018-03 to 2018-09 (PROVENANCE section 12)
    missing = findings(register, "crime type missing", "policeuk_agg__street_counts_monthly")
    cheshire = sorted(r["period"] for r in missing if r["force_code"] == "E23000006")
    assert cheshire == [f"2018-{m:02d}" for m in range(3, 10)]
    assert all(
        "Anti-social behaviour" in r["detail"] for r in missing if r["force_code"] == "E23000006"
    )
