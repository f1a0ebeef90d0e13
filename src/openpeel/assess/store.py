"""Opening the assessment store: a SQLite file in the home by default, or the database that
``OPENPEEL_DATABASE_URL`` names (PostgreSQL: ``postgresql+psycopg://host:port/db``). The schema
is brought up to date by the Alembic migrations each time the store is opened."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from openpeel.assess import audit
from openpeel.errors import OpenPeelError
from openpeel.private import private_file
from openpeel.settings import setting

log = logging.getLogger("openpeel.assess")

STORE_FILE = "assessments.sqlite"


class StoreError(OpenPeelError):
    pass


def database_url(home: Path) -> str:
    """``OPENPEEL_DATABASE_URL`` if set, else the SQLite file in the home."""
    return setting("database_url") or f"sqlite:///{(home / STORE_FILE).resolve()}"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "openpeel.assess:migrations")
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration the database has not had yet."""
    config = _alembic_config()
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(config).get_current_head()
        if current == head:
            return
        log.info("migrating the assessment store from %s to %s", current, head)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """The assessment store: an engine, migrated, and sessions on it. With ``audit_key`` its
    audit entries are keyed (``openpeel.assess.audit``); ``open`` uses the home's key."""

    def __init__(self, url: str, audit_key: bytes | None = None) -> None:
        self.url = url
        self.engine = create_engine(url)
        try:
            upgrade(self.engine)
        except OperationalError as exc:
            raise StoreError(
                f"cannot open the assessment store at {self.engine.url.render_as_string()}: "
                f"{exc.orig}",
                hint="check OPENPEEL_DATABASE_URL (for PostgreSQL: "
                "postgresql+psycopg://HOST:PORT/DATABASE), or unset it to use the home's "
                "SQLite file",
            ) from exc
        self._sessions = sessionmaker(
            self.engine, expire_on_commit=False, info={audit.KEY_INFO: audit_key}
        )
        if audit_key is not None:
            with self.session() as session:
                audit.ensure_keyed(session)

    @classmethod
    def open(cls, home: Path) -> Store:
        """The home's store, its audit entries keyed with the home's key. The SQLite file is
        readable and writable by its owner only (made so, or tightened if it was not)."""
        url = database_url(home)
        home.mkdir(parents=True, exist_ok=True)
        if url == f"sqlite:///{(home / STORE_FILE).resolve()}":
            private_file(home / STORE_FILE)
        return cls(url, audit.home_key(home))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose changes are committed together at the end, or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()
