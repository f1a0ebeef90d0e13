"""The rug: every force's comparison on every indicator of a pillar, in one table."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from openpeel.web.schemas.base import ForceRef, Model
from openpeel.web.schemas.comparators import ComparatorSummary


class RugCell(Model):
    value: float | None
    lower: float | None
    upper: float | None
    ew_value: float | None
    comparison: str = Field(description="better, similar, worse, higher, lower or not compared.")
    not_compared_reason: str | None
    css: str
    text: str
    trend: str | None
    comparator_value: float | None = Field(
        description="The comparator's value this cell is compared with (England and Wales by "
        "default; the force's own most similar group or region for msg and region)."
    )


class RugForce(ForceRef):
    region: str
    cells: dict[str, RugCell] = Field(description="By indicator id.")


class RugIndicator(Model):
    id: str
    title: str
    unit: str
    unit_words: str
    polarity: str | None
    period: str


class RugKey(Model):
    model_config = ConfigDict(populate_by_name=True)
    class_: str = Field(alias="class")
    css: str
    words: str


class RugPage(Model):
    title: str
    pillar: str | None
    region: str | None
    sort: str | None
    pillars: list[str]
    regions: list[str]
    key: list[RugKey]
    comparator: ComparatorSummary
    indicators: list[RugIndicator]
    forces: list[RugForce]
