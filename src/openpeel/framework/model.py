"""The PEEL framework editions, declared as data in ``scales.toml``, ``themes.toml`` and
``editions/*.toml``, loaded and validated here.

An **edition** (PEEL 2014 ... 2025–27) has a grade scale (four or five grades), pillars (or one
ungraded ``overall`` pillar from 2021/22, which has none), and questions. Each question names
the **themes** it is about; questions of two editions that share a theme correspond, and that
is the crosswalk. Wordings of a question seen in published grades are its ``aliases``, so that
the published grade history maps onto the questions.

What our sources do not state is marked rather than invented: ``title_verified = false`` on a
question whose exact wording is not in ``../shared/docs/peel-background.md``, ``verified =
false`` on a grade definition, and ``questions_known = false`` on an edition whose questions
are not listed at all.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from openpeel.declarations import toml_documents
from openpeel.errors import OpenPeelError, UnknownCodeError

PillarRule = Literal["openpeel-v1", "none"]
PILLAR_RULES: tuple[str, ...] = ("openpeel-v1", "none")


class FrameworkError(OpenPeelError):
    """A framework declaration that is not valid, or a request the framework cannot answer."""


@dataclass(frozen=True)
class Grade:
    id: str
    title: str
    definition: str
    verified: bool
    #: 0 for the best grade of the scale, counting up
    rank: int


@dataclass(frozen=True)
class Scale:
    id: str
    title: str
    source: str
    grades: tuple[Grade, ...]

    def grade(self, value: str, *, where: str | None = None) -> Grade:
        """The grade called ``value`` (any case); an error listing the scale's grades if none."""
        folded = value.strip().lower()
        for g in self.grades:
            if g.id == folded:
                return g
        raise UnknownCodeError(
            f"grade on the {self.id} scale",
            value,
            [g.id for g in self.grades],
            where=where,
            hint=f"grades on this scale: {', '.join(g.id for g in self.grades)}",
        )

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.grades)


@dataclass(frozen=True)
class Pillar:
    id: str
    title: str
    graded: bool
    headline: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    pillar: str
    title: str
    title_verified: bool
    graded: bool
    themes: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = ()
    characteristics_of_good: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Edition:
    id: str
    title: str
    peel_years: tuple[int, ...]
    scale: Scale
    pillar_rule: str
    questions_known: bool
    sources: tuple[str, ...]
    notes: str
    pillars: tuple[Pillar, ...]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise UnknownCodeError(
            f"question of PEEL {self.id}",
            question_id,
            [q.id for q in self.questions],
            hint=f"`openpeel framework show {self.id}` lists this edition's questions",
        )

    def pillar(self, pillar_id: str) -> Pillar:
        for p in self.pillars:
            if p.id == pillar_id:
                return p
        raise UnknownCodeError(f"pillar of PEEL {self.id}", pillar_id, [p.id for p in self.pillars])

    def match_question(self, wording: str) -> Question | None:
        """The question a published wording refers to: its id, title or one of its aliases."""
        folded = " ".join(wording.lower().split())
        for q in self.questions:
            names = (q.id, q.title, *q.aliases)
            if any(" ".join(n.lower().split()) == folded for n in names):
                return q
        return None


@dataclass(frozen=True)
class Correspondence:
    """A question of one edition and the question of another that shares a theme with it."""

    from_edition: str
    from_question: str
    to_edition: str
    to_question: str
    themes: tuple[str, ...]
    comparable: bool
    note: str


@dataclass(frozen=True)
class Framework:
    scales: dict[str, Scale]
    themes: dict[str, str]
    editions: dict[str, Edition]

    def edition(self, value: str | int) -> Edition:
        """An edition by id (``2016``, ``2018/19``, ``2021/22``) or by PEEL year (2018)."""
        text = str(value).strip()
        if text in self.editions:
            return self.editions[text]
        for e in self.editions.values():
            if text.isdigit() and int(text) in e.peel_years:
                return e
            if text.replace("-", "/") == e.id.replace("-", "/"):
                return e
        raise UnknownCodeError(
            "PEEL edition",
            text,
            list(self.editions),
            hint="`openpeel framework list` shows the editions",
        )

    def ordered(self) -> list[Edition]:
        return sorted(self.editions.values(), key=lambda e: e.peel_years[0])

    def crosswalk(self, a: str | int, b: str | int) -> list[Correspondence]:
        """Which questions of edition ``a`` correspond to which of ``b``, and whether their
        grades compare (only on the same scale: four to five grades is not comparable)."""
        ea, eb = self.edition(a), self.edition(b)
        comparable = ea.scale.id == eb.scale.id
        note = (
            "same grade scale"
            if comparable
            else f"not directly comparable: {ea.scale.title} against {eb.scale.title}"
        )
        out = []
        for qa in ea.questions:
            for qb in eb.questions:
                shared = tuple(t for t in qa.themes if t in qb.themes)
                if shared:
                    out.append(
                        Correspondence(
                            ea.id,
                            qa.id,
                            eb.id,
                            qb.id,
                            shared,
                            comparable and qa.graded and qb.graded,
                            note,
                        )
                    )
        return out


def _toml(name: str) -> dict[str, Any]:
    text = (resources.files("openpeel.framework") / name).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"framework/{name}: {exc}") from exc


def _known_keys(where: str, table: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = required - table.keys()
    unknown = table.keys() - required - optional
    if missing:
        raise FrameworkError(f"{where}: missing {', '.join(sorted(missing))}")
    if unknown:
        raise FrameworkError(
            f"{where}: unknown key {', '.join(sorted(unknown))}",
            hint=f"allowed: {', '.join(sorted(required | optional))}",
        )


def _scales() -> dict[str, Scale]:
    out = {}
    for sid, table in _toml("scales.toml").items():
        where = f"framework/scales.toml [{sid}]"
        _known_keys(where, table, {"title", "source", "grades"}, set())
        grades = []
        for rank, g in enumerate(table["grades"]):
            _known_keys(
                f"{where} grade {rank + 1}", g, {"id", "title", "definition", "verified"}, set()
            )
            grades.append(Grade(g["id"], g["title"], g["definition"], bool(g["verified"]), rank))
        out[sid] = Scale(sid, table["title"], table["source"], tuple(grades))
    return out


EDITION_KEYS = {
    "id",
    "title",
    "peel_years",
    "scale",
    "pillar_rule",
    "questions_known",
    "sources",
    "notes",
}
QUESTION_REQUIRED = {"id", "pillar", "title", "title_verified", "themes"}
QUESTION_OPTIONAL = {"graded", "aliases", "diagnostics", "characteristics_of_good", "notes"}


def _edition(
    where: str, doc: dict[str, Any], scales: dict[str, Scale], themes: dict[str, str]
) -> Edition:
    _known_keys(where, doc, EDITION_KEYS, {"pillars", "questions"})
    if doc["scale"] not in scales:
        raise UnknownCodeError("grade scale", doc["scale"], scales, where=where)
    if doc["pillar_rule"] not in PILLAR_RULES:
        raise UnknownCodeError("pillar rule", doc["pillar_rule"], PILLAR_RULES, where=where)
    pillars = []
    for p in doc.get("pillars", []):
        _known_keys(f"{where} pillar {p.get('id')!r}", p, {"id", "title", "graded"}, {"headline"})
        pillars.append(Pillar(p["id"], p["title"], bool(p["graded"]), p.get("headline", "")))
    pillar_ids = {p.id for p in pillars}
    questions: list[Question] = []
    seen_wordings: dict[str, str] = {}
    for q in doc.get("questions", []):
        qwhere = f"{where} question {q.get('id')!r}"
        _known_keys(qwhere, q, QUESTION_REQUIRED, QUESTION_OPTIONAL)
        if q["pillar"] not in pillar_ids:
            raise UnknownCodeError("pillar", q["pillar"], pillar_ids, where=qwhere)
        for theme in q["themes"]:
            if theme not in themes:
                raise UnknownCodeError("theme", theme, themes, where=qwhere)
        question = Question(
            id=q["id"],
            pillar=q["pillar"],
            title=q["title"],
            title_verified=bool(q["title_verified"]),
            graded=bool(q.get("graded", True)),
            themes=tuple(q["themes"]),
            aliases=tuple(q.get("aliases", ())),
            diagnostics=tuple(q.get("diagnostics", ())),
            characteristics_of_good=q.get("characteristics_of_good", ""),
            notes=q.get("notes", ""),
        )
        for wording in (question.id, question.title, *question.aliases):
            folded = " ".join(wording.lower().split())
            if seen_wordings.get(folded, question.id) != question.id:
                raise FrameworkError(
                    f"{qwhere}: the wording {wording!r} also names {seen_wordings[folded]!r}",
                    hint="a wording may name one question of an edition only",
                )
            seen_wordings[folded] = question.id
        questions.append(question)
    if not doc["questions_known"] and questions:
        raise FrameworkError(f"{where}: questions_known is false but questions are listed")
    return Edition(
        id=str(doc["id"]),
        title=doc["title"],
        peel_years=tuple(int(y) for y in doc["peel_years"]),
        scale=scales[doc["scale"]],
        pillar_rule=doc["pillar_rule"],
        questions_known=bool(doc["questions_known"]),
        sources=tuple(doc["sources"]),
        notes=doc["notes"],
        pillars=tuple(pillars),
        questions=tuple(questions),
    )


@cache
def load_framework() -> Framework:
    """Every edition, validated: unknown keys, scales, pillars and themes are errors."""
    scales = _scales()
    themes = {str(k): str(v) for k, v in _toml("themes.toml")["themes"].items()}
    editions: dict[str, Edition] = {}
    years: dict[int, str] = {}
    for where, doc in toml_documents("openpeel.framework", "editions", FrameworkError):
        edition = _edition(where, doc, scales, themes)
        if edition.id in editions:
            raise FrameworkError(f"{where}: edition {edition.id} is declared twice")
        for year in edition.peel_years:
            if year in years:
                raise FrameworkError(f"{where}: PEEL year {year} is also edition {years[year]}")
            years[year] = edition.id
        editions[edition.id] = edition
    return Framework(scales, themes, editions)
