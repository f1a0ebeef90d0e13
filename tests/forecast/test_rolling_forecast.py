"""Quarterly forecasts of the rolling-year recorded crime (``recorded_crime_rolling_quarterly``):
the series from the real ``rec-crime-pfa.csv`` (bundled whole in the sample), why their baseline
is the last value and not the value four quarters back, ETS without a season, the rising flag on
rolling years that do not overlap, and the forecasts as the force's page shows them.

The series called SYNTHETIC are made here with fixed seeds, to test one behaviour each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
import pytest

from openpeel.forecast import flags
from openpeel.forecast.run import run
from openpeel.forecast.series import Series, as_frame, build, load_series, load_sources
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

SOURCE = load_sources()["recorded_crime_rolling_quarterly"]
HAMPSHIRE, LEICESTERSHIRE = "E23000030", "E23000021"
TOTAL = "all offences (fraud left out)"
QUARTERS = pd.date_range("2007-03-31", "2018-12-31", freq="QE-DEC")


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    warehouse = Warehouse(tmp_path_factory.mktemp("rolling") / "home")
    (result,) = load(warehouse, sample_path() / "home_office" / "rec-crime-pfa.csv.gz")
    assert result.status == "loaded", result
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def series(wh: Warehouse) -> list[Series]:
    return load_series(wh, [SOURCE.id])


def _one(series: list[Series], force: str, category: str) -> Series:
    (found,) = [s for s in series if s.force_code == force and s.category == category]
    return found


def test_the_declaration() -> None:
    assert (SOURCE.frequency.name, SOURCE.frequency.pandas) == ("quarter", "QE-DEC")
    # a total over the last 12 months holds every month of the year once: no season
    assert SOURCE.season_length == 1
    assert SOURCE.rolling_periods == 4


def test_the_series_from_the_published_file(series: list[Series]) -> None:
    assert len(series) == 43 * 19  # the 43 forces; the total and 18 offence series
    assert all(s.skipped is None for s in series)
    total = _one(series, HAMPSHIRE, TOTAL)
    assert list(total.values.index) == list(QUARTERS)
    assert total.values[pd.Timestamp("2016-06-30")] == 133_439  # PROVENANCE.md section 14
    # yearly to March 2007: the quarters between are gaps, never filled in
    assert [g for g in total.gaps if g[0].year == 2006] == [
        (date(2006, 6, 30), "not published"),
        (date(2006, 9, 30), "not published"),
        (date(2006, 12, 31), "not published"),
    ]
    assert len(total.gaps) == 12
    assert total.last_period == date(2018, 12, 31)
    # 30/12/2017 as published is the quarter to December 2017
    assert pd.Timestamp("2017-12-31") in total.values.index


def test_a_negative_total_is_a_gap(series: list[Series]) -> None:
    driving = _one(series, LEICESTERSHIRE, "Death or serious injury caused by illegal driving")
    assert (date(2009, 9, 30), "a negative 12-month total, as published") in driving.gaps
    assert driving.values.index[0] == pd.Timestamp("2009-12-31")
    assert (driving.values >= 0).all()


def test_the_last_value_beats_the_value_four_quarters_back(series: list[Series]) -> None:
    """Why the baseline is the naive forecast: on every real series, forecasting each of the
    next four quarters' 12-month totals by the latest one errs less than by the total four
    quarters earlier (that is, by last year's value) on nearly all of them."""
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    sf = StatsForecast(
        models=[
            SeasonalNaive(season_length=1, alias="last"),
            SeasonalNaive(season_length=4, alias="year_before"),
        ],
        freq=SOURCE.frequency.pandas,
    )
    cv = sf.cross_validation(df=as_frame(series), h=4, n_windows=3, step_size=4)
    errors = (
        cv.assign(
            last=(cv["y"] - cv["last"]).abs(), year_before=(cv["y"] - cv["year_before"]).abs()
        )
        .groupby("unique_id")[["last", "year_before"]]
        .mean()
    )
    assert (errors["last"] < errors["year_before"]).mean() > 0.9
    assert (errors["year_before"] / errors["last"]).median() > 1.3


def test_backtested_and_forecast_by_quarter(wh: Warehouse) -> None:
    result = run(wh, sources=[SOURCE.id], force_code=HAMPSHIRE)
    assert len(result.series) == 19
    b = result.backtests
    assert len(b) == 19 * 4
    chosen = b[b["is_chosen"]]
    assert len(chosen) == 19
    assert set(b["model"]) == {"seasonal_naive", "ets", "theta", "ensemble"}
    total = result.forecasts[result.forecasts["key"] == f"{SOURCE.id}|{HAMPSHIRE}|{TOTAL}"]
    assert list(total["period"]) == [
        date(2019, 3, 31),
        date(2019, 6, 30),
        date(2019, 9, 30),
        date(2019, 12, 31),
    ]
    assert (total["lo_95"] <= total["lo_80"]).all()
    assert (total["lo_80"] <= total["mean"]).all()
    assert (total["mean"] <= total["hi_80"]).all()
    assert (total["hi_80"] <= total["hi_95"]).all()


def test_ets_is_fitted_where_there_is_no_season() -> None:
    """statsforecast refuses a seasonal ETS where the season length is 1; the fallback made
    'ets' the naive forecast. A SYNTHETIC steady rise is continued by ETS, not held flat."""
    y = 100_000 + 1_500 * np.arange(len(QUARTERS)) + np.random.default_rng(7).normal(0, 300, 48)
    rows = pd.DataFrame({"period": QUARTERS, "y": y, "gap": None})
    rising = build(SOURCE, "E23000001", "SYNTHETIC steady rise", rows)
    from openpeel.forecast.models import statsforecast

    sf = statsforecast(1, SOURCE.frequency.pandas, only=("seasonal_naive", "ets"))
    fc = sf.forecast(df=as_frame([rising]), h=4)  # type: ignore[attr-defined]
    assert (fc["seasonal_naive"] == y[-1]).all()
    steps = np.diff(fc["ets"].to_numpy())
    assert steps == pytest.approx([1_500] * 3, rel=0.2)


def test_rising_is_judged_on_rolling_years_that_do_not_overlap() -> None:
    """The slope is fitted to every fourth value counting back from the last (the last six),
    not to all 48 overlapping ones. SYNTHETIC: flat years, with a rise inside each year that
    an overlapping fit would take for a trend."""
    rng = np.random.default_rng(11)
    y = 50_000 + rng.normal(0, 50, 48)
    y[-1] = y[-5] = y[-9] = y[-13] = y[-17] = y[-21] = 50_000  # the non-overlapping years
    y[-4:-1] = [53_000, 54_000, 55_000]  # a climb between them
    rows = pd.DataFrame({"period": QUARTERS, "y": y, "gap": None})
    s = build(SOURCE, "E23000001", "SYNTHETIC flat years", rows)
    slope, _ = flags._trend(s) or (1.0, 0.0)
    assert abs(slope) < 1e-9  # six equal values: no slope, however the quarters between move
    assert flags.rising([s]) == []
    overlapping = np.polyfit(np.arange(24), np.log1p(y[-24:]), 1)[0]
    assert overlapping > 0.001  # what a fit on every quarter would have taken for a rise
    years = 50_000 * 1.06 ** np.arange(12)
    climbing = np.repeat(years, 4) + rng.normal(0, 20, 48)
    rows = pd.DataFrame({"period": QUARTERS, "y": climbing, "gap": None})
    c = build(SOURCE, "E23000001", "SYNTHETIC rising 6% a year", rows)
    slope, _ = flags._trend(c) or (0.0, 1.0)
    picked = climbing[::-1][::4][::-1][-6:]
    expected = np.polyfit(np.arange(6), np.log1p(picked), 1)[0]
    assert slope == pytest.approx(expected, rel=1e-9)
    (flag,) = flags.rising([c])
    assert "over its last 6 years" in str(flag["detail"])
