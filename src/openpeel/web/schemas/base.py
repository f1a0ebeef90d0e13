"""What every schema shares: the base model (extra fields refused), a chart and its data
table, a page of a long list, a force, pillar or question named; and the API's tags."""

from __future__ import annotations

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


class PillarRef(Model):
    id: str
    title: str


class Question(Model):
    id: str
    title: str


#: who each group of operations is for, in the order /api/docs shows them
TAGS = [
    {"name": "public", "description": "What anyone may read: pages' twins, CSV, reports."},
    {"name": "force", "description": "Force users: progress on recommendations, responses."},
    {"name": "inspector", "description": "Inspectors: assessments, grades, publication."},
    {"name": "admin", "description": "Admins: accounts."},
]


#: what a change that takes no fields takes (a form's other fields are ignored); no docstring,
#: which would become its description in /api/openapi.json
class Nothing(BaseModel):
    pass
