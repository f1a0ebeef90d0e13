"""Charts a person can read, on the sample with every indicator: City of London out of the
per-resident comparisons with the rule's footnote, axes that span the data, tick labels that
never meet, legends and labels never cut, the interval band named only where it can be seen,
and a data table with every chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openpeel.indicators.catalogue import load_catalogue
from openpeel.presentation.funnel_chart import funnel_chart
from openpeel.presentation.key_indicators_chart import key_indicators_chart
from openpeel.presentation.ranked_bar_chart import ranked_bar_chart
from openpeel.presentation.rendering import spec_svg, spec_table
from openpeel.presentation.trend_chart import VISIBLE_BAND, trend_chart
from openpeel.warehouse.db import Warehouse

pytestmark = pytest.mark.slow

CITY = "E23000034"
HAMPSHIRE = "E23000030"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def wh(built_home: Path) -> Iterator[Warehouse]:
    with Warehouse(built_home, read_only=True) as wh:
        yield wh


def _per_resident() -> list[str]:
    catalogue = load_catalogue()
    return sorted(i.id for i in catalogue.indicators.values() if CITY in catalogue.left_out(i))


def _period(wh: Warehouse, indicator_id: str) -> str:
    return str(
        wh.scalar(
            "SELECT max(period) FROM out_indicator_values WHERE indicator_id = ? "
            "AND period_type IN ('financial_year', 'year') AND breakdown = 'all'",
            [indicator_id],
        )
    )


def _data_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_the_rule_is_declared_for_every_rate_per_resident() -> None:
    catalogue = load_catalogue()
    per_resident = _per_resident()
    assert per_resident == sorted(
        i.id for i in catalogue.indicators.values() if i.denominator_measure == "population"
    )
    assert "arrests_per_1000" in per_resident
    assert "officers_per_1000" in per_resident


@pytest.mark.parametrize("indicator_id", ["arrests_per_1000", "officers_per_1000"])
def test_city_of_london_is_off_the_per_resident_funnel_and_bars(
    wh: Warehouse, indicator_id: str
) -> None:
    rule = next(iter(load_catalogue().rules))
    period = _period(wh, indicator_id)
    stored = wh.records(
        "SELECT force_code, rank, is_highest, funnel_95 FROM out_indicator_values "
        "WHERE indicator_id = ? AND period = ? AND breakdown = 'all'",
        [indicator_id, period],
    )
    city = next(r for r in stored if r["force_code"] == CITY)
    assert city["rank"] is None
    assert not city["is_highest"]
    assert city["funnel_95"] is None
    assert sum(r["is_highest"] for r in stored) == 1
    for chart in (
        funnel_chart(wh, indicator_id, period, "Hampshire"),
        ranked_bar_chart(wh, indicator_id, period, "Hampshire"),
    ):
        spec = chart.to_dict()
        drawn = {r.get("force_code") for r in _data_rows(spec)}
        assert CITY not in drawn
        assert HAMPSHIRE in drawn
        assert rule.footnote in str(spec["description"])
        table = spec_table(spec)
        assert table is not None
        assert table["notes"] == [rule.footnote]
        city_row = next(r for r in table["rows"] if r[0] == "City of London")
        assert city_row == table["rows"][-1]
        assert city_row[1] == "-"
        assert city_row[-1] == "not compared"


def _domain(spec: dict[str, Any], channel: str) -> list[float]:
    for layer in spec["layer"]:
        scale = layer.get("encoding", {}).get(channel, {}).get("scale", {})
        if "domain" in scale:
            return [float(v) for v in scale["domain"]]
    raise AssertionError(f"no {channel} domain")


@pytest.mark.parametrize("indicator_id", ["arrests_per_1000", "charge_summons_share"])
def test_axis_ranges_come_from_the_data_drawn(wh: Warehouse, indicator_id: str) -> None:
    period = _period(wh, indicator_id)
    spec = funnel_chart(wh, indicator_id, period, "Hampshire").to_dict()
    points = [r for r in _data_rows(spec) if "force_code" in r]
    values = [float(r["value"]) for r in points]
    dens = [float(r["denominator"]) for r in points]
    low, high = _domain(spec, "y")
    assert low <= min(values)
    assert high >= max(values)
    # the space beyond the data each side is less than the data's own span (the old axes ran
    # to many times it, for City of London)
    span = max(values) - min(values)
    assert high - max(values) < span
    assert min(values) - low < span
    x_low, x_high = _domain(spec, "x")
    assert x_low >= min(dens) / 1.3
    assert x_high <= max(dens) * 1.3
    bars = ranked_bar_chart(wh, indicator_id, period, "Hampshire").to_dict()
    top = _domain(bars, "x")[1]
    assert top < 1.2 * max(float(r["upper"]) for r in _data_rows(bars) if "upper" in r)


def _axis_labels(svg: str) -> list[list[tuple[float, float, str, float]]]:
    """Each axis's tick labels as (x, y, text, font size), unrotated ones only."""
    root = ET.fromstring(svg)
    axes = []
    for group in root.iter(f"{SVG}g"):
        if "role-axis-label" not in (group.get("class") or ""):
            continue
        labels = []
        for text in group.iter(f"{SVG}text"):
            transform = text.get("transform") or ""
            if "rotate" in transform or not (text.text or "").strip():
                continue  # rotated labels, and the unlabelled minor ticks of a log axis
            x, y = (float(v) for v in re.findall(r"-?[\d.]+", transform)[:2])
            found = re.search(r"font-size:\s*([\d.]+)", text.get("style") or "")
            size = float(
                (found.group(1) if found else text.get("font-size", "10")).removesuffix("px")
            )
            labels.append((x, y, text.text or "", size))
        axes.append(labels)
    return axes


def _overlaps(labels: list[tuple[float, float, str, float]]) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes meet (a character is at most 0.62 of the font size wide)."""
    found = []
    for i, (x1, y1, t1, s1) in enumerate(labels):
        for x2, y2, t2, s2 in labels[i + 1 :]:
            wide = (len(t1) * s1 + len(t2) * s2) * 0.62 / 2
            tall = (s1 + s2) / 2
            if abs(x1 - x2) < wide and abs(y1 - y2) < tall:
                found.append((t1, t2))
    return found


def test_tick_labels_never_meet(wh: Warehouse) -> None:
    specs = []
    for indicator_id in ("arrests_per_1000", "charge_summons_share", "stop_search_per_1000"):
        period = _period(wh, indicator_id)
        specs.append(funnel_chart(wh, indicator_id, period, "Hampshire").to_dict())
        specs.append(trend_chart(wh, indicator_id, "Hampshire", "financial_year").to_dict())
    checked = 0
    for spec in specs:
        for labels in _axis_labels(spec_svg(spec)):
            assert _overlaps(labels) == [], spec["title"]
            checked += len(labels)
        # every quantitative axis asks for few ticks and drops overlapping labels
        for layer in spec["layer"]:
            for channel in ("x", "y"):
                axis = layer.get("encoding", {}).get(channel, {}).get("axis") or {}
                if "tickCount" in axis:
                    assert axis["tickCount"] <= 5
                    assert axis["labelOverlap"] == "greedy"
    assert checked > 40


def test_legends_and_names_are_never_cut(wh: Warehouse) -> None:
    period = _period(wh, "arrests_per_1000")
    for spec in (
        trend_chart(wh, "arrests_per_1000", "Hampshire", "financial_year").to_dict(),
        ranked_bar_chart(wh, "arrests_per_1000", period, "Hampshire").to_dict(),
    ):
        svg = spec_svg(spec)
        assert "…" not in svg  # Vega marks a cut label with an ellipsis
        assert ">Hampshire<" in svg


def test_the_band_is_named_only_where_it_is_drawn_and_seen(wh: Warehouse) -> None:
    said = {"seen": 0, "too narrow": 0}
    for indicator_id in ("arrests_per_1000", "charge_summons_share", "stop_search_arrest_share"):
        for force in ("Hampshire", "Dyfed-Powys", "Metropolitan Police"):
            spec = trend_chart(wh, indicator_id, force, "financial_year").to_dict()
            band = [r for r in _data_rows(spec) if "lower" in r and r.get("upper") is not None]
            marks = [layer["mark"]["type"] for layer in spec["layer"]]
            low, high = _domain(spec, "y")
            widest = max(float(r["upper"]) - float(r["lower"]) for r in band)
            text = str(spec["description"])
            assert "area" in marks
            assert "rule" in marks
            if "shaded band" in text:
                assert widest >= VISIBLE_BAND * (high - low)
                said["seen"] += 1
            else:
                assert "too narrow to see" in text
                assert widest < VISIBLE_BAND * (high - low)
                said["too narrow"] += 1
    assert said["seen"]
    assert sum(said.values()) == 9


def test_every_chart_has_its_data_table(wh: Warehouse) -> None:
    period = _period(wh, "charge_summons_share")
    charts = [
        funnel_chart(wh, "charge_summons_share", period, "Hampshire"),
        ranked_bar_chart(wh, "charge_summons_share", period, "Hampshire"),
        trend_chart(wh, "charge_summons_share", "Hampshire", "financial_year"),
        key_indicators_chart(
            "Hampshire Constabulary",
            [
                {
                    "title": "Charged or summonsed",
                    "period": period,
                    "unit": "share",
                    "value": 0.1,
                    "ew_value": 0.12,
                    "peer_value": 0.11,
                }
            ],
        ),
    ]
    for chart in charts:
        table = spec_table(chart.to_dict())
        assert table is not None
        assert table["rows"], chart.to_dict()["title"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
