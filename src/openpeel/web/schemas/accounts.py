"""The accounts an admin manages."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from openpeel.web.schemas.base import Model


class Account(Model):
    name: str
    role: str
    force: str | None
    created: datetime
    disabled: datetime | None = Field(description="When it was disabled (null: it may sign in).")
    sessions: int = Field(description="Sessions signed in now.")


class ForceChoice(Model):
    code: str
    name: str


class Accounts(Model):
    title: str
    users: list[Account]
    min_password: int
    forces: list[ForceChoice] = Field(description="The 43 forces a force user may belong to.")
    refused_public_reads: int = Field(
        description="Reads of unpublished reports refused to the public since the server started."
    )
