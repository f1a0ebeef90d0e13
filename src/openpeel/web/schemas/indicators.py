"""The indicators: the list by pillar, and an indicator's page (its definition, every
force's value and comparison, its charts)."""

from __future__ import annotations

from pydantic import Field

from openpeel.web.schemas.base import Chart, ListPage, Model, Question
from openpeel.web.schemas.comparators import Comparator


class IndicatorRow(Model):
    id: str
    title: str
    unit: str
    unit_words: str = Field(description="The unit in words.")
    plain: str = Field(description="The definition in plain words, one line.")
    computed: bool
    latest_period: str | None = Field(description="The period shown; null: not computed.")
    pillars: list[str] = Field(description="The PEEL pillars whose questions it informs.")


class PillarIndicators(Model):
    pillar: str
    indicators: list[IndicatorRow]


class IndicatorList(Model):
    title: str
    indicators: ListPage[IndicatorRow]
    pillars: list[PillarIndicators] = Field(description="Every indicator, grouped by pillar.")


class IndicatorInfo(Model):
    id: str
    title: str
    unit: str
    unit_words: str
    plain: str = Field(description="The definition in plain words, one line.")
    description: str = Field(description="The technical definition.")
    polarity: str = Field(description="Whether higher is better, worse or neither, in words.")
    numerator: str
    denominator: str
    caveats: list[str]
    interval_heading: str = Field(description="The interval column's heading, with its unit.")


class IndicatorValue(Model):
    code: str
    name: str
    value: float | None = Field(description="null: suppressed or missing.")
    value_text: str
    lower: float | None
    upper: float | None
    interval_text: str = Field(description="The 95% interval in words; empty when none.")
    rank: int | None
    flags: str = Field(description="Funnel flags and extremes, in words.")
    comparison: str = Field(
        description="Against the comparator (England and Wales by default): better, similar, "
        "worse, higher, lower or not compared."
    )
    not_compared_reason: str | None = Field(description="Why it is not compared, when not.")


class ForceName(Model):
    slug: str
    name: str


class IndicatorChart(Chart):
    heading: str
    title: str


class Attachable(Model):
    edition: str
    force: str
    questions: list[Question]


class IndicatorPage(Model):
    title: str
    indicator: IndicatorInfo
    period: str
    period_type: str
    periods: list[str]
    force: str | None = Field(description="The force charted (slug).")
    force_code: str | None
    ew_value: float | None = Field(description="England and Wales.")
    ew_text: str
    comparator: Comparator
    all_forces: list[ForceName] = Field(description="Every territorial force, to choose from.")
    forces: list[IndicatorValue]
    charts: list[IndicatorChart]
    attach: list[Attachable] = Field(description="Inspectors: assessments to attach it to.")
