"""What each page of the dashboard offers to download, declared as data: its tables (each as
CSV and XLSX) and its charts (each as PNG and SVG, and its data as a table), and all of them
together as one XLSX workbook (issue 18, point 7).

A table names where its rows are in the page's context (the same context as the page and its
JSON twin) and its columns. ``rows`` is a key path: ``"forces"`` is the list under that key,
``"map"`` a dotted path, ``"spine[].rows"`` the rows of every item of ``spine`` one after another,
each row able to name its group's fields with ``^`` (``"^description"``). A column's ``field`` is
a dotted path in a row. The few tables whose columns depend on the data (the rug: one column per
indicator shown) name a ``shape``: a function of the context in ``SHAPES``.

A chart names where its ``{"spec", "table"}`` is: one key path, or ``[]`` for a list of charts
(each then named by its ``id_field``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    field: str
    heading: str


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    rows: str = ""
    columns: tuple[Column, ...] = ()
    #: a function of the context in SHAPES, for columns that depend on the data
    shape: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    #: where the chart ({"spec", "table"}) is; "charts[]" for each item of a list
    at: str
    #: for a list of charts, the field of each that names it (made into an id)
    id_field: str = ""
    #: whether the chart comes with its data as a table (``<id>-data``)
    data: bool = True


@dataclass(frozen=True)
class PageDownloads:
    #: the page's name (its template's, e.g. "force" for force.html.j2)
    page: str
    title: str
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = field(default=())


def _c(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(f, h) for f, h in pairs)


SPINE_COLUMNS = _c(
    ("^description", "PEEL question"),
    ("indicator_id", "Indicator id"),
    ("title", "Indicator"),
    ("unit", "Unit"),
    ("period", "Period"),
    ("value", "Force"),
    ("lower", "95% interval, lower"),
    ("upper", "95% interval, upper"),
    ("comparison", "Compared with England and Wales"),
    ("not_compared_reason", "Why not compared"),
    ("trend", "Recent trend"),
    ("variation", "Latest month's SPC variation"),
    ("minimum", "Lowest"),
    ("q1", "25th percentile"),
    ("ew_value", "England and Wales"),
    ("q3", "75th percentile"),
    ("maximum", "Highest"),
    ("forces_shown", "Forces in the spread"),
    ("peer_value", "Most similar group"),
    ("spread_footnote", "Note"),
)

DOWNLOADS = (
    PageDownloads(
        "forces",
        "Find a police force",
        tables=(
            Table(
                "forces",
                "The forces listed, as searched",
                "forces.items",
                _c(
                    ("code", "Force code"),
                    ("name", "Force"),
                    ("region", "Region"),
                    ("why", "Why it matched"),
                ),
            ),
        ),
    ),
    PageDownloads(
        "indicators",
        "Every indicator",
        tables=(
            Table(
                "indicators",
                "Every indicator, by PEEL pillar",
                "pillars[].indicators",
                _c(
                    ("^pillar", "Pillar"),
                    ("id", "Indicator id"),
                    ("title", "Indicator"),
                    ("unit_words", "Unit"),
                    ("plain", "Definition"),
                    ("latest_period", "Latest period"),
                ),
            ),
        ),
    ),
    PageDownloads(
        "publications",
        "Reports",
        tables=(
            Table(
                "publications",
                "The reports listed",
                "publications.items",
                _c(
                    ("slug", "Report id"),
                    ("title", "Report"),
                    ("kind", "Kind"),
                    ("edition", "PEEL"),
                    ("state", "State"),
                    ("embargo_until", "Embargoed until"),
                    ("version", "Version"),
                    ("outputs", "Outputs"),
                ),
            ),
        ),
    ),
    PageDownloads(
        "overview",
        "National overview",
        tables=(
            Table(
                "grades",
                "Every force's grade, with the change since its previous assessment",
                "forces",
                _c(
                    ("code", "Force code"),
                    ("name", "Force"),
                    ("grade", "Grade"),
                    ("change", "Since the previous assessment"),
                    ("previous_grade", "Previous grade"),
                    ("previous_edition", "Previous PEEL"),
                    ("state", "State"),
                ),
            ),
        ),
        charts=(
            # its table is the grades table
            Chart("grade-map", "Map of the force areas by grade", "map", data=False),
        ),
    ),
    PageDownloads(
        "force",
        "A force",
        tables=(
            Table("grades", "PEEL grades by year and pillar", shape="force_grades"),
            Table(
                "key-indicators",
                "Key indicators against England and Wales and the most similar group",
                "key_indicators",
                _c(
                    ("indicator_id", "Indicator id"),
                    ("title", "Indicator"),
                    ("period", "Period"),
                    ("unit", "Unit"),
                    ("value", "Force"),
                    ("lower", "95% interval, lower"),
                    ("upper", "95% interval, upper"),
                    ("ew_value", "England and Wales"),
                    ("peer_value", "Most similar group"),
                    ("rank", "Rank"),
                    ("sentence", "In words"),
                ),
            ),
            Table(
                "spine", "Where the force stands on each indicator", "spine[].rows", SPINE_COLUMNS
            ),
        ),
        charts=(
            Chart("key-chart", "Key indicators as an index of England and Wales", "key_chart"),
            Chart(
                "spine",
                "Spine chart: where the force stands on each indicator",
                "spine",
                data=False,  # its table is the spine table
            ),
        ),
    ),
    PageDownloads(
        "forecasts",
        "A force's demand forecasts",
        tables=(
            Table(
                "summary",
                "Summary of the forecasts",
                "series",
                _c(
                    ("id", "Series"),
                    ("source_title", "Source"),
                    ("category", "Category"),
                    ("plain.direction", "Forecast direction"),
                    ("plain.how_sure", "How sure"),
                    ("plain.beat_baseline", "Beat the baseline"),
                    ("flags", "Emerging demand"),
                    ("model", "Model"),
                    ("mase", "MASE"),
                    ("baseline_mase", "Baseline MASE"),
                    ("smape", "sMAPE"),
                    ("coverage_95", "95% interval coverage"),
                    ("p_value", "p-value"),
                ),
            ),
        ),
        charts=(Chart("forecast", "Forecast fan chart", "series[]", id_field="id"),),
    ),
    PageDownloads(
        "rug",
        "Every force on every indicator",
        tables=(Table("forces", "Every force on every indicator, as filtered", shape="rug"),),
    ),
    PageDownloads(
        "indicator",
        "An indicator for every force",
        tables=(
            Table(
                "values",
                "Every force's value, 95% interval, rank and flags",
                "forces",
                _c(
                    ("code", "Force code"),
                    ("name", "Force"),
                    ("value", "Value"),
                    ("lower", "95% interval, lower"),
                    ("upper", "95% interval, upper"),
                    ("rank", "Rank"),
                    ("flags", "Flags"),
                ),
            ),
        ),
        charts=(Chart("chart", "Chart", "charts[]", id_field="heading"),),
    ),
)

BY_PAGE = {d.page: d for d in DOWNLOADS}


class MissingPath(KeyError):
    """A declared path that the context does not hold."""


def at_path(node: Any, path: str) -> Any:
    """The value at a dotted ``path`` in nested dicts (None where a key is missing)."""
    for key in path.split(".") if path else []:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def table_rows(context: dict[str, Any], rows: str) -> list[dict[str, Any]]:
    """The rows a table's ``rows`` path names in a page's context."""
    if "[]." in rows:
        outer, inner = rows.split("[].", 1)
        out = []
        for group in at_path(context, outer) or []:
            parent = {f"^{k}": v for k, v in group.items() if not isinstance(v, list)}
            out += [parent | row for row in table_rows(group, inner)]
        return out
    found = at_path(context, rows)
    if found is None:
        return []
    if not isinstance(found, list):
        raise MissingPath(f"{rows!r} is not a list of rows")
    return list(found)


def cell(value: Any) -> Any:
    """A context value as one cell: numbers and text as they are, lists joined, dicts as text."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


def _force_grades(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    pillars = list(context.get("pillars") or [])
    header = ["PEEL", "Year"]
    for p in pillars:
        header += [f"{p}: grade", f"{p}: change", f"{p}: state"]
    rows = []
    for g in context.get("grades") or []:
        row: list[Any] = [g["edition"], g["year"]]
        for p in pillars:
            got = g["pillars"].get(p) or {}
            row += [got.get("grade"), got.get("change"), got.get("state")]
        rows.append(row)
    return header, rows


def _rug(context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The rug as shown (filters and order applied): one row per force, per indicator its
    value, its comparison and why it is not compared."""
    header = ["force_code", "force_name", "region"]
    for i in context["indicators"]:
        header += [i["id"], f"{i['id']}:comparison", f"{i['id']}:not_compared_reason"]
    rows = []
    for f in context["forces"]:
        row: list[Any] = [f["code"], f["name"], f["region"]]
        for i in context["indicators"]:
            got = f["cells"][i["id"]]
            row += [got["value"], got["comparison"], got["not_compared_reason"]]
        rows.append(row)
    return header, rows


SHAPES: dict[str, Callable[[dict[str, Any]], tuple[list[str], list[list[Any]]]]] = {
    "force_grades": _force_grades,
    "rug": _rug,
}


def table_data(table: Table, context: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """A declared table's header and rows from a page's context."""
    if table.shape:
        return SHAPES[table.shape](context)
    rows = table_rows(context, table.rows)
    return (
        [c.heading for c in table.columns],
        [[cell(at_path(r, c.field)) for c in table.columns] for r in rows],
    )


def slug(text: str) -> str:
    """``text`` as an id in an address: lower case, runs of other characters as one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


@dataclass(frozen=True)
class ChartItem:
    id: str
    title: str
    #: the chart as the context holds it: {"spec", "table", ...}; for the spine, its groups
    chart: Any


def chart_items(chart: Chart, context: dict[str, Any]) -> list[ChartItem]:
    """The charts a declaration names in a page's context (none where the page has none)."""
    if chart.at.endswith("[]"):
        out = []
        for item in at_path(context, chart.at[:-2]) or []:
            name = str(item.get(chart.id_field) or "")
            held = item.get("chart", item)
            title = str(held.get("title") or item.get("title") or name)
            out.append(ChartItem(f"{chart.id}-{slug(name)}", title, held))
        return out
    held = at_path(context, chart.at)
    return [ChartItem(chart.id, chart.title, held)] if held else []


def chart_table(item: ChartItem) -> tuple[list[str], list[list[Any]]] | None:
    """A Vega-Lite chart's data table (its spec's ``usermeta.table``), if it has one."""
    table = item.chart.get("table") if isinstance(item.chart, dict) else None
    if not table:
        return None
    return [str(c) for c in table["columns"]], [list(r) for r in table["rows"]]
