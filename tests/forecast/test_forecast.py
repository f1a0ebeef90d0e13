"""Forecasts on SYNTHETIC series of known structure (seasonality, trend, a level shift; fixed
seeds), gaps handled as declared, and on the real series of the bundled sample."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from openpeel.forecast import backtest
from openpeel.forecast.models import LEVELS, MODELS, statsforecast
from openpeel.forecast.run import _forecast, run
from openpeel.forecast.series import Series, as_frame, build, load_sources
from openpeel.warehouse.db import Warehouse

MONTHLY = load_sources()["street_monthly"]
YEARLY = load_sources()["arrests_yearly"]
MONTHS = pd.date_range("2014-01-01", periods=48, freq="MS")


def _series(name: str, y: np.ndarray, gaps: dict[int, str] | None = None) -> Series:
    rows = pd.DataFrame(
        {
            "period": MONTHS[: len(y)],
            "y": [None if gaps and i in gaps else float(v) for i, v in enumerate(y)],
            "gap": [(gaps or {}).get(i) for i in range(len(y))],
        }
    )
    return build(MONTHLY, "E23000001", name, rows)


def _seasonal(seed: int, trend: float = 0.0, shift_at: int | None = None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(len(MONTHS))
    level = 500 + trend * t + (150 if shift_at is not None else 0) * (t >= (shift_at or 0))
    noise = rng.normal(0, 10, len(t))
    values: np.ndarray = np.round(level + 120 * np.sin(2 * np.pi * t / 12) + noise)
    return values


def test_a_strongly_seasonal_series_beats_the_baseline_and_the_intervals_cover() -> None:
    series = [
        _series(f"SYNTHETIC seasonal {seed}", _seasonal(seed, trend=3.0)) for seed in range(6)
    ]
    scored = backtest.score(backtest.cross_validate(series), series)
    chosen = backtest.choose(scored)
    best = chosen[chosen["is_chosen"]]
    baseline = chosen[chosen["is_baseline"]].set_index("key")["mase"]
    # with a trend the seasonal naive forecast lags a year behind: the chosen models beat it
    assert (best.set_index("key")["mase"] < baseline).all()
    assert best["mase"].median() < 0.85
    # the 95% intervals of the chosen models hold most actual values
    assert best["coverage_95"].mean() >= 0.8


def test_mase_smape_and_the_scale_are_computed_as_defined() -> None:
    assert backtest.smape(np.array([100.0, 0.0]), np.array([50.0, 0.0])) == pytest.approx(
        (200 * 50 / 150 + 0) / 2
    )
    history = np.array([10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 13, 26])
    # seasonal differences: |13 - 10| and |26 - 20|
    assert backtest._scale(history, 12) == pytest.approx(4.5)
    # shorter than a season: one period back
    assert backtest._scale(np.array([1.0, 3.0, 6.0]), 12) == pytest.approx(2.5)


def test_the_model_is_chosen_on_earlier_origins_and_judged_on_the_last() -> None:
    scored = pd.DataFrame(
        [
            {"key": "k", "cutoff": c, "model": m, "mase": v, "smape": 1.0,
             "coverage_80": 1.0, "coverage_95": 1.0}
            for c, values in ((1, {"seasonal_naive": 1.0, "ets": 0.5, "theta": 0.9,
                                   "ensemble": 0.7}),
                              (2, {"seasonal_naive": 0.2, "ets": 3.0, "theta": 1.0,
                                   "ensemble": 2.0}))
            for m, v in values.items()
        ]
    )  # fmt: skip
    chosen = backtest.choose(scored)
    row = chosen[chosen["is_chosen"]].iloc[0]
    # ets won the first origin; the last origin (where it did badly) only reports
    assert (row["model"], row["selection_mase"], row["mase"]) == ("ets", 0.5, 3.0)


def test_gaps_are_never_filled_the_run_after_the_last_one_is_used() -> None:
    y = _seasonal(1)
    s = _series("SYNTHETIC gap", y, gaps={10: "the force published only part of the month"})
    assert s.skipped is None
    assert s.values.index[0] == MONTHS[11]
    assert len(s.values) == 48 - 11
    assert s.gaps == [(date(2014, 11, 1), "the force published only part of the month")]
    assert not (s.values == 0).any()
    # a gap near the end leaves too short a run: not forecast, and why
    late = _series("SYNTHETIC late gap", y, gaps={30: "no records of a crime type"})
    assert late.skipped == "only 17 months after the last gap (at least 30 needed)"
    # a gap in the last month shortens the series instead
    end = _series("SYNTHETIC last month partial", y, gaps={47: "partial"})
    assert end.skipped is None
    assert end.values.index[-1] == MONTHS[46]
    # a month not published at all is a gap too
    rows = pd.DataFrame({"period": MONTHS.delete(5), "y": np.delete(y, 5), "gap": None})
    missing = build(MONTHLY, "E23000001", "SYNTHETIC missing month", rows)
    assert missing.gaps == [(date(2014, 6, 1), "not published")]
    assert missing.values.index[0] == MONTHS[6]


def test_a_level_shift_is_followed_and_forecasts_carry_widening_intervals() -> None:
    s = _series("SYNTHETIC level shift", _seasonal(7, shift_at=30))
    chosen = backtest.choose(backtest.score(backtest.cross_validate([s]), [s]))
    fc = _forecast([s], chosen, 24)
    assert list(fc["step"]) == list(range(1, 25))
    # after the shift the level is about 650: the forecasts sit there, not at the old 500
    assert 560 < fc["mean"].mean() < 740
    assert (fc["lo_95"] <= fc["lo_80"]).all()
    assert (fc["lo_80"] <= fc["mean"]).all()
    assert (fc["mean"] <= fc["hi_80"]).all()
    assert (fc["hi_80"] <= fc["hi_95"]).all()
    width = fc["hi_95"] - fc["lo_95"]
    assert width.iloc[-1] > width.iloc[0]


def test_a_small_noisy_count_is_never_forecast_or_backtested_below_zero() -> None:
    # SYNTHETIC: a count of a few a month that jumps about; an interval around it drawn from a
    # normal error reaches below zero, which no count can
    rng = np.random.default_rng(11)
    y = rng.poisson(3.0, len(MONTHS)) * rng.integers(0, 4, len(MONTHS))
    s = _series("SYNTHETIC small noisy count", y.astype(float))
    cv = backtest.cross_validate([s])
    bounds = [c for c in cv.columns if c.split("-")[0] in MODELS and c != "unique_id"]
    assert bounds
    assert (cv[bounds] >= 0).all().all()
    chosen = backtest.choose(backtest.score(cv, [s]))
    fc = _forecast([s], chosen, 24)
    assert (fc[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]] >= 0).all().all()
    # the floor is the only change: some lower bound sat below zero before it
    raw = statsforecast(MONTHLY.season_length, "MS").forecast(  # type: ignore[attr-defined]
        df=as_frame([s]), h=24, level=list(LEVELS)
    )
    assert (raw[[c for c in raw.columns if "-lo-" in c]] < 0).any().any()


def test_the_real_sample_is_backtested_and_stored(built_home: Path, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    with Warehouse(home) as wh:
        from openpeel.forecast.run import store

        result = run(wh, force_code="E23000030", horizon=48)
        store(wh, result)
        series = wh.records("SELECT * FROM out_forecast_series ORDER BY source, category")
        backtests = wh.records("SELECT * FROM out_forecast_backtests WHERE is_chosen")
        months = wh.scalar(
            "SELECT count(DISTINCT period) FROM out_forecasts WHERE source = 'street_monthly'"
        )
    monthly = [r for r in series if r["source"] == "street_monthly"]
    assert len(monthly) >= 14  # Hampshire's crime types
    assert all(r["skipped"] is None for r in monthly)
    assert months == 48
    assert {r["model"] for r in backtests} <= {"seasonal_naive", "ets", "theta", "ensemble"}
    assert len(backtests) == sum(1 for r in series if r["skipped"] is None)
    # recorded crime has a single year in the sample: said, not forecast
    yearly = [r for r in series if r["source"] == "recorded_crime_yearly"]
    assert yearly
    assert all(r["skipped"] == "only 1 years (at least 4 needed)" for r in yearly)


def test_the_command_shows_one_backtest_row_per_series(built_home: Path, tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    done = subprocess.run(
        [sys.executable, "-m", "openpeel", "forecast", "--force", "Hampshire", "--source",
         "street_monthly", "--backtest", "--format", "json", "--home", str(home)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert len(rows) == len({r["category"] for r in rows}) >= 14
    assert {"model", "MASE", "baseline MASE", "sMAPE %", "80% coverage", "95% coverage"} <= set(
        rows[0]
    )
    assert "median MASE: chosen models" in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "openpeel", "forecast", "--horizon", "49", "--home", str(home)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "from 1 to 48" in bad.stderr


def test_emerging_demand_a_rise_and_a_break_above_the_forecast_are_flagged() -> None:
    from openpeel.forecast import flags

    flat = [_series(f"SYNTHETIC flat {seed}", _seasonal(seed)) for seed in range(10, 16)]
    climbing = _series("SYNTHETIC rising", _seasonal(20, trend=8.0))
    jump = _seasonal(21)
    jump[-3:] = jump[-3:] * 1.8  # the last three months far above anything before
    broke = _series("SYNTHETIC jump", jump)
    series = [*flat, climbing, broke]
    rising = flags.rising(series)
    assert [f["key"] for f in rising] == [climbing.key]
    assert str(rising[0]["detail"]).startswith("rising about")
    cv = backtest.cross_validate(series)
    chosen = backtest.choose(backtest.score(cv, series))
    above = flags.above_forecast(cv, chosen)
    assert [f["key"] for f in above] == [broke.key]
    assert "above the 95% interval" in str(above[0]["detail"])


def test_the_flags_feed_the_risk_screen(built_home: Path, tmp_path: Path) -> None:
    import shutil

    from openpeel.assess.screen import DEMAND_THEME, screen
    from openpeel.forecast.run import store

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    with Warehouse(home) as wh:
        store(wh, run(wh, sources=["street_monthly"], force_code="E23000030"))
        stored = wh.records("SELECT * FROM out_forecast_flags")
        rows = [r for r in screen(wh, "E23000030") if r.theme == DEMAND_THEME]
    assert stored, "Hampshire's real series raise flags (violence rose over 2016-2018)"
    assert len(rows) == len(stored)
    assert all(r.signal.startswith("emerging demand, ") for r in rows)
    assert {r.indicator_id for r in rows} == {
        f"forecast:street_monthly:{f['category']}" for f in stored
    }


def test_a_forces_forecasts_page_its_twin_and_fan_charts(built_home: Path, tmp_path: Path) -> None:
    import shutil

    from fastapi.testclient import TestClient

    from openpeel.assess.store import Store
    from openpeel.forecast.run import store
    from openpeel.warehouse.writing import writing
    from openpeel.web.app import create_app

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    client = TestClient(create_app(home, store=Store(f"sqlite:///{tmp_path / 's.sqlite'}")))
    before = client.get("/api/forces/hampshire/forecasts").json()
    assert before["series"] == []
    assert (
        "No forecasts have been made"
        in client.get("/forces/hampshire/forecasts", headers={"Accept": "text/html"}).text
    )
    with writing(home, "openpeel forecast") as wh:  # the home is served: a write on a copy
        store(wh, run(wh, sources=["street_monthly"], force_code="E23000030"))
    twin = client.get("/api/forces/hampshire/forecasts").json()
    assert len(twin["series"]) >= 14
    flagged = [s for s in twin["series"] if s["flags"]]
    assert flagged, "emerging demand first"
    assert twin["series"][0]["flags"]
    first = twin["series"][0]
    assert first["chart"]["spec"]["layer"]
    assert "then forecast 12 ahead" in first["chart"]["description"]
    assert first["model"] in {"seasonal_naive", "ets", "theta", "ensemble"}
    page = client.get("/forces/hampshire/forecasts", headers={"Accept": "text/html"}).text
    assert page.count('class="opl-chart"') == len(twin["series"])
    assert "Emerging demand: " in page
    # for people: the summary first, then the charts, grouped in collapsed sections
    assert page.index('id="summary"') < page.index('class="opl-chart"')
    summary = page.split('id="summary"', 1)[1].split("</table>", 1)[0]
    assert summary.count('<tr class="govuk-table__row">') == len(twin["series"]) + 1
    for heading in ("Series", "Forecast direction", "How sure", "Beat the baseline"):
        assert f">{heading}</th>" in summary
    assert page.count('<details class="govuk-details opl-chart-group"') == len(
        {s["source"] for s in twin["series"]}
    )
    # the technical measures only inside "Technical measures", in words and numbers for people
    outside = re.sub(r"<details class=\"govuk-details\">.*?</details>", "", page, flags=re.S)
    outside = re.sub(r"<script.*?</script>", "", outside, flags=re.S)
    for word in ("MASE", "sMAPE", "coverage", "Model:", "adjusted p"):
        assert word not in outside, word
    assert "Technical measures" in page
    assert not re.search(r"(?<![\w.])-0(?![.\d])", outside)
    assert "(ons)" not in page
    assert "(home office)" not in page
    for s in twin["series"]:
        plain = s["plain"]
        assert plain["direction"] in {"rising", "falling", "about level"}
        assert plain["how_sure"] in {"fairly sure", "somewhat sure", "unsure", "in doubt"}
        lost = s["model"] != "seasonal_naive" and s["mase"] > s["baseline_mase"]
        failed = s["coverage_95"] < 0.5
        assert bool(plain["doubts"]) == (lost or failed), s["category"]
        if plain["doubts"]:
            assert plain["how_sure"] == "in doubt"
            assert "above its forecast" not in plain["evidence"]
        assert plain["beat_baseline"] == (
            "it is the baseline" if s["model"] == "seasonal_naive" else "no" if lost else "yes"
        )


def test_a_forecast_its_backtest_does_not_support_flags_no_break_above_it() -> None:
    from openpeel.forecast import flags

    flat = [_series(f"SYNTHETIC flat {seed}", _seasonal(seed)) for seed in range(10, 13)]
    jump = _seasonal(21)
    jump[-3:] = jump[-3:] * 1.8
    broke = _series("SYNTHETIC jump", jump)
    series = [*flat, broke]
    cv = backtest.cross_validate(series)
    chosen = backtest.choose(backtest.score(cv, series))
    assert [f["key"] for f in flags.above_forecast(cv, chosen)] == [broke.key]
    mine = chosen["key"] == broke.key
    picked = mine & chosen["is_chosen"]
    baseline = float(chosen.loc[mine & chosen["is_baseline"], "mase"].iloc[0])
    # another model chosen: flagged when it beat the baseline, not when it lost to it
    other = chosen.index[mine & ~chosen["is_baseline"]][0]
    supported = chosen.copy()
    supported.loc[mine, "is_chosen"] = False
    supported.loc[other, ["is_chosen", "mase", "coverage_95"]] = [True, baseline / 2, 1.0]
    assert [f["key"] for f in flags.above_forecast(cv, supported)] == [broke.key]
    lost = supported.copy()
    lost.loc[other, "mase"] = baseline * 2
    assert flags.above_forecast(cv, lost) == []
    # its 95% intervals held under half of what happened: no flag
    failed = chosen.copy()
    failed.loc[picked, "coverage_95"] = 0.25
    assert flags.above_forecast(cv, failed) == []
    assert flags.doubts("ets", 1.2, 1.0, 1.0) == [flags.LOST_TO_BASELINE]
    assert flags.doubts("seasonal_naive", 1.2, 1.2, 0.0) == [flags.INTERVALS_FAILED]
    assert flags.doubts("theta", 0.8, 1.0, 0.95) == []


def test_numbers_for_people() -> None:
    from openpeel.numbers import for_people, p_value, percent

    assert for_people(12345.6) == "12,300"
    assert for_people(164686.2) == "165,000"
    assert for_people(0.4) == "0.4"
    assert for_people(-0.0004, 1) == "-0.0004"
    assert for_people(-0.4999, 1) == "-0.5"
    assert for_people(99.96) == "100"
    assert for_people(0.0) == "0"
    assert for_people(None) == "not known"
    assert p_value(0.0002) == "< 0.001"
    assert p_value(0.0471) == "0.047"
    assert percent(0.754) == "75%"


def test_the_force_report_has_its_demand_section_frozen_with_it(
    built_home: Path, tmp_path: Path
) -> None:
    import shutil
    from datetime import UTC, datetime

    from openpeel.assess.bulk import load_yaml
    from openpeel.assess.store import Store
    from openpeel.forecast.run import store
    from openpeel.publishing import workflow
    from openpeel.publishing.asof import forecast_published_by
    from openpeel.publishing.render import render
    from openpeel.sample import assessments_path

    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    with Warehouse(home) as wh:
        store(wh, run(wh, force_code="E23000030"))
    st = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with Warehouse(home, read_only=True) as wh, st.session() as s:
        load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
        at = datetime(2017, 2, 20, tzinfo=UTC)
        frozen = workflow.draft(s, wh, "Hampshire", "2016", "tester", at).context["report"]
        pub = workflow.draft(s, wh, "Hampshire", "2016", "tester", at, retrospective=True)
        report = pub.context["report"]
        stored = {
            f"forecast:{r[0]}:E23000030:{r[1]}"
            for r in wh.rows(
                "SELECT source, category FROM out_forecasts WHERE force_code = 'E23000030'"
            )
        }
    st.close()
    # the frozen 2016 report (as of 2 March 2017) shows forecasts made again from only the
    # data published by then: none from later data
    made = frozen["demand"]
    assert made["made_as_of"] == "2017-03-02"
    assert "published by 2 March 2017" in made["made_note"]
    assert made["series"] or made["not_made"]
    for d in made["series"]:
        assert not d["afterwards"]
        assert forecast_published_by(d["source_id"], date.fromisoformat(d["data_to"])) <= date(
            2017, 3, 2
        )
    for sentence in made["not_made"]:
        assert "published by 2 March 2017" in sentence
    # its retrospective edition shows them, as what the data showed afterwards
    demand = report["demand"]["series"]
    assert 1 <= len(demand) <= 4
    assert demand[0]["emerging"], "emerging demand comes first"
    assert {d["source"] for d in demand} <= stored
    assert all(d["afterwards"] for d in demand)  # data to 2018 in a 2016 report: labelled
    assert "Emerging demand: rising about" in demand[0]["sentence"]
    markdown = render(report, "md").decode()
    assert "## What the data showed afterwards" in markdown
    assert demand[0]["sentence"] in markdown
    assert (
        "Hampshire"
        not in (
            Path(__file__).resolve().parents[2] / "src/openpeel/publishing/demand.py"
        ).read_text()
    )


@pytest.mark.shared
def test_the_full_monthly_aggregates_from_shared_data(shared_data: Path, tmp_path: Path) -> None:
    """Every force's monthly crime series in ../shared/data, backtested: the chosen models beat
    the seasonal naive baseline on the median series."""
    from tests.conftest import load

    with Warehouse(tmp_path / "home") as wh:
        load(wh, shared_data / "police_uk_aggregates")
        result = run(wh, sources=["street_monthly"])
    ready = [s for s in result.series if s.skipped is None]
    assert len(ready) >= 550
    assert {s.force_code for s in ready} >= {"E23000030", "W15000002"}
    b = result.backtests
    chosen = b[b["is_chosen"]]
    assert len(chosen) == len(ready)
    assert chosen["mase"].median() < b[b["is_baseline"]]["mase"].median()
    assert not result.forecasts.empty
