"""A home built from the bundled sample with every indicator, the worked example in a SQLite
store, and its publications drafted at a fixed time (published 2 March 2017, 00:01 UK)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from openpeel.assess.bulk import load_yaml
from openpeel.assess.store import Store
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse

BUILT = datetime(2017, 2, 20, 9, 0, tzinfo=UTC)
RELEASE = datetime(2017, 3, 2, 0, 1, tzinfo=UTC)  # 00:01 GMT


@dataclass
class Published:
    home: Path
    store: Store


@pytest.fixture
def published(built_home: Path, tmp_path: Path) -> Iterator[Published]:
    """The worked example in a fresh store of its own (the warehouse is shared, read-only)."""
    st = Store(f"sqlite:///{tmp_path / 'assessments.sqlite'}")
    with Warehouse(built_home, read_only=True) as wh, st.session() as s:
        load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
    yield Published(built_home, st)
    st.close()
