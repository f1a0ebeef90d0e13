"""Loading an assessment in bulk from a YAML file (or findings from a CSV file).

YAML: one assessment with its findings, evidence, grades to confirm and responses::

    force: Hampshire
    edition: "2016"
    published_on: 2017-03-02
    findings:
      - question: effectiveness/protecting-vulnerable-people
        kind: cause_of_concern
        text: ...
        source: https://...
        recommendations:
          - text: ...
    evidence:
      - indicator: arrests_per_1000
        period: 2016/17
        question: effectiveness/protecting-vulnerable-people
      - document: Inspector's summary
        url: https://...
    grades:
      - question: effectiveness/preventing-crime      # or pillar: effectiveness
        grade: good                                    # omitted: confirm the proposal
        rationale: ...
    responses:
      - respondent: police and crime commissioner
        received_on: 2017-04-20

CSV (findings only): columns ``force, edition, question, pillar, kind, text, recommendation,
due_on, source``; one finding per line.

The whole file goes in one transaction: an error anywhere stores nothing, and names the file,
the line and the field.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from openpeel.assess import service
from openpeel.assess.models import Assessment
from openpeel.errors import OpenPeelError
from openpeel.framework.model import load_framework
from openpeel.warehouse.db import Warehouse


class BulkError(OpenPeelError):
    pass


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping as ``__line__``."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


@dataclass
class Loaded:
    assessment: Assessment
    findings: int
    evidence: int
    grades: int
    responses: int


def _date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BulkError(
            f"{where}: {value!r} is not a date", hint="write dates as YYYY-MM-DD"
        ) from None


def _allowed(item: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = {str(k) for k in item} - keys - {"__line__"}
    if unknown:
        raise BulkError(
            f"{where}: unknown field {', '.join(sorted(unknown))}",
            hint=f"fields here: {', '.join(sorted(keys))}",
        )


def _items(doc: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    items = doc.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BulkError(f"{path}, line {doc['__line__']}, field {key}: expected a list of mappings")
    return items


def load_yaml(
    session: Session, wh: Warehouse | None, path: Path, actor: str, *, only_new: bool = False
) -> Loaded:
    """Create (or extend) the assessment a YAML file describes. With ``only_new`` an assessment
    that already exists is left as it is (nothing loaded, all counts 0)."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506  (a SafeLoader)
    except yaml.YAMLError as exc:
        raise BulkError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise BulkError(f"{path}: expected a mapping with force, edition and findings")
    _allowed(
        doc,
        {
            "force",
            "edition",
            "published_on",
            "source",
            "findings",
            "evidence",
            "grades",
            "responses",
        },
        f"{path}",
    )
    for field in ("force", "edition"):
        if not doc.get(field):
            raise BulkError(f"{path}, line {doc['__line__']}: missing field {field}")
    at = f"{path}, line {doc['__line__']}"
    try:
        published_on = _date(doc.get("published_on"), f"{at}, field published_on")
        found = service.find_assessment(
            session,
            _force_code(str(doc["force"])),
            load_framework().edition(str(doc["edition"])).id,
        )
        assessment = found or service.create_assessment(
            session, str(doc["force"]), str(doc["edition"]), actor, published_on=published_on
        )
    except OpenPeelError as exc:
        raise BulkError(f"{at}: {exc.message}", hint=exc.hint) from exc
    if found is not None and only_new:
        return Loaded(found, 0, 0, 0, 0)
    counts = {"findings": 0, "evidence": 0, "grades": 0, "responses": 0}
    for item in _items(doc, "findings", path):
        where = f"{path}, line {item['__line__']}"
        _allowed(item, {"question", "pillar", "kind", "text", "source", "recommendations"}, where)
        recs = []
        for rec in item.get("recommendations") or []:
            rwhere = f"{path}, line {rec['__line__']}"
            _allowed(rec, {"text", "due_on", "updates"}, rwhere)
            recs.append({"text": rec.get("text", ""), "due_on": _date(rec.get("due_on"), rwhere)})
        finding = _apply(
            where,
            lambda item=item, recs=recs: service.add_finding(
                session,
                assessment,
                str(item.get("kind", "")),
                str(item.get("text", "")),
                actor,
                question=item.get("question"),
                pillar=item.get("pillar"),
                recommendations=recs,
                source=item.get("source", doc.get("source")),
            ),
        )
        counts["findings"] += 1
        for rec, made in zip(
            item.get("recommendations") or [], finding.recommendations, strict=True
        ):
            for update in rec.get("updates") or []:
                uwhere = f"{path}, line {update['__line__']}"
                _allowed(update, {"date", "status", "text", "evidence"}, uwhere)
                _apply(
                    uwhere,
                    lambda update=update, made=made, uwhere=uwhere: service.update_recommendation(
                        session,
                        made.id,
                        str(update.get("status", "")),
                        str(update.get("text", "")),
                        actor,
                        on=_date(update.get("date"), f"{uwhere}, field date"),
                        evidence=update.get("evidence"),
                    ),
                )
    for item in _items(doc, "evidence", path):
        where = f"{path}, line {item['__line__']}"
        _allowed(
            item,
            {
                "indicator",
                "period",
                "question",
                "breakdown",
                "breakdown_value",
                "document",
                "url",
                "note",
            },
            where,
        )
        if "indicator" in item:
            if wh is None:
                raise BulkError(f"{where}: indicator evidence needs the warehouse")
            _apply(
                where,
                lambda item=item: service.add_indicator_evidence(
                    session,
                    wh,
                    assessment,
                    str(item["indicator"]),
                    str(item.get("period", "")),
                    actor,
                    question=item.get("question"),
                    breakdown=str(item.get("breakdown", "all")),
                    breakdown_value=item.get("breakdown_value"),
                    note=item.get("note"),
                ),
            )
        elif "document" in item:
            _apply(
                where,
                lambda item=item: service.add_document_evidence(
                    session,
                    assessment,
                    str(item["document"]),
                    actor,
                    url=item.get("url"),
                    question=item.get("question"),
                    note=item.get("note"),
                ),
            )
        else:
            raise BulkError(f"{where}: evidence needs an indicator or a document field")
        counts["evidence"] += 1
    grades = _items(doc, "grades", path)
    questions_then_pillars = (
        [g for g in grades if "question" in g],
        [g for g in grades if "question" not in g],
    )
    for batch in questions_then_pillars:
        if batch:
            # proposals first; a pillar's proposal follows its confirmed question grades
            service.propose(session, assessment, actor)
        for item in batch:
            where = f"{path}, line {item['__line__']}"
            _allowed(item, {"question", "pillar", "grade", "rationale"}, where)
            level = "question" if "question" in item else "pillar"
            _apply(
                where,
                lambda item=item, level=level: service.confirm(
                    session,
                    assessment,
                    level,
                    str(item.get(level)),
                    actor,
                    grade=item.get("grade"),
                    rationale=item.get("rationale"),
                ),
            )
            counts["grades"] += 1
    for item in _items(doc, "responses", path):
        where = f"{path}, line {item['__line__']}"
        _allowed(item, {"respondent", "received_on", "text", "url"}, where)
        _apply(
            where,
            lambda item=item, where=where: service.record_response(
                session,
                assessment,
                str(item.get("respondent", "")),
                actor,
                received_on=_date(item.get("received_on"), f"{where}, field received_on")
                or date.today(),
                text=item.get("text"),
                url=item.get("url"),
            ),
        )
        counts["responses"] += 1
    return Loaded(assessment, **counts)


def _force_code(force: str) -> str:
    from openpeel.reference import forces

    return forces().resolve(force).code


def _apply(where: str, action: Any) -> Any:
    try:
        return action()
    except BulkError:
        raise
    except OpenPeelError as exc:
        raise BulkError(f"{where}: {exc.message}", hint=exc.hint) from exc


CSV_COLUMNS = (
    "force",
    "edition",
    "question",
    "pillar",
    "kind",
    "text",
    "recommendation",
    "due_on",
    "source",
)


def load_findings_csv(session: Session, path: Path, actor: str) -> int:
    """Add one finding per CSV line to existing assessments."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"force", "edition", "kind", "text"} - set(reader.fieldnames or [])
        if missing:
            raise BulkError(
                f"{path}, line 1: missing column {', '.join(sorted(missing))}",
                hint=f"columns: {', '.join(CSV_COLUMNS)}",
            )
        count = 0
        for row in reader:
            where = f"{path}, line {reader.line_num}"

            def add(row: dict[str, str] = row, where: str = where) -> None:
                assessment = service.get_assessment(session, row["force"], row["edition"])
                recs = (
                    [
                        {
                            "text": row["recommendation"],
                            "due_on": _date(row.get("due_on") or None, f"{where}, field due_on"),
                        }
                    ]
                    if row.get("recommendation")
                    else []
                )
                service.add_finding(
                    session,
                    assessment,
                    row["kind"],
                    row["text"],
                    actor,
                    question=row.get("question") or None,
                    pillar=row.get("pillar") or None,
                    recommendations=recs,
                    source=row.get("source") or None,
                )

            _apply(where, add)
            count += 1
    return count
