"""DDL generated from the declared schema: tables for raw/meta/ref/out, views for core."""

from __future__ import annotations

from collections.abc import Iterable

from openpeel.reference import WHITESPACE_RANGES
from openpeel.warehouse.catalog import Column, Schema, Table


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """An SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _column_def(col: Column) -> str:
    null = "" if col.nullable else " NOT NULL"
    return f"{quote(col.name)} {col.type}{null}"


def create_table(table: Table) -> str:
    cols = [_column_def(c) for c in table.columns]
    if table.primary_key:
        cols.append("PRIMARY KEY (" + ", ".join(quote(c) for c in table.primary_key) + ")")
    body = ",\n  ".join(cols)
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} (\n  {body}\n)"


def create_view(table: Table) -> str:
    select = ",\n  ".join(f"CAST({c.expr} AS {c.type}) AS {quote(c.name)}" for c in table.columns)
    joins = "".join(
        f"\nLEFT JOIN ref_alias_{lk.code} {lk.alias} ON {lk.alias}.alias = norm_code({lk.of})"
        for lk in table.lookups
    )
    sql = (
        f"CREATE OR REPLACE VIEW {quote(table.name)} AS\nSELECT\n  {select}\n"
        f"FROM {table.from_sql}{joins}"
    )
    if table.where_sql:
        sql += f"\nWHERE {table.where_sql}"
    if table.group_by:
        sql += f"\nGROUP BY {table.group_by}"
    return sql


#: a regular expression class of the whitespace normalise() collapses (RE2 syntax)
_WHITESPACE = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in WHITESPACE_RANGES) + "]+"

#: SQL macros the core views use. norm_code is reference.normalise in SQL: how a published
#: spelling is matched to the code tables (whitespace runs collapsed to one space, trimmed,
#: lower-cased). Views apply it to every row, so plain printable ASCII without a double space
#: (nearly every value) takes the cheap path; tests/reference/test_normalise.py checks the two.
MACROS = (
    "CREATE OR REPLACE MACRO norm_code(x) AS CASE WHEN regexp_matches(x, '[^ -~]|  ') "
    f"THEN lower(trim(regexp_replace(x, '{_WHITESPACE}', ' ', 'g'))) ELSE lower(trim(x)) END",
    "CREATE OR REPLACE MACRO num(x) AS TRY_CAST(replace(x, ',', '') AS DOUBLE)",
    # a date as the Home Office's CSV files write it (DD/MM/YYYY), or as a spreadsheet's date
    # cell reads (YYYY-MM-DD); null when it is neither
    "CREATE OR REPLACE MACRO uk_date(x) AS CAST(coalesce(TRY_STRPTIME(x, '%d/%m/%Y'), "
    "TRY_CAST(x AS TIMESTAMP)) AS DATE)",
)


def alias_views(code_tables: Iterable[str]) -> list[str]:
    """A view ref_alias_<code> (alias, value) for each code table of ref_code_alias."""
    return [
        f"CREATE OR REPLACE VIEW ref_alias_{code} AS SELECT alias, value FROM ref_code_alias "
        f"WHERE code_table = {literal(code)}"
        for code in code_tables
    ]


def all_ddl(schema: Schema, code_tables: Iterable[str]) -> list[str]:
    """Statements that create every table, macro and view, in dependency order."""
    statements = [create_table(t) for t in schema.tables.values() if not t.is_view]
    statements.extend(MACROS)
    statements.extend(
        f"CREATE OR REPLACE MACRO {name}() AS {value!r}" for name, value in schema.constants.items()
    )
    statements.extend(alias_views(code_tables))
    statements.extend(create_view(t) for t in schema.tables.values() if t.is_view)
    return statements
