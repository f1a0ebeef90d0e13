"""Fixtures shared by every test: the real data, a fresh OpenPEEL home, ingestion."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from openpeel.indicators.run import compute, store
from openpeel.ingest.batch import FileResult
from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse

pytest_plugins = ["pytester"]  # tests/test_ci_services.py runs small test files of its own

#: the services CI provides (.ci/run), each with how to provide it: a test that needs one skips
#: where it is missing, except under CI=true, where it fails (a broken CI set-up must not pass)
CI_SERVICES = {
    "postgresql": "a PostgreSQL server at 127.0.0.1:5432 with a database 'test' (user postgres)",
    "chromium": "apt-get install chromium",
    "java": "Java 17 or later on the PATH (apt-get install default-jre-headless)",
    "pyspark": "pip install openpeel[spark]",
}


def under_ci() -> bool:
    return os.environ.get("CI") == "true"


def need(service: str, why: str) -> NoReturn:
    """Skip the calling test for want of ``service``, one of CI_SERVICES, saying ``why``; under
    CI=true, fail it instead."""
    if service not in CI_SERVICES:
        raise ValueError(f"unknown service {service!r}: one of {', '.join(CI_SERVICES)}")
    message = f"{why} (to provide it: {CI_SERVICES[service]})"
    if under_ci():
        pytest.fail(f"CI=true and CI provides {service}, but {message}", pytrace=False)
    pytest.skip(message)


#: the full real data, when the project sits beside ../shared (tests that need it skip otherwise)
SHARED_DATA = Path(
    os.environ.get(
        "OPENPEEL_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"the full real data is not present at {SHARED_DATA} (tests that need it "
            "run where ../shared/data exists, or set OPENPEEL_SHARED_DATA)"
        )
    return SHARED_DATA


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh, empty OpenPEEL home."""
    return tmp_path / "home"


@pytest.fixture
def warehouse(home: Path) -> Iterator[Warehouse]:
    wh = Warehouse(home)
    yield wh
    wh.close()


def load(wh: Warehouse, *paths: Path) -> list[FileResult]:
    """Ingest paths and check the ledger's basic promise for every loaded file."""
    results = ingest(wh, list(paths))
    for r in results:
        if r.status == "loaded":
            assert r.rows_read == r.rows_loaded + r.rows_quarantined, r
    return results


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home built from the bundled sample with every indicator (shared, read-only)."""
    home = tmp_path_factory.mktemp("publishing") / "home"
    with Warehouse(home) as wh:
        load(wh, sample_path())
        store(wh, compute(wh))
    return home
