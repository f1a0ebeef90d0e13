"""An assessment's evidence: an indicator's value frozen, when it is added, with its benchmark
context, its definition and the signals it gives; or a document. Frozen, so that a report reads
the same whatever the warehouse holds later."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.orm import Session

from openpeel.assess.models import (
    Assessment,
    Evidence,
)
from openpeel.assess.records import (
    AssessmentError,
    checked_link,
    edition_of,
    log_change,
    utc_now,
)
from openpeel.indicators.signals import signals
from openpeel.warehouse.db import Warehouse


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def add_indicator_evidence(
    session: Session,
    wh: Warehouse,
    assessment: Assessment,
    indicator_id: str,
    period: str,
    actor: str,
    *,
    question: str | None = None,
    breakdown: str = "all",
    breakdown_value: str | None = None,
    note: str | None = None,
) -> Evidence:
    """Freeze the force's indicator value for a period, with its benchmark context."""
    from openpeel.indicators.api import values
    from openpeel.indicators.catalogue import load_catalogue

    indicator = load_catalogue().indicator(indicator_id)
    if question is not None:
        edition_of(assessment).question(question)
    frame = values(
        wh, indicator_id, period=period, force=assessment.force_code, breakdown=breakdown
    )
    if breakdown_value is not None:
        frame = frame[frame.breakdown_value == breakdown_value]
    rows = [{str(k): _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]
    if len(rows) != 1 or rows[0].get("value") is None:
        raise AssessmentError(
            f"{indicator_id} has no value for force {assessment.force_code} in period {period}"
            + (f" ({breakdown} = {breakdown_value})" if breakdown_value else ""),
            hint=f"`openpeel indicators show {indicator_id} --force {assessment.force_code}` "
            "shows the periods with data",
        )
    row = rows[0]
    said = signals(row, indicator.polarity)
    frozen = {
        **row,
        "title": indicator.title,
        "unit": indicator.unit,
        "polarity": indicator.polarity,
        "numerator_definition": indicator.numerator_words,
        "denominator_definition": indicator.denominator_words,
        "caveats": list(indicator.caveats),
    }
    item = Evidence(
        assessment=assessment,
        question_id=question,
        kind="indicator",
        indicator_id=indicator_id,
        definition_version=row.get("definition_version"),
        force_code=assessment.force_code,
        period_type=row.get("period_type"),
        period=row.get("period"),
        breakdown=breakdown,
        breakdown_value=breakdown_value,
        value=row.get("value"),
        ew_value=row.get("ew_value"),
        peer_value=row.get("peer_value"),
        frozen=frozen,
        signals=[{"text": s.text, "worse": s.worse, "kind": s.kind} for s in said],
        title=indicator.title,
        note=note,
        created_at=utc_now(),
        created_by=actor,
    )
    log_change(
        session,
        actor,
        "add",
        "evidence",
        item,
        {
            "assessment": assessment.id,
            "indicator": indicator_id,
            "period": period,
            "question": question,
            "value": item.value,
        },
    )
    return item


def add_document_evidence(
    session: Session,
    assessment: Assessment,
    title: str,
    actor: str,
    *,
    url: str | None = None,
    question: str | None = None,
    note: str | None = None,
) -> Evidence:
    url = checked_link(url, "document's link")
    if question is not None:
        edition_of(assessment).question(question)
    item = Evidence(
        assessment=assessment,
        question_id=question,
        kind="document",
        title=title,
        url=url,
        note=note,
        created_at=utc_now(),
        created_by=actor,
    )
    log_change(
        session,
        actor,
        "add",
        "evidence",
        item,
        {"assessment": assessment.id, "document": title, "url": url},
    )
    return item
