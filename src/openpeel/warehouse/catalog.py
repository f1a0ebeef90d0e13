"""The warehouse schema, declared once as data (``schema/*.toml``) and read into typed objects.

Every table has a layer given by its name prefix:

* ``raw_*``  the publisher's fields exactly as published (text), one row per published row, plus
  ``file_id`` (the load ledger entry it came from) and ``quarantine_reason`` (why the row was
  quarantined, null when it was loaded). Each raw column says what a valid value looks like
  (``expect``), and row validation is generated from that.
* ``core_*`` clean, typed views over the raw tables with canonical codes; each column gives the SQL
  expression that derives it, so the data dictionary shows where every value comes from.
* ``meta_*`` the load ledger, the quarantine and the refusals.
* ``ref_*``  the reference code tables, loaded from the package data.
* ``out_*``  derived, user-facing tables (later issues).

DDL (``ddl.py``), validation SQL (``validation.py``) and ``docs/data-dictionary.md``
(``dictionary.py``) are all generated from these declarations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from openpeel.declarations import toml_documents
from openpeel.errors import OpenPeelError

LAYERS = ("raw", "core", "meta", "ref", "out")

#: the formats a raw column may be expected to hold, with the SQL that tests one value ``v``
#: (true when the value does not fit) and the words used in a quarantine reason.
EXPECT_FORMATS: dict[str, tuple[str, str]] = {
    "text": ("false", "text"),
    "integer": ("TRY_CAST(v AS BIGINT) IS NULL", "a whole number"),
    "number": ("TRY_CAST(v AS DOUBLE) IS NULL", "a number"),
    "thousands_integer": (
        "TRY_CAST(replace(v, ',', '') AS BIGINT) IS NULL",
        "a whole number (thousands separators allowed)",
    ),
    "thousands_number": (
        "TRY_CAST(replace(v, ',', '') AS DOUBLE) IS NULL",
        "a number (thousands separators allowed)",
    ),
    "date": ("TRY_CAST(v AS DATE) IS NULL", "a date (YYYY-MM-DD)"),
    "month": ("TRY_STRPTIME(v, '%Y-%m') IS NULL", "a month (YYYY-MM)"),
    "timestamp": ("TRY_CAST(v AS TIMESTAMPTZ) IS NULL", "an ISO 8601 date and time"),
    "boolean": ("upper(v) NOT IN ('TRUE', 'FALSE')", "TRUE or FALSE"),
    # a yes/no column as the Home Office's tables write it: 'x' for yes, a blank for no
    "flag": ("upper(v) NOT IN ('TRUE', 'FALSE', 'X')", "TRUE, FALSE or x"),
    "uk_date": (
        "uk_date(v) IS NULL",
        "a date (DD/MM/YYYY, or YYYY-MM-DD as a spreadsheet's date cell reads)",
    ),
    "financial_year": (
        "NOT regexp_full_match(v, '[0-9]{4}/[0-9]{2}')",
        "a financial year (YYYY/YY)",
    ),
}

SQL_TYPES = {
    "VARCHAR",
    "INTEGER",
    "BIGINT",
    "DOUBLE",
    "DATE",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "BOOLEAN",
    "VARCHAR[]",
    "JSON",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str | None = None
    #: raw tables: the published column header (as in the first layout)
    header: str | None = None
    #: raw tables: what a valid value looks like (a key of EXPECT_FORMATS)
    expect: str = "text"
    #: raw tables: a value must be present (non-blank) for the row to load
    required: bool = False
    #: raw tables: published markers meaning "not available" (read as null)
    na: tuple[str, ...] = ()
    #: raw tables: published markers meaning "suppressed" (read as null, counted in quality)
    suppressed: tuple[str, ...] = ()
    #: raw tables: the code table every value must be in (an unknown value stops the file)
    code: str | None = None
    #: core views: the SQL expression that derives the column
    expr: str | None = None
    nullable: bool = True


@dataclass(frozen=True)
class Lookup:
    """A core view's join to a code table: ``alias.value`` is the canonical code of ``of``."""

    alias: str
    code: str
    of: str


@dataclass(frozen=True)
class Counts:
    """A core view that counts the rows of another core view (``rows_of``) by its other
    columns, into ``column``. Engines reading the Parquet tree derive it from that definition
    (warehouse/parquet.py); the warehouse's own view may count faster from the raw table, and
    a test checks that the two agree."""

    rows_of: str
    column: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    #: core views: the FROM clause (with joins) the column expressions read from
    from_sql: str | None = None
    where_sql: str | None = None
    #: core views: GROUP BY clause, for views that aggregate
    group_by: str | None = None
    #: raw tables: the source kind(s) that load into it
    sources: tuple[str, ...] = field(default_factory=tuple)
    primary_key: tuple[str, ...] = ()
    #: core views: code lookups, each joined as ``LEFT JOIN ref_alias_<code> <alias>``
    lookups: tuple[Lookup, ...] = ()
    #: ref tables: a CSV file in openpeel/reference/data loaded into the table on every open
    data: str | None = None
    #: core views: what the view counts, for engines that define it from the exported rows
    counts: Counts | None = None

    @property
    def layer(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def is_view(self) -> bool:
        return self.layer == "core"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns' names, in declared order."""
        return tuple(c.name for c in self.columns)

    @property
    def published_columns(self) -> tuple[Column, ...]:
        """Raw tables: the columns that hold published fields (not file_id / quarantine_reason)."""
        return tuple(c for c in self.columns if c.header is not None)


#: the bookkeeping columns every raw table has, before and after the published fields
RAW_LEAD = (
    Column(
        "file_id",
        "INTEGER",
        "the load ledger entry (meta_load_ledger.file_id) of the file this row was read from",
        nullable=False,
    ),
)
RAW_TAIL = (
    Column(
        "quarantine_reason",
        "VARCHAR",
        "why the row was quarantined; null when it loaded (core views leave quarantined rows out)",
    ),
)


class SchemaError(OpenPeelError):
    pass


def _column(table: str, raw: dict[str, Any], where: str) -> Column:
    known = set(Column.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise SchemaError(
            f"{where}: column of {table} has unknown keys {sorted(unknown)}",
            hint=f"allowed keys: {sorted(known)}",
        )
    for key in ("name", "type", "description"):
        if key not in raw:
            raise SchemaError(f"{where}: a column of {table} has no {key!r}")
    if raw["type"] not in SQL_TYPES:
        raise SchemaError(
            f"{where}: {table}.{raw['name']} has type {raw['type']!r}",
            hint=f"use one of {sorted(SQL_TYPES)}",
        )
    expect = raw.get("expect", "text")
    if expect not in EXPECT_FORMATS:
        raise SchemaError(
            f"{where}: {table}.{raw['name']} expects {expect!r}",
            hint=f"use one of {sorted(EXPECT_FORMATS)}",
        )
    values = dict(raw)
    values["na"] = tuple(raw.get("na", ()))
    values["suppressed"] = tuple(raw.get("suppressed", ()))
    return Column(**values)


def _table(name: str, raw: dict[str, Any], where: str) -> Table:
    layer = name.split("_", 1)[0]
    if layer not in LAYERS:
        raise SchemaError(
            f"{where}: table {name!r} has no layer prefix",
            hint=f"name tables {{layer}}_{{source}}__{{what}} with layer in {LAYERS}",
        )
    columns = tuple(_column(name, c, where) for c in raw.get("columns", ()))
    if layer == "raw":
        columns = RAW_LEAD + columns + RAW_TAIL
    if layer == "core":
        missing = [c.name for c in columns if c.expr is None]
        if missing or "from" not in raw:
            raise SchemaError(
                f"{where}: core view {name} needs 'from' and an 'expr' for "
                f"every column (missing: {missing})"
            )
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise SchemaError(f"{where}: {name} declares a column twice")
    return Table(
        name=name,
        description=raw["description"],
        columns=columns,
        from_sql=raw.get("from"),
        where_sql=raw.get("where"),
        group_by=raw.get("group_by"),
        sources=tuple(raw.get("sources", ())),
        primary_key=tuple(raw.get("primary_key", ())),
        lookups=tuple(Lookup(**lk) for lk in raw.get("lookups", ())),
        data=raw.get("data"),
        counts=Counts(**raw["counts"]) if "counts" in raw else None,
    )


#: the top-level key of a schema file that holds named constants rather than a table
CONSTANTS_KEY = "constants"


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table]
    #: thresholds the views and checks share, each a DuckDB macro ``name()`` (warehouse/ddl.py)
    constants: dict[str, float] = field(default_factory=dict)

    def constant(self, name: str) -> float:
        try:
            return self.constants[name]
        except KeyError:
            raise SchemaError(
                f"no constant {name!r} is declared in the warehouse schema",
                hint=f"declare it under [{CONSTANTS_KEY}] in warehouse/schema/00_meta.toml",
            ) from None

    def __getitem__(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise SchemaError(f"no table {name!r} is declared in the warehouse schema") from None

    def layer(self, layer: str) -> list[Table]:
        return [t for t in self.tables.values() if t.layer == layer]


@cache
def load_schema() -> Schema:
    """Read every ``schema/*.toml`` file of the package, in name order."""
    return read_schema(toml_documents("openpeel.warehouse", "schema", SchemaError))


def read_schema(documents: Iterable[tuple[str, dict[str, Any]]]) -> Schema:
    """The schema declared by (where, parsed TOML document) pairs, in order."""
    tables: dict[str, Table] = {}
    constants: dict[str, float] = {}
    for where, document in documents:
        doc = dict(document)
        for name, value in doc.pop(CONSTANTS_KEY, {}).items():
            if name in constants or not isinstance(value, int | float) or isinstance(value, bool):
                raise SchemaError(
                    f"{where}: constant {name} is declared twice or is not a number ({value!r})"
                )
            constants[name] = float(value)
        for name, raw in doc.items():
            if name in tables:
                raise SchemaError(f"{where}: table {name} is declared twice")
            tables[name] = _table(name, raw, where)
    return Schema(tables, constants)
