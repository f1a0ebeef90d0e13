"""Alembic environment for the assessment store. Migrations run from ``openpeel.assess.store``
(``upgrade``), which passes the open connection in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from openpeel.assess.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through openpeel.assess.store.upgrade(), not alembic")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
