"""accounts: disabled accounts, and sign-in sessions kept on the server

Revision ID: 0006_accounts
Revises: 0005_corrections
Create Date: 2026-12-05 05:30:00

``users.disabled_at`` marks an account that may not sign in (``openpeel users disable``).
``web_sessions`` holds one row per sign-in: the cookie carries a random session id whose
SHA-256 is kept here, so signing out, disabling the account or changing its password ends the
session on the server (a cookie saved before then no longer signs anyone in).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_accounts"
down_revision = "0005_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_sha256", sa.String(length=64), nullable=False, unique=True),
        sa.Column("user_name", sa.String(length=200), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_why", sa.String(length=40), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
