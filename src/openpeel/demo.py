"""The demo: everything built from the bundled sample of real data, each step done once, so that
running it again carries on where it stopped.

1. The sample is loaded into the warehouse (by the CLI, which shows the load's progress:
   ``openpeel demo``).
2. The indicators are computed and stored, and every series backtested and forecast.
3. The Hampshire 2016 worked example is loaded into the assessment store.
4. Its reports and the national overview of 2016 are published, and their public outputs
   written.
5. Demo accounts are made, one per role, with known passwords (the demo serves 127.0.0.1 only).

What it says goes to ``say`` (the result of each step) and ``progress`` (what it is doing);
the CLI prints both (``openpeel.cli.app``). Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpeel.warehouse.db import Warehouse

Say = Callable[[str], None]

#: the demo accounts: name, role, force
DEMO_USERS = (
    ("inspector", "inspector", None),
    ("hampshire", "force", "Hampshire"),
    ("admin", "admin", None),
)
COMMAND = "openpeel demo"


@dataclass(frozen=True)
class Built:
    """What the demo built: the indicators computed, their rows, and the demo sign-ins (name,
    role, password)."""

    indicators: int
    rows: int
    logins: list[tuple[str, str, str]]


def build(home: Path, wait: float, say: Say, progress: Say) -> Built:
    """Steps 2 to 5, over a home whose warehouse holds the sample."""
    from openpeel.indicators.run import compute, store
    from openpeel.warehouse.writing import writing

    def notify(message: str) -> None:
        progress(f"{COMMAND}: {message}")

    with writing(home, COMMAND, wait=wait, notify=notify) as wh:
        results = compute(wh, progress=lambda what: progress(f"computing {what}"))
        store(wh, results)
        forecast_demand(wh, say, progress)
    load_worked_example(home, say)
    publish_worked_example(home, say)
    logins = make_users(home)
    return Built(len(results), sum(len(f) for f in results.values()), logins)


def forecast_demand(wh: Warehouse, say: Say, progress: Say) -> None:
    """Backtested forecasts of every series, unless they are already there."""
    from openpeel.forecast.run import run, store

    if wh.scalar("SELECT count(*) FROM out_forecast_series"):
        say("Forecasts: already made (`openpeel forecast` makes them again)")
        return
    result = run(wh, progress=lambda what: progress(f"forecasting {what}"))
    store(wh, result)
    ready = sum(1 for s in result.series if s.skipped is None)
    say(f"Forecasts: {ready} series backtested and forecast in {result.seconds:.0f} s")


def load_worked_example(home: Path, say: Say) -> None:
    """The Hampshire PEEL 2016 worked example, into the assessment store (once)."""
    from openpeel.assess.bulk import load_yaml
    from openpeel.assess.store import Store
    from openpeel.sample import assessments_path
    from openpeel.warehouse.db import Warehouse

    store = Store.open(home)
    try:
        with store.session() as session, Warehouse(home, read_only=True) as wh:
            for path in sorted(assessments_path().glob("*.yaml")):
                loaded = load_yaml(session, wh, path, "worked-example", only_new=True)
                say(
                    f"Worked example {path.name}: {loaded.findings} findings, "
                    f"{loaded.evidence} evidence, {loaded.grades} grades confirmed"
                    if loaded.findings
                    else f"Worked example {path.name}: already in the assessment store"
                )
    finally:
        store.close()


def publish_worked_example(home: Path, say: Say) -> None:
    """Publish the worked example's reports and the national overview of its year (once); their
    outputs are written once the store has committed them."""
    from openpeel.assess.store import Store
    from openpeel.clock import now, uk
    from openpeel.publishing.outputs import Staging, export_public, private_folder, write_outputs
    from openpeel.publishing.release import publish_assessments
    from openpeel.warehouse.db import Warehouse

    store = Store.open(home)
    staging = Staging()
    try:
        try:
            with store.session() as session, Warehouse(home, read_only=True) as wh:
                for r in publish_assessments(session, wh, "worked-example", now()):
                    verb = "published" if r.new else "already published"
                    say(f"Publication {r.slug}: {verb} (embargo lifted {uk(r.at)})")
                    if r.new is not None:
                        write_outputs(r.new, staging.folder(private_folder(home, r.new)))
        except BaseException:
            staging.discard()
            raise
        staging.commit()
        with store.session() as session:
            written = export_public(session, home / "public", now())
        say(
            f"Public outputs (HTML, PDF, Markdown, JSON) of {len(written)} publications in "
            f"{home / 'public'}"
        )
    finally:
        store.close()


def password(name: str) -> str:
    """A demo account's known password."""
    return f"demo-{name}-password"


def make_users(home: Path) -> list[tuple[str, str, str]]:
    """Demo accounts (name, role, password), made once. Their passwords are known: the demo
    serves 127.0.0.1 only."""
    from sqlalchemy import select

    from openpeel.assess.account_tables import User
    from openpeel.assess.store import Store
    from openpeel.assess.users import add_user

    store = Store.open(home)
    logins = []
    try:
        with store.session() as session:
            for name, role, force in DEMO_USERS:
                known = password(name)
                if session.scalars(select(User).where(User.name == name)).first() is None:
                    add_user(session, name, role, known, "demo", force=force)
                logins.append((name, role, known))
    finally:
        store.close()
    return logins


def sign_ins(home: Path) -> list[tuple[str, str, str]]:
    """The demo accounts of a home that still have their known passwords (a home built by
    `openpeel demo`), checked against their hashes without counting as sign-ins."""
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError
    from sqlalchemy import select

    from openpeel.assess.account_tables import User
    from openpeel.assess.store import Store

    store = Store.open(home)
    found = []
    try:
        with store.session() as session:
            for name, role, _ in DEMO_USERS:
                user = session.scalars(select(User).where(User.name == name)).first()
                if user is None or not user.password_hash:
                    continue
                try:
                    PasswordHasher().verify(user.password_hash, password(name))
                except VerificationError:
                    continue
                found.append((name, role, password(name)))
    finally:
        store.close()
    return found
