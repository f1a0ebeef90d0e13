"""The comparator a user chooses (``indicators/comparators.py``) applied to a page built against
England and Wales: every force on every indicator (the rug) is coloured again by each cell's
comparison with the comparator, the force's own for the most similar group and the region."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from openpeel.indicators import comparators
from openpeel.indicators.comparators import Choice
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse


def _stored(wh: Warehouse, indicator_id: str, period: str) -> dict[str, comparators.Stored]:
    frame = wh.execute(
        "SELECT force_code, value, numerator, denominator, is_suppressed, ew_value "
        "FROM out_indicator_values WHERE indicator_id = ? AND period = ? AND breakdown = 'all'",
        [indicator_id, period],
    ).df()
    return comparators.stored_rows(frame.to_dict("records"))


def summary(choice: Choice) -> dict[str, Any]:
    """The choice for a page's context: its id, its words, the forces chosen, the query that
    asks for it again and the comparators to choose from."""
    return {
        "id": choice.comparator.id,
        "label": comparators.label(choice, None),
        "description": choice.comparator.description,
        "forces": list(choice.query().get("forces", "").split(",")) if choice.forces else [],
        "query": urlencode(choice.query()),
        "choices": [
            {"id": c.id, "label": c.label, "needs_force": c.needs_force}
            for c in comparators.comparators().values()
        ],
    }


def choosable() -> list[dict[str, str]]:
    """Every territorial force by name, to choose a comparator's forces from (slug, name)."""
    return [
        {"slug": f.policeuk_slug, "name": f.name}
        for f in sorted(forces().territorial(), key=lambda f: f.name)
    ]


def recolour_rug(
    wh: Warehouse, context: dict[str, Any], choice: Choice, css: Any, words: dict[str, str]
) -> None:
    """Colour each cell of the rug's ``context`` by its comparison with the comparator (for
    England and Wales, the stored comparison is kept); ``css`` names a class's CSS class and
    ``words`` says each class in words for the key."""
    context["comparator"] = summary(choice)
    if choice.comparator.id == comparators.DEFAULT:
        for force in context["forces"]:
            for cell in force["cells"].values():
                cell["comparator_value"] = cell["ew_value"]
        return
    label = comparators.label(choice, None)
    context["key"] = [
        {"class": c, "css": css(c), "words": w.replace("England and Wales", label)}
        for c, w in words.items()
    ]
    for ind in context["indicators"]:
        stored = _stored(wh, ind["id"], ind["period"])
        for force in context["forces"]:
            cell = force["cells"][ind["id"]]
            row = stored.get(force["code"])
            benchmark = comparators.value(choice, ind["unit"], stored, force["code"])
            own = comparators.label(choice, force["code"])
            comparison, reason = comparators.classify(
                cell["value"],
                cell["lower"],
                cell["upper"],
                benchmark,
                row.is_suppressed if row else False,
                ind["polarity"] or "neither",
                own,
            )
            cell.update(
                comparison=comparison,
                not_compared_reason=reason,
                css=css(comparison),
                comparator_value=benchmark,
            )


def recolour_spine(
    wh: Warehouse, spine: list[dict[str, Any]], choice: Choice, force_code: str, css: Any
) -> dict[str, Any]:
    """Colour each row of a force's spine chart by its comparison with the comparator (the
    force's own most similar group or region), and centre it on the comparator's value (the
    line in the middle); each row says the comparator's value. The spread is still of all the
    forces. Returns the choice's summary, labelled for the force."""
    from openpeel.indicators.units import format_value
    from openpeel.web.contexts.spine import spine_geometry

    out = summary(choice) | {"label": comparators.label(choice, force_code)}
    for group in spine:
        for row in group["rows"]:
            if choice.comparator.id == comparators.DEFAULT:
                benchmark = row["ew_value"]
            else:
                stored = _stored(wh, row["indicator_id"], row["period"])
                benchmark = comparators.value(choice, row["unit"], stored, force_code)
                comparison, reason = comparators.classify(
                    row["value"],
                    row.get("lower"),
                    row.get("upper"),
                    benchmark,
                    bool(row.get("is_suppressed")),
                    row.get("polarity") or "neither",
                    out["label"],
                )
                row.update(
                    comparison=comparison,
                    not_compared_reason=reason,
                    css=css(comparison),
                    geometry=spine_geometry(row, benchmark, out["label"]),
                )
            row["comparator_value"] = benchmark
            row["texts"]["comparator_value"] = format_value(row["unit"], benchmark)
    return out
