"""The indicator catalogue: declared ids, valid declarations, SQL that compiles for every engine,
and numerators and denominators recomputed independently from the published files."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlglot

from openpeel.indicators import catalogue as cat_module
from openpeel.indicators.aggregate import indicator_frame, materialise
from openpeel.indicators.catalogue import CatalogueError, load_catalogue
from openpeel.indicators.engine import DuckDBEngine
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

SAMPLE = sample_path()
HAMPSHIRE, KENT, SURREY = "E23000030", "E23000032", "E23000031"
ISSUE_IDS = {
    "charge_summons_share",
    "victim_does_not_support_share",
    "outcome16_share",
    "no_suspect_share",
    "out_of_court_share",
    "evidential_difficulties_share",
    "policeuk_crimes_per_1000",
    "asb_incidents_per_1000",
    "policeuk_unable_to_prosecute_share",
    "policeuk_no_suspect_share",
    "recorded_crime_per_1000",
    "arrests_per_1000",
    "stop_search_per_1000",
    "stop_search_arrest_share",
    "stop_search_disproportionality_black_white",
    "officers_per_1000",
    "workforce_fte_per_1000",
    "crime_severity_score",
}


def test_every_indicator_the_issue_names_is_declared() -> None:
    assert set(load_catalogue().indicators) >= ISSUE_IDS


@pytest.mark.parametrize("dialect", ["spark", "postgres"])
def test_every_measure_compiles_for_other_engines(dialect: str) -> None:
    for measure in load_catalogue().measures.values():
        (compiled,) = sqlglot.transpile(measure.sql, read="duckdb", write=dialect)
        assert "SELECT" in compiled.upper(), measure.id


def test_a_bad_declaration_is_refused_naming_the_problem() -> None:
    measures = load_catalogue().measures
    good = {
        "title": "t",
        "description": "d",
        "plain": "p",
        "questions": ["q"],
        "unit": "share",
        "polarity": "higher_is_better",
        "measure": "homeoffice_outcomes",
        "numerator": "true",
        "denominator": "true",
        "periods": ["financial_year"],
        "minimum_denominator": 1,
        "version": 1,
        "numerator_words": "n",
        "denominator_words": "d",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"unit": "percent"}, "unit 'percent'"),
        ({"measure": "nope"}, "no measure 'nope'"),
        ({"breakdowns": ["colour"]}, "breakdown 'colour' is not a dimension"),
        ({"periods": ["month"]}, "period 'month' is not one the measure"),
        ({"denominator": None}, "needs a denominator filter"),
    ]
    for change, message in cases:
        raw = {**good, **change}
        with pytest.raises(CatalogueError, match=message):
            cat_module._indicator("x", raw, "test.toml", measures, load_catalogue().units)
    without_plain = {k: v for k, v in good.items() if k != "plain"}
    with pytest.raises(CatalogueError, match="plain"):
        cat_module._indicator("x", without_plain, "test.toml", measures, load_catalogue().units)


def test_every_indicator_has_a_plain_one_line_definition_before_its_technical_one() -> None:
    for ind in load_catalogue().indicators.values():
        assert ind.plain.strip(), ind.id
        assert "\n" not in ind.plain, ind.id
        assert ind.plain != ind.description, ind.id
        assert len(ind.plain) <= 200, f"{ind.id}: one line, not a paragraph"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBEngine]:
    home = tmp_path_factory.mktemp("indicators") / "home"
    with Warehouse(home) as wh:
        results = load(wh, SAMPLE)
        assert {r.status for r in results} == {"loaded"}
        engine = DuckDBEngine(wh)
        for measure in load_catalogue().measures.values():
            materialise(engine, measure)
        yield engine


def _frame(engine: DuckDBEngine, indicator_id: str) -> pd.DataFrame:
    catalogue = load_catalogue()
    return indicator_frame(engine, catalogue, catalogue.indicator(indicator_id))


def _csv(path: Path, newline: str | None = "") -> list[dict[str, str]]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=newline)))


def _pick(frame: pd.DataFrame, force: str, period: str) -> tuple[float, float]:
    row = frame[(frame.force_code == force) & (frame.period == period) & (frame.breakdown == "all")]
    assert len(row) == 1, row
    return float(row.numerator.iloc[0]), float(row.denominator.iloc[0])


def test_victim_does_not_support_share_from_the_published_table(engine: DuckDBEngine) -> None:
    rows = _csv(SAMPLE / "home_office/prc_outcomes_open_data_2017_18_tidy.csv.gz")
    frame = _frame(engine, "victim_does_not_support_share")
    names = {HAMPSHIRE: "Hampshire", KENT: "Kent", SURREY: "Surrey"}
    for code, name in names.items():
        mine = [
            r
            for r in rows
            if r["force_name"] == name and not r["offence_description"].endswith("(outcomes only)")
        ]
        numerator = sum(int(r["offences"]) for r in mine if r["outcome_type"] in ("14", "16"))
        denominator = sum(int(r["offences"]) for r in mine)
        assert _pick(frame, code, "2017/18") == (numerator, denominator), name


def test_unable_to_prosecute_share_from_the_bbc_counts(engine: DuckDBEngine) -> None:
    path = (
        SAMPLE
        / "police_uk_aggregates/bbc_policeuk_outcomes_by_force_crime_type_year_2012_2016.csv.gz"
    )
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    frame = _frame(engine, "policeuk_unable_to_prosecute_share")
    names = {HAMPSHIRE: "Hampshire Constabulary", KENT: "Kent Police", SURREY: "Surrey Police"}
    for code, name in names.items():
        mine = [
            r
            for r in rows
            if r["reported_by"] == name
            and r["Year"] == "2016"
            and r["crime_type"] != "Anti-social behaviour"
        ]
        denominator = sum(int(r["f0_"]) for r in mine)
        numerator = sum(
            int(r["f0_"])
            for r in mine
            if r["last_outcome_category"] == "Unable to prosecute suspect"
        )
        assert _pick(frame, code, "2016") == (numerator, denominator), name
    assert _pick(frame, HAMPSHIRE, "2016") == (28_675, 97_696)  # PROVENANCE section 10


def test_stop_search_arrest_share_from_the_published_table(engine: DuckDBEngine) -> None:
    rows = _csv(SAMPLE / "home_office/stop_search_open_data_2006_07_to_2018_19_tidy.csv.gz")
    frame = _frame(engine, "stop_search_arrest_share")
    names = {HAMPSHIRE: "Hampshire", KENT: "Kent", SURREY: "Surrey"}
    for code, name in names.items():
        mine = [r for r in rows if r["force_name"] == name and r["year_ending"] == "2019-03-31"]
        searches = sum(int(r["searches"]) for r in mine if r["searches"] != "NA")
        arrests = sum(int(r["resultant_arrests"]) for r in mine if r["resultant_arrests"] != "NA")
        assert _pick(frame, code, "2018/19") == (arrests, searches), name
    assert _pick(frame, HAMPSHIRE, "2018/19") == (1_340, 8_121)  # PROVENANCE section 2


def test_rates_use_the_mid_year_population_inside_the_period(engine: DuckDBEngine) -> None:
    frame = _frame(engine, "officers_per_1000")
    population = (
        engine.table(
            f"SELECT population FROM core_ons__population_pfa WHERE force_code = '{HAMPSHIRE}' "
            "AND year = 2017"
        )
        .to_pandas()
        .population.iloc[0]
    )
    _, denominator = _pick(frame, HAMPSHIRE, "2017/18")
    assert denominator == float(population)
    later = frame[(frame.force_code == HAMPSHIRE) & (frame.period == "2021/22")]
    assert "population of mid-2020" in str(later.denominator_note.iloc[0])


def test_rolling_12_months_only_where_every_month_is_present(engine: DuckDBEngine) -> None:
    frame = _frame(engine, "policeuk_crimes_per_1000")
    rolling = frame[
        (frame.period_type == "rolling_12_months")
        & (frame.breakdown == "all")
        & (frame.force_code == HAMPSHIRE)
    ]
    months = frame[
        (frame.period_type == "month")
        & (frame.breakdown == "all")
        & (frame.force_code == HAMPSHIRE)
    ].set_index("period")
    # the published counts run 2015-01 to 2018-09: the first full window ends 2015-12
    assert rolling.period.min() == "12 months to 2015-12"
    row = rolling[rolling.period == "12 months to 2016-12"].iloc[0]
    expected = months.loc[[f"2016-{m:02d}" for m in range(1, 13)], "numerator"].sum()
    assert row.numerator == expected
    # 2018-10 to 2019-02 have only some months here, so no window ends there
    assert "12 months to 2019-01" not in set(rolling.period)
