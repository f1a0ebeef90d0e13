"""A force's recommendations with the progress it posted, and its responses to reports;
and what a force posts (progress, a response)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from openpeel.assess.models import RECOMMENDATION_STATUSES, RESPONDENTS
from openpeel.web.schemas.base import Model


class ProgressUpdate(Model):
    id: int
    on: date
    status: str
    text: str
    posted_by: str | None = Field(description="Who posted it.")
    accepted: bool = Field(description="Accepted by the inspectorate, and so public.")
    accepted_by: str | None
    accepted_on: date | None


class RecommendationOut(Model):
    id: int
    edition: str
    finding: str
    text: str
    due_on: date | None
    status: str
    updates: list[ProgressUpdate]


class ResponseOut(Model):
    edition: str
    id: int
    respondent: str
    due_on: date | None
    received_on: date | None
    text: str | None
    url: str | None
    state: str = Field(description="received, due or overdue.")
    assessment_status: str


# -- what a force posts ----------------------------------------------------------------------


class ProgressIn(BaseModel):
    status: Literal[RECOMMENDATION_STATUSES]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=5000)


class ResponseIn(BaseModel):
    respondent: Literal[RESPONDENTS]  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=20000)
    url: str | None = Field(default=None, max_length=1000)
