"""The dashboard in-process over the sample warehouse, with the worked example in a store of its
own, accounts of every role, and a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openpeel.assess.bulk import load_yaml
from openpeel.assess.store import Store
from openpeel.assess.users import add_user, issue_token
from openpeel.publishing import workflow
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse
from openpeel.web.app import create_app

BUILT = datetime(2017, 2, 20, 9, 0, tzinfo=UTC)
RELEASE = datetime(2017, 3, 2, 0, 1, tzinfo=UTC)
BEFORE = datetime(2017, 3, 1, 12, 0, tzinfo=UTC)
AFTER = datetime(2017, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"

#: name -> (role, force)
ACCOUNTS = {
    "ann": ("force", "Hampshire"),
    "kim": ("force", "Kent"),
    "pat": ("inspector", None),
    "jo": ("admin", None),
}
#: the publication states a test can ask for: stored state, and the clock
STATES = {
    "draft": ("draft", BEFORE),
    "fact_check": ("fact_check", BEFORE),
    "embargoed": ("embargoed", BEFORE),
    "published": ("embargoed", AFTER),
}


@dataclass
class Site:
    home: Path
    store: Store
    client: TestClient
    tokens: dict[str, str]
    clock: list[datetime] = field(default_factory=lambda: [BEFORE])

    def as_user(self, name: str | None) -> dict[str, str]:
        """Headers that sign a request in as ``name`` (an API token), or none for the public."""
        return {} if name is None else {"Authorization": f"Bearer {self.tokens[name]}"}


def make_site(home: Path, tmp: Path, state: str) -> Site:
    st = Store(f"sqlite:///{tmp / 'assessments.sqlite'}")
    tokens = {}
    stored, at = STATES[state]
    with Warehouse(home, read_only=True) as wh, st.session() as s:
        load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
        for name, (role, force) in ACCOUNTS.items():
            add_user(s, name, role, PASSWORD, "tester", force=force)
            tokens[name] = issue_token(s, name, "tests", "tester")
        workflow.draft(s, wh, "Hampshire", "2016", "tester", BUILT)
        if stored in ("fact_check", "embargoed"):
            workflow.send_for_check(s, "hampshire-2016", "tester")
        if stored == "embargoed":
            workflow.schedule(s, "hampshire-2016", RELEASE, "tester", BUILT)
    clock = [at]
    app = create_app(home, clock=lambda: clock[0], store=st)
    site = Site(home, st, TestClient(app, raise_server_exceptions=True), tokens, clock)
    return site


@pytest.fixture(scope="module", params=list(STATES))
def site_in_state(
    request: pytest.FixtureRequest, built_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Site]]:
    """Hampshire's report in each state, shared by a module's tests (which only read)."""
    site = make_site(built_home, tmp_path_factory.mktemp("site"), request.param)
    yield request.param, site
    site.store.close()


@pytest.fixture(scope="module")
def shared_site(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Hampshire's report published, shared by a module's tests (each change is its own)."""
    made = make_site(built_home, tmp_path_factory.mktemp("site"), "published")
    yield made
    made.store.close()


@pytest.fixture
def site(built_home: Path, tmp_path: Path) -> Iterator[Site]:
    """Hampshire's report published (the clock after its release), for one test alone."""
    made = make_site(built_home, tmp_path, "published")
    yield made
    made.store.close()
