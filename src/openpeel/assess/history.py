"""Grade history: the published PEEL grades (``core_hmic__peel_grades``) and the grades
confirmed in the assessment store, each compared with the force's previous grade for the same
pillar or question.

Published question wordings map to the edition's questions through their aliases
(``framework/editions/*.toml``); a question grade is followed across editions by its first
theme, so that "protecting vulnerable people" in 2018/19 follows the 2016 question on
protecting the vulnerable. A change across grade scales (four grades to five) is "not
comparable", as the inspectorate says of 2021/22.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _series(edition: Edition, pillar: str, question: str | None, wording: str | None) -> str:
    if question is not None:
        return edition.question(question).themes[0]
    if wording:
        return f"{pillar}: {wording.lower()}"  # a wording no question of the edition has
    return pillar


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
    """Grades confirmed in the assessment store (of the assessments in ``only``, if given)."""
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
    wh: Warehouse,
    session: Session | None = None,
    force_code: str | None = None,
    *,
    only: Collection[int] | None = None,
    prefer_store: bool = False,
) -> list[GradeRow]:
    """Published grades, plus store grades where nothing was published for the same target.

    ``only`` limits the store's grades to those assessments (the published ones, for a public
    view); with ``prefer_store`` a store grade replaces a published one for the same target
    (a report shows its own assessment's grades).
    """
    rows = published(wh, force_code)
    if session is not None:
        names = dict(wh.rows("SELECT force_code, name FROM ref_force"))
        store = confirmed(session, names, force_code, only)
        keys = {_target(r) for r in (store if prefer_store else rows)}
        if prefer_store:
            rows = [r for r in rows if _target(r) not in keys] + store
        else:
            rows += [r for r in store if _target(r) not in keys]
    return compare(rows)


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
    wh: Warehouse,
    year: int,
    pillar: str,
    session: Session | None = None,
    *,
    only: Collection[int] | None = None,
) -> NationalView:
    """Every force's grade for a pillar (or question) in a PEEL year, counts and changes."""
    edition = load_framework().edition(year)
    rows = [
        r
        for r in history(wh, session, only=only)
        if r.edition == edition.id
        and ((r.question is None and r.pillar == pillar) or r.question == pillar)
    ]
    rows.sort(key=lambda r: r.force_name)
    order = [*edition.scale.ids, NOT_GRADED]
    counted = Counter(r.grade for r in rows)
    counts = {g: counted.get(g, 0) for g in order}
    changes = dict(Counter(r.change for r in rows))
    return NationalView(edition.id, pillar, counts, changes, rows)
