"""The forces: the overview of grades, the list of forces, and a force's page (grades by
year, key indicators, the spine chart, publications, recommendations, responses)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from openpeel.web.schemas.base import Chart, ForceRef, ListPage, Model, PillarRef
from openpeel.web.schemas.comparators import ComparatorSummary
from openpeel.web.schemas.indicators import ForceName
from openpeel.web.schemas.publications import PublicationRow
from openpeel.web.schemas.recommendations import RecommendationOut, ResponseOut


class ForceRow(ForceRef):
    region: str
    why: str | None = Field(default=None, description="Why a search found it (a place, a name).")


class ForceList(Model):
    title: str
    q: str = Field(description="The search, as given.")
    forces: ListPage[ForceRow]


class OverviewForce(ForceRef):
    grade: str
    change: str = Field(description="first, upgraded, downgraded, unchanged, not comparable…")
    previous_grade: str | None
    previous_edition: str | None
    sentence: str
    state: str | None = Field(description="The grade's state: published, or working.")


class Overview(Model):
    title: str
    year: int
    years: list[int] = Field(description="PEEL years with grades, newest first.")
    edition: str
    pillar: str
    pillars: list[PillarRef]
    grades: list[str] = Field(description="The edition's grades, best first, then not graded.")
    counts: dict[str, int] = Field(description="Forces per grade.")
    changes: dict[str, int] = Field(description="Forces per change since the edition before.")
    forces: list[OverviewForce]
    map: Chart


class PillarGrade(Model):
    grade: str
    change: str
    sentence: str
    state: str | None


class GradeYear(Model):
    edition: str
    year: int
    pillars: dict[str, PillarGrade] = Field(description="By pillar id.")
    report: str | None = Field(
        description="That year's report: OpenPEEL's publication, or the inspectorate's page."
    )


class KeyIndicator(Model):
    indicator_id: str
    title: str
    unit: str
    period: str
    value: float | None = Field(description="The force's value (null: suppressed or missing).")
    lower: float | None = Field(description="Lower end of its 95% interval.")
    upper: float | None = Field(description="Upper end of its 95% interval.")
    ew_value: float | None = Field(description="England and Wales.")
    peer_value: float | None = Field(description="The force's most similar group.")
    rank: int | None = Field(description="1 is the highest value.")
    forces_ranked: int | None
    value_text: str
    ew_text: str
    peer_text: str
    rank_text: str
    sentence: str
    after_assessment: bool = Field(description="The period ends after the PEEL year.")


class SpineGeometry(Model):
    range: tuple[float, float] = Field(description="x and width of lowest to highest (SVG units).")
    quartiles: tuple[float, float] = Field(description="x and width of the middle half.")
    centre: float = Field(
        description="x of the comparator's value (England and Wales unless "
        "another is chosen), the middle of the bar."
    )
    centre_label: str = Field(description="The comparator the centre line is.")
    value: float | None


class SpineRow(Model):
    """One indicator of a force's spine chart: the force against the spread of forces."""

    model_config = ConfigDict(extra="allow")
    indicator_id: str
    title: str
    unit: str
    period: str | None
    value: float | None
    ew_value: float | None
    minimum: float | None
    q1: float | None
    q3: float | None
    maximum: float | None
    comparison: str
    geometry: SpineGeometry | None
    texts: dict[str, str]
    css: str
    trend: str | None = Field(description="Recent trend (indicators/recent_trend.py).")
    variation: str | None = Field(description="Latest month's SPC variation (monthly only).")
    marks: list[dict[str, str]] = Field(description="Trend and SPC markers: symbol, css, words.")
    spread_footnote: str | None = Field(
        description="Why a force is left out of the spread (a comparison rule), if one is."
    )


class SpineGroup(Model):
    model_config = ConfigDict(extra="allow")
    rows: list[SpineRow]


class ForcePage(Model):
    title: str
    force: ForceRef
    region: str
    year: int | None = Field(description="PEEL year of the key indicators.")
    years: list[int]
    pillars: list[str]
    grades: list[GradeYear]
    key_indicators: list[KeyIndicator]
    key_chart: Chart | None
    publications: list[PublicationRow]
    recommendations: list[RecommendationOut]
    responses: list[ResponseOut]
    spine: list[SpineGroup] = Field(description="The spine chart, by PEEL question.")
    comparator: ComparatorSummary = Field(
        description="What the spine is centred on and coloured against."
    )
    all_forces: list[ForceName] = Field(description="Every territorial force, to choose from.")
    respondents: list[str] = Field(description="Who may respond to a report.")
    editions: list[str] = Field(description="Editions the force may respond to.")
