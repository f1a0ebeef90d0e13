"""The declared publication lags (publishing/releases.toml): each rests on dated evidence, on
another source's lag, or is marked unverified with its reason; and the as-of rule uses them."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing.asof import AsOf, published_by, releases
from openpeel.sources import all_sources


def _last_day_months_after(year: int, month: int, months: int) -> date:
    """The last day of the month ``months`` after (year, month), counted independently."""
    for _ in range(months):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def test_every_lag_cites_evidence_a_source_or_is_marked_unverified() -> None:
    declared = releases()
    assert declared
    for kind, release in declared.items():
        grounds = [bool(release.evidence), bool(release.derived_from), bool(release.unverified)]
        assert sum(grounds) == 1, kind
        if release.unverified:
            assert len(release.unverified.split()) >= 5, f"{kind}: give the reason"
        for sighting in release.evidence:
            assert "PROVENANCE.md" in sighting.cites, kind
        if release.derived_from:
            assert declared[release.derived_from].months_after_end == release.months_after_end


def test_every_source_an_indicator_rests_on_has_a_declared_lag() -> None:
    used = {k for m in load_catalogue().measures.values() for k in m.sources}
    assert used
    assert used <= set(releases())
    assert set(releases()) <= set(all_sources())


@pytest.mark.parametrize(
    ("kind", "sighting"),
    [(k, e) for k, r in releases().items() for e in r.evidence],
    ids=lambda v: v if isinstance(v, str) else v.period,
)
def test_no_lag_claims_a_figure_public_before_its_sighting(kind: str, sighting: object) -> None:
    """A sighting's date is an upper bound on the release: the declared date must not be
    earlier, or a publication could quote a figure before it was out."""
    from openpeel.publishing.asof import Evidence

    assert isinstance(sighting, Evidence)
    year, month = (int(x) for x in sighting.period.split("-"))
    expected = _last_day_months_after(year, month, releases()[kind].months_after_end)
    assert published_by(kind, "month", sighting.period) == expected
    assert expected >= sighting.public_by


@pytest.mark.parametrize("kind", sorted(releases()))
def test_published_by_is_the_period_end_plus_the_declared_lag(kind: str) -> None:
    lag = releases()[kind].months_after_end
    assert published_by(kind, "month", "2016-06") == _last_day_months_after(2016, 6, lag)
    assert published_by(kind, "financial_year", "2015/16") == _last_day_months_after(2016, 3, lag)
    assert published_by(kind, "year", "2016") == _last_day_months_after(2016, 12, lag)


def test_an_indicator_becomes_knowable_on_the_day_its_last_source_was_published() -> None:
    catalogue = load_catalogue()
    for ind in catalogue.indicators.values():
        if ind.denominator_measure == "population" or not ind.periods:
            continue
        kinds = catalogue.measures[ind.measure].sources
        if not kinds:
            continue
        lag = max(releases()[k].months_after_end for k in kinds)
        period_type = ind.periods[0]
        label = {"month": "2016-06", "financial_year": "2015/16", "year": "2016"}.get(period_type)
        if label is None:
            continue
        end = {"month": (2016, 6), "financial_year": (2016, 3), "year": (2016, 12)}[period_type]
        day = _last_day_months_after(*end, lag)
        assert AsOf(day).knowable(ind, period_type, label), ind.id
        assert not AsOf(day - timedelta(days=1)).knowable(ind, period_type, label), ind.id
        return
    pytest.fail("no indicator without a population denominator to check")
