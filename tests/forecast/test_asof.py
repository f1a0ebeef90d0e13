"""Forecasts as of a date (issue 16): made again from only the data published by then, using
the declared release lags. Over the real rolling-year recorded crime (``rec-crime-pfa.csv``,
bundled whole in the sample, 2003 to 2018)."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

import pytest

from openpeel.forecast.asof import forecasts_as_of, series_as_of
from openpeel.forecast.series import load_series
from openpeel.publishing.asof import forecast_published_by, releases
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

SOURCE = "recorded_crime_rolling_quarterly"
HAMPSHIRE = "E23000030"
AS_OF = date(2017, 3, 2)  # PEEL 2016 effectiveness, Hampshire, published


def _months_later(d: date, months: int) -> date:
    """The last day of the month ``months`` after ``d``'s, counted here."""
    year, month = d.year, d.month
    for _ in range(months):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def _lag() -> int:
    """The declared lag of the source behind the series (releases.toml [forecast])."""
    return releases()["homeoffice_recorded_crime_rolling"].months_after_end


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    warehouse = Warehouse(tmp_path_factory.mktemp("asof") / "home")
    (result,) = load(warehouse, sample_path() / "home_office" / "rec-crime-pfa.csv.gz")
    assert result.status == "loaded", result
    yield warehouse
    warehouse.close()


def test_the_series_are_cut_at_the_last_period_published_by_the_date(wh: Warehouse) -> None:
    full = {s.category: s for s in load_series(wh, [SOURCE], HAMPSHIRE)}
    cut = series_as_of(wh, HAMPSHIRE, AS_OF, forecast_published_by, [SOURCE])
    assert cut
    for s in cut:
        assert s.last_period is not None
        # published by the date: the period's month end plus the lag
        assert _months_later(s.last_period, _lag()) <= AS_OF
        # and the next quarter, which the data hold, was not yet
        later = _months_later(s.last_period, 3)
        held = full[s.category].last_period
        assert held is not None
        assert held >= later
        assert _months_later(later, _lag()) > AS_OF
    # the quarter to September 2016 (public by the end of January 2017) is the last one
    assert {s.last_period for s in cut} == {date(2016, 9, 30)}


def test_no_forecast_is_made_from_data_after_the_date(wh: Warehouse) -> None:
    made = forecasts_as_of(wh, HAMPSHIRE, AS_OF, forecast_published_by, [SOURCE])
    assert made.series
    for s in made.series:
        origin = s.last_period
        assert origin is not None
        assert origin <= AS_OF  # no forecast origin after the as-of date
        assert _months_later(origin, _lag()) <= AS_OF  # its data were published by then
        assert max(s.history["period"]).date() == origin
        assert min(s.forecast["period"]).date() > origin  # the forecast starts after its data
        assert len(s.forecast) == 4  # a year of quarters, the declared default horizon
    # the total is forecast, and from its own history to September 2016
    (total,) = [s for s in made.series if s.category == "all offences (fraud left out)"]
    assert total.forecast["period"].iloc[0].date() == date(2016, 12, 31)


def test_a_series_too_short_by_the_date_is_named_with_why(wh: Warehouse) -> None:
    early = date(2005, 3, 1)  # the file starts with the years to March 2003 and 2004
    made = forecasts_as_of(wh, HAMPSHIRE, early, forecast_published_by, [SOURCE])
    assert made.series == []
    assert made.not_made
    for n in made.not_made:
        assert n.points < n.needed
        assert n.frequency == "quarter"
