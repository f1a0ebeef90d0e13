"""Load the reference code tables (package data) into the warehouse's ``ref_*`` tables.

They are reloaded on a writable open whenever they differ from what the warehouse last loaded
(``openpeel.warehouse.db``: the schema fingerprint), so a mapping added to the package data takes
effect in the core views without re-ingesting anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from importlib import resources
from typing import Any

import duckdb
import pyarrow as pa

from openpeel import reference
from openpeel.errors import OpenPeelError
from openpeel.reference import CodeTable, normalise
from openpeel.warehouse.catalog import load_schema
from openpeel.warehouse.ddl import quote

#: every code table of ref_code_alias -> the loader of its spellings (alias -> canonical value);
#: each gets a view ref_alias_<name> (warehouse/ddl.py) that the core views join to
CODE_TABLES: dict[str, Callable[[], CodeTable[Any] | reference.ForceRegistry]] = {
    "force": reference.forces,
    "crime_type": reference.crime_types,
    "policeuk_outcome": reference.policeuk_outcomes,
    "outcome_type": reference.outcome_types,
    "offence_code": reference.offence_codes,
    "recorded_crime_offence": reference.recorded_crime_offences,
}


def alias_rows() -> list[tuple[str, str, str]]:
    """(code_table, normalised alias, canonical value) for every known spelling."""
    rows: list[tuple[str, str, str]] = []
    for name, loader in CODE_TABLES.items():
        rows.extend((name, normalise(alias), value) for alias, value in loader().aliases().items())
    return sorted(set(rows))


def data_frames() -> dict[str, pa.Table]:
    """The rows of every ref table that declares ``data``, from its CSV in
    openpeel/reference/data."""
    frames: dict[str, pa.Table] = {}
    for table in load_schema().layer("ref"):
        if table.data is None:
            continue
        text = (resources.files("openpeel.reference") / "data" / table.data).read_text("utf-8")
        records = list(csv.DictReader(io.StringIO(text, newline="")))
        names = [c.name for c in table.columns]
        if records and set(records[0]) != set(names):
            raise OpenPeelError(
                f"openpeel/reference/data/{table.data}: columns {sorted(records[0])} do not "
                f"match the declared table {table.name} ({sorted(names)})",
                hint="make the file's header and the declaration in warehouse/schema agree",
            )
        frames[table.name] = pa.table(
            {n: pa.array([r[n] or None for r in records], pa.string()) for n in names}
        )
    return frames


def reference_frames() -> dict[str, pa.Table]:
    """The rows of every ref table, by table name: the data files' tables, the code aliases and
    the forces."""
    rows = alias_rows()
    aliases = pa.table(
        {
            "code_table": [r[0] for r in rows],
            "alias": [r[1] for r in rows],
            "value": [r[2] for r in rows],
        }
    )
    forces = reference.forces().all()
    force_table = pa.table(
        {
            "force_code": [f.code for f in forces],
            "name": [f.name for f in forces],
            "short_name": [f.short_name for f in forces],
            "region": [f.region or None for f in forces],
            "country": [f.country or None for f in forces],
            "is_territorial": [f.is_territorial for f in forces],
            "policeuk_slug": [f.policeuk_slug or None for f in forces],
        }
    )
    return {**data_frames(), "ref_code_alias": aliases, "ref_force": force_table}


def load_reference_tables(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pa.Table] | None = None
) -> None:
    """Replace the rows of every ref table with ``frames`` (by default, the package's)."""
    for name, frame in (frames if frames is not None else reference_frames()).items():
        con.register("_ref_rows", frame)
        try:
            con.execute(f"DELETE FROM {quote(name)}")
            con.execute(f"INSERT INTO {quote(name)} BY NAME SELECT * FROM _ref_rows")
        finally:
            con.unregister("_ref_rows")
