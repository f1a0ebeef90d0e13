"""progress on recommendations: when it was posted, and who in the inspectorate accepted it

Revision ID: 0007_progress
Revises: 0006_accounts
Create Date: 2026-12-05 06:00:00

Progress a force posts is public only once the inspectorate accepts it. Progress recorded
before this revision was public at once (the inspectorate recorded it), so it counts as
accepted by whoever recorded it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_progress"
# 0006_accounts on main (branch i15-web); 0005_corrections until that branch is merged
down_revision = "0006_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation_updates") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("accepted_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE recommendation_updates SET accepted_by = created_by")


def downgrade() -> None:
    with op.batch_alter_table("recommendation_updates") as batch:
        batch.drop_column("accepted_at")
        batch.drop_column("accepted_by")
        batch.drop_column("created_at")
