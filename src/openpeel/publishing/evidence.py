"""The evidence of each question of a report: its documents, and the indicator figures
knowable on the as-of date (a figure that was not is named, with why)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from openpeel.assess.models import Assessment
from openpeel.indicators.catalogue import load_catalogue
from openpeel.publishing import narrative
from openpeel.publishing.asof import AsOf, missing_reason
from openpeel.publishing.figures import charts, figure, last_knowable
from openpeel.warehouse.db import Warehouse


def _missing(ind: Any, period_type: str, period: str, asof: AsOf) -> dict[str, Any]:
    words = narrative.wording()["asof"]
    reason = missing_reason(ind, period_type, period, asof.on)
    return {
        "kind": "missing",
        "indicator_id": ind.id,
        "title": ind.title,
        "reason": reason,
        "text": str(words["missing"]).format(title=ind.title, reason=reason),
    }


def evidence_by_question(
    wh: Warehouse, assessment: Assessment, asof: AsOf
) -> dict[str | None, list[dict[str, Any]]]:
    """The evidence of each question: documents, and indicator figures knowable on the as-of
    date (a figure that was not is named, with why; a retrospective edition shows it as what
    the data showed afterwards)."""
    catalogue = load_catalogue()
    out: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for e in assessment.evidence:
        if e.kind == "document":
            out[e.question_id].append(
                {
                    "kind": "document",
                    "title": e.title,
                    "url": e.url,
                    "note": e.note,
                    "source": f"evidence:{e.id}",
                    "afterwards": False,
                }
            )
            continue
        frozen = dict(e.frozen or {})
        ind = catalogue.indicator(str(e.indicator_id))
        period, period_type = str(frozen.get("period")), str(frozen.get("period_type"))
        knowable = asof.knowable(ind, period_type, period)
        if not knowable and not asof.retrospective:
            missing = _missing(ind, period_type, period, asof)
            # neither the period nor the note is kept: they name what came after the as-of date
            out[e.question_id].append({**missing, "note": None, "afterwards": False})
            continue
        frozen["unit"] = frozen.get("unit", ind.unit)
        item = figure(wh, ind, frozen)
        last = None if not knowable else last_knowable(wh, ind, period_type, asof)
        item.update(
            kind="indicator",
            note=e.note,
            source=f"evidence:{e.id}",
            afterwards=not knowable,
            numerator_definition=frozen.get("numerator_definition"),
            denominator_definition=frozen.get("denominator_definition"),
            charts=charts(wh, ind, assessment.force_code, frozen, until=last),
        )
        out[e.question_id].append(item)
    return out
