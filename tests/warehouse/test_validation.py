"""The quarantine reason asks the cheap question first: it must give every row the same reason
as the field-by-field checks alone, and the cheap question must pass the rows that load."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openpeel.sample import sample_path
from openpeel.warehouse.catalog import EXPECT_FORMATS, Table, load_schema
from openpeel.warehouse.ddl import MACROS
from openpeel.warehouse.validation import reason_sql, reasons_sql, valid_sql

RAW_TABLES = [t for t in load_schema().tables.values() if t.layer == "raw"]

#: values that sit on the edges of the checks: blanks and spaces trim() removes or keeps,
#: characters around the printable ASCII range, numbers, dates and months well and badly formed
EDGES = [
    "",
    " ",
    "  ",
    "\t",
    "\n",
    "\u00a0",
    "\u3000",
    "\u2003",
    "\x7f",
    "\x1f",
    "!",
    "~",
    "é",
    " x",
    "x ",
    "\u00a0x",
    "x",
    "X",
    "TRUE",
    "false",
    "NaN",
    "inf",
    "-1.5",
    " 1.5",
    "1.5 ",
    "1,234",
    "1,234.5",
    "1.2.3",
    "1e5",
    "12",
    "2019-03",
    "2019-13",
    "19-03",
    "2019-03-01",
    "2019-02-30",
    "01/03/2019",
    "31/02/2019",
    "2019-03-01T10:00:00+00:00",
    "2019-03-01 25:00",
    "2019/20",
    "2019/2",
]
#: the declared "not available" and "suppressed" markers
MARKERS = sorted({m for t in RAW_TABLES for c in t.published_columns for m in c.na + c.suppressed})
VALUES = st.one_of(st.none(), st.sampled_from(EDGES + MARKERS), st.text(max_size=6))


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for macro in MACROS:
        con.execute(macro)
    yield con
    con.close()


def _compare(con: duckdb.DuckDBPyConnection, table: Table, rows: list[list[str | None]]) -> None:
    names = [c.name for c in table.published_columns]
    columns = {n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)}
    con.register("t", pa.table(columns))
    differ = con.execute(
        f"SELECT *, {reasons_sql(table)} AS expected, {reason_sql(table)} AS given FROM t "
        f"WHERE given IS DISTINCT FROM expected OR (({valid_sql(table)}) AND expected IS NOT NULL)"
    ).fetchall()
    assert differ == [], f"{table.name}: rows given another reason than the field checks give"


@pytest.mark.parametrize("table", RAW_TABLES, ids=lambda t: t.name)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_cheap_test_gives_every_row_the_field_checks_reason(
    con: duckdb.DuckDBPyConnection, table: Table, data: st.DataObject
) -> None:
    width = len(table.published_columns)
    row = st.lists(VALUES, min_size=width, max_size=width)
    rows = data.draw(st.lists(row, min_size=1, max_size=40))
    _compare(con, table, rows)


@pytest.mark.parametrize("table", RAW_TABLES, ids=lambda t: t.name)
def test_each_edge_value_in_each_column_gets_the_field_checks_reason(
    con: duckdb.DuckDBPyConnection, table: Table
) -> None:
    """Every edge value in every column, the other fields holding a value of their format."""
    good = {"month": "2019-03", "date": "2019-03-01", "uk_date": "01/03/2019"}
    good |= {"timestamp": "2019-03-01T10:00:00+00:00", "financial_year": "2019/20"}
    good |= {"boolean": "TRUE", "flag": "x"}
    base: list[str | None] = [good.get(c.expect, "1") for c in table.published_columns]
    rows = [base]
    for position in range(len(base)):
        for value in [None, *EDGES, *MARKERS]:
            rows.append([*base[:position], value, *base[position + 1 :]])
    _compare(con, table, rows)
    numeric = {"text", "integer", "number", "thousands_integer", "thousands_number"}
    assert set(good) | numeric == set(EXPECT_FORMATS), "give each format a valid value above"


def test_the_cheap_test_passes_the_rows_that_load(con: duckdb.DuckDBPyConnection) -> None:
    """On the bundled sample's street files, the cheap test passes every row that loads: the
    field-by-field reasons are asked of no valid row."""
    table = load_schema()["raw_policeuk__street"]
    files = sorted(str(p) for p in (sample_path() / "police_uk").rglob("*-street.csv.gz"))
    columns = ", ".join(f"'{c.name}': 'VARCHAR'" for c in table.published_columns)
    valid, loads, rows = con.execute(
        f"SELECT count(*) FILTER (WHERE {valid_sql(table)}), "
        f"count(*) FILTER (WHERE ({reasons_sql(table)}) IS NULL), count(*) "
        f"FROM read_csv(?, columns = {{{columns}}}, header = true, auto_detect = false)",
        [files],
    ).fetchone() or (0, 0, 0)
    assert rows > 10_000
    assert valid == loads
