"""The findings of a report, grouped as the inspectorate publishes them, with their
recommendations as they stood on the as-of date."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from openpeel.assess.models import Assessment
from openpeel.publishing.asof import AsOf

#: the kinds of finding, in the order a question lists them
FINDING_ORDER = (
    "cause_of_concern",
    "area_for_improvement",
    "strength",
    "innovative_practice",
    "promising_practice",
)
#: the findings under a question, grouped as the inspectorate publishes them
GROUPS = (
    ("Causes of concern", ("cause_of_concern",)),
    ("Areas for improvement", ("area_for_improvement",)),
    ("Strengths", ("strength",)),
    ("Practice worth sharing", ("innovative_practice", "promising_practice")),
)


def _recommendation(r: Any, asof: AsOf) -> dict[str, Any]:
    """A recommendation as it stood on the as-of date: its progress dated after that belongs on
    the live force page, never in the frozen publication."""
    updates = [u for u in r.updates if u.is_accepted and asof.dated(u.on.isoformat())]
    return {
        "id": r.id,
        "text": r.text,
        "due_on": r.due_on.isoformat() if r.due_on else None,
        "status": updates[-1].status if updates else "open",
        "updates": [
            {
                "id": u.id,
                "on": u.on.isoformat(),
                "status": u.status,
                "text": u.text,
                "evidence": u.evidence,
            }
            for u in updates
        ],
    }


def findings_by_question(
    assessment: Assessment, asof: AsOf
) -> dict[str | None, list[dict[str, Any]]]:
    out: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for f in assessment.findings:
        out[f.question_id or f"pillar:{f.pillar_id}"].append(
            {
                "id": f.id,
                "kind": f.kind,
                "text": f.text,
                "source": f"finding:{f.id}",
                "recommendations": [_recommendation(r, asof) for r in f.recommendations],
            }
        )
    return out


def groups(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings grouped as the inspectorate publishes them: causes of concern (with their
    recommendations), areas for improvement, strengths, practice worth sharing."""
    out = []
    for title, kinds in GROUPS:
        shown = [f for f in items if f["kind"] in kinds]
        if shown:
            out.append({"title": title, "kinds": list(kinds), "list": shown})
    return out
