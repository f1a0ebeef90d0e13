"""The JSON twin of every page, and every API answer, as typed models: /api/openapi.json names
each field from these, and the tests validate the answers against them (extra fields refused).

The contexts are still built as plain dicts (``openpeel.web.views``); these models say what
those dicts hold. Dates and times are ISO 8601; numbers are numbers, beside their text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: a chart's Vega-Lite specification: a JSON object of Vega-Lite's own schema
VegaLite = dict[str, Any]


class DataTable(Model):
    """A chart's data as a table, as the chart's builder declares it."""

    caption: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str]


class Chart(Model):
    description: str = Field(description="The chart in words (its text alternative).")
    spec: VegaLite = Field(description="Vega-Lite v5 specification (https://vega.github.io).")
    table: DataTable | None = Field(default=None, description="The chart's data as a table.")


class ListPage(Model, Generic[T]):
    """One page of a long list, with where it sits in the whole."""

    items: list[T]
    page: int = Field(description="This page's number, from 1.")
    per_page: int
    total: int = Field(description="Items in the whole list.")
    pages: int


class ForceRef(Model):
    code: str = Field(description="ONS code of the force area (E23…, W15…).")
    name: str
    slug: str = Field(description="data.police.uk's name of the force, used in addresses.")


class ForceRow(ForceRef):
    region: str
    why: str | None = Field(default=None, description="Why a search found it (a place, a name).")


class ForceList(Model):
    title: str
    q: str = Field(description="The search, as given.")
    forces: ListPage[ForceRow]


class PillarRef(Model):
    id: str
    title: str


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


class SpineGeometry(Model):
    range: tuple[float, float] = Field(description="x and width of lowest to highest (SVG units).")
    quartiles: tuple[float, float] = Field(description="x and width of the middle half.")
    centre: float = Field(
        description="x of the comparator's value (England and Wales unless "
        "another is chosen), the middle of the bar."
    )
    centre_label: str = Field(description="The comparator the centre line is.")
    value: float | None


class ComparatorChoice(Model):
    id: str
    label: str
    needs_force: bool = Field(description="It depends on the force: choose a force to use it.")


class ComparatorSummary(Model):
    id: str = Field(description="ew, msg, region or forces (indicators/comparators.toml).")
    label: str
    description: str
    forces: list[str] = Field(description="The forces chosen (slugs), for compare=forces.")
    query: str = Field(description="The address parameters that choose it again.")
    choices: list[ComparatorChoice]


class ComparatorPoint(Model):
    period: str
    value: float
    value_text: str


class Comparator(Model):
    """The comparator every comparison of the page is made against."""

    id: str = Field(description="ew, msg, region or forces (indicators/comparators.toml).")
    label: str = Field(description="The comparator in words, for the force charted.")
    description: str
    value: float | None = Field(description="Its value; null when no member has one.")
    value_text: str
    members: list[str] = Field(description="Its forces (slugs); empty for England and Wales.")
    forces: list[str] = Field(description="The forces chosen (slugs), for compare=forces.")
    query: str = Field(description="The address parameters that choose it again.")
    series: list[ComparatorPoint] = Field(
        description="Its value in each period of the page's type, oldest first (pooled or "
        "averaged from its forces' stored rows as its value is; periods with none left out)."
    )
    choices: list[ComparatorChoice]


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


class ForecastSeries(Model):
    source: str
    category: str
    title: str
    model: str
    mase: float | None = Field(description="Mean absolute scaled error in the backtest.")
    baseline_mase: float | None = Field(description="The seasonal naive baseline's MASE.")
    smape: float | None = Field(description="Symmetric mean absolute percentage error, %.")
    coverage_95: float | None = Field(description="Share of outcomes inside the 95% intervals.")
    flags: list[str] = Field(description="Emerging demand, in words.")
    chart: Chart
    id: str = Field(description="The series' anchor on the page.")
    source_title: str = Field(description="The publisher's dataset, as it names it.")
    p_value: float | None = Field(description="Adjusted p-value of a break, where one was tested.")
    plain: dict[str, Any] = Field(description="The forecast in plain words (direction, how sure).")


class ForecastGroup(Model):
    source: str
    title: str
    series: list[ForecastSeries]


class ForecastCounts(Model):
    series: int
    emerging: int
    beat_baseline: int
    in_doubt: int


class ForecastPage(Model):
    title: str
    force: ForceRef
    series: list[ForecastSeries]
    groups: list[ForecastGroup]
    counts: ForecastCounts


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


class Question(Model):
    id: str
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


# -- signed in -----------------------------------------------------------------------------


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


#: who each group of operations is for, in the order /api/docs shows them
TAGS = [
    {"name": "public", "description": "What anyone may read: pages' twins, CSV, reports."},
    {"name": "force", "description": "Force users: progress on recommendations, responses."},
    {"name": "inspector", "description": "Inspectors: assessments, grades, publication."},
    {"name": "admin", "description": "Admins: accounts."},
]
