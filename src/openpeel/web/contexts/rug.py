"""Every force on every indicator: the "tartan rug" of issue 18 at /indicators/all, and the table
its downloads hold.

The numbers and classes come from ``openpeel.indicators.profile``; this module adds the words
and the colours' class names.
"""

from __future__ import annotations

from typing import Any

from openpeel.framework.model import load_framework
from openpeel.indicators import profile
from openpeel.indicators.comparison import wording
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse
from openpeel.web.errors import NotFound

#: each comparison class in words, for the key and for the text hidden in each coloured cell
#: (indicators/wording.toml, section profile_classes), in the order of profile.CLASSES
CLASS_WORDS = {c: str(wording()["profile_classes"][c]) for c in profile.CLASSES}


def short_value(unit: str, value: float | None) -> str:
    """A value short enough for a cell of the rug (its unit is in the column's heading)."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{100 * value:.1f}%"
    return f"{value:,.1f}" if unit == "per_1000" else f"{value:,.2f}"


UNIT_WORDS = {"share": "%", "per_1000": "per 1,000"}


def css_class(comparison: str) -> str:
    """The CSS class that colours a cell of this comparison ("not compared" -> op-c-none)."""
    return "op-c-none" if comparison == profile.NOT_COMPARED else f"op-c-{comparison}"


def _pillars() -> list[str]:
    return list(dict.fromkeys(t.split("/", 1)[0] for t in load_framework().themes))


def _regions() -> list[str]:
    return sorted({f.region for f in forces().territorial()})


def rug(
    wh: Warehouse,
    pillar: str | None = None,
    region: str | None = None,
    sort: str | None = None,
    compare: str | None = None,
    compare_forces: str | None = None,
) -> dict[str, Any]:
    """The context of /indicators/all: the forces (rows) by indicators (columns), each cell the
    value and its comparison with England and Wales, or the comparator ``compare`` chooses (or
    why it is not compared). Forces are in name order, or by ``sort`` (an indicator id) highest
    first, forces without a value last."""
    from openpeel.indicators.comparators import parse
    from openpeel.web.comparing import recolour_rug

    choice = parse(compare or None, compare_forces)

    pillar, region, sort = pillar or None, region or None, sort or None  # "" is the form's "all"
    if pillar is not None and pillar not in _pillars():
        raise NotFound(f"no pillar {pillar!r}; the pillars are {', '.join(_pillars())}")
    if region is not None and region not in _regions():
        raise NotFound(f"no region {region!r}; the regions are {', '.join(_regions())}")
    frame = profile.matrix(wh, pillar=pillar, region=region)
    rows = profile.records(frame)
    columns: dict[str, dict[str, Any]] = {}
    for r in rows:
        columns.setdefault(
            r["indicator_id"],
            {
                "id": r["indicator_id"],
                "title": r["title"],
                "unit": r["unit"],
                "unit_words": UNIT_WORDS.get(r["unit"], r["unit"]),
                "polarity": r["polarity"],
                "period": r["period"],
            },
        )
    by_force: dict[str, dict[str, Any]] = {}
    for r in rows:
        force = by_force.setdefault(
            r["force_code"],
            {"code": r["force_code"], "name": r["force_name"], "region": r["region"], "cells": {}},
        )
        force["cells"][r["indicator_id"]] = {
            "value": r["value"],
            "lower": r["lower"],
            "upper": r["upper"],
            "ew_value": r["ew_value"],
            "comparison": r["comparison"],
            "not_compared_reason": r["not_compared_reason"],
            "css": css_class(r["comparison"]),
            "text": short_value(r["unit"], r["value"]),
            "trend": r["trend"],
        }
    slugs = {f.code: f.policeuk_slug for f in forces().territorial()}
    table = sorted(by_force.values(), key=lambda f: f["name"])
    if sort is not None:
        if sort not in columns:
            raise NotFound(f"no indicator {sort!r} shown here to sort by")
        values = {f["code"]: f["cells"][sort]["value"] for f in table}
        # highest first, ties in name order (the sort is stable), no value last
        table.sort(key=lambda f: (values[f["code"]] is None, -(values[f["code"]] or 0.0)))
    for f in table:
        f["slug"] = slugs[f["code"]]
    context = {
        "title": "Every force on every indicator",
        "pillar": pillar,
        "region": region,
        "sort": sort,
        "pillars": _pillars(),
        "regions": _regions(),
        "key": [{"class": c, "css": css_class(c), "words": w} for c, w in CLASS_WORDS.items()],
        "indicators": list(columns.values()),
        "forces": table,
    }
    recolour_rug(wh, context, choice, css_class, CLASS_WORDS)
    return context
