"""Home Office formats (``openpeel/sources/home_office.py``, ``schema/20_home_office.toml``).

Every real file of PROVENANCE.md sections 2 and 6 loads whole, with the row counts of
MANIFEST.csv and the check values of PROVENANCE.md computed from the core views; the quirks are
kept; broken copies are refused or quarantined. Each real-data test loads only the file it needs
(once per module); the broken-copy tests use a few real published lines written out here and
need no shared data.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from openpeel.ingest.batch import FileResult
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import register_records
from tests.conftest import load

HAMPSHIRE = "E23000030"
LANCASHIRE = "E23000003"

OUTCOMES_1718 = "home_office/prc_outcomes_open_data_2017_18_tidy.csv.gz"
OUTCOMES_1819 = "home_office/prc_outcomes_open_data_2018_19_tidy.csv.gz"
RECORDED_CRIME = "home_office/prc_pfa_2017_18_with_policeuk_category.csv.gz"
STOP_SEARCH = "home_office/stop_search_open_data_2006_07_to_2018_19_tidy.csv.gz"
ARRESTS = "home_office/arrests_open_data_2006_07_to_2017_18_tidy.csv.gz"
WORKFORCE = "workforce/police_workforce_open_data_2007_2022_tidy.csv.gz"
EFF_BY_AREA = "home_office/eff_stop_search_rate_by_ethnicity_and_pfa.csv"
EFF_ENGLAND_WALES = "home_office/eff_stop_search_rate_by_ethnicity_england_wales.csv"


@dataclass(frozen=True)
class RealFile:
    path: str
    kind: str
    core: str
    #: rows under the header that are heading (MANIFEST.csv counts them as data rows)
    heading_rows: int = 0
    quarantined: int = 0
    #: core rows per loaded row (the wide EFF table is unpivoted)
    facts_per_row: int = 1
    #: distinct forces the file names (None: no force column)
    forces: int | None = None
    #: a core row may have no force_code when this SQL condition holds (declared totals)
    not_a_force: str = "false"

    def __str__(self) -> str:
        return Path(self.path).name


FILES = (
    RealFile(
        OUTCOMES_1718, "homeoffice_outcomes", "core_homeoffice__outcomes", quarantined=1, forces=44
    ),
    RealFile(OUTCOMES_1819, "homeoffice_outcomes", "core_homeoffice__outcomes", forces=44),
    RealFile(
        RECORDED_CRIME, "homeoffice_recorded_crime", "core_homeoffice__recorded_crime", forces=48
    ),
    RealFile(STOP_SEARCH, "homeoffice_stop_search", "core_homeoffice__stop_search", forces=44),
    RealFile(ARRESTS, "homeoffice_arrests", "core_homeoffice__arrests", forces=43),
    RealFile(WORKFORCE, "homeoffice_workforce", "core_homeoffice__workforce", forces=43),
    RealFile(
        EFF_BY_AREA,
        "homeoffice_eff_stop_search_by_area",
        "core_homeoffice__eff_stop_search_by_area",
        heading_rows=1,
        facts_per_row=6,
        forces=44,
        not_a_force="is_total",
    ),
    RealFile(
        EFF_ENGLAND_WALES,
        "homeoffice_eff_stop_search_england_wales",
        "core_homeoffice__eff_stop_search_england_wales",
    ),
)
WITH_FORCES = tuple(f for f in FILES if f.forces is not None)

Loaded = Callable[[str], tuple[Warehouse, FileResult]]
OUTCOMES = "core_homeoffice__outcomes"


def count(wh: Warehouse, view: str, condition: str = "true") -> int:
    """Rows of a view that meet an SQL condition."""
    return int(wh.scalar(f"SELECT count(*) FROM {view} WHERE {condition}"))


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """Each real file loaded once into a warehouse of its own, shared by this module's tests."""
    cache: dict[str, tuple[Warehouse, FileResult]] = {}

    def get(path: str) -> tuple[Warehouse, FileResult]:
        if path not in cache:
            wh = Warehouse(tmp_path_factory.mktemp("home"))
            (result,) = load(wh, shared_data / path)
            cache[path] = (wh, result)
        return cache[path]

    yield get
    for wh, _ in cache.values():
        wh.close()


@pytest.fixture(scope="module")
def manifest(shared_data: Path) -> dict[str, int]:
    with (shared_data / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        return {
            r["path"]: int(r["data_rows_excluding_header"])
            for r in csv.DictReader(fh)
            if r["data_rows_excluding_header"]  # blank for files that are not tables
        }


# -- every real file --------------------------------------------------------------------------


@pytest.mark.parametrize("real", FILES, ids=str)
def test_real_file_loads_whole(real: RealFile, loaded: Loaded, manifest: dict[str, int]) -> None:
    wh, result = loaded(real.path)
    assert (result.status, result.kind) == ("loaded", real.kind), result
    assert wh.scalar("SELECT count(*) FROM meta_refused_file") == 0
    assert result.rows_read == manifest[real.path] - real.heading_rows
    assert result.rows_quarantined == real.quarantined
    assert result.rows_loaded == result.rows_read - real.quarantined
    core_rows = wh.scalar(f"SELECT count(*) FROM {real.core}")
    assert core_rows == result.rows_loaded * real.facts_per_row


@pytest.mark.parametrize("real", FILES, ids=str)
def test_second_ingest_is_unchanged(real: RealFile, loaded: Loaded, shared_data: Path) -> None:
    wh, first = loaded(real.path)
    rows = wh.scalar(f"SELECT count(*) FROM {real.core}")
    (again,) = load(wh, shared_data / real.path)
    assert (again.status, again.file_id) == ("unchanged", first.file_id), again
    assert wh.scalar("SELECT count(*) FROM meta_load_ledger") == 1
    assert wh.scalar(f"SELECT count(*) FROM {real.core}") == rows


@pytest.mark.parametrize("real", WITH_FORCES, ids=str)
def test_every_force_spelling_resolves(real: RealFile, loaded: Loaded) -> None:
    wh, result = loaded(real.path)
    unresolved = wh.scalar(
        f"SELECT count(*) FROM {real.core} WHERE force_code IS NULL AND NOT ({real.not_a_force})"
    )
    assert unresolved == 0
    forces = wh.scalar("SELECT forces FROM meta_load_ledger WHERE file_id = ?", [result.file_id])
    assert len(forces) == real.forces
    assert len(set(forces)) == real.forces


# -- crime outcomes ---------------------------------------------------------------------------


def test_outcomes_2017_18_blank_last_row_is_quarantined(loaded: Loaded) -> None:
    wh, result = loaded(OUTCOMES_1718)
    assert (result.rows_read, result.rows_loaded) == (450_913, 450_912)
    ((line, text),) = wh.rows("SELECT line, raw_text FROM meta_quarantine")
    assert line == 450_914  # the header is line 1
    assert text == ",".join(["NA"] * 13)
    assert count(wh, OUTCOMES) == 450_912


def test_outcomes_2017_18_blank_last_row_reason(loaded: Loaded) -> None:
    wh, _ = loaded(OUTCOMES_1718)
    assert wh.scalar("SELECT reason FROM meta_quarantine") == "blank row"


def test_outcomes_layouts_share_the_raw_columns(loaded: Loaded) -> None:
    wh17, r17 = loaded(OUTCOMES_1718)
    wh18, r18 = loaded(OUTCOMES_1819)
    assert (
        wh17.scalar("SELECT layout FROM meta_load_ledger") == "2017/18 tidy (count named offences)"
    )
    assert wh18.scalar("SELECT layout FROM meta_load_ledger") == "2018/19 tidy"
    assert r17.kind == r18.kind == "homeoffice_outcomes"
    # the 2017/18 count, published as 'offences', is in the same column as 2018/19's
    row = (
        "SELECT outcomes_for_offences_recorded, outcomes_recorded_in_quarter "
        "FROM core_homeoffice__outcomes WHERE force_code = ? AND period = ? "
        "AND offence_code = ? AND outcome_type = ?"
    )
    assert wh17.rows(row, [HAMPSHIRE, "2017/18 Q1", "56A", 0]) == [(-2, None)]
    assert wh17.rows(row, [HAMPSHIRE, "2017/18 Q1", "56A", 2]) == [(1, 0)]
    assert wh18.rows(row, [HAMPSHIRE, "2018/19 Q1", "80", 10]) == [(3, 2)]
    periods = {
        f: wh.scalar("SELECT periods FROM meta_load_ledger")
        for f, wh in ((OUTCOMES_1718, wh17), (OUTCOMES_1819, wh18))
    }
    assert periods[OUTCOMES_1718] == [f"2017/18 Q{q}" for q in range(1, 5)]
    assert periods[OUTCOMES_1819] == [f"2018/19 Q{q}" for q in range(1, 5)]
    assert r18.rows_loaded == 132_529


def test_outcomes_flags(loaded: Loaded) -> None:
    wh, _ = loaded(OUTCOMES_1819)
    flagged = wh.rows(
        "SELECT DISTINCT offence_code, is_offence_code_expired FROM core_homeoffice__outcomes "
        "WHERE is_outcomes_only ORDER BY 1"
    )
    assert flagged == [("53D", True), ("53F", True)]
    assert count(wh, OUTCOMES, "is_offence_code_expired") == 3
    wh17, _ = loaded(OUTCOMES_1718)
    # every 2017/18 row says NA: the tidy copy had removed the rows of expired codes
    assert count(wh17, OUTCOMES, "is_offence_code_expired IS NOT NULL") == 0
    assert count(wh17, OUTCOMES, "is_outcomes_only") == 0


def test_outcomes_negative_type_0_counts_are_in_the_register(loaded: Loaded) -> None:
    wh, _ = loaded(OUTCOMES_1718)
    negative = wh.rows(
        "SELECT DISTINCT outcome_type FROM core_homeoffice__outcomes "
        "WHERE outcomes_for_offences_recorded < 0"
    )
    assert negative == [(0,)]
    # outcomes recorded in the quarter are not available (NA) for type 0
    assert count(wh, OUTCOMES, "outcome_type = 0 AND outcomes_recorded_in_quarter IS NOT NULL") == 0
    found: dict[str, int] = {}
    for r in register_records(wh):
        if r["finding"] == "negative count" and r["dataset"] == "homeoffice__outcomes":
            found[r["detail"]] = found.get(r["detail"], 0) + r["count"]
    assert found["rows with a negative force_outcomes_for_offences_recorded_in_quarter"] == 2584
    assert count(wh, OUTCOMES, "outcomes_for_offences_recorded < 0") == 2584
    wh18, _ = loaded(OUTCOMES_1819)
    detail = "rows with a negative force_outcomes_for_offences_recorded_in_quarter"
    found18 = [
        r
        for r in register_records(wh18)
        if r["finding"] == "negative count" and r["detail"] == detail
    ]
    # one register row per force and quarter, with the force's code
    assert {r["period"] for r in found18} == {f"2018/19 Q{q}" for q in range(1, 5)}
    assert all(r["force_code"] for r in found18)
    assert sum(r["count"] for r in found18) == 280
    assert count(wh18, OUTCOMES, "outcomes_for_offences_recorded < 0 AND outcome_type <> 0") == 0


# -- recorded crime, stop and search, arrests, workforce --------------------------------------


def test_recorded_crime_hampshire_total_and_fraud_bodies(loaded: Loaded) -> None:
    wh, _ = loaded(RECORDED_CRIME)
    total = wh.scalar(
        "SELECT sum(offences) FROM core_homeoffice__recorded_crime "
        "WHERE force_code = ? AND financial_year = '2017/18'",
        [HAMPSHIRE],
    )
    assert total == 159_541
    others = wh.rows(
        "SELECT DISTINCT c.force_code, f.is_territorial FROM core_homeoffice__recorded_crime c "
        "JOIN ref_force f USING (force_code) WHERE NOT c.is_territorial_force ORDER BY 1"
    )
    assert others == [
        ("ACTION_FRAUD", False),
        ("BTP", False),
        ("CIFAS", False),
        ("FFA_UK", False),
        ("UK_FINANCE", False),
    ]
    assert (
        wh.scalar(
            "SELECT count(DISTINCT force_code) FROM core_homeoffice__recorded_crime "
            "WHERE is_territorial_force"
        )
        == 43
    )
    unmapped = "policeuk_crime_type IS NULL OR offence_code IS NULL"
    assert count(wh, "core_homeoffice__recorded_crime", unmapped) == 0


def test_stop_search_hampshire_year_ending_march_2019(loaded: Loaded) -> None:
    wh, _ = loaded(STOP_SEARCH)
    row = wh.rows(
        "SELECT financial_year, sum(searches), sum(resultant_arrests) "
        "FROM core_homeoffice__stop_search WHERE force_code = ? "
        "AND year_ending = DATE '2019-03-31' GROUP BY 1",
        [HAMPSHIRE],
    )
    assert row == [("2018/19", 8121, 1340)]
    periods = wh.scalar("SELECT periods FROM meta_load_ledger")
    assert periods == [f"{y}/{(y + 1) % 100:02d}" for y in range(2006, 2019)]
    core = {
        name
        for (name,) in wh.rows("SELECT column_name FROM (DESCRIBE core_homeoffice__stop_search)")
    }
    raw = {
        name
        for (name,) in wh.rows("SELECT column_name FROM (DESCRIBE raw_homeoffice__stop_search)")
    }
    s60 = {
        "weapons_arrests_s60_only",
        "other_arrests_s60_only",
        "persons_found_to_be_carrying_a_weapon_s60_only",
    }
    assert s60 <= raw
    assert not s60 & core


def test_arrests_years_forces_and_lancashire_2017_18(loaded: Loaded) -> None:
    wh, _ = loaded(ARRESTS)
    years = [
        y
        for (y,) in wh.rows(
            "SELECT DISTINCT financial_year FROM core_homeoffice__arrests ORDER BY 1"
        )
    ]
    assert years == [f"{y}/{(y + 1) % 100:02d}" for y in range(2006, 2018)]
    missing = wh.rows(
        "SELECT force_code, financial_year, count(*) FROM core_homeoffice__arrests "
        "WHERE arrests IS NULL GROUP BY ALL"
    )
    assert missing == [(LANCASHIRE, "2017/18", 600)]
    early = wh.rows(
        "SELECT DISTINCT force_code FROM core_homeoffice__arrests "
        "WHERE is_2015_classification AND financial_year < '2015/16' ORDER BY 1"
    )
    assert early == [("E23000012",), ("E23000031",)]  # Humberside and Surrey, 2014/15


def test_workforce_hampshire_officer_fte_and_geo_codes(loaded: Loaded) -> None:
    wh, _ = loaded(WORKFORCE)
    fte = wh.scalar(
        "SELECT sum(fte) FROM core_homeoffice__workforce WHERE force_code = ? "
        "AND as_at = DATE '2022-03-31' AND worker_type = 'police officer'",
        [HAMPSHIRE],
    )
    assert round(fte, 1) == 3222.9
    assert count(wh, "core_homeoffice__workforce", "force_code IS DISTINCT FROM geo_code") == 0
    assert count(wh, "core_homeoffice__workforce", "month(as_at) <> 3 OR day(as_at) <> 31") == 0


# -- Ethnicity facts and figures --------------------------------------------------------------


def test_eff_by_area_totals_are_not_forces(loaded: Loaded) -> None:
    wh, _ = loaded(EFF_BY_AREA)
    totals = wh.rows(
        "SELECT area, rate_per_1000 FROM core_homeoffice__eff_stop_search_by_area "
        "WHERE force_code IS NULL AND ethnicity = 'All' ORDER BY 1"
    )
    assert totals == [("All - excluding BTP", 8.7), ("All - including BTP", 8.9)]
    not_available = wh.rows(
        "SELECT DISTINCT force_code FROM core_homeoffice__eff_stop_search_by_area "
        "WHERE rate_per_1000 IS NULL ORDER BY 1"
    )
    assert not_available == [("BTP",), ("E23000034",)]  # British Transport Police, City of London
    hampshire = dict(
        wh.rows(
            "SELECT ethnicity, rate_per_1000 FROM core_homeoffice__eff_stop_search_by_area "
            "WHERE force_code = ?",
            [HAMPSHIRE],
        )
    )
    assert hampshire == {
        "All": 5.1,
        "Asian": 3.1,
        "Black": 16.9,
        "Mixed": 6.8,
        "White": 3.8,
        "Other": 3.7,
    }


def test_eff_england_wales_groups_add_up(loaded: Loaded) -> None:
    wh, _ = loaded(EFF_ENGLAND_WALES)
    assert (
        wh.scalar(
            "SELECT searches FROM core_homeoffice__eff_stop_search_england_wales "
            "WHERE ethnicity = 'All'"
        )
        == 529_474
    )
    sums = wh.rows(
        "SELECT ethnic_group, sum(searches) FILTER (WHERE is_broad_group), "
        "sum(searches) FILTER (WHERE NOT is_broad_group) "
        "FROM core_homeoffice__eff_stop_search_england_wales "
        "WHERE ethnic_group NOT IN ('All', 'Unknown') GROUP BY 1"
    )
    assert len(sums) == 5
    assert all(broad == detailed for _, broad, detailed in sums), sums
    assert count(wh, "core_homeoffice__eff_stop_search_england_wales", "ethnic_group IS NULL") == 0


# -- broken copies ----------------------------------------------------------------------------

#: real published lines (header and the first rows of Hampshire 2018/19 Q1 and 2017/18 Q1)
OUTCOMES_1819_LINES = (
    "financial_year,financial_quarter,force_name,offence_description,offence_group,"
    "offence_subgroup,offence_code,offence_code_expired,outcome_description,outcome_group,"
    "outcome_type,force_outcomes_for_offences_recorded_in_quarter,"
    "force_outcomes_recorded_in_quarter",
    "2018/19,1,Hampshire,Absconding from lawful custody,Miscellaneous crimes against society,"
    "Miscellaneous crimes,80,FALSE,Charged/Summonsed,Charged/Summonsed,1,3,3",
    "2018/19,1,Hampshire,Absconding from lawful custody,Miscellaneous crimes against society,"
    "Miscellaneous crimes,80,FALSE,Not in public interest (Police),"
    "Prosecution prevented or not in the public interest,10,3,2",
    "2018/19,1,Hampshire,Abuse of children through sexual exploitation,Sexual offences,"
    "Other sexual offences,71,FALSE,Charged/Summonsed,Charged/Summonsed,1,2,1",
)
OUTCOMES_1718_LINES = (
    "financial_year,financial_quarter,force_name,offence_description,offence_group,"
    "offence_subgroup,offence_code,offence_code_expired,outcome_description,outcome_group,"
    "outcome_type,offences,force_outcomes_recorded_in_quarter",
    "2017/18,1,Hampshire,Arson endangering life,Criminal damage and arson,Arson,56A,NA,"
    "Cannabis/Khat Warning,Out-of-court (informal),7,0,0",
    "2017/18,1,Hampshire,Arson endangering life,Criminal damage and arson,Arson,56A,NA,"
    "Caution – youths,Out-of-court (formal),2,1,0",
    "2017/18,1,Hampshire,Arson endangering life,Criminal damage and arson,Arson,56A,NA,"
    "Not yet assigned an outcome,Not yet assigned an outcome,0,-2,NA",
)
STOP_SEARCH_LINES = (
    "year_ending,force_name,legislation,reason_for_search_arrest,ethnic_group_self_defined,"
    "ethnicity_self_defined,searches,resultant_arrests,weapons_arrests_s60_only,"
    "other_arrests_s60_only,persons_found_to_be_carrying_a_weapon_s60_only",
    "2019-03-31,Hampshire,Section 1 (PACE),Drugs,White,Other White,217,35,NA,NA,NA",
    "2019-03-31,Hampshire,Section 1 (PACE),Drugs,White,White British,3308,407,NA,NA,NA",
)
ARRESTS_LINES = (
    "financial_year,force_name,offence_group,ethnic_group,age_group,sex,arrests,year_ending",
    "2017/18,Hampshire,2015/16 onwards - Robbery,White,10 - 17 years,Female,7,2018-03-31",
    "2017/18,Hampshire,2015/16 onwards - Robbery,White,18 - 20 years,Female,3,2018-03-31",
)
RECORDED_CRIME_LINES = (
    ",Financial_Year,Financial_Quarter,Force_Name,Offence_Description,Offence_Group,"
    "Offence_Subgroup,Offence_Code,Number_of_Offences,Policeuk_Cat",
    "2099,2017/18,1,Hampshire,Absconding from lawful custody,Miscellaneous crimes,"
    "Miscellaneous crimes,80,5,Other crime",
    "2100,2017/18,1,Hampshire,Abuse of children through sexual exploitation,Sexual offences,"
    "Other sexual offences,71,5,Violence and Sexual Offences",
)
WORKFORCE_LINES = (
    "date,geo_code,force_name,region,sex,rank_description,worker_type,total_headcount,total_fte",
    "2022-03-01,E23000030,Hampshire,South East,Female,Constable,police officer,998,"
    "942.1829999999999",
)


def _write(path: Path, lines: tuple[str, ...] | list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_outcomes_broken_copies_load_when_intact(warehouse: Warehouse, tmp_path: Path) -> None:
    """The excerpts used below load as they are (so each test breaks exactly one thing)."""
    results = load(
        warehouse,
        _write(tmp_path / "o1819.csv", OUTCOMES_1819_LINES),
        _write(tmp_path / "o1718.csv", OUTCOMES_1718_LINES),
    )
    assert [(r.status, r.rows_loaded, r.rows_quarantined) for r in results] == [
        ("loaded", 3, 0),
        ("loaded", 3, 0),
    ]


def test_outcomes_renamed_column_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    header, *rows = OUTCOMES_1819_LINES
    bad = _write(
        tmp_path / "outcomes.csv", [header.replace(",outcome_type,", ",outcome_no,"), *rows]
    )
    (result,) = load(warehouse, bad)
    assert result.status == "refused", result
    assert result.display.endswith("outcomes.csv")
    assert "crime outcomes" in result.message
    assert "missing 'outcome_type'" in result.message
    assert "unexpected 'outcome_no'" in result.message
    assert warehouse.scalar("SELECT path FROM meta_refused_file") == result.display
    assert warehouse.scalar("SELECT count(*) FROM raw_homeoffice__outcomes") == 0


@pytest.mark.parametrize(
    ("name", "lines", "field"),
    [
        ("outcomes", OUTCOMES_1819_LINES, "force_name"),
        ("stop_search", STOP_SEARCH_LINES, "force_name"),
        ("arrests", ARRESTS_LINES, "force_name"),
        ("recorded_crime", RECORDED_CRIME_LINES, "Force_Name"),
        ("workforce", WORKFORCE_LINES, "force_name"),
    ],
)
def test_unknown_force_is_refused(
    warehouse: Warehouse, tmp_path: Path, name: str, lines: tuple[str, ...], field: str
) -> None:
    header, first, *rest = lines
    bad = _write(
        tmp_path / f"{name}.csv", [header, first, first.replace("Hampshire", "Hamshire"), *rest]
    )
    (result,) = load(warehouse, bad)
    assert result.status == "refused", result
    assert result.display.endswith(f"{name}.csv")
    assert "unknown force 'Hamshire'" in result.message
    assert "line 3" in result.message
    assert repr(field) in result.message
    assert "'Hampshire'" in result.message  # the closest known spelling


@pytest.mark.parametrize(
    ("lines", "label"),
    [
        (OUTCOMES_1718_LINES, "offences"),
        (OUTCOMES_1819_LINES, "force_outcomes_for_offences_recorded_in_quarter"),
    ],
    ids=["2017/18 layout", "2018/19 layout"],
)
def test_outcomes_non_numeric_count_is_quarantined(
    warehouse: Warehouse, tmp_path: Path, lines: tuple[str, ...], label: str
) -> None:
    header, *rows = lines
    fields = rows[1].split(",")
    fields[11] = "two"
    rows[1] = ",".join(fields)
    (result,) = load(warehouse, _write(tmp_path / "outcomes.csv", [header, *rows]))
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        3,
        2,
        1,
    )
    quarantined = warehouse.rows("SELECT line, raw_text, reason FROM meta_quarantine")
    assert quarantined == [(3, rows[1], f"{label}: 'two' is not a whole number")]
    assert count(warehouse, OUTCOMES) == 2


#: the first lines of the Ethnicity facts and figures table by area (CRLF, every cell quoted)
EFF_BY_AREA_LINES = (
    '"","All","Asian","Black","Mixed","White","Other"',
    '"Police force area","Rate per 1,000","Rate per 1,000","Rate per 1,000","Rate per 1,000",'
    '"Rate per 1,000","Rate per 1,000"',
    '"All - excluding BTP","8.7","8.3","23.7","9.5","5.8","7.3"',
    '"British Transport Police","N/A","N/A","N/A","N/A","N/A","N/A"',
    '"Hampshire","5.1","3.1","16.9","6.8","3.8","3.7"',
)


def _write_crlf(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def test_eff_units_row_is_checked(warehouse: Warehouse, tmp_path: Path) -> None:
    (good,) = load(warehouse, _write_crlf(tmp_path / "eff.csv", list(EFF_BY_AREA_LINES)))
    assert (good.status, good.rows_read, good.rows_quarantined) == ("loaded", 3, 0)
    forces = warehouse.scalar("SELECT forces FROM meta_load_ledger")
    assert forces == ["BTP", HAMPSHIRE]  # the total is not a force
    header, units, *rows = EFF_BY_AREA_LINES
    other = _write_crlf(tmp_path / "eff100.csv", [header, units.replace("1,000", "100"), *rows])
    (refused,) = load(warehouse, other)
    assert refused.status == "refused", refused
    assert "stop and search rate by ethnicity and area" in refused.message
