"""A chart's data as tables (openpeel.web.chart_data), from the charts the dashboard draws: the
map's features give their properties, the columns are the charted fields, drawn curves and
reference lines are left out."""

from __future__ import annotations

from pathlib import Path

from openpeel.presentation.charts import indicator_charts
from openpeel.warehouse.db import Warehouse
from openpeel.web.chart_data import MAX_ROWS, chart_tables


def test_an_indicators_charts_give_their_figures_as_tables(built_home: Path) -> None:
    with Warehouse(built_home, read_only=True) as wh:
        charts = dict(indicator_charts(wh, "arrests_per_1000", "2017/18", "E23000030", "year"))
    assert charts, "the indicator has charts"
    for heading, spec in charts.items():
        tables = chart_tables(spec)
        assert tables, f"{heading}: no table"
        for table in tables:
            assert table.rows, heading
            assert len(table.rows) <= MAX_ROWS, f"{heading}: a drawn curve made a table"
            assert all(len(row) == len(table.columns) for row in table.rows)
    ranked = next(t for h, s in charts.items() if "order" in h.lower() for t in chart_tables(s))
    cells = [cell for row in ranked.rows for cell in row]
    assert "Hampshire Constabulary" in cells


def test_a_maps_features_give_their_properties() -> None:
    spec = {
        "datasets": {
            "d": [
                {
                    "type": "Feature",
                    "properties": {"name": "Kent Police", "grade": "good", "code": "E23000032"},
                    "geometry": {"type": "Point", "coordinates": [0, 0]},
                }
            ]
        },
        "encoding": {
            "color": {"field": "properties.grade", "title": "Grade"},
            "tooltip": [{"field": "properties.name"}],
        },
    }
    (table,) = chart_tables(spec)
    assert table.columns == ["Grade", "Name"]
    assert table.rows == [["good", "Kent Police"]]


def test_a_reference_line_and_a_drawn_curve_are_not_tables() -> None:
    spec = {
        "datasets": {
            "line": [{"index": 100}],
            "curve": [{"x": float(i), "y": float(i)} for i in range(MAX_ROWS + 1)],
        },
        "layer": [{"encoding": {"y": {"field": "index"}}}, {"encoding": {"x": {"field": "x"}}}],
    }
    assert chart_tables(spec) == []
