"""Computed indicators on the bundled sample: suppression, one row per force, the pooled
England and Wales value, and the exports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from openpeel.indicators.api import values
from openpeel.indicators.run import compute, store
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load

SAMPLE = sample_path()
IDS = [
    "victim_does_not_support_share",
    "stop_search_arrest_share",
    "arrests_per_1000",
    "policeuk_unable_to_prosecute_share",
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("run") / "home"
    with Warehouse(home) as wh:
        load(wh, SAMPLE)
        store(wh, compute(wh, IDS))
    return home


@pytest.fixture
def wh(home: Path) -> Iterator[Warehouse]:
    with Warehouse(home, read_only=True) as wh:
        yield wh


def test_one_row_per_force_and_every_spelling_resolved(wh: Warehouse) -> None:
    duplicates = wh.rows(
        "SELECT indicator_id, period, breakdown, breakdown_value, force_code, count(*) "
        "FROM out_indicator_values GROUP BY ALL HAVING count(*) > 1"
    )
    assert duplicates == []
    # City of London is spelled 'London, City of' by the Home Office and 'City of London
    # Police' by data.police.uk: both resolve to E23000034
    for indicator_id, period in (
        ("victim_does_not_support_share", "2017/18"),
        ("policeuk_unable_to_prosecute_share", "2016"),
    ):
        forces = {
            r[0]
            for r in wh.rows(
                "SELECT force_code FROM out_indicator_values WHERE indicator_id = ? AND period = ? "
                "AND breakdown = 'all'",
                [indicator_id, period],
            )
        }
        assert len(forces) == 43, indicator_id
        assert "E23000034" in forces


def test_each_run_records_its_rows_and_the_seconds_it_took(wh: Warehouse) -> None:
    runs = {
        r[0]: r[1:]
        for r in wh.rows("SELECT indicator_id, engine, rows, seconds FROM out_indicator_runs")
    }
    assert set(runs) == set(IDS)
    for indicator_id, (engine, rows, seconds) in runs.items():
        stored = wh.scalar(
            "SELECT count(*) FROM out_indicator_values WHERE indicator_id = ?", [indicator_id]
        )
        assert (engine, rows) == ("duckdb", stored)
        # comparing an indicator takes time; 0.0 was the value written when it was not measured
        assert 0.0 < seconds < 600.0


def test_suppressed_values_are_hidden_and_left_out(wh: Warehouse) -> None:
    rows = wh.execute(
        "SELECT * FROM out_indicator_values WHERE indicator_id = 'stop_search_arrest_share' "
        "AND breakdown = 'ethnic_group'"
    ).df()
    suppressed = rows[rows.is_suppressed]
    assert len(suppressed) > 0
    # below the declared minimum of 30 searches, or no published count of arrests ("NA")
    assert ((suppressed.denominator.fillna(0) < 30) | suppressed.numerator.isna()).all()
    assert suppressed.value.isna().all()
    assert suppressed["rank"].isna().all()
    shown = rows[~rows.is_suppressed]
    assert (shown.denominator >= 30).all()


def test_england_and_wales_is_the_pooled_value_of_the_shown_forces(wh: Warehouse) -> None:
    rows = wh.execute(
        "SELECT * FROM out_indicator_values WHERE indicator_id = 'victim_does_not_support_share' "
        "AND period = '2017/18' AND breakdown = 'all'"
    ).df()
    shown = rows[~rows.is_suppressed]
    assert rows.ew_value.iloc[0] == pytest.approx(shown.numerator.sum() / shown.denominator.sum())
    top = rows[rows["rank"] == 1].iloc[0]
    assert top.is_highest
    assert top.value == shown.value.max()


def test_api_returns_flags_in_words(wh: Warehouse) -> None:
    frame = values(wh, "victim_does_not_support_share", period="2017/18")
    assert len(frame) == 43
    first = frame.iloc[0]
    assert first["flags"].startswith(
        "higher than any other force in England and Wales; higher than"
    )
    one = values(wh, "victim_does_not_support_share", period="2017/18", force="Hampshire")
    assert list(one.force_name) == ["Hampshire Constabulary"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_export(home: Path, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"out{suffix}"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openpeel",
            "indicators",
            "export",
            str(target),
            "--id",
            "arrests_per_1000",
            "--home",
            str(home),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    if suffix == ".csv":
        frame = pd.read_csv(target)
    elif suffix == ".parquet":
        frame = pd.read_parquet(target)
    else:
        frame = pd.read_excel(target)
    assert set(frame.indicator_id) == {"arrests_per_1000"}
    assert len(frame) > 43


def test_show_needs_a_computed_indicator(home: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openpeel",
            "indicators",
            "show",
            "officers_per_1000",
            "--home",
            str(home),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "has not been computed" in result.stderr
    assert "openpeel indicators compute" in result.stderr
