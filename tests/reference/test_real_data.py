"""Every spelling and code in the real files in ../shared/data resolves in the reference tables.

Skipped when ../shared/data is absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from openpeel.errors import UnknownCodeError
from openpeel.reference import (
    crime_types,
    forces,
    offence_codes,
    outcome_types,
    policeuk_outcomes,
)
from tests.reference.reference_helpers import PoliceUkScan, geojson_names, read_bbc, read_str_csv

pytestmark = [pytest.mark.shared, pytest.mark.slow]

ALREADY_CODED = ("E23", "W15")
# Rows of the Ethnicity facts and figures table that are not forces: two England and Wales
# totals and the units row under the header.
EFF_NOT_FORCES = {"All - excluding BTP", "All - including BTP", "Police force area"}
HO_OUTCOMES = (
    "home_office/prc_outcomes_open_data_2017_18_tidy.csv.gz",
    "home_office/prc_outcomes_open_data_2018_19_tidy.csv.gz",
)
# (file, column) of every force-name column in the non-data.police.uk files
FORCE_COLUMNS = [
    (
        "police_uk_aggregates/alrababah_marble_policeuk_street_counts_by_force_crime_type_month_2015_2018.csv.gz",
        "county",
    ),
    *[(f, "force_name") for f in HO_OUTCOMES],
    ("home_office/prc_pfa_2017_18_with_policeuk_category.csv.gz", "Force_Name"),
    ("home_office/stop_search_open_data_2006_07_to_2018_19_tidy.csv.gz", "force_name"),
    ("home_office/arrests_open_data_2006_07_to_2017_18_tidy.csv.gz", "force_name"),
    ("workforce/police_workforce_open_data_2007_2022_tidy.csv.gz", "force_name"),
    ("hmic/peel_grades.csv", "force"),
    ("reference/police_most_similar_groups.csv", "force"),
    ("reference/police_most_similar_groups.csv", "msg_member"),
    ("reference/lsoa2011_to_police_force_england.csv.gz", "Police_force"),
    ("reference/lad16_csp16_pfa16_lookup_england_wales.csv", "PFA16NM"),
    ("population/census2011_pfa_ethnic_groups_resistancelab.csv", "PFA16NM"),
    ("population/census2011_pfa_police_defined_ethnicity_resistancelab.csv", "Police force"),
]


def unresolved(resolve: Callable[..., object], values: Iterable[tuple[str, str]]) -> list[str]:
    """The (where, value) pairs that ``resolve`` refuses, for one readable failure message."""
    bad = []
    for where, value in sorted(set(values)):
        try:
            resolve(value, where=where)
        except UnknownCodeError as exc:
            bad.append(str(exc))
    return bad


def test_every_force_spelling_resolves(shared_data: Path, policeuk_scan: PoliceUkScan) -> None:
    spellings = set(policeuk_scan.force_spellings)
    for name, column in FORCE_COLUMNS:
        for value in read_str_csv(shared_data / name, [column])[column].unique():
            # Not spellings: blank Police_force rows of the LSOA lookup, and the entirely
            # blank ("NA") last row of the 2017/18 outcomes file.
            if value and not (name in HO_OUTCOMES and value == "NA"):
                spellings.add((f"{name} {column}", str(value)))
    bbc = read_bbc(
        shared_data
        / "police_uk_aggregates"
        / "bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz"
    )
    spellings |= {("BBC reported_by", r["reported_by"]) for r in bbc}
    eff = read_str_csv(
        shared_data / "home_office" / "eff_stop_search_rate_by_ethnicity_and_pfa.csv"
    )
    first = eff.columns[0]
    spellings |= {("EFF area", str(v)) for v in eff[first] if v not in EFF_NOT_FORCES}
    for code, name in geojson_names(
        shared_data / "reference" / "police_force_areas_dec2020_ew.geojson"
    ):
        spellings |= {("PFA20NM", name), ("PFA20CD", code)}
    assert len(spellings) > 300
    assert unresolved(forces().resolve, spellings) == []


def test_coded_files_agree_with_force_codes(shared_data: Path) -> None:
    """Where a file gives the ONS code next to the name, the name resolves to that code."""
    pairs: set[tuple[str, str, str]] = set()
    wf = read_str_csv(
        shared_data / "workforce" / "police_workforce_open_data_2007_2022_tidy.csv.gz",
        ["geo_code", "force_name"],
    )
    pairs |= {("workforce", c, n) for c, n in wf.drop_duplicates().itertuples(index=False)}
    css = read_str_csv(
        shared_data / "ons" / "crime_severity_score_region_pfa_2003_2022_tidy.csv.gz",
        ["code", "name"],
    )
    css = css[css["code"].str[:3].isin(ALREADY_CODED)]
    pairs |= {("ONS CSS", c, n) for c, n in css.drop_duplicates().itertuples(index=False)}
    lad = read_str_csv(
        shared_data / "reference" / "lad16_csp16_pfa16_lookup_england_wales.csv",
        ["PFA16CD", "PFA16NM"],
    )
    pairs |= {("PFA16", c, n) for c, n in lad.drop_duplicates().itertuples(index=False)}
    pairs |= {
        ("PFA20", c, n)
        for c, n in geojson_names(
            shared_data / "reference" / "police_force_areas_dec2020_ew.geojson"
        )
    }
    wrong = [
        (src, code, name)
        for src, code, name in sorted(pairs)
        if forces().resolve(name).code != code
    ]
    assert wrong == []
    assert {c for _, c, _ in pairs} == {f.code for f in forces().territorial()}


def test_file_slugs_agree_with_reported_by(policeuk_scan: PoliceUkScan) -> None:
    for slug, reported in policeuk_scan.slug_reported_by.items():
        assert {forces().resolve(r).code for r in reported} == {forces().resolve(slug).code}, slug
        assert forces().resolve(slug).policeuk_slug == slug


def test_every_crime_type_resolves(shared_data: Path, policeuk_scan: PoliceUkScan) -> None:
    values = {("street files", v) for v in policeuk_scan.crime_types}
    bbc = read_bbc(
        shared_data
        / "police_uk_aggregates"
        / "bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz"
    )
    values |= {("BBC crime_type", r["crime_type"]) for r in bbc}
    al = read_str_csv(shared_data / FORCE_COLUMNS[0][0], ["crime.type"])
    values |= {("Alrababah crime.type", str(v)) for v in al["crime.type"].unique() if v != "All"}
    prc = read_str_csv(
        shared_data / "home_office" / "prc_pfa_2017_18_with_policeuk_category.csv.gz",
        ["Policeuk_Cat"],
    )
    values |= {("PRC Policeuk_Cat", str(v)) for v in prc["Policeuk_Cat"].unique()}
    mapping = read_str_csv(
        shared_data / "reference" / "home_office_offence_code_to_policeuk_category.csv",
        ["Police.uk_Cat"],
    )
    values |= {("mapping Police.uk_Cat", str(v)) for v in mapping["Police.uk_Cat"].unique()}
    assert len({v for _, v in values}) > 20
    assert unresolved(crime_types().resolve, values) == []
    current = {crime_types().resolve(v) for v in policeuk_scan.crime_types}
    assert current == {r.crime_type for r in crime_types().rows() if r.is_current}


def test_every_outcome_string_resolves(shared_data: Path, policeuk_scan: PoliceUkScan) -> None:
    values = {("data.police.uk files", v) for v in policeuk_scan.outcomes}
    bbc = read_bbc(
        shared_data
        / "police_uk_aggregates"
        / "bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz"
    )
    values |= {("BBC last_outcome_category", r["last_outcome_category"]) for r in bbc}
    assert ("data.police.uk files", "") in values
    assert unresolved(policeuk_outcomes().resolve, values) == []
    seen = {policeuk_outcomes().resolve(v) for _, v in values}
    assert seen == set(policeuk_outcomes().values()), "every row is seen in the real files"


def test_home_office_outcome_types_and_offence_codes_resolve(shared_data: Path) -> None:
    types: set[tuple[str, str]] = set()
    wordings: set[tuple[str, str, str]] = set()
    codes: set[tuple[str, str]] = set()
    for name in HO_OUTCOMES:
        cols = ["outcome_type", "outcome_description", "offence_code"]
        df = read_str_csv(shared_data / name, cols).drop_duplicates()
        df = df[df["outcome_type"] != "NA"]  # the blank last row of 2017/18
        types |= {(name, str(t)) for t in df["outcome_type"].unique()}
        wordings |= {
            (name, str(t), str(d))
            for t, d in df[cols[:2]].drop_duplicates().itertuples(index=False)
        }
        codes |= {(name, str(c)) for c in df["offence_code"].unique()}
    assert unresolved(outcome_types().resolve, types) == []
    assert all(outcome_types().resolve(d) == t for _, t, d in wordings)
    assert len({c for _, c in codes}) > 130
    assert unresolved(offence_codes().resolve, codes) == []


def test_published_offence_mapping_is_kept(shared_data: Path) -> None:
    prc = read_str_csv(
        shared_data / "home_office" / "prc_pfa_2017_18_with_policeuk_category.csv.gz",
        ["Offence_Code", "Policeuk_Cat"],
    ).drop_duplicates()
    for code, category in prc.itertuples(index=False):
        row = offence_codes().get(str(code))
        assert row.policeuk_crime_type == crime_types().resolve(str(category)), code
