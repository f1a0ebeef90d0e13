"""A chart's data as tables, from its Vega-Lite specification: what a reader who cannot see the
chart (or wants the figures) reads instead, under each chart of the dashboard.

Each dataset of the spec becomes one table whose columns are the fields the chart's encodings
use, titled as the chart titles them. The features of a map give their properties. Computed
curves (a funnel's control limits: hundreds of points) are left out: they are not data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: datasets longer than this are drawn curves, not the figures (a funnel's limits: 800 points)
MAX_ROWS = 250


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


def _fields(node: Any) -> Iterator[tuple[str, str | None]]:
    """Every (field, title) an encoding of the spec names, in the order they appear."""
    if isinstance(node, dict):
        field = node.get("field")
        if isinstance(field, str):
            title = node.get("title")
            yield field, title if isinstance(title, str) else None
        for key, value in node.items():
            if key not in ("datasets", "data"):
                yield from _fields(value)
    elif isinstance(node, list):
        for item in node:
            yield from _fields(item)


def _rows(values: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for value in values:
        if not isinstance(value, dict):
            continue
        properties = value.get("properties")
        if value.get("type") == "Feature" and isinstance(properties, dict):
            value = {f"properties.{k}": v for k, v in properties.items()}
        rows.append(value)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def _title(field: str, title: str | None) -> str:
    if title:
        return title
    name = field.removeprefix("properties.").replace("_", " ")
    return name[:1].upper() + name[1:]


def chart_tables(spec: dict[str, Any]) -> list[Table]:
    """The spec's data as tables (empty where it holds none)."""
    titles: dict[str, str] = {}
    for field, title in _fields(spec):
        if field not in titles or (title and titles[field] == _title(field, None)):
            titles[field] = _title(field, title)
    datasets = list((spec.get("datasets") or {}).values())
    inline = (spec.get("data") or {}).get("values")
    if isinstance(inline, list):
        datasets.append(inline)
    tables = []
    for values in datasets:
        rows = _rows(values) if isinstance(values, list) else []
        if not rows or len(rows) > MAX_ROWS:
            continue
        columns = [f for f in titles if any(f in row for row in rows)]
        if not columns or (len(columns) == 1 and len(rows) == 1):
            continue  # no field charted, or a reference line (said in the description)
        tables.append(
            Table(
                [titles[f] for f in columns],
                [[_cell(row.get(f)) for f in columns] for row in rows],
            )
        )
    return tables
