"""The store's publication tables: a publication with its frozen context, its corrections, its
pre-release access list and the log of every read before it was published.

Who may read one, and when, is decided in ``openpeel.access``; the steps from draft to published
are ``openpeel.publishing.workflow`` and ``openpeel.publishing.corrections``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openpeel.assess.table_base import Base

#: stored states of a publication (and of a correction to it); "published" is not stored: an
#: embargoed version is published from its embargo time on (``openpeel.access.state``)
PUBLICATION_STATES = ("draft", "fact_check", "embargoed")
PUBLICATION_KINDS = ("force", "national")


class Publication(Base):
    """A force's reports for one assessment, or a national overview, with its frozen context.

    The context (every figure, sentence, chart and grade the outputs show) is built once and
    frozen; the outputs are rendered from it, so that they can be rebuilt byte for byte later.
    """

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: "hampshire-2016", "national-2016": the folder of its outputs
    slug: Mapped[str] = mapped_column(String(120))
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))
    force_code: Mapped[str | None] = mapped_column(String(9))
    edition_id: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    #: when it is released (UTC); set when the publication is embargoed
    embargo_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    context_sha256: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    access: Mapped[list[PublicationAccess]] = relationship(
        back_populates="publication", order_by="PublicationAccess.id"
    )
    corrections: Mapped[list[Correction]] = relationship(
        back_populates="publication", order_by="Correction.number"
    )

    #: the original is version 0; its corrections are numbered from 1
    number: ClassVar[int] = 0


class Correction(Base):
    """A correction of a published publication: its contexts built again from the assessment
    as it stands, with a note of what changed and why, taken through its own draft -> factual
    accuracy check -> embargo -> published steps. The publication's readers see the newest
    version that is published (``openpeel.publishing.versions``)."""

    __tablename__ = "publication_corrections"
    __table_args__ = (UniqueConstraint("publication_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    embargo_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: why the publication is corrected, in the inspector's words
    reason: Mapped[str] = mapped_column(Text)
    #: what changed since the version before: [{"what", "before", "after"}]
    changes: Mapped[list[Any]] = mapped_column(JSON)
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    context_sha256: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    publication: Mapped[Publication] = relationship(back_populates="corrections")


class PublicationAccess(Base):
    """Who may read an embargoed publication before its time (the pre-release access list)."""

    __tablename__ = "publication_access"
    __table_args__ = (UniqueConstraint("publication_id", "user_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    user_name: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    publication: Mapped[Publication] = relationship(back_populates="access")


class AccessLogEntry(Base):
    """Every read of a publication before it was published, allowed or refused."""

    __tablename__ = "publication_access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    user_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20))
    output: Mapped[str] = mapped_column(String(80))
    allowed: Mapped[bool] = mapped_column()
