"""Fixtures for the assessment store: a warehouse of the bundled sample (the indicators the
worked example uses), and a store on SQLite and, where the server runs, on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from openpeel.assess.store import Store
from openpeel.indicators.run import compute, store
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load, need

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
EXAMPLE_INDICATORS = [
    "arrests_per_1000",
    "victim_does_not_support_share",
    "outcome16_share",
    "stop_search_arrest_share",
]


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("assess") / "home"
    with Warehouse(home) as wh:
        load(wh, sample_path())
        store(wh, compute(wh, EXAMPLE_INDICATORS))
    return home


@pytest.fixture
def wh(sample_home: Path) -> Iterator[Warehouse]:
    with Warehouse(sample_home, read_only=True) as wh:
        yield wh


def _postgres_url() -> str:
    """A fresh schema on the PostgreSQL server (skips where there is none, fails under CI)."""
    try:
        engine = create_engine(POSTGRES)
        with engine.begin() as con:
            schema = f"openpeel_test_{uuid.uuid4().hex[:12]}"
            con.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
    except Exception as exc:
        need("postgresql", f"PostgreSQL is not reachable at 127.0.0.1:5432: {exc}")
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def assessments(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The assessment store, once on SQLite and once on PostgreSQL (its audit log keyed)."""
    url = (
        f"sqlite:///{tmp_path / 'assessments.sqlite'}"
        if request.param == "sqlite"
        else _postgres_url()
    )
    st = Store(url, audit_key=b"the test store's audit key")
    yield st
    if request.param == "postgresql":
        schema = url.rsplit("%3D", 1)[1]
        with st.engine.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    st.close()
