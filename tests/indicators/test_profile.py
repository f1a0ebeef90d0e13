"""The all-forces matrix and the spine chart: every cell's class derived here, independently,
in SQL from the stored intervals and the polarity (the bundled sample of real data)."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from openpeel.cli.app import app
from openpeel.indicators import catalogue as catalogue_module
from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.profile import (
    BETTER,
    CLASSES,
    HIGHER,
    LOWER,
    NOT_COMPARED,
    SIMILAR,
    WORSE,
    compare_with_ew,
    headline_periods,
    matrix,
    matrix_table,
    spine,
    spine_groups,
)
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse


@pytest.fixture(scope="module")
def wh(built_home: Path) -> Iterator[Warehouse]:
    warehouse = Warehouse(built_home, read_only=True)
    yield warehouse
    warehouse.close()


def test_compare_with_ew() -> None:
    assert compare_with_ew(0.3, 0.28, 0.32, 0.25, False, "higher_is_better") == (BETTER, None)
    assert compare_with_ew(0.3, 0.28, 0.32, 0.25, False, "higher_is_worse") == (WORSE, None)
    assert compare_with_ew(0.3, 0.28, 0.32, 0.25, False, "neither") == (HIGHER, None)
    assert compare_with_ew(0.2, 0.18, 0.22, 0.25, False, "neither") == (LOWER, None)
    assert compare_with_ew(0.2, 0.18, 0.22, 0.25, False, "higher_is_worse") == (BETTER, None)
    assert compare_with_ew(0.25, 0.2, 0.3, 0.25, False, "higher_is_better") == (SIMILAR, None)
    # an interval that only touches England and Wales is similar
    assert compare_with_ew(0.3, 0.25, 0.35, 0.25, False, "neither") == (SIMILAR, None)
    for (cls, why), reason in (
        (compare_with_ew(None, None, None, 0.25, True, "neither"), "suppressed"),
        (compare_with_ew(None, None, None, 0.25, False, "neither"), "no value"),
        (compare_with_ew(0.3, 0.28, 0.32, None, False, "neither"), "no England and Wales value"),
        (compare_with_ew(15.0, math.nan, math.nan, 14.0, False, "neither"), "no 95% interval"),
    ):
        assert cls == NOT_COMPARED
        assert why is not None
        assert reason in why


def test_every_cell_is_coloured_from_its_stored_interval(wh: Warehouse) -> None:
    frame = matrix(wh)
    shown = headline_periods(wh)
    polarity = {i.id: i.polarity for i in load_catalogue().indicators.values()}
    expected: dict[tuple[str, str], str] = {}
    for iid, s in shown.items():
        for code, value, lower, upper, ew, suppressed in wh.rows(
            "SELECT force_code, value, lower, upper, ew_value, is_suppressed "
            "FROM out_indicator_values WHERE indicator_id = ? AND period_type = ? "
            "AND period = ? AND breakdown = 'all'",
            [iid, s.period_type, s.period],
        ):
            if suppressed or value is None or ew is None or lower is None or upper is None:
                cls = NOT_COMPARED
            elif lower > ew or upper < ew:
                up = lower > ew
                if polarity[iid] == "neither":
                    cls = "higher" if up else "lower"
                else:
                    cls = "better" if up == (polarity[iid] == "higher_is_better") else "worse"
            else:
                cls = SIMILAR
            expected[(iid, code)] = cls
    assert len(frame) == len(shown) * 43
    for row in frame.itertuples():
        assert row.comparison == expected.get(
            (str(row.indicator_id), str(row.force_code)), NOT_COMPARED
        )
        assert (row.comparison == NOT_COMPARED) == (row.not_compared_reason is not None)
    assert set(frame.comparison) - {NOT_COMPARED}


def test_matrix_filters(wh: Warehouse) -> None:
    legitimacy = matrix(wh, pillar="legitimacy")
    assert legitimacy.indicator_id.nunique() >= 1
    assert all(any(q.startswith("legitimacy/") for q in qs) for qs in legitimacy.questions)
    london = matrix(wh, region="London")
    assert set(london.force_code) == {
        f.code for f in forces().territorial() if f.region == "London"
    }
    theme = "effectiveness/investigating-crime"
    assert all(theme in qs for qs in matrix(wh, question=theme).questions)


def _rules() -> dict[str, Any]:
    """The comparison rules as declared, read here from the TOML itself."""
    path = Path(catalogue_module.__file__).parent / "definitions" / "30_comparison_rules.toml"
    return dict(tomllib.loads(path.read_text(encoding="utf-8"))["comparison_rule"])


def test_spine_of_hampshire(wh: Warehouse) -> None:
    frame = spine(wh, "Hampshire")
    shown = headline_periods(wh)
    assert list(frame.indicator_id) == list(shown)
    city = _rules()["city_of_london_per_resident"]
    per_resident = 0
    for row in frame.itertuples():
        s = shown[str(row.indicator_id)]
        ind = load_catalogue().indicator(str(row.indicator_id))
        # City of London is out of the spread of rates per resident, with the rule's footnote
        out = city["forces"] if ind.denominator_measure == city["denominator_measure"] else []
        per_resident += bool(out)
        assert row.spread_footnote == (city["footnote"] if out else None)
        low, q1, q3, high, count = wh.rows(
            "SELECT min(value), quantile_cont(value, 0.25), quantile_cont(value, 0.75), "
            "max(value), count(*) FROM out_indicator_values WHERE indicator_id = ? "
            "AND period_type = ? AND period = ? AND breakdown = 'all' AND NOT is_suppressed "
            "AND value IS NOT NULL AND NOT list_contains(?, force_code)",
            [row.indicator_id, s.period_type, s.period, out],
        )[0]
        assert row.forces_shown == count
        if count:
            assert (row.minimum, row.maximum) == pytest.approx((low, high))
            assert (row.q1, row.q3) == pytest.approx((q1, q3))
        trend = wh.scalar(
            "SELECT trend FROM out_indicator_recent_trends WHERE indicator_id = ? "
            "AND period_type = ? AND period = ? AND breakdown = 'all' AND force_code = ?",
            [row.indicator_id, s.period_type, s.period, "E23000030"],
        )
        assert row.trend == trend
        latest = wh.scalar(
            "SELECT max(period) FROM out_indicator_spc WHERE indicator_id = ? "
            "AND force_code = 'E23000030'",
            [row.indicator_id],
        )
        assert row.variation_period == latest
    assert per_resident > 0  # the rule is exercised
    groups = spine_groups(frame)
    assert {g["pillar"] for g in groups} <= {"effectiveness", "efficiency", "legitimacy"}
    assert sum(len(g["rows"]) for g in groups) == sum(len(q) for q in frame.questions)


def test_cli_matrix_and_spine_as_json(built_home: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(built_home), "--format", "json"]
    result = runner.invoke(app, ["indicators", "matrix", "--region", "London", *home])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["force_name"] for r in rows} == {
        "Metropolitan Police Service",
        "City of London Police",
    }
    assert all(r["comparison"] in CLASSES for r in rows)
    result = runner.invoke(app, ["indicators", "spine", "--force", "hampshire police", *home])
    assert result.exit_code == 0, result.output
    spine_rows = json.loads(result.output)
    assert len(spine_rows) == len(load_catalogue().indicators)
    assert all(r["comparison"] in CLASSES for r in spine_rows)


def test_matrix_table_has_a_row_per_force(wh: Warehouse) -> None:
    frame = matrix(wh, region="South East")
    table = matrix_table(frame)
    assert len(table) == frame.force_code.nunique()
    first = frame.indicator_id.iloc[0]
    for row in frame[frame.indicator_id == first].itertuples():
        shown = table[table.force_code == row.force_code].iloc[0]
        assert shown[f"{first}:comparison"] == row.comparison
        if row.value == row.value:  # not NaN
            assert shown[first] == row.value
