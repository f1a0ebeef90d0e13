"""What a page's comparisons are made against (England and Wales, the most similar group,
the region, chosen forces), and the choices of another."""

from __future__ import annotations

from pydantic import Field

from openpeel.web.schemas.base import Model


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
