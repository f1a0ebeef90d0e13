"""Sentences from data: the rules that turn grades, findings and indicator values into words.

The words are in ``wording.toml``; this module decides which words the data allow. A
comparison is said only when it holds: "higher than any other force in England and Wales" only
for the force ranked first of all forces with a value, "far above many other forces" only
beyond the 99.8% funnel limit, "falling" only for a significant fall. Every sentence is a
``Sentence`` that carries the source it was made from, so that it can be traced.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

from openpeel.indicators.charts import format_value


@dataclass(frozen=True)
class Sentence:
    text: str
    #: what the sentence was made from: "finding:12", "judgement:pillar:effectiveness",
    #: "indicator:arrests_per_1000:2016/17:E23000030", "response:3", ...
    source: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@cache
def wording() -> dict[str, Any]:
    text = resources.files("openpeel.publishing").joinpath("wording.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def report_settings() -> dict[str, Any]:
    text = resources.files("openpeel.publishing").joinpath("report.toml").read_text("utf-8")
    return tomllib.loads(text)


def _lower_first(text: str) -> str:
    """'The force is ...' -> 'the force is ...' (only for a leading article or determiner)."""
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if first in ("The", "Some", "A", "An") else text


def _fill(template: str, text: str) -> str:
    body = text.strip()
    return template.replace("{Text}", body).replace("{text}", _lower_first(body))


def grade_words(change: str, grade: str, previous: str | None, since: str | None) -> str:
    """'downgraded from good to requires improvement', 'good, as in 2015', ..."""
    template = wording()["grades"].get(change, "{grade}")
    return str(template).format(grade=grade, previous=previous or "", since=since or "")


def overall(force: str, pillar_grades: list[str], good_or_better: set[str]) -> str | None:
    """The summary's opening from the year's pillar grades; None when there are none."""
    graded = [g for g in pillar_grades if g != "not graded"]
    if not graded:
        return None
    good = sum(g in good_or_better for g in graded)
    key = "all" if good == len(graded) else "most" if 2 * good > len(graded) else "fewer"
    return str(wording()["overall"][key]).format(force=force)


def finding_sentence(kind: str, text: str, turn: int = 0) -> str:
    """A finding in the inspector's voice: the kind's ``turn``-th form (in rotation)."""
    forms = wording()["findings"][kind]
    forms = [forms] if isinstance(forms, str) else list(forms)
    return _fill(str(forms[turn % len(forms)]), _sentence(text))


def _sentence(text: str) -> str:
    body = " ".join(text.split())
    return body if body.endswith((".", "!", "?")) else body + "."


def first_clause(text: str) -> str:
    """The finding's first clause, for a headline: up to its first colon, semicolon or full
    stop ('Practices relating to some victims of domestic abuse give cause for concern')."""
    body = " ".join(text.split())
    for mark in (":", ";", ". "):
        if mark in body:
            body = body.split(mark, 1)[0]
    return body.rstrip(".")


def pillar_grade_sentence(
    pillar: str, change: str | None, grade: str, previous: str | None, since: str | None
) -> str:
    """The summary's opening of a pillar paragraph, from its grade and its change."""
    words = wording()["summary"]
    subject = words["subjects"].get(pillar, pillar)
    template = words["grade"].get(change or "first", words["grade"]["first"])
    if change in ("unchanged", "downgraded", "upgraded") and not since:
        template = words["grade"]["first"]
    return str(template).format(
        subject=subject, grade=grade, previous=previous or "", since=since or ""
    )


def progress_sentence(status: str, text: str) -> str | None:
    template = wording()["progress"].get(status)
    return _fill(str(template), text) if template else None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def comparisons(row: dict[str, Any], previous_value: float | None = None) -> list[str]:
    """The comparisons the row's statistics allow, strongest first."""
    words = wording()["comparison"]
    out: list[str] = []
    if row.get("is_highest"):
        out.append(words["highest"])
    elif row.get("is_lowest"):
        out.append(words["lowest"])
    far, significant = _number(row.get("funnel_998")), _number(row.get("funnel_95"))
    if far:
        out.append(words["far_above" if far > 0 else "far_below"])
    elif significant:
        out.append(words["significantly_above" if significant > 0 else "significantly_below"])
    elif significant == 0:
        out.append(words["in_line"])
    change = row.get("change")
    if change in ("up", "down") and previous_value is not None:
        out.append(
            str(wording()["change"][change]).format(
                previous_value=format_value(str(row.get("unit", "")), previous_value),
                previous_period=row.get("previous_period"),
            )
        )
    return out


def indicator_sentence(row: dict[str, Any], title: str, previous_value: float | None = None) -> str:
    """One sentence about a force's value, with the comparisons its statistics allow."""
    words = wording()["indicator"]
    unit = str(row.get("unit", ""))
    title = title if title[:2].isupper() else title[0].lower() + title[1:]
    if row.get("is_suppressed") or _number(row.get("value")) is None:
        return str(words["suppressed"]).format(period=row.get("period"), title=title)
    found = comparisons(row, previous_value)
    fields = {
        "period": row.get("period"),
        "title": title,
        "value": format_value(unit, _number(row.get("value"))),
        "ew_value": format_value(unit, _number(row.get("ew_value"))),
    }
    if not found:
        return str(words["sentence_no_comparison"]).format(**fields)
    return str(words["sentence"]).format(comparisons="; ".join(found), **fields)


def inspector_for(edition: str, force_short_name: str) -> str:
    """The inspector declared for a force's edition (report.toml), else the default."""
    settings = report_settings()
    for entry in settings.get("inspectors", []):
        if str(entry["edition"]) == edition and entry["force"] == force_short_name:
            return str(entry["name"])
    return str(settings["inspector"])


def question_sentence(grade: str) -> str | None:
    """The short narrative under a question: its grade, where it has one."""
    if grade == "not graded":
        return None
    return str(wording()["summary"]["question"]["graded"]).format(grade=grade)
