"""Recorded crime per 1,000 residents over rolling 12 months, from the Home Office's
``rec-crime-pfa.csv`` (bundled whole in the sample): the numerator, the population that goes
with each 12 months, and the change and trend tests on 12 months that do not overlap.
Each figure is recomputed here from the core views, independently of the indicator code."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from openpeel.indicators.compare import ALPHA
from openpeel.indicators.periods import phase, population_year, previous
from openpeel.indicators.run import compute, store
from openpeel.indicators.stats import rate_change_test, trend_direction
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

INDICATOR = "recorded_crime_rolling_per_1000"
HAMPSHIRE, CITY_OF_LONDON = "E23000030", "E23000034"
CORE = "core_homeoffice__recorded_crime_rolling"
FILES = (
    "home_office/rec-crime-pfa.csv.gz",
    "population/ons_mye_lad2021_population_2001_2020.csv.gz",
    "reference/lad16_csp16_pfa16_lookup_england_wales.csv",
)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, pd.DataFrame]]:
    wh = Warehouse(tmp_path_factory.mktemp("rolling") / "home")
    results = load(wh, *(sample_path() / f for f in FILES))
    assert {r.status for r in results} == {"loaded"}, results
    frame = compute(wh, [INDICATOR])[INDICATOR]
    store(wh, {INDICATOR: frame})
    yield wh, frame
    wh.close()


def _row(frame: pd.DataFrame, force: str, period: str, breakdown: str = "all") -> pd.Series:
    rows = frame[
        (frame.force_code == force) & (frame.period == period) & (frame.breakdown == breakdown)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _population(wh: Warehouse, force: str, year: int) -> float:
    return float(
        wh.scalar(
            "SELECT sum(population) FROM core_ons__population_pfa WHERE force_code = ? "
            "AND year = ?",
            [force, year],
        )
    )


def test_periods_arithmetic() -> None:
    label = "12 months to 2016-06"
    # the 12 months just before, which do not overlap
    assert previous("rolling_12_months", label) == "12 months to 2015-06"
    # the 30 June inside the 12 months
    assert population_year("rolling_12_months", label) == 2016
    assert population_year("rolling_12_months", "12 months to 2016-12") == 2016
    assert population_year("rolling_12_months", "12 months to 2016-03") == 2015
    assert population_year("rolling_12_months", "12 months to 2016-05") == 2015
    assert [phase("rolling_12_months", f"12 months to 2016-{m:02d}") for m in (3, 6)] == [3, 6]
    assert phase("quarter", "2016/17 Q1") == 0


def test_every_force_and_period_and_nothing_else(computed: tuple[Warehouse, pd.DataFrame]) -> None:
    _, frame = computed
    everything = frame[frame.breakdown == "all"]
    assert set(everything.period_type) == {"rolling_12_months"}
    assert everything.period.nunique() == 52
    assert everything.force_code.nunique() == 43
    assert len(everything) == 43 * 52
    assert not {"BTP", "ACTION_FRAUD", "CIFAS", "UK_FINANCE"} & set(frame.force_code)
    assert "Burglary" in set(frame.breakdown_value)
    assert not {"Domestic burglary", "Fraud offences"} & set(frame.breakdown_value)


def test_hampshire_12_months_to_june_2016(computed: tuple[Warehouse, pd.DataFrame]) -> None:
    wh, frame = computed
    row = _row(frame, HAMPSHIRE, "12 months to 2016-06")
    assert row.numerator == 133_439  # PROVENANCE.md section 14
    assert row.denominator == _population(wh, HAMPSHIRE, 2016)
    assert row.value == pytest.approx(1000 * 133_439 / row.denominator, rel=1e-12)
    march = _row(frame, HAMPSHIRE, "12 months to 2016-03")
    assert march.denominator == _population(wh, HAMPSHIRE, 2015)


def test_fraud_is_left_out_of_every_period(computed: tuple[Warehouse, pd.DataFrame]) -> None:
    wh, frame = computed
    period = "12 months to 2012-06"  # fraud still recorded by the forces then
    total, fraud = wh.rows(
        f"SELECT sum(offences), sum(offences) FILTER (WHERE offence = 'Fraud offences') "
        f"FROM {CORE} WHERE force_code = ? AND period = ?",
        [HAMPSHIRE, period],
    )[0]
    assert fraud > 0
    assert _row(frame, HAMPSHIRE, period).numerator == total - fraud
    # the four burglary offences are one series (months of both pairs in these 12 months)
    burglary = wh.scalar(
        f"SELECT sum(offences) FROM {CORE} WHERE force_code = ? AND period = ? "
        "AND offence LIKE '%burglary'",
        [HAMPSHIRE, "12 months to 2017-09"],
    )
    by_series = frame[
        (frame.force_code == HAMPSHIRE)
        & (frame.period == "12 months to 2017-09")
        & (frame.breakdown_value == "Burglary")
    ]
    assert by_series.numerator.tolist() == [burglary]


def test_change_is_against_the_12_months_a_year_before(
    computed: tuple[Warehouse, pd.DataFrame],
) -> None:
    _, frame = computed
    now = _row(frame, HAMPSHIRE, "12 months to 2016-06")
    before = _row(frame, HAMPSHIRE, "12 months to 2015-06")
    assert now.previous_period == "12 months to 2015-06"
    (p,) = rate_change_test(
        [before.numerator], [before.denominator], [now.numerator], [now.denominator]
    )
    assert now.change_p == pytest.approx(p, rel=1e-9)
    expected = (
        "no significant change" if p >= ALPHA else ("up" if now.value > before.value else "down")
    )
    assert now.change == expected


def test_trend_is_over_years_that_do_not_overlap(
    computed: tuple[Warehouse, pd.DataFrame],
) -> None:
    _, frame = computed
    row = _row(frame, CITY_OF_LONDON, "12 months to 2016-06")
    years = [_row(frame, CITY_OF_LONDON, f"12 months to {y}-06") for y in range(2011, 2017)]
    assert row.trend_periods == 6
    direction, _, p = trend_direction(
        [r.numerator for r in years],
        [r.denominator for r in years],
        "rate",
        ALPHA,
        periods=np.arange(6) * 12.0,
        quasi=True,
    )
    assert row.trend_p == pytest.approx(p, rel=1e-6)
    assert row.trend == direction


def test_the_trend_chart_places_the_periods_in_time(
    computed: tuple[Warehouse, pd.DataFrame],
) -> None:
    """Yearly to 2007 and quarterly after: the chart's x axis is the periods' ends in time,
    not 52 equal steps."""
    from openpeel.presentation.trend_chart import trend_chart

    wh, _ = computed
    spec = trend_chart(wh, INDICATOR, "Hampshire", "rolling_12_months").to_dict()
    (x,) = {str(layer["encoding"]["x"]["field"]) for layer in spec["layer"]}
    assert x == "end"
    assert {layer["encoding"]["x"]["type"] for layer in spec["layer"]} == {"temporal"}
    assert spec["title"]["subtitle"] == "Hampshire Constabulary, rolling 12 months"
    ends = sorted(r["end"] for r in next(iter(spec["datasets"].values())))
    assert ends[:2] == ["2003-03-31T00:00:00", "2004-03-31T00:00:00"]
    assert ends[-1] == "2018-12-31T00:00:00"


def test_the_england_and_wales_trend_places_the_periods_in_time_too(
    computed: tuple[Warehouse, pd.DataFrame],
) -> None:
    """The indicator page's trend with no force chosen draws its periods as the force's trend
    does: each at the last day of its 12 months, for England and Wales and a comparator."""
    from openpeel.presentation.indicator_charts import england_and_wales_trend_chart

    wh, frame = computed
    periods = sorted(set(frame.period))
    chart = england_and_wales_trend_chart(
        wh, INDICATOR, "rolling_12_months", ("chosen forces", {periods[0]: 1.0, periods[-1]: 2.0})
    )
    spec = chart.to_dict()
    assert spec["encoding"]["x"]["field"] == "end"
    assert spec["encoding"]["x"]["type"] == "temporal"
    rows = next(iter(spec["datasets"].values()))
    # every period's point, England and Wales's and the comparator's, at the end of its months
    for row in rows:
        year, month = map(int, row["period"].removeprefix("12 months to ").split("-"))
        last = pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)
        assert row["end"] == last.isoformat()
    assert {r["series"] for r in rows} == {"England and Wales", "chosen forces"}
