"""The assessment store's assessment tables (SQLAlchemy 2). Migrations in ``migrations/``
create them.

An assessment is one force under one PEEL edition. It holds findings (strengths, areas for
improvement, causes of concern with their recommendations, practice worth sharing), evidence
(indicator values frozen with their benchmark context, or documents), judgements (the grade
proposed by the rules, and the grade an inspector confirmed, with the rationale), and the
responses of the police and crime commissioner and the chief constable. Every change is also
written to ``audit_log`` (``openpeel.assess.audit``).

The account tables are in ``account_tables``, the publication tables in ``publication_tables``;
both are named here too, so that importing this module registers every table of the store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openpeel.assess.account_tables import ROLES, ApiToken, User, WebSession
from openpeel.assess.publication_tables import (
    PUBLICATION_KINDS,
    PUBLICATION_STATES,
    AccessLogEntry,
    Correction,
    Publication,
    PublicationAccess,
)
from openpeel.assess.table_base import Base

__all__ = [
    "ASSESSMENT_STATUSES",
    "FINDING_KINDS",
    "JUDGEMENT_LEVELS",
    "PUBLICATION_KINDS",
    "PUBLICATION_STATES",
    "RECOMMENDATION_STATUSES",
    "RESPONDENTS",
    "ROLES",
    "AccessLogEntry",
    "ApiToken",
    "Assessment",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Correction",
    "Evidence",
    "Finding",
    "Judgement",
    "Publication",
    "PublicationAccess",
    "Recommendation",
    "RecommendationUpdate",
    "Response",
    "User",
    "WebSession",
]

FINDING_KINDS = (
    "strength",
    "area_for_improvement",
    "cause_of_concern",
    "promising_practice",
    "innovative_practice",
)
RECOMMENDATION_STATUSES = ("open", "in_progress", "complete", "superseded")
RESPONDENTS = ("police and crime commissioner", "chief constable")
ASSESSMENT_STATUSES = ("draft", "graded")
JUDGEMENT_LEVELS = ("question", "pillar")


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("force_code", "edition_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    force_code: Mapped[str] = mapped_column(String(9))
    edition_id: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: the date the report was (or is to be) published; responses are due 56 days after
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    findings: Mapped[list[Finding]] = relationship(
        back_populates="assessment", order_by="Finding.id"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="assessment", order_by="Evidence.id"
    )
    judgements: Mapped[list[Judgement]] = relationship(
        back_populates="assessment", order_by="Judgement.id"
    )
    responses: Mapped[list[Response]] = relationship(
        back_populates="assessment", order_by="Response.id"
    )


class Finding(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    #: the question the finding is about; null for a finding about a whole pillar
    question_id: Mapped[str | None] = mapped_column(String(80))
    pillar_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    #: where the finding was read (a report page, a transcript) when entered from a publication
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    assessment: Mapped[Assessment] = relationship(back_populates="findings")
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="finding", order_by="Recommendation.id"
    )


class Recommendation(Base):
    __tablename__ = "recommendations"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"))
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finding: Mapped[Finding] = relationship(back_populates="recommendations")
    updates: Mapped[list[RecommendationUpdate]] = relationship(
        back_populates="recommendation", order_by="RecommendationUpdate.id"
    )


class RecommendationUpdate(Base):
    __tablename__ = "recommendation_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"))
    on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # progress a force posts is public only once the inspectorate accepts it
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recommendation: Mapped[Recommendation] = relationship(back_populates="updates")

    @property
    def is_accepted(self) -> bool:
        return self.accepted_by is not None


class Evidence(Base):
    """An indicator value frozen with its benchmark context, or a document reference."""

    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    question_id: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # indicator | document
    indicator_id: Mapped[str | None] = mapped_column(String(80))
    definition_version: Mapped[int | None] = mapped_column(Integer)
    force_code: Mapped[str | None] = mapped_column(String(9))
    period_type: Mapped[str | None] = mapped_column(String(30))
    period: Mapped[str | None] = mapped_column(String(40))
    breakdown: Mapped[str | None] = mapped_column(String(40))
    breakdown_value: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    ew_value: Mapped[float | None] = mapped_column(Float)
    peer_value: Mapped[float | None] = mapped_column(Float)
    #: the whole out_indicator_values row, plus the definition and its sources, as computed
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the comparisons in words ("significantly higher than England and Wales", ...)
    signals: Mapped[list[Any] | None] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    assessment: Mapped[Assessment] = relationship(back_populates="evidence")


class Judgement(Base):
    """A graded judgement of a question or pillar: the rules' proposal, then the confirmation."""

    __tablename__ = "judgements"
    __table_args__ = (UniqueConstraint("assessment_id", "level", "target_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    level: Mapped[str] = mapped_column(String(20))  # question | pillar
    target_id: Mapped[str] = mapped_column(String(80))
    proposed_grade: Mapped[str | None] = mapped_column(String(40))
    proposed_reasons: Mapped[list[Any] | None] = mapped_column(JSON)
    proposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_grade: Mapped[str | None] = mapped_column(String(40))
    rationale: Mapped[str | None] = mapped_column(Text)
    is_override: Mapped[bool | None] = mapped_column()
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assessment: Mapped[Assessment] = relationship(back_populates="judgements")


class Response(Base):
    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    respondent: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    text: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    assessment: Mapped[Assessment] = relationship(back_populates="responses")


class AuditEntry(Base):
    """One change, chained to the one before by hashes (``openpeel.assess.audit``)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, as hashed
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON, as hashed
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: how ``hash`` was made: "hmac-sha256" (keyed with the home's audit key), or null for the
    #: plain SHA-256 of the entries made before the log was keyed
    scheme: Mapped[str | None] = mapped_column(String(20))


class AuditHead(Base):
    """The last entry's number and hash, so that removing entries from the end is detected."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
