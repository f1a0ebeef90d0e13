"""Facts the warehouse declares once: the schema's constants and the list of code tables."""

from __future__ import annotations

import re

from openpeel.warehouse import quality
from openpeel.warehouse.catalog import load_schema
from openpeel.warehouse.code_tables import CODE_TABLES
from openpeel.warehouse.db import Warehouse


def test_small_month_share_is_one_schema_constant(warehouse: Warehouse) -> None:
    declared = load_schema().constant("small_month_share")
    assert warehouse.scalar("SELECT small_month_share()") == declared
    assert declared == quality.SMALL_MONTH_SHARE
    # no view or check writes the share as a number of its own
    share = re.compile(rf"(?<![\d.]){re.escape(repr(declared))}\s*\*")
    exprs = [c.expr or "" for t in load_schema().tables.values() for c in t.columns]
    assert not [e for e in exprs if share.search(e)]


def test_every_code_table_has_its_alias_view_and_spellings(warehouse: Warehouse) -> None:
    views = {
        str(name).removeprefix("ref_alias_")
        for (name,) in warehouse.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'ref_alias_%'"
        )
    }
    assert views == set(CODE_TABLES)
    loaded = {str(c) for (c,) in warehouse.rows("SELECT DISTINCT code_table FROM ref_code_alias")}
    assert loaded == set(CODE_TABLES)
    lookups = {lk.code for t in load_schema().tables.values() for lk in t.lookups}
    codes = {c.code for t in load_schema().tables.values() for c in t.columns if c.code}
    assert lookups | codes <= set(CODE_TABLES)
