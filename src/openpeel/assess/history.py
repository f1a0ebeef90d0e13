"""Grade history: the published PEEL grades (``core_hmic__peel_grades``) and grades from the
assessment store, each compared with the force's previous grade for the same pillar or question.

Store grades come in two kinds, and the caller says which it shows: the grades of OpenPEEL's
own publications as a reader may see them (``openpeel.publishing.versions.shown_grades``: what
every public page shows), or the working state of the store (``confirmed``: what an inspector
is changing, never public until published). Either replaces a published grade for the same
force, edition, pillar and question.

Published question wordings map to the edition's questions through their aliases
(``framework/editions/*.toml``); a question grade is followed across editions by its first
theme, so that "protecting vulnerable people" in 2018/19 follows the 2016 question on
protecting the vulnerable. A change across grade scales (four grades to five) is "not
comparable", as the inspectorate says of 2021/22.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess.models import Assessment, Judgement
from openpeel.framework.model import Edition, load_framework
from openpeel.warehouse.db import Warehouse

NOT_GRADED = "not graded"


@dataclass
class GradeRow:
    force_code: str
    force_name: str
    edition: str
    peel_year: int
    pillar: str
    #: the edition's question id; None for a pillar grade
    question: str | None
    #: the wording as published (or the question's title for a store grade)
    wording: str | None
    grade: str
    previous_edition: str | None = None
    previous_grade: str | None = None
    #: first, upgraded, downgraded, unchanged, not comparable, not graded
    change: str = "first"
    sentence: str = ""
    source: str = ""
    #: the series a change is measured along: the pillar, or the question's first theme
    series: str = ""
    #: "published"; for a version not yet public, its state (draft, fact_check, embargoed);
    #: "working" for the store's working state (``confirmed``)
    state: str = "published"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _series(edition: Edition, pillar: str, question: str | None, wording: str | None) -> str:
    if question is not None:
        return edition.question(question).themes[0]
    if wording:
        return f"{pillar}: {wording.lower()}"  # a wording no question of the edition has
    return pillar


def series_of(edition_id: str, pillar: str, question: str | None) -> str:
    """The series of an edition's pillar or question grade."""
    return _series(load_framework().edition(edition_id), pillar, question, None)


def published(wh: Warehouse, force_code: str | None = None) -> list[GradeRow]:
    framework = load_framework()
    sql = (
        "SELECT g.force_code, f.name, g.year, g.pillar, g.question, g.grade, g.source "
        "FROM core_hmic__peel_grades g JOIN ref_force f USING (force_code)"
    )
    params: list[Any] = []
    if force_code:
        sql += " WHERE g.force_code = ?"
        params.append(force_code)
    rows = []
    for code, name, year, pillar, wording, grade, source in wh.rows(sql, params):
        edition = framework.edition(int(year))
        matched = edition.match_question(wording) if wording else None
        question = matched.id if matched else None
        pillar_id = matched.pillar if matched else pillar
        rows.append(
            GradeRow(
                force_code=code,
                force_name=name,
                edition=edition.id,
                peel_year=int(year),
                pillar=pillar_id,
                question=question,
                wording=wording,
                grade=grade,
                source=source,
                series=_series(edition, pillar_id, question, wording),
            )
        )
    return rows


def confirmed(
    session: Session,
    names: dict[str, str],
    force_code: str | None = None,
    only: Collection[int] | None = None,
) -> list[GradeRow]:
    """The working state: grades confirmed in the assessment store now (of the assessments in
    ``only``, if given), published or not."""
    framework = load_framework()
    query = (
        select(Judgement, Assessment).join(Assessment).where(Judgement.confirmed_grade.is_not(None))
    )
    if force_code:
        query = query.where(Assessment.force_code == force_code)
    if only is not None:
        query = query.where(Assessment.id.in_(list(only)))
    rows = []
    for j, a in session.execute(query):
        edition = framework.edition(a.edition_id)
        question = edition.question(j.target_id) if j.level == "question" else None
        pillar = question.pillar if question else j.target_id
        rows.append(
            GradeRow(
                force_code=a.force_code,
                force_name=names.get(a.force_code, a.force_code),
                edition=edition.id,
                peel_year=edition.peel_years[0],
                pillar=pillar,
                question=question.id if question else None,
                wording=question.title if question else None,
                grade=str(j.confirmed_grade),
                source=f"OpenPEEL assessment {a.id}, confirmed by {j.confirmed_by}",
                series=_series(edition, pillar, question.id if question else None, None),
                state="working",
            )
        )
    return rows


def compare(rows: list[GradeRow]) -> list[GradeRow]:
    """Fill each row's change from the force's previous grade in the same series."""
    framework = load_framework()
    rows = sorted(rows, key=lambda r: (r.force_code, r.series, r.peel_year))
    last: dict[tuple[str, str], GradeRow] = {}
    for row in rows:
        key = (row.force_code, row.series)
        before = last.get(key)
        last[key] = row
        what = row.pillar if row.question is None else f"'{row.wording or row.question}'"
        if before is None:
            row.change, row.sentence = "first", f"{what}: {row.grade} in PEEL {row.edition}"
            continue
        row.previous_edition, row.previous_grade = before.edition, before.grade
        a, b = framework.edition(before.edition), framework.edition(row.edition)
        if NOT_GRADED in (row.grade, before.grade):
            row.change = "not graded"
            row.sentence = f"{what}: {row.grade} (PEEL {b.id}); {before.grade} in PEEL {a.id}"
        elif a.scale.id != b.scale.id:
            row.change = "not comparable"
            row.sentence = (
                f"{what}: {row.grade} in PEEL {b.id}, on a different grade scale from PEEL "
                f"{a.id} ({before.grade}), so not directly comparable"
            )
        else:
            now, then = b.scale.grade(row.grade).rank, a.scale.grade(before.grade).rank
            if now == then:
                row.change = "unchanged"
                row.sentence = f"{what}: {row.grade}, as in PEEL {a.id}"
            else:
                row.change = "upgraded" if now < then else "downgraded"
                row.sentence = (
                    f"{what}: {row.change} from {before.grade} to {row.grade} since PEEL {a.id}"
                )
    return rows


def history(
    wh: Warehouse, force_code: str | None = None, *, store: Iterable[GradeRow] = ()
) -> list[GradeRow]:
    """Published grades, with ``store`` grades (see the module's note) replacing a published
    grade for the same target."""
    rows = published(wh, force_code)
    ours = [r for r in store if force_code is None or r.force_code == force_code]
    keys = {_target(r) for r in ours}
    return compare([r for r in rows if _target(r) not in keys] + ours)


def _target(row: GradeRow) -> tuple[str, str, str, str | None]:
    return (row.force_code, row.edition, row.pillar, row.question)


@dataclass
class NationalView:
    edition: str
    pillar: str
    counts: dict[str, int]
    changes: dict[str, int]
    forces: list[GradeRow]


def national(
    wh: Warehouse, year: int, pillar: str, *, store: Iterable[GradeRow] = ()
) -> NationalView:
    """Every force's grade for a pillar (or question) in a PEEL year, counts and changes."""
    edition = load_framework().edition(year)
    rows = [
        r
        for r in history(wh, store=store)
        if r.edition == edition.id
        and ((r.question is None and r.pillar == pillar) or r.question == pillar)
    ]
    rows.sort(key=lambda r: r.force_name)
    order = [*edition.scale.ids, NOT_GRADED]
    counted = Counter(r.grade for r in rows)
    counts = {g: counted.get(g, 0) for g in order}
    changes = dict(Counter(r.change for r in rows))
    return NationalView(edition.id, pillar, counts, changes, rows)
