"""Home Office statistics: outcomes, recorded crime, police powers, workforce, Ethnicity facts.

Publisher: the Home Office (with the Cabinet Office Race Disparity Unit for the Ethnicity facts
and figures tables), Open Government Licence v3.0. The open data tables are read in the forms
described in ``shared/data/PROVENANCE.md`` sections 2, 6 and 14: the crime outcomes table as
the Home Office publishes it (also as the ODS or XLSX spreadsheet,
``openpeel.sources._spreadsheets``), and *tidy* copies that a third party had already reshaped
(snake_case names, ``NA`` for missing values); the numbers are the publisher's. Each layout
below is the exact header row of one published file. The rolling-year recorded crime by force
area is in ``home_office_rolling.py``.

Period labels: financial years ``2017/18``; quarters ``2017/18 Q1`` (financial quarters, Q1 =
April to June); years ending March are labelled by their financial year; workforce snapshots by
their date (``2022-03-31``).
"""

from __future__ import annotations

from openpeel.sources.base import Layout, Source, published_header, raw_columns

PUBLISHER = "Home Office"

# -- crime outcomes open data ----------------------------------------------------------------

#: raw column names of raw_homeoffice__outcomes, in header order (both layouts)
OUTCOMES_COLUMNS = raw_columns("raw_homeoffice__outcomes")
#: 2017/18 tidy file: the count "Force outcomes for offences recorded in quarter" renamed
OUTCOMES_2017_18_HEADER = (*OUTCOMES_COLUMNS[:11], "offences", OUTCOMES_COLUMNS[12])
#: 2018/19 tidy file: the publisher's names, snake_cased
OUTCOMES_2018_19_HEADER = published_header("raw_homeoffice__outcomes")
#: the table as the Home Office publishes it (the data sheet of the ODS, or its CSV export):
#: its own column names; expired codes marked "x", their first count "N/A - offence code
#: expired"; outcome type 0's second count "NA"
OUTCOMES_PUBLISHED_HEADER = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Offence code expired",
    "Outcome Description",
    "Outcome Group",
    "Outcome Type",
    "Force outcomes for offences recorded in quarter",
    "Force outcomes recorded in quarter",
)

# -- police recorded crime by police force area -----------------------------------------------

#: the first header cell is empty: a row index written by the tidier (pandas)
RECORDED_CRIME_HEADER = published_header("raw_homeoffice__recorded_crime")

# -- police powers and procedures: stop and search, arrests -----------------------------------

STOP_SEARCH_HEADER = published_header("raw_homeoffice__stop_search")
ARRESTS_HEADER = published_header("raw_homeoffice__arrests")

# -- police workforce -------------------------------------------------------------------------

WORKFORCE_HEADER = published_header("raw_homeoffice__workforce")

# -- Ethnicity facts and figures: stop and search ---------------------------------------------

EFF_ETHNIC_GROUPS = ("All", "Asian", "Black", "Mixed", "White", "Other")
#: the header has an empty first cell; the row under it gives the units
EFF_BY_AREA_HEADER = published_header("raw_homeoffice__eff_stop_search_by_area")
EFF_BY_AREA_UNITS = ("Police force area", *("Rate per 1,000",) * len(EFF_ETHNIC_GROUPS))
EFF_ENGLAND_WALES_HEADER = published_header("raw_homeoffice__eff_stop_search_england_wales")


def financial_year_of(date_text: str) -> str:
    """SQL: the financial year label (YYYY/YY) of the date in ``date_text``.

    2019-03-31 -> 2018/19 (a year ending March is labelled by its financial year).
    """
    d = f"TRY_CAST({date_text} AS DATE)"
    fy = f"(year({d}) - CASE WHEN month({d}) < 4 THEN 1 ELSE 0 END)"
    return f"CAST({fy} AS VARCHAR) || '/' || right(CAST({fy} + 1 AS VARCHAR), 2)"


SOURCES = (
    Source(
        kind="homeoffice_outcomes",
        title="Home Office crime outcomes open data",
        publisher=PUBLISHER,
        raw_table="raw_homeoffice__outcomes",
        layouts=(
            Layout(
                "2017/18 tidy (count named offences)", OUTCOMES_2017_18_HEADER, OUTCOMES_COLUMNS
            ),
            Layout("2018/19 tidy", OUTCOMES_2018_19_HEADER, OUTCOMES_COLUMNS),
            Layout(
                "as published (Home Office column names)",
                OUTCOMES_PUBLISHED_HEADER,
                OUTCOMES_COLUMNS,
            ),
        ),
        period_type="quarter",
        period_sql="r.financial_year || ' Q' || r.financial_quarter",
        force_sql="r.force_name",
        multi_force=True,
        notes="Police recorded crime and outcomes open data tables (ODS sheet "
        "Outcomes_open_data), one financial year per file, by force x quarter x offence x "
        "outcome type: the publisher's table (as CSV, ODS or XLSX; PROVENANCE.md section 14) "
        "and two tidy copies (section 2).",
    ),
    Source(
        kind="homeoffice_recorded_crime",
        title="Home Office police recorded crime by police force area",
        publisher=PUBLISHER,
        raw_table="raw_homeoffice__recorded_crime",
        layouts=(Layout("2017/18 with Policeuk_Cat (crime-sim-toolkit)", RECORDED_CRIME_HEADER),),
        period_type="quarter",
        period_sql="r.financial_year || ' Q' || r.financial_quarter",
        force_sql="r.force_name",
        multi_force=True,
        notes="PRC PFA open data table by quarter x offence, with a data.police.uk crime type "
        "column added by the crime-sim-toolkit authors. Lists fraud-recording bodies (Action "
        "Fraud, CIFAS, ...) as forces.",
    ),
    Source(
        kind="homeoffice_stop_search",
        title="Home Office stop and search open data",
        publisher=PUBLISHER,
        raw_table="raw_homeoffice__stop_search",
        layouts=(Layout("2006/07-2018/19 tidy", STOP_SEARCH_HEADER),),
        period_type="financial_year",
        period_sql=financial_year_of("r.year_ending"),
        force_sql="r.force_name",
        multi_force=True,
        notes="Police powers and procedures, stop and search open data (sheet S&S_OD), years "
        "ending March, by force x legislation x reason x self-defined ethnicity.",
    ),
    Source(
        kind="homeoffice_arrests",
        title="Home Office arrests open data",
        publisher=PUBLISHER,
        raw_table="raw_homeoffice__arrests",
        layouts=(Layout("2006/07-2017/18 tidy", ARRESTS_HEADER),),
        period_type="financial_year",
        period_sql="r.financial_year",
        force_sql="r.force_name",
        multi_force=True,
        notes="Police powers and procedures, arrests open data (sheet AOD), by force x offence "
        "group x self-defined ethnic group x age group x sex.",
    ),
    Source(
        kind="homeoffice_workforce",
        title="Home Office police workforce open data",
        publisher=PUBLISHER,
        raw_table="raw_homeoffice__workforce",
        layouts=(Layout("2007-2022 tidy", WORKFORCE_HEADER),),
        period_type="date",
        period_sql="strftime(make_date(year(TRY_CAST(r.date AS DATE)), 3, 31), '%Y-%m-%d')",
        force_sql="r.force_name",
        multi_force=True,
        notes="Police workforce open data table (sheet Data): headcount and FTE at 31 March by "
        "force x sex x rank x worker type. The tidy copy dates each snapshot YYYY-03-01.",
    ),
    Source(
        kind="homeoffice_eff_stop_search_by_area",
        title="Ethnicity facts and figures: stop and search rate by ethnicity and area",
        publisher="Home Office / Cabinet Office Race Disparity Unit (GOV.UK Ethnicity facts "
        "and figures)",
        raw_table="raw_homeoffice__eff_stop_search_by_area",
        layouts=(
            Layout(
                "download table, with a units row",
                EFF_BY_AREA_HEADER,
                extra_header_rows=(EFF_BY_AREA_UNITS,),
            ),
        ),
        period_type="none",
        period_sql=None,
        # the totals rows are not forces; spellings the force table does not know are left to
        # the core view (see raw_homeoffice__eff_stop_search_by_area.area)
        force_sql="CASE WHEN norm_code(r.area) IN (SELECT alias FROM ref_alias_force) "
        "THEN r.area END",
        multi_force=True,
        notes="The period is not stated in the file.",
    ),
    Source(
        kind="homeoffice_eff_stop_search_england_wales",
        title="Ethnicity facts and figures: stop and search rate and number by ethnicity, "
        "England and Wales",
        publisher="Home Office / Cabinet Office Race Disparity Unit (GOV.UK Ethnicity facts "
        "and figures)",
        raw_table="raw_homeoffice__eff_stop_search_england_wales",
        layouts=(Layout("download table", EFF_ENGLAND_WALES_HEADER),),
        period_type="none",
        period_sql=None,
        notes="The period is not stated in the file. England and Wales including British "
        "Transport Police.",
    ),
)
