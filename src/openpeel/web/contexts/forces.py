"""The forces' pages: the national overview (every force's grade), the list of forces, and a
force's page (its grades, key indicators, spine chart, publications, recommendations and
responses).

Everything a viewer is shown passes the embargo and the force scope
(``openpeel.access``): the store's grades, findings, recommendations and responses
count only for assessments whose publication the viewer may read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from openpeel import access
from openpeel.access import Viewer
from openpeel.assess.history import NOT_GRADED, history, national
from openpeel.assess.models import RESPONDENTS, Assessment
from openpeel.errors import OpenPeelError
from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing.context import response_dict
from openpeel.publishing.figures import key_figures
from openpeel.publishing.versions import readable_version, recommendations, shown_grades
from openpeel.reference.forces import Force, forces
from openpeel.warehouse.db import Warehouse
from openpeel.web.contexts.publications import publication_row, readable
from openpeel.web.contexts.spine import spine_section
from openpeel.web.errors import NotFound


def find_force(spelling: str) -> Force:
    """A territorial force by any spelling (its data.police.uk slug in the addresses)."""
    try:
        force = forces().resolve(spelling)
    except OpenPeelError as exc:
        raise NotFound(f"no police force {spelling!r}", hint="find it at /forces") from exc
    if not force.is_territorial:
        raise NotFound(f"{force.name} is not one of the 43 territorial forces")
    return force


def force_list(q: str | None = None, wh: Warehouse | None = None) -> dict[str, Any]:
    """The 43 territorial forces, or those a text may mean: a force's name in any published
    spelling, a local authority or partnership in its area, or its region (best first, each
    with why it matched; ``reference.places.find``)."""
    from openpeel.reference.places import find

    text = (q or "").strip()
    if not text:
        rows: list[dict[str, str | None]] = [
            {
                "code": f.code,
                "name": f.name,
                "slug": f.policeuk_slug,
                "region": f.region,
                "why": None,
            }
            for f in sorted(forces().territorial(), key=lambda f: f.name)
        ]
    else:
        rows = [
            {
                "code": m.force_code,
                "name": m.force_name,
                "slug": m.slug,
                "region": m.region,
                "why": m.why,
            }
            for m in find(wh, text, limit=len(forces().territorial()))
        ]
    return {"title": "Find a police force", "q": q or "", "forces": rows}


def peel_years(wh: Warehouse) -> list[int]:
    """The PEEL years with published grades in the warehouse, newest first."""
    sql = "SELECT DISTINCT peel_edition FROM core_hmic__peel_grades"
    editions = {str(e) for (e,) in wh.rows(sql)}
    years = {
        e.peel_years[0]
        for e in load_framework().editions.values()
        if e.id in editions and any(p.graded for p in e.pillars)
    }
    return sorted(years, reverse=True)


def overview(
    wh: Warehouse,
    session: Session,
    viewer: Viewer,
    now: datetime,
    year: int | None = None,
    pillar: str | None = None,
) -> dict[str, Any]:
    """Every force's grade for a PEEL year and pillar: counts, changes, a map and a table."""
    years = peel_years(wh)
    if not years:
        raise NotFound("the warehouse holds no PEEL grades", hint="run `openpeel demo`")
    year = year or years[0]
    ed = load_framework().edition(year)
    graded = [p for p in ed.pillars if p.graded]
    if not graded:
        raise NotFound(f"PEEL {ed.id} grades no pillar")
    chosen = pillar or graded[0].id
    if chosen not in {p.id for p in graded}:
        raise NotFound(
            f"PEEL {ed.id} has no graded pillar {chosen!r}",
            hint=f"one of: {', '.join(p.id for p in graded)}",
        )
    view = national(wh, year, chosen, store=shown_grades(session, viewer, now))
    title = next(p.title for p in graded if p.id == chosen)
    order = [*ed.scale.ids, NOT_GRADED]
    return {
        "title": f"PEEL {ed.id}: {title.lower()} grades of every force",
        "year": year,
        "years": years,
        "edition": ed.id,
        "pillar": chosen,
        "pillars": [{"id": p.id, "title": p.title} for p in graded],
        "grades": order,
        "counts": view.counts,
        "changes": view.changes,
        "forces": [
            {
                "code": r.force_code,
                "name": r.force_name,
                "slug": forces().get(r.force_code).policeuk_slug,
                "grade": r.grade,
                "change": r.change,
                "previous_grade": r.previous_grade,
                "previous_edition": r.previous_edition,
                "sentence": r.sentence,
                "state": r.state,
            }
            for r in view.forces
        ],
        "map": _grade_map(wh, ed.id, title, {r.force_code: r.grade for r in view.forces}, order),
    }


#: grade maps already drawn: (warehouse, data version, edition, pillar, grades) -> Vega-Lite spec
_MAPS: dict[tuple[Any, ...], dict[str, Any]] = {}


def _grade_map(
    wh: Warehouse, edition: str, pillar: str, grades: dict[str, str], order: list[str]
) -> dict[str, Any]:
    """The map of the force areas coloured by grade, as a Vega-Lite spec (drawn once)."""
    from openpeel.publishing.maps import grade_map

    key = (str(wh.path), wh.version, edition, pillar, tuple(sorted(grades.items())))
    if key not in _MAPS:
        if len(_MAPS) >= 64:
            _MAPS.clear()
        counts = {g: sum(1 for v in grades.values() if v == g) for g in order}
        description = (
            f"Map of the police force areas of England and Wales coloured by their PEEL "
            f"{edition} {pillar.lower()} grade: "
            + "; ".join(f"{n} {g}" for g, n in counts.items() if n)
            + ". The table below gives every force's grade."
        )
        chart = grade_map(wh, grades, order, f"{pillar}, PEEL {edition}", description)
        _MAPS[key] = {"description": description, "spec": chart.to_dict()}
    return _MAPS[key]


def force_page(
    wh: Warehouse,
    session: Session,
    viewer: Viewer,
    now: datetime,
    spelling: str,
    year: int | None = None,
    compare: str | None = None,
    compare_forces: str | None = None,
) -> dict[str, Any]:
    """A force: its grades over the years with their changes, its key indicators against
    England and Wales and its most similar group, its spine chart coloured by the comparator
    chosen (``compare``, England and Wales by default), its publications, its recommendations
    with their progress, and the responses to its reports."""
    from openpeel.indicators.comparators import parse
    from openpeel.web.comparing import choosable, recolour_spine
    from openpeel.web.contexts.rug import css_class

    choice = parse(compare, compare_forces)
    force = find_force(spelling)
    rows = history(wh, force.code, store=shown_grades(session, viewer, now, force.code))
    years = sorted({r.peel_year for r in rows}, reverse=True)
    year = year or (years[0] if years else None)
    pillar_rows = [r for r in rows if r.question is None]
    editions = sorted({(r.peel_year, r.edition) for r in pillar_rows}, reverse=True)
    pillars = list(dict.fromkeys(r.pillar for r in sorted(pillar_rows, key=lambda r: r.pillar)))
    by_key = {(r.edition, r.pillar): r for r in pillar_rows}
    grades = [
        {
            "edition": edition,
            "year": y,
            "pillars": {
                p: {
                    "grade": by_key[(edition, p)].grade,
                    "change": by_key[(edition, p)].change,
                    "sentence": by_key[(edition, p)].sentence,
                    "state": by_key[(edition, p)].state,
                }
                for p in pillars
                if (edition, p) in by_key
            },
        }
        for y, edition in editions
    ]
    pubs = [p for p in readable(session, viewer, now) if p.force_code == force.code]
    shown = [(p, v) for p in pubs if p.kind == "force" and (v := readable_version(p, viewer, now))]
    shown.sort(key=lambda pv: pv[0].edition_id, reverse=True)
    # each year's publication: OpenPEEL's own where there is one, else the page the grades
    # were read from
    reports = {
        r.edition: r.source for r in pillar_rows if r.source.startswith(("http://", "https://"))
    } | {p.edition_id: f"/publications/{p.slug}" for p in pubs if p.kind == "force"}
    for row in grades:
        row["report"] = reports.get(str(row["edition"]))
    reviewers = access.may_act(viewer, "post_progress", force.code)

    return {
        "title": force.name,
        "force": {"code": force.code, "name": force.name, "slug": force.policeuk_slug},
        "region": force.region,
        "year": year,
        "years": years,
        "pillars": pillars,
        "grades": grades,
        "key_indicators": (figures := _key_indicators(wh, force.code, year) if year else []),
        "key_chart": _key_chart(wh, force, figures),
        # the spine chart (issue 18): each indicator against the spread of forces
        "spine": (spine := spine_section(wh, force.code)),
        "comparator": recolour_spine(wh, spine, choice, force.code, css_class),
        "all_forces": choosable(),
        "publications": [publication_row(p, now, viewer) for p in pubs],
        "recommendations": [r for p, v in shown for r in recommendations(session, p, v, reviewers)],
        "responses": [
            {"edition": a.edition_id, "assessment_status": a.status, **response_dict(r)}
            | {"state": response_state(r.received_on, r.due_on, now)}
            for p, _ in shown
            if (a := session.get(Assessment, p.assessment_id)) is not None
            for r in a.responses
        ],
        # the reports a force may respond to from this page: (edition, who may respond)
        "respondents": list(RESPONDENTS),
        "editions": [p.edition_id for p, _ in shown],
    }


def response_state(received: date | None, due: date | None, now: datetime) -> str:
    """A response as a reader follows it: received, due (by its date) or overdue."""
    if received is not None:
        return "received"
    if due is not None and now.date() > due:
        return "overdue"
    return "due"


def _key_indicators(wh: Warehouse, force_code: str, year: int) -> list[dict[str, Any]]:
    """The force's key indicators: each value, its interval and its benchmarks as numbers, and
    in words."""
    from openpeel.publishing.figures import indicator_row

    try:
        figures = key_figures(wh, force_code, year)
    except OpenPeelError:  # indicators not computed yet: the page says so
        return []
    keep = (
        "indicator_id",
        "title",
        "unit",
        "period",
        "value_text",
        "ew_text",
        "peer_text",
        "rank_text",
        "sentence",
        "after_assessment",
    )
    catalogue = load_catalogue()
    out = []
    for f in figures:
        ind = catalogue.indicator(str(f["indicator_id"]))
        row = indicator_row(wh, ind, force_code, str(f["period"])) or {}
        suppressed = bool(row.get("is_suppressed"))
        out.append(
            {k: f.get(k) for k in keep}
            | {
                "value": None if suppressed else number_or_none(row.get("value")),
                "lower": None if suppressed else number_or_none(row.get("lower")),
                "upper": None if suppressed else number_or_none(row.get("upper")),
                "ew_value": number_or_none(row.get("ew_value")),
                "peer_value": number_or_none(row.get("peer_value")),
                "rank": _int(row.get("rank")),
                "forces_ranked": _int(row.get("forces_ranked")),
            }
        )
    return out


def _key_chart(wh: Warehouse, force: Force, figures: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The key indicators as one interactive chart (force and peer group against E&W = 100)."""
    from openpeel.presentation.key_indicators_chart import key_indicators_chart
    from openpeel.presentation.rendering import spec_table
    from openpeel.publishing.figures import indicator_row

    catalogue = load_catalogue()
    rows = []
    for f in figures:
        ind = catalogue.indicator(str(f["indicator_id"]))
        row = indicator_row(wh, ind, force.code, str(f["period"]))
        if row is not None:
            rows.append({**row, "title": ind.title, "unit": ind.unit})
    try:
        spec = key_indicators_chart(force.name, rows).to_dict()
    except OpenPeelError:
        return None
    return {
        "description": str(spec.get("description", "")),
        "spec": spec,
        "table": spec_table(spec),
    }


def number_or_none(value: Any) -> float | None:
    """A stored number as a float, or None where it is missing, unreadable or NaN."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN is missing


def _int(value: Any) -> int | None:
    number = number_or_none(value)
    return None if number is None else int(number)
