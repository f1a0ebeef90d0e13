"""ONS formats (``openpeel/sources/ons.py``, ``schema/30_ons.toml``): population, the LAD -> PFA
lookup, the 2011 Census tables, the Crime Severity Score and the force area boundaries.

The real files load whole (MANIFEST.csv row counts, nothing quarantined, a second ingest is
unchanged) and the check values of PROVENANCE.md sections 3-5 come out of the core views. Broken
copies are written to tmp_path.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.sources import identify
from openpeel.sources.base import sniff
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.quality import register_records
from tests.sources.real_files import loaded, only

#: the bundled sample holds the same files (byte-identical), for the broken-copy tests
SAMPLE = sample_path()

HAMPSHIRE = "E23000030"
METROPOLITAN = "E23000001"

POPULATION = "population/ons_mye_lad2021_population_2001_2020.csv.gz"
LOOKUP = "reference/lad16_csp16_pfa16_lookup_england_wales.csv"
CENSUS_PFA = "population/census2011_pfa_ethnic_groups_resistancelab.csv"
CENSUS_PFA_POLICE = "population/census2011_pfa_police_defined_ethnicity_resistancelab.csv"
CENSUS_LA = "population/census2011_la_ethnic_groups.csv"
CENSUS_LSOA = "population/census2011_lsoa_population_households.csv.gz"
CSS = "ons/crime_severity_score_region_pfa_2003_2022_tidy.csv.gz"
BOUNDARIES = "reference/police_force_areas_dec2020_ew.geojson"

FILES = {
    POPULATION: "ons_mye_lad_population",
    LOOKUP: "ons_lad_csp_pfa_lookup",
    CENSUS_PFA: "ons_census2011_pfa_ethnic_group",
    CENSUS_PFA_POLICE: "ons_census2011_pfa_police_ethnicity",
    CENSUS_LA: "ons_census2011_la_ethnic_group",
    CENSUS_LSOA: "ons_census2011_lsoa_population",
    CSS: "ons_crime_severity_score",
    BOUNDARIES: "ons_pfa_boundaries",
}

#: mid-year population of England and Wales, summed from the LAD file (ONS's published
#: figure for mid-2020 is the same, 59,719,724)
ENGLAND_WALES_2020 = 59_719_724
ENGLAND_WALES_2001 = 52_359_978
#: 2011 Census usual residents of England and Wales
CENSUS_2011_ENGLAND_WALES = 56_075_912


@pytest.fixture(scope="module")
def wh(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with loaded(tmp_path_factory.mktemp("ons"), shared_data, FILES) as warehouse:
        yield warehouse


def territorial(wh: Warehouse) -> set[str]:
    return {c for (c,) in wh.rows("SELECT force_code FROM ref_force WHERE is_territorial")}


# -- population -------------------------------------------------------------------------------


@pytest.mark.shared
def test_every_force_has_a_population_for_every_year(wh: Warehouse) -> None:
    rows = wh.rows("SELECT force_code, year, population FROM core_ons__population_pfa")
    assert len(rows) == 43 * 20
    assert {f for f, _, _ in rows} == territorial(wh)
    assert {y for _, y, _ in rows} == set(range(2001, 2021))
    assert all(p > 0 for _, _, p in rows)


@pytest.mark.shared
def test_force_populations_add_up_to_england_and_wales(wh: Warehouse) -> None:
    by_force = dict(
        wh.rows("SELECT year, sum(population) FROM core_ons__population_pfa GROUP BY 1")
    )
    by_lad = dict(wh.rows("SELECT year, sum(population) FROM core_ons__population_lad GROUP BY 1"))
    assert by_force == by_lad
    assert by_force[2020] == ENGLAND_WALES_2020
    assert by_force[2001] == ENGLAND_WALES_2001
    assert wh.scalar("SELECT sum(lad_count) FROM core_ons__population_pfa WHERE year = 2020") == 331


@pytest.mark.shared
def test_published_non_breaking_spaces_are_kept_in_raw_and_trimmed_in_core(wh: Warehouse) -> None:
    raw = {c for (c,) in wh.rows("SELECT DISTINCT code FROM raw_ons__mye_lad_population")}
    assert {"E06000061\u00a0", "E06000062\u00a0"} <= raw
    core = {c for (c,) in wh.rows("SELECT DISTINCT lad_code FROM core_ons__population_lad")}
    assert len(core) == 331
    assert {"E06000061", "E06000062"} <= core
    assert not any(c != c.strip(" \u00a0") for c in core)


def _supplement_file() -> list[dict[str, str]]:
    data = resources.files("openpeel.reference").joinpath("data", "lad21_to_pfa.csv")
    return list(csv.DictReader(io.StringIO(data.read_text(encoding="utf-8"))))


@pytest.mark.shared
def test_lad21_supplement_view_mirrors_its_data_file(wh: Warehouse) -> None:
    in_file = {
        (r["lad21_code"], r["lad21_name"], r["force_code"], r["predecessor_lad16_codes"])
        for r in _supplement_file()
    }
    in_view = set(
        wh.rows(
            "SELECT lad_code, lad_name, force_code, predecessor_lad16_codes "
            "FROM core_ons__lad21_to_pfa_supplement"
        )
    )
    assert in_view == in_file
    assert all("PROVENANCE.md section 4" in r["source"] for r in _supplement_file())
    names = dict(wh.rows("SELECT force_code, short_name FROM ref_force"))
    assert all(names[r["force_code"]] == r["force_short_name"] for r in _supplement_file())


@pytest.mark.shared
def test_lad21_supplement_covers_exactly_the_lads_the_2016_lookup_lacks(wh: Warehouse) -> None:
    mye = {c for (c,) in wh.rows("SELECT DISTINCT lad_code FROM core_ons__population_lad")}
    lookup = dict(wh.rows("SELECT lad_code, force_code FROM core_ons__lad_to_pfa"))
    supplement = {r["lad21_code"]: r for r in _supplement_file()}
    assert mye - set(lookup) == set(supplement)
    # every 2016 LAD gone by 2021 is a predecessor of one of the eight, in the same force area
    predecessors = {
        old: code
        for code, r in supplement.items()
        for old in r["predecessor_lad16_codes"].split(";")
    }
    assert set(lookup) - mye == set(predecessors)
    for old, new in predecessors.items():
        assert lookup[old] == supplement[new]["force_code"], (old, new)


# -- LAD -> PFA lookup ----------------------------------------------------------------------------


@pytest.mark.shared
def test_lookup_has_every_force_and_the_bom_is_not_in_the_data(wh: Warehouse) -> None:
    assert wh.scalar("SELECT count(*) FROM core_ons__lad_to_pfa") == 348
    forces = {f for (f,) in wh.rows("SELECT DISTINCT force_code FROM core_ons__lad_to_pfa")}
    assert forces == territorial(wh)
    assert (
        wh.scalar("SELECT count(*) FROM core_ons__lad_to_pfa WHERE lad_code LIKE '%\ufeff%'") == 0
    )
    assert (
        wh.scalar("SELECT force_code FROM core_ons__lad_to_pfa WHERE pfa_name = 'London, City of'")
        == "E23000034"
    )


# -- 2011 Census ---------------------------------------------------------------------------------


@pytest.mark.shared
def test_census_pfa_population_of_hampshire(wh: Warehouse) -> None:
    persons = wh.scalar(
        "SELECT persons FROM core_ons__census2011_pfa_ethnicity "
        "WHERE force_code = ? AND level = 'total'",
        [HAMPSHIRE],
    )
    assert persons == 1_897_991  # PROVENANCE.md section 4


@pytest.mark.shared
def test_census_pfa_ethnicity_is_long_and_adds_up(wh: Warehouse) -> None:
    assert wh.scalar("SELECT count(*) FROM core_ons__census2011_pfa_ethnicity") == 43 * 24
    forces = {
        f for (f,) in wh.rows("SELECT DISTINCT force_code FROM core_ons__census2011_pfa_ethnicity")
    }
    assert forces == territorial(wh)
    levels = dict(
        wh.rows("SELECT level, sum(persons) FROM core_ons__census2011_pfa_ethnicity GROUP BY 1")
    )
    assert levels == {
        "total": CENSUS_2011_ENGLAND_WALES,
        "group": CENSUS_2011_ENGLAND_WALES,
        "category": CENSUS_2011_ENGLAND_WALES,
    }
    # the categories of each group add up to the group, force by force
    assert (
        wh.scalar(
            "SELECT count(*) FROM (SELECT force_code, broad_group, "
            "sum(persons) FILTER (WHERE level = 'group') AS g, "
            "sum(persons) FILTER (WHERE level = 'category') AS c "
            "FROM core_ons__census2011_pfa_ethnicity WHERE level <> 'total' GROUP BY ALL) "
            "WHERE g <> c"
        )
        == 0
    )


@pytest.mark.shared
def test_census_police_defined_ethnicity_adds_up_to_each_force(wh: Warehouse) -> None:
    assert wh.scalar("SELECT count(*) FROM core_ons__census2011_pfa_police_ethnicity") == 43 * 6
    differences = wh.rows(
        "SELECT p.force_code FROM core_ons__census2011_pfa_police_ethnicity p "
        "JOIN core_ons__census2011_pfa_ethnicity e ON e.force_code = p.force_code "
        "AND e.level = 'total' GROUP BY p.force_code HAVING sum(p.persons) <> any_value(e.persons)"
    )
    assert differences == []
    assert (
        wh.scalar(
            "SELECT persons FROM core_ons__census2011_pfa_police_ethnicity "
            "WHERE force_code = 'E23000036' AND ethnicity = 'White'"
        )
        == 1_491_970
    )  # the first data row: Avon & Somerset


@pytest.mark.shared
def test_census_la_ethnicity(wh: Warehouse) -> None:
    totals = wh.rows(
        "SELECT count(DISTINCT la_code), sum(persons), min(year), max(year) "
        "FROM core_ons__census2011_la_ethnicity WHERE level = 'total'"
    )
    assert totals == [(348, CENSUS_2011_ENGLAND_WALES, 2011, 2011)]
    assert (
        wh.scalar(
            "SELECT persons FROM core_ons__census2011_la_ethnicity "
            "WHERE la_code = 'E06000005' AND ethnic_group = 'White: Irish'"
        )
        == 328
    )  # Darlington, as published


@pytest.mark.shared
def test_census_lsoa_table_with_repeated_and_empty_headers(wh: Warehouse) -> None:
    row = wh.records(
        "SELECT * FROM core_ons__census2011_lsoa_population WHERE lsoa_code = 'E01020634'"
    )[0]
    # published: ,"1,563","1,517",46,650,2.4,666,2.3
    assert (row["persons"], row["persons_in_households"]) == (1563, 1517)
    assert (row["persons_in_communal_establishments"], row["hectares"]) == (46, 650.0)
    assert (row["persons_per_hectare"], row["households"], row["persons_per_household"]) == (
        2.4,
        666,
        2.3,
    )
    summary = wh.rows(
        "SELECT count(*), sum(persons), count(*) FILTER (WHERE persons <> "
        "persons_in_households + persons_in_communal_establishments), "
        "count(*) FILTER (WHERE region_code IS NULL) FROM core_ons__census2011_lsoa_population"
    )
    assert summary == [(34_753, CENSUS_2011_ENGLAND_WALES, 0, 1_909)]  # Welsh rows: no region
    assert (
        wh.scalar(
            "SELECT count(*) FROM raw_ons__census2011_lsoa_population "
            "WHERE unnamed_blank IS NOT NULL"
        )
        == 0
    )


# -- crime severity score -----------------------------------------------------------------


@pytest.mark.shared
def test_severity_score_keeps_the_embedded_newlines(wh: Warehouse) -> None:
    labels = [y for (y,) in wh.rows("SELECT DISTINCT year FROM raw_ons__crime_severity_score")]
    assert len(labels) == 20
    assert "Apr '02 to \nMar '03...4" in labels
    periods = wh.scalar(
        "SELECT periods FROM meta_load_ledger WHERE kind = 'ons_crime_severity_score'"
    )
    assert (periods[0], periods[-1], len(periods)) == ("2002/03", "2021/22", 20)


@pytest.mark.shared
def test_severity_score_core(wh: Warehouse) -> None:
    types = dict(
        wh.rows("SELECT area_type, count(*) FROM core_ons__crime_severity_score GROUP BY 1")
    )
    assert types == {"country": 420, "region": 1260, "pfa": 6020}
    forces = wh.rows(
        "SELECT count(DISTINCT force_code), count(*) FILTER (WHERE force_code IS NULL) "
        "FROM core_ons__crime_severity_score WHERE area_type = 'pfa'"
    )
    assert forces == [(43, 0)]
    assert (
        wh.scalar(
            "SELECT count(*) FROM core_ons__crime_severity_score "
            "WHERE area_type <> 'pfa' AND force_code IS NOT NULL"
        )
        == 0
    )
    first = wh.records(
        "SELECT * FROM core_ons__crime_severity_score WHERE area_code = 'K04000001' "
        "AND offence_group = 'Total recorded crime' AND financial_year = '2002/03'"
    )[0]
    assert first["severity_score"] == pytest.approx(15.889140581668855)
    assert str(first["year_ending"]) == "2003-03-31"


@pytest.mark.shared
def test_city_of_london_scores_are_suppressed_and_registered(wh: Warehouse) -> None:
    suppressed = wh.rows(
        "SELECT DISTINCT force_code, count(*) OVER (), count(severity_score) OVER () "
        "FROM core_ons__crime_severity_score WHERE is_suppressed"
    )
    assert suppressed == [("E23000034", 140, 0)]
    findings = [
        r
        for r in register_records(wh)
        if r["finding"] == "suppressed value" and r["dataset"] == "ons__crime_severity_score"
    ]
    assert {r["force_code"] for r in findings} == {"E23000034"}  # City of London
    assert sum(r["count"] for r in findings) == 140


def test_a_quarantined_row_after_multi_line_records_gets_its_line(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    text = gzip.decompress((SAMPLE / CSS).read_bytes()).decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = records[0], records[1:4]
    rows[2][4] = "n/a"  # the third record's score
    bad = tmp_path / "css.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    # each record spans two lines: header 1, records at 2-3, 4-5 and 6-7
    result = only(ingest(warehouse, [bad]))
    assert (result.status, result.rows_read, result.rows_quarantined) == ("loaded", 3, 1)
    line, raw_text, reason = warehouse.rows("SELECT line, raw_text, reason FROM meta_quarantine")[0]
    assert line == 6
    assert raw_text.endswith("n/a,2005-03-31")
    assert reason == "severity_score: 'n/a' is not a number"


# -- boundaries ----------------------------------------------------------------------------------


def test_geojson_is_recognised() -> None:
    path = SAMPLE / BOUNDARIES
    source, layout = identify(sniff(path, str(path)), str(path))
    assert source.kind == "ons_pfa_boundaries"
    assert layout.header[:3] == ("OBJECTID", "PFA20CD", "PFA20NM")


@pytest.mark.shared
def test_boundaries_core(wh: Warehouse, shared_data: Path) -> None:
    rows = wh.records("SELECT * FROM core_ons__pfa_boundaries")
    assert len(rows) == 43
    assert {r["force_code"] for r in rows} == territorial(wh)
    met = next(r for r in rows if r["force_code"] == METROPOLITAN)
    assert met["name"] == "Metropolitan Police"
    assert (met["centroid_longitude"], met["centroid_latitude"]) == (
        pytest.approx(-0.1107, abs=1e-3),
        pytest.approx(51.5009, abs=1e-3),
    )
    # the point ONS publishes is kept, and is not the centroid
    assert (met["ons_point_longitude"], met["ons_point_latitude"]) == (-0.30866, 51.49227)
    published = (shared_data / BOUNDARIES).read_text(encoding="utf-8")
    for r in rows:
        geometry = json.loads(r["geometry"])
        assert geometry["type"] == r["geometry_type"]
        points = [
            p
            for polygon in (
                [geometry["coordinates"]]
                if geometry["type"] == "Polygon"
                else geometry["coordinates"]
            )
            for ring in polygon
            for p in ring
        ]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        assert min(xs) < r["centroid_longitude"] < max(xs), r["name"]
        assert min(ys) < r["centroid_latitude"] < max(ys), r["name"]
    for (geometry,) in wh.rows("SELECT geometry FROM raw_ons__pfa_boundaries"):
        assert geometry in published  # byte-identical to the published geometry


def _refused(warehouse: Warehouse, bad: Path) -> str:
    result = only(ingest(warehouse, [bad]))
    assert result.status == "refused", result
    assert warehouse.scalar("SELECT count(*) FROM meta_load_ledger") == 0
    assert warehouse.scalar("SELECT count(*) FROM raw_ons__pfa_boundaries") == 0
    assert warehouse.scalar("SELECT problem FROM meta_refused_file") == result.message
    return result.message


def test_truncated_geojson_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    bad = tmp_path / "pfa.geojson"
    bad.write_bytes((SAMPLE / BOUNDARIES).read_bytes()[:200_000])
    message = _refused(warehouse, bad)
    assert message.startswith("is not valid GeoJSON: ")
    assert "line 1, column 200001" in message


def test_geojson_with_a_renamed_property_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    text = (SAMPLE / BOUNDARIES).read_text(encoding="utf-8")
    bad = tmp_path / "pfa.geojson"
    bad.write_text(text.replace('"PFA20NM"', '"PFA20NAME"'), encoding="utf-8")
    message = _refused(warehouse, bad)
    assert (
        message == "feature 1 has unexpected properties: missing 'PFA20NM'; unexpected 'PFA20NAME'"
    )


def test_other_geojson_is_not_taken_for_force_areas(warehouse: Warehouse, tmp_path: Path) -> None:
    other = tmp_path / "lad.geojson"
    other.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"LAD21CD":"E06000001","LAD21NM":"Hartlepool"},"geometry":null}]}',
        encoding="utf-8",
    )
    assert "is not a format OpenPEEL knows" in _refused(warehouse, other)
