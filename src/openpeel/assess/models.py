"""The assessment store's tables (SQLAlchemy 2). Migrations in ``migrations/`` create them.

An assessment is one force under one PEEL edition. It holds findings (strengths, areas for
improvement, causes of concern with their recommendations, practice worth sharing), evidence
(indicator values frozen with their benchmark context, or documents), judgements (the grade
proposed by the rules, and the grade an inspector confirmed, with the rationale), and the
responses of the police and crime commissioner and the chief constable. Every change is also
written to ``audit_log`` (``openpeel.assess.audit``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("public", "force", "inspector", "admin")
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
#: stored states of a publication (and of a correction to it); "published" is not stored: an
#: embargoed version is published from its embargo time on (``openpeel.publishing.embargo``)
PUBLICATION_STATES = ("draft", "fact_check", "embargoed")
PUBLICATION_KINDS = ("force", "national")


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    #: a force user's one force (ONS code); null for other roles
    force_code: Mapped[str | None] = mapped_column(String(9))
    #: argon2 hash of the password (``openpeel.assess.users``); the password is never stored
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: set while the account may not sign in (``openpeel users disable``); null when enabled
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """One sign-in to the web app. The cookie carries a random id; only its SHA-256 is kept.
    A session signs its user in until it expires or ends (sign-out, account disabled,
    password changed), whatever cookie is sent after."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: why it ended: "signed out", "disabled", "password changed"
    ended_why: Mapped[str | None] = mapped_column(String(40))


class ApiToken(Base):
    """A token a script sends as ``Authorization: Bearer ...``; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
