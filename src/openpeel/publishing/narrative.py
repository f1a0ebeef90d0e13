"""Sentences from data: the rules that turn grades, findings and indicator values into words.

The words are in ``wording.toml``; this module decides which words the data allow. Comparisons
of indicator values (against England and Wales, among forces, by rank, over time) are made by
``openpeel.indicators.comparison``, with its own wording, for the report and the web alike.
Every sentence is a ``Sentence`` that carries the source it was made from, so that it can be traced.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

# comparisons of indicator values are the presentation layer's, shared with the web
from openpeel.indicators.comparison import comparisons, indicator_sentence

__all__ = ["Sentence", "comparisons", "indicator_sentence"]


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
