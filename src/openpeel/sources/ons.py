"""Office for National Statistics: population, 2011 Census, crime severity, geography.

Publisher: ONS (and the ONS Open Geography Portal), Open Government Licence v3.0. Some files
were reshaped or aggregated by third parties before we got them; PROVENANCE.md sections 3, 4
and 5 say who did what. Formats:

* mid-year population estimates by local authority district, mid-2001 to mid-2020 on 2021
  geography (MYE5, long: ``code, name, year, population``);
* the December 2016 LAD -> community safety partnership -> police force area lookup (UTF-8 BOM);
* 2011 Census: ethnic group by police force area (Resistance Lab aggregation) and regrouped into
  police-defined ethnicity, ethnic group by local authority (Nomis export), and usual residents,
  area and households by LSOA (three columns all headed "Persons", one with an empty header);
* the Crime Severity Score by region and police force area (tidy, long; its ``year`` holds the
  published column heading, with a newline inside the quotes);
* the police force area boundaries, December 2020 (GeoJSON, read in Python).

The eight 2021 LAD codes that the 2016 lookup lacks are mapped to their force in
``openpeel/reference/data/lad21_to_pfa.csv``, mirrored by the view
``core_ons__lad21_to_pfa_supplement`` (a test keeps the two identical).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpeel.sources._readers import Row, refuse
from openpeel.sources.base import (
    FileFacts,
    Layout,
    Source,
    describe_mismatch,
    open_bytes,
    published_header,
)

# -- population and lookups ------------------------------------------------------------------

MYE_HEADER = published_header("raw_ons__mye_lad_population")
LAD_CSP_PFA_HEADER = published_header("raw_ons__lad16_csp16_pfa16_lookup")

# -- 2011 Census -----------------------------------------------------------------------------

#: the 24 ethnic-group count columns of the Nomis KS201-style export, as published, in order,
#: with the raw column names OpenPEEL gives them
ETHNIC_GROUP_COLUMNS = (
    ("all_categories", "Ethnic Group: All categories: Ethnic group; measures: Value"),
    ("white", "Ethnic Group: White; measures: Value"),
    (
        "white_british",
        "Ethnic Group: White: English/Welsh/Scottish/Northern Irish/British; measures: Value",
    ),
    ("white_irish", "Ethnic Group: White: Irish; measures: Value"),
    (
        "white_gypsy_or_irish_traveller",
        "Ethnic Group: White: Gypsy or Irish Traveller; measures: Value",
    ),
    ("white_other", "Ethnic Group: White: Other White; measures: Value"),
    ("mixed", "Ethnic Group: Mixed; measures: Value"),
    (
        "mixed_white_and_black_caribbean",
        "Ethnic Group: Mixed/multiple ethnic group: White and Black Caribbean; measures: Value",
    ),
    (
        "mixed_white_and_black_african",
        "Ethnic Group: Mixed/multiple ethnic group: White and Black African; measures: Value",
    ),
    (
        "mixed_white_and_asian",
        "Ethnic Group: Mixed/multiple ethnic group: White and Asian; measures: Value",
    ),
    ("mixed_other", "Ethnic Group: Mixed/multiple ethnic group: Other Mixed; measures: Value"),
    ("asian", "Ethnic Group: Asian; measures: Value"),
    ("asian_indian", "Ethnic Group: Asian/Asian British: Indian; measures: Value"),
    ("asian_pakistani", "Ethnic Group: Asian/Asian British: Pakistani; measures: Value"),
    ("asian_bangladeshi", "Ethnic Group: Asian/Asian British: Bangladeshi; measures: Value"),
    ("asian_chinese", "Ethnic Group: Asian/Asian British: Chinese; measures: Value"),
    ("asian_other", "Ethnic Group: Asian/Asian British: Other Asian; measures: Value"),
    ("black", "Ethnic Group: Black; measures: Value"),
    (
        "black_african",
        "Ethnic Group: Black/African/Caribbean/Black British: African; measures: Value",
    ),
    (
        "black_caribbean",
        "Ethnic Group: Black/African/Caribbean/Black British: Caribbean; measures: Value",
    ),
    (
        "black_other",
        "Ethnic Group: Black/African/Caribbean/Black British: Other Black; measures: Value",
    ),
    ("other", "Ethnic Group: Other; measures: Value"),
    ("other_arab", "Ethnic Group: Other ethnic group: Arab; measures: Value"),
    (
        "other_any_other",
        "Ethnic Group: Other ethnic group: Any other ethnic group; measures: Value",
    ),
)
ETHNIC_GROUP_HEADERS = tuple(header for _, header in ETHNIC_GROUP_COLUMNS)

CENSUS_PFA_ETHNIC_HEADER = published_header("raw_ons__census2011_pfa_ethnic_group")
CENSUS_PFA_POLICE_ETHNICITY_HEADER = published_header("raw_ons__census2011_pfa_police_ethnicity")
CENSUS_LA_ETHNIC_HEADER = published_header("raw_ons__census2011_la_ethnic_group")
#: the LSOA table repeats "Persons" three times and has a column with an empty header
CENSUS_LSOA_HEADER = published_header("raw_ons__census2011_lsoa_population")
#: distinct raw names for the LSOA table's columns, in header order
CENSUS_LSOA_COLUMNS = (
    "region_code",
    "region_name",
    "la_code",
    "la_name",
    "msoa_code",
    "msoa_name",
    "lsoa_code",
    "lsoa_name",
    "unnamed_blank",
    "persons",
    "persons_in_households",
    "persons_in_communal_establishments",
    "hectares",
    "persons_per_hectare",
    "households",
    "persons_per_household",
)

# -- crime severity score ----------------------------------------------------------------------

CSS_HEADER = published_header("raw_ons__crime_severity_score")
#: the financial year a "year ending 31 March YYYY" falls in, e.g. 2021/22 for 2022-03-31
CSS_PERIOD_SQL = (
    "CAST(TRY_CAST(left(r.year_ending, 4) AS INTEGER) - 1 AS VARCHAR) || '/' || "
    "substr(r.year_ending, 3, 2)"
)
#: force rows only (ONS police force area codes); a code not in the registry gives no force
#: here rather than stopping the load (the core view's force_code is null for it then)
CSS_FORCE_SQL = (
    "CASE WHEN (r.code LIKE 'E23%' OR r.code LIKE 'W15%') "
    "AND r.code IN (SELECT force_code FROM ref_force) THEN r.code END"
)

# -- boundaries (GeoJSON) ------------------------------------------------------------------------

PFA20_PROPERTIES = ("OBJECTID", "PFA20CD", "PFA20NM", "BNG_E", "BNG_N", "LONG", "LAT", "GlobalID")
PFA_GEOJSON_HEADER = published_header("raw_ons__pfa_boundaries")
#: a police force area code property of any vintage (PFA20CD, PFA23CD ...)
PFA_CODE_PROPERTY = re.compile(r"PFA\d\dCD")


@dataclass(frozen=True)
class GeoJsonSource(Source):
    """A source whose files are GeoJSON FeatureCollections, read in Python.

    The sniffer reads every file as CSV, so the "header" it gives for a one-line GeoJSON file
    is the JSON text cut at commas. No published header can be declared for that; instead the
    file is recognised when that text is a JSON object naming a property like ``marker``. The
    reader then checks every feature's property names and refuses the file if they are not the
    layout's (as an unexpected CSV header would be; their order does not matter in JSON).
    """

    marker: re.Pattern[str] = PFA_CODE_PROPERTY

    def match(self, facts: FileFacts) -> Layout | None:
        if not facts.header or not facts.header[0].lstrip().startswith("{"):
            return None
        text = ",".join(facts.header) + "".join(",".join(r) for r in facts.extra_rows)
        if "FeatureCollection" not in text or not self.marker.search(text):
            return None
        return self.layouts[0]


def geojson_reader(properties: tuple[str, ...]) -> Callable[[Path], list[Row]]:
    """A reader giving one row per feature: its properties as text, then its geometry as JSON.

    Values are kept as published: strings as they are, numbers in their JSON form, and the
    geometry as compact JSON text (for the Dec 2020 PFA file this is byte-identical to the
    published text of each geometry).
    """

    def read(path: Path) -> list[Row]:
        with open_bytes(path) as raw:
            data = raw.read()
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as exc:
            refuse(
                path,
                f"is not valid UTF-8 text (byte offset {exc.start})",
                hint="re-save the file as UTF-8",
            )
        except json.JSONDecodeError as exc:
            refuse(
                path,
                f"is not valid GeoJSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                hint="the file may be truncated; download it again",
            )
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            refuse(path, "is not a GeoJSON FeatureCollection")
        features = doc.get("features")
        if not isinstance(features, list) or not features:
            refuse(path, "has no features", hint="download the file again")
        rows: list[Row] = []
        for number, feature in enumerate(features, start=1):
            props = feature.get("properties") if isinstance(feature, dict) else None
            if not isinstance(props, dict):
                refuse(path, f"feature {number} has no properties object")
            if set(props) != set(properties):
                refuse(
                    path,
                    f"feature {number} has unexpected properties: "
                    f"{describe_mismatch(tuple(props), properties)}",
                    hint="the publisher may have changed the layout; declare it as a new "
                    "layout in openpeel/sources/ons.py",
                )
            geometry = feature.get("geometry")
            rows.append(
                (
                    *(_text(props[p]) for p in properties),
                    None
                    if geometry is None
                    else json.dumps(geometry, separators=(",", ":"), ensure_ascii=False),
                )
            )
        return rows

    return read


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    return json.dumps(value)


SOURCES = (
    Source(
        kind="ons_mye_lad_population",
        title="ONS mid-year population estimates by local authority district (2021 geography)",
        publisher="Office for National Statistics",
        raw_table="raw_ons__mye_lad_population",
        layouts=(Layout("code/name/year/population (long)", MYE_HEADER),),
        period_type="year",
        period_sql="r.year",
        notes="Two 2021 LAD codes end in a non-breaking space as published; the core trims it.",
    ),
    Source(
        kind="ons_lad_csp_pfa_lookup",
        title="ONS LAD to community safety partnership to police force area lookup",
        publisher="ONS Open Geography Portal",
        raw_table="raw_ons__lad16_csp16_pfa16_lookup",
        layouts=(Layout("December 2016", LAD_CSP_PFA_HEADER),),
        period_type="none",
        period_sql=None,
        force_sql="r.pfa16cd",
        multi_force=True,
    ),
    Source(
        kind="ons_census2011_pfa_ethnic_group",
        title="2011 Census ethnic group by police force area (Resistance Lab aggregation)",
        publisher="ONS 2011 Census, aggregated by Resistance Lab",
        raw_table="raw_ons__census2011_pfa_ethnic_group",
        layouts=(Layout("PFA16NM + 24 ethnic groups", CENSUS_PFA_ETHNIC_HEADER),),
        period_type="year",
        period_sql="'2011'",
        force_sql="r.pfa16nm",
        multi_force=True,
    ),
    Source(
        kind="ons_census2011_pfa_police_ethnicity",
        title="2011 Census population by police-defined ethnicity and police force area "
        "(Resistance Lab)",
        publisher="ONS 2011 Census, regrouped by Resistance Lab",
        raw_table="raw_ons__census2011_pfa_police_ethnicity",
        layouts=(Layout("Police force + 6 groups", CENSUS_PFA_POLICE_ETHNICITY_HEADER),),
        period_type="year",
        period_sql="'2011'",
        force_sql="r.police_force",
        multi_force=True,
    ),
    Source(
        kind="ons_census2011_la_ethnic_group",
        title="2011 Census ethnic group by local authority (Nomis)",
        publisher="ONS 2011 Census (Nomis)",
        raw_table="raw_ons__census2011_la_ethnic_group",
        layouts=(
            Layout(
                "Nomis export: date, geography, code, Rural Urban + 24 groups",
                CENSUS_LA_ETHNIC_HEADER,
            ),
        ),
        period_type="year",
        period_sql="r.date",
    ),
    Source(
        kind="ons_census2011_lsoa_population",
        title="2011 Census usual residents, area and households by LSOA",
        publisher="ONS 2011 Census (as packaged in crime-sim-toolkit)",
        raw_table="raw_ons__census2011_lsoa_population",
        layouts=(
            Layout(
                "census_2011_population_hh.csv", CENSUS_LSOA_HEADER, columns=CENSUS_LSOA_COLUMNS
            ),
        ),
        period_type="year",
        period_sql="'2011'",
        notes="Three columns are all headed 'Persons' and one has an empty header; they get "
        "distinct raw names (Layout.columns).",
    ),
    Source(
        kind="ons_crime_severity_score",
        title="ONS Crime Severity Score by region and police force area (tidy)",
        publisher="Office for National Statistics (tidied by lesscrime.info)",
        raw_table="raw_ons__crime_severity_score",
        layouts=(
            Layout(
                "tidy long: offence_group, code, name, year, severity_score, year_ending",
                CSS_HEADER,
            ),
        ),
        period_type="financial_year",
        period_sql=CSS_PERIOD_SQL,
        force_sql=CSS_FORCE_SQL,
        multi_force=True,
        notes="`year` holds the published column heading, with a newline inside the quotes.",
    ),
    GeoJsonSource(
        kind="ons_pfa_boundaries",
        title="ONS police force area boundaries (GeoJSON)",
        publisher="ONS Open Geography Portal",
        raw_table="raw_ons__pfa_boundaries",
        layouts=(Layout("Police Force Areas December 2020 (PFA20)", PFA_GEOJSON_HEADER),),
        period_type="none",
        period_sql=None,
        force_sql="r.pfa20cd",
        multi_force=True,
        reader=geojson_reader(PFA20_PROPERTIES),
        file_suffixes=(".geojson", ".json"),
        notes="GeoJSON: recognised by its PFA code property and read in Python.",
    ),
)
