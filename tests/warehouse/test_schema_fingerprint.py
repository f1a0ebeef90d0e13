"""A writable open re-creates the schema and reloads the reference tables only when they differ
from what the warehouse last made: its fingerprint in meta_schema."""

from __future__ import annotations

from pathlib import Path

from openpeel.warehouse.code_tables import CODE_TABLES, reference_frames
from openpeel.warehouse.db import Warehouse, schema_fingerprint
from openpeel.warehouse.ddl import all_ddl


def _force_rows(wh: Warehouse) -> int:
    return int(wh.scalar("SELECT count(*) FROM ref_force"))


def test_the_stored_fingerprint_is_that_of_the_ddl_and_reference_rows(home: Path) -> None:
    with Warehouse(home) as wh:
        expected = schema_fingerprint(all_ddl(wh.schema, CODE_TABLES), reference_frames())
        assert wh.rows("SELECT fingerprint FROM meta_schema") == [(expected,)]
        assert _force_rows(wh) == reference_frames()["ref_force"].num_rows


def test_an_open_with_the_same_fingerprint_leaves_the_warehouse_as_it_is(home: Path) -> None:
    with Warehouse(home) as wh:
        forces = _force_rows(wh)
        wh.execute(
            "DELETE FROM ref_force WHERE force_code = (SELECT min(force_code) FROM ref_force)"
        )
    with Warehouse(home) as wh:
        assert _force_rows(wh) == forces - 1  # not reloaded: the fingerprint is the same


def test_another_fingerprint_or_a_missing_table_makes_the_schema_again(home: Path) -> None:
    with Warehouse(home) as wh:
        forces = _force_rows(wh)
        wh.execute("DELETE FROM ref_force")
        wh.execute("UPDATE meta_schema SET fingerprint = 'made by another version'")
    with Warehouse(home) as wh:
        assert _force_rows(wh) == forces
        wh.execute("DROP TABLE meta_quarantine")
    with Warehouse(home) as wh:
        assert wh.scalar("SELECT count(*) FROM meta_quarantine") == 0
        wh.execute("DROP TABLE meta_schema")  # as in a warehouse from before the fingerprint
        wh.execute("DELETE FROM ref_force")
    with Warehouse(home) as wh:
        assert _force_rows(wh) == forces
        assert wh.scalar("SELECT count(*) FROM meta_schema") == 1
