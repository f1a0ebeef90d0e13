"""Publications: the list, one publication with its versions, and its corrections."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from openpeel.web.schemas.base import ListPage, Model


class Change(Model):
    what: str
    before: str | None
    after: str | None


class CorrectionNote(Model):
    number: int
    reason: str
    changes: list[Change]
    released_at: datetime | None


class CorrectionComing(Model):
    number: int
    state: str
    embargo_until: datetime | None
    notes: list[CorrectionNote]


class PublicationRow(Model):
    slug: str
    kind: str = Field(description="force, or national.")
    edition: str
    state: str = Field(description="draft, fact_check, embargoed, published, withdrawn.")
    embargo_until: datetime | None
    title: str
    outputs: list[str] = Field(description="Its outputs: /publications/{slug}/{output}.{fmt}.")
    version: int = Field(description="The version published: 0 the original, N correction N.")
    corrections: list[CorrectionNote]
    correction_coming: CorrectionComing | None


class VersionRow(Model):
    number: int
    label: str
    state: str
    embargo_until: datetime | None


class PublicationPage(PublicationRow):
    versions: list[VersionRow]


class PublicationList(Model):
    title: str
    publications: ListPage[PublicationRow]
