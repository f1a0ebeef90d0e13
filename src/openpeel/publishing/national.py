"""The national overview of a PEEL year: every force's grades by pillar, the changes since the
year before, a map per pillar, and indicator views across forces."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from openpeel.assess.history import NOT_GRADED, GradeRow, history, national
from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.indicators.units import format_value
from openpeel.presentation.rendering import chart_svg
from openpeel.publishing import narrative
from openpeel.publishing.context import CONTEXT_VERSION, edition_dict
from openpeel.publishing.figures import year_period
from openpeel.warehouse.db import Warehouse

#: the state of a force that has no pillar grade in the year but question grades
QUESTION_LEVEL = "graded only at question level"
#: the state of a force whose pillar grade for the year is not in the data
NO_GRADE_PUBLISHED = "no grade in the data"


def _states(
    wh: Warehouse, ed: Any, pillar: str, view: list[GradeRow], every: list[GradeRow]
) -> list[dict[str, Any]]:
    """Every one of the 43 forces with its state for a pillar in the edition: its grade; or,
    without one, "graded only at question level" where it has question grades, the earlier
    edition's grade where that stands (not re-inspected), or not graded."""
    forces = wh.rows("SELECT force_code, name FROM ref_force WHERE is_territorial ORDER BY name")
    graded = {r.force_code: r for r in view}
    out = []
    for code, name in forces:
        row = graded.get(str(code))
        if row is not None:
            out.append(
                {
                    "code": code,
                    "name": row.force_name,
                    "state": row.grade,
                    "grade": row.grade,
                    "change": row.change,
                    "words": narrative.grade_words(
                        row.change, row.grade, row.previous_grade, row.previous_edition
                    ),
                }
            )
            continue
        mine = [r for r in every if r.force_code == code and r.pillar == pillar]
        if any(r.edition == ed.id and r.question is not None for r in mine):
            out.append(
                {
                    "code": code,
                    "name": name,
                    "state": QUESTION_LEVEL,
                    "grade": QUESTION_LEVEL,
                    "change": None,
                    "words": QUESTION_LEVEL,
                }
            )
            continue
        earlier = [
            r
            for r in mine
            if r.question is None and r.peel_year < ed.peel_years[0] and r.grade != NOT_GRADED
        ]
        if earlier and ed.id in narrative.report_settings()["earlier_grades_stand"]:
            last = max(earlier, key=lambda r: r.peel_year)
            out.append(
                {
                    "code": code,
                    "name": name,
                    "state": last.grade,
                    "grade": last.grade,
                    "change": "stands",
                    "words": f"{last.grade}: grade from PEEL {last.edition} stands",
                }
            )
            continue
        out.append(
            {
                "code": code,
                "name": name,
                "state": NO_GRADE_PUBLISHED,
                "grade": NO_GRADE_PUBLISHED,
                "change": None,
                "words": NO_GRADE_PUBLISHED,
            }
        )
    return out


def national_context(
    wh: Warehouse, year: int, store: list[GradeRow], built_at: datetime
) -> dict[str, Any]:
    """Every force's grades for a PEEL year by pillar, the changes, a map per pillar, and
    indicator views across forces. ``store``: the grades of OpenPEEL's force publications that
    it includes (those scheduled or published, as their frozen reports show them). Every one of
    the 43 forces is listed and counted for every pillar."""
    from openpeel.publishing.maps import grade_map

    ed = load_framework().edition(year)
    order = [*ed.scale.ids, QUESTION_LEVEL, NOT_GRADED, NO_GRADE_PUBLISHED]
    every = history(wh, store=store)
    pillars = []
    table: dict[str, dict[str, Any]] = {}
    for p in ed.pillars:
        if not p.graded:
            continue
        view = national(wh, year, p.id, store=store)
        if not view.forces:
            continue
        states = _states(wh, ed, p.id, view.forces, every)
        counted = Counter(str(f["state"]) for f in states)
        counts = {g: counted[g] for g in order if counted[g] or g in ed.scale.ids}
        standing = sum(1 for f in states if f["change"] == "stands")
        changes = dict(Counter(str(f["change"]) for f in states if f["change"]))
        shown = [g for g in order if counted[g]]
        description = (
            f"Map of the police force areas of England and Wales coloured by their PEEL {ed.id} "
            f"{p.title.lower()} grade: "
            + "; ".join(f"{n} {g}" for g, n in counts.items() if n)
            + (f" ({standing} of them from an earlier edition, which stands)" if standing else "")
            + "."
        )
        grades = {str(f["code"]): str(f["state"]) for f in states}
        chart = grade_map(wh, grades, shown, f"{p.title}, PEEL {ed.id}", description)
        pillars.append(
            {
                "id": p.id,
                "title": p.title,
                "counts": counts,
                "total": len(states),
                "standing": standing,
                "changes": changes,
                "map": {
                    "title": f"{p.title}, PEEL {ed.id}",
                    "description": description,
                    "svg": chart_svg(chart),
                },
            }
        )
        for f in states:
            table.setdefault(str(f["code"]), {"code": f["code"], "name": f["name"], "grades": {}})
            table[str(f["code"])]["grades"][p.id] = {
                "grade": f["grade"],
                "change": f["change"],
                "words": f["words"],
            }
    return {
        "version": CONTEXT_VERSION,
        "kind": "national",
        "title": f"PEEL {ed.id}: the national overview",
        "edition": edition_dict(ed),
        "built_at": built_at.isoformat(),
        "pillars": pillars,
        "forces": sorted(table.values(), key=lambda f: str(f["name"])),
        "indicators": _indicator_views(wh, year),
    }


def _indicator_views(wh: Warehouse, year: int) -> list[dict[str, Any]]:
    catalogue = load_catalogue()
    out = []
    for iid in narrative.report_settings()["national_indicators"]:
        ind = catalogue.indicator(iid)
        chosen = year_period(wh, ind, year)
        if chosen is None:
            continue
        rows = wh.records(
            "SELECT v.*, f.name AS force_name FROM out_indicator_values v JOIN ref_force f "
            "USING (force_code) WHERE indicator_id = ? AND period = ? AND breakdown = 'all' "
            "AND NOT is_suppressed AND value IS NOT NULL AND rank IS NOT NULL "
            "ORDER BY value DESC, force_code",
            [iid, chosen[1]],
        )
        if not rows:
            continue
        out.append(
            {
                "indicator_id": iid,
                "title": ind.title,
                "period": chosen[1],
                "ew_text": format_value(ind.unit, rows[0]["ew_value"]),
                "forces": len(rows),
                "highest": {
                    "name": rows[0]["force_name"],
                    "value": format_value(ind.unit, rows[0]["value"]),
                },
                "lowest": {
                    "name": rows[-1]["force_name"],
                    "value": format_value(ind.unit, rows[-1]["value"]),
                },
                # forces a comparison rule leaves out are not ranked (City of London per resident)
                "notes": sorted({r.footnote for r in catalogue.left_out(ind).values()}),
                "above_998": sum(1 for r in rows if (r["funnel_998"] or 0) > 0),
                "below_998": sum(1 for r in rows if (r["funnel_998"] or 0) < 0),
            }
        )
    return out
