"""The national overview of a PEEL year: every force's grades by pillar, the changes since the
year before, a map per pillar, and indicator views across forces."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openpeel.assess.history import NOT_GRADED, GradeRow, national
from openpeel.framework.model import load_framework
from openpeel.indicators.catalogue import load_catalogue
from openpeel.presentation.charts import chart_svg
from openpeel.presentation.numbers import format_value
from openpeel.publishing import narrative
from openpeel.publishing.context import CONTEXT_VERSION, edition_dict
from openpeel.publishing.figures import year_period
from openpeel.warehouse.db import Warehouse


def national_context(
    wh: Warehouse, year: int, store: list[GradeRow], built_at: datetime
) -> dict[str, Any]:
    """Every force's grades for a PEEL year by pillar, the changes, a map per pillar, and
    indicator views across forces. ``store``: the grades of OpenPEEL's force publications that
    it includes (those scheduled or published, as their frozen reports show them)."""
    from openpeel.publishing.maps import grade_map

    ed = load_framework().edition(year)
    order = [*ed.scale.ids, NOT_GRADED]
    pillars = []
    table: dict[str, dict[str, Any]] = {}
    for p in ed.pillars:
        if not p.graded:
            continue
        view = national(wh, year, p.id, store=store)
        if not view.forces:
            continue
        grades = {r.force_code: r.grade for r in view.forces}
        description = (
            f"Map of the police force areas of England and Wales coloured by their PEEL {ed.id} "
            f"{p.title.lower()} grade: "
            + "; ".join(f"{n} {g}" for g, n in view.counts.items() if n)
            + "."
        )
        chart = grade_map(wh, grades, order, f"{p.title}, PEEL {ed.id}", description)
        pillars.append(
            {
                "id": p.id,
                "title": p.title,
                "counts": view.counts,
                "changes": view.changes,
                "map": {
                    "title": f"{p.title}, PEEL {ed.id}",
                    "description": description,
                    "svg": chart_svg(chart),
                },
            }
        )
        for r in view.forces:
            since = r.previous_edition
            table.setdefault(
                r.force_code, {"code": r.force_code, "name": r.force_name, "grades": {}}
            )
            table[r.force_code]["grades"][p.id] = {
                "grade": r.grade,
                "change": r.change,
                "words": narrative.grade_words(r.change, r.grade, r.previous_grade, since),
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
