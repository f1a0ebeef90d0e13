"""The inspector's workspace and one assessment (findings, evidence, grades, its
publication); and what an inspector changes in it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from openpeel.assess.models import FINDING_KINDS
from openpeel.web.schemas.base import ForceRef, Model, PillarRef, Question
from openpeel.web.schemas.publications import Change, VersionRow


class WorkspaceRow(Model):
    force: str
    slug: str
    edition: str
    status: str
    findings: int
    confirmed: int


class Workspace(Model):
    title: str
    assessments: list[WorkspaceRow]


class FindingOut(Model):
    id: int
    kind: str
    question: str | None
    question_title: str
    text: str
    recommendations: list[str]
    unpublished: str | None = Field(description="new, changed, or null (as published).")


class EvidenceOut(Model):
    id: int
    kind: str
    question: str | None
    indicator: str | None
    period: str | None
    value: float | None
    title: str | None
    note: str | None


class JudgementOut(Model):
    level: str
    target: str
    target_title: str
    proposed: str | None
    reasons: list[str]
    confirmed: str | None
    rationale: str | None
    override: bool
    confirmed_by: str | None
    published: str | None


class WorkingState(Model):
    slug: str
    state: str
    embargo_until: datetime | None
    public_version: str | None
    versions: list[VersionRow]
    access: list[str]
    unpublished_changes: list[Change]
    changes_since_newest: list[Change]
    newest: str


class Choices(Model):
    kinds: list[str]
    questions: list[Question]
    grades: list[str]
    indicators: list[PillarRef]


class AssessmentPage(Model):
    title: str
    force: ForceRef
    edition: str
    status: str
    findings: list[FindingOut]
    evidence: list[EvidenceOut]
    judgements: list[JudgementOut]
    publication: WorkingState | None
    choices: Choices


# -- what an inspector changes ---------------------------------------------------------------

#: the steps of the publication workflow
PUBLISH_STEPS = ("draft", "check", "schedule", "correct", "postpone", "withdraw", "revoke")


class FindingIn(BaseModel):
    kind: Literal[FINDING_KINDS]  # type: ignore[valid-type]
    question: str = Field(description="The edition's question id.")
    text: str = Field(min_length=1, max_length=5000)
    recommendation: str | None = Field(
        default=None, max_length=5000, description="Needed for a cause of concern."
    )


class FindingEdit(BaseModel):
    finding: int = Field(ge=1, description="The finding's id.")
    kind: Literal[FINDING_KINDS]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=5000)


class EvidenceIn(BaseModel):
    indicator: str
    period: str
    question: str
    note: str | None = Field(default=None, max_length=2000)


class ConfirmIn(BaseModel):
    level: Literal["question", "pillar"]
    target: str
    grade: str | None = Field(default=None, description="Another grade than the proposed one.")
    rationale: str | None = Field(default=None, max_length=5000)


class PublishIn(BaseModel):
    step: Literal[PUBLISH_STEPS]  # type: ignore[valid-type]
    at: str | None = Field(
        default=None, description="Release time, UK: YYYY-MM-DD HH:MM (schedule, postpone)."
    )
    now: bool = Field(
        default=False,
        description="Schedule: release at once (with no time, now; a past time needs this).",
    )
    why: str | None = Field(
        default=None, max_length=5000, description="Why (a correction, a withdrawal)."
    )
    user: str | None = Field(
        default=None, max_length=200, description="Whose pre-release access to revoke."
    )
