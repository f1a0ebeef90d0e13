"""Reconcile the store with its audit log: replay what the log says each change did, and report
every difference with what the tables hold now.

An intact chain proves that the log was not rewritten; it says nothing about the tables. A
grade, a publication's embargo time, its state, its frozen context or its pre-release access
list changed in the database directly (not through OpenPEEL) leaves the log as it was, and is
found here: the log says one thing and the table another. Rows that no entry made are reported
too. What each logged action sets is declared once, in ``RULES``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess.audit import frozen_hash
from openpeel.assess.models import (
    Assessment,
    AuditEntry,
    Base,
    Correction,
    Evidence,
    Finding,
    Judgement,
    Publication,
    Recommendation,
    Response,
    User,
)

Detail = dict[str, Any]
Fields = dict[str, Any]


@dataclass(frozen=True)
class Keep:
    """A field a change leaves as it was, or sets to ``default`` if nothing set it before (a
    redraft keeps its publication in factual accuracy check)."""

    default: Any


def _workflow(state: str) -> Callable[[Detail], Fields]:
    return lambda _detail: {"state": state}


def _schedule(d: Detail) -> Fields:
    out: Fields = {"state": "embargoed", "embargo_until": d["embargo_until"]}
    # a correction's note is stamped with its release time, a press release with its embargo
    if "context_sha256" in d:
        out["context_sha256"] = d["context_sha256"]
    return out


def _postpone(d: Detail) -> Fields:
    out: Fields = {"embargo_until": d["to"]}
    if "context_sha256" in d:
        out["context_sha256"] = d["context_sha256"]
    return out


def _withdraw(d: Detail) -> Fields:
    out: Fields = {"state": d.get("state", "fact_check"), "embargo_until": None}
    if "context_sha256" in d:  # the press release's embargo line is taken out again
        out["context_sha256"] = d["context_sha256"]
    return out


def _user(d: Detail) -> Fields:
    out: Fields = {}
    if "role" in d:
        out["role"] = d["role"]
    if "force" in d:
        out["force_code"] = d["force"]
    return out


#: (entity, action) -> the fields the change set, from its logged detail
RULES: dict[tuple[str, str], Callable[[Detail], Fields]] = {
    ("assessment", "create"): lambda d: {
        "force_code": d["force_code"],
        "edition_id": d["edition"],
        "published_on": d["published_on"],
        "status": "draft",
    },
    ("assessment", "status"): lambda d: {"status": d["to"]},
    ("finding", "add"): lambda d: {
        "assessment_id": d["assessment"],
        "kind": d["kind"],
        "text": d["text"],
    },
    ("finding", "edit"): lambda d: {"kind": d["after"]["kind"], "text": d["after"]["text"]},
    ("recommendation", "add"): lambda d: {
        "finding_id": d["finding"],
        "text": d["text"],
        "status": "open",
    },
    ("recommendation", "update"): lambda d: {"status": d["to"]},
    ("evidence", "add"): lambda d: {
        "assessment_id": d["assessment"],
        "indicator_id": d.get("indicator"),
        "value": d.get("value"),
    },
    ("judgement", "propose"): lambda d: {
        "assessment_id": d["assessment"],
        "level": d["level"],
        "target_id": d["target"],
        "proposed_grade": d["grade"],
    },
    ("judgement", "confirm"): lambda d: {"confirmed_grade": d["to"], "is_override": False},
    ("judgement", "override"): lambda d: {"confirmed_grade": d["to"], "is_override": True},
    ("response", "expect"): lambda d: {"respondent": d["respondent"], "due_on": d["due_on"]},
    ("response", "receive"): lambda d: {
        "respondent": d["respondent"],
        "received_on": d["received_on"],
        "url": d["url"],
    },
    ("publication", "draft"): lambda d: {
        "slug": d["slug"],
        "context_sha256": d["context_sha256"],
        "state": Keep("draft"),
        "embargo_until": None,
    },
    ("publication", "send for factual accuracy check"): _workflow("fact_check"),
    ("publication", "schedule"): _schedule,
    ("publication", "postpone"): _postpone,
    ("publication", "withdraw"): _withdraw,
    ("correction", "draft"): lambda d: {
        "publication_id": d["publication"],
        "number": d["number"],
        "context_sha256": d["context_sha256"],
        "state": Keep("draft"),
        "embargo_until": None,
    },
    ("correction", "send for factual accuracy check"): _workflow("fact_check"),
    ("correction", "schedule"): _schedule,
    ("correction", "postpone"): _postpone,
    ("correction", "withdraw"): _withdraw,
    ("user", "add"): lambda d: {"name": d["name"], **_user(d)},
    # an account's role changed (``openpeel users role``): {"from": {...}, "to": {role, force}}
    ("user", "change role"): lambda d: _user(d["to"]),
    # ``openpeel users disable`` / ``enable``: {"name", "at"} / {"name"}
    ("user", "disable"): lambda d: {"disabled_at": d["at"]},
    ("user", "enable"): lambda _detail: {"disabled_at": None},
}
#: access lists: (entity, action) -> (detail key, added or removed)
ACCESS: dict[tuple[str, str], tuple[str, bool]] = {
    ("publication", "schedule"): ("access", True),
    ("publication", "grant pre-release access"): ("user", True),
    ("publication", "revoke pre-release access"): ("user", False),
}
#: the table of each entity the log speaks of
MODELS: dict[str, type[Base]] = {
    "assessment": Assessment,
    "finding": Finding,
    "recommendation": Recommendation,
    "evidence": Evidence,
    "judgement": Judgement,
    "response": Response,
    "publication": Publication,
    "correction": Correction,
    "user": User,
}
#: what a field holds until an entry sets it
DEFAULTS: dict[str, Fields] = {
    "judgement": {"proposed_grade": None, "confirmed_grade": None},
    "publication": {"embargo_until": None},
    "correction": {"embargo_until": None},
    "response": {"received_on": None},
    "user": {"disabled_at": None},
}
#: entities whose rows may be made before any entry speaks of them (a judgement is made empty
#: when a grade is first proposed, and logged only once it holds one)
UNLOGGED_OK = ("judgement",)


@dataclass
class Reconciliation:
    facts: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _same(logged: Any, stored: Any) -> bool:
    if isinstance(stored, datetime):
        if logged is None:
            return False
        when = datetime.fromisoformat(str(logged))
        return _utc(when) == _utc(stored)
    if isinstance(stored, date):
        return str(logged) == stored.isoformat()
    if isinstance(stored, float) and isinstance(logged, int | float):
        return abs(stored - float(logged)) <= 1e-9 * max(1.0, abs(stored))
    return bool(logged == stored)


def _utc(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return repr(_utc(value).isoformat())
    return repr(value.isoformat() if isinstance(value, date) else value)


def _label(entity: str, row: Any) -> str:
    name = getattr(row, "slug", None) or getattr(row, "name", None)
    return f"{entity} {row.id}" + (f" ({name})" if isinstance(name, str) else "")


Expected = dict[tuple[str, int], dict[str, tuple[Any, int]]]


def _replay(session: Session) -> tuple[Expected, dict[int, dict[str, int]]]:
    """What the log says: each entity's fields (with the entry that set each), and each
    publication's pre-release access list (with the entry that granted each name)."""
    expected: Expected = {}
    access: dict[int, dict[str, int]] = {}
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if entry.entity not in MODELS or not entry.entity_id.isdigit():
            continue
        key = (entry.entity, int(entry.entity_id))
        detail = json.loads(entry.detail)
        fields = expected.setdefault(key, {})
        rule = RULES.get((entry.entity, entry.action))
        try:
            values = rule(detail) if rule is not None else {}
        except (KeyError, TypeError):
            values = {}
        for name, value in values.items():
            if not isinstance(value, Keep):
                fields[name] = (value, entry.seq)
            elif name not in fields:
                fields[name] = (value.default, entry.seq)
        change = ACCESS.get((entry.entity, entry.action))
        if change is not None:
            names = detail.get(change[0])
            granted = access.setdefault(key[1], {})
            for name in names if isinstance(names, list) else [names]:
                if change[1]:
                    granted[str(name)] = entry.seq
                else:
                    granted.pop(str(name), None)
    return expected, access


def reconcile(session: Session) -> Reconciliation:
    """Replay the audit log and compare what it says with every row it speaks of."""
    expected, access = _replay(session)
    result = Reconciliation()
    for entity, model in MODELS.items():
        rows = {row.id: row for row in session.scalars(select(model))}  # type: ignore[attr-defined]
        for row_id, row in sorted(rows.items()):
            _compare(entity, row, expected.get((entity, row_id)), result)
        for (logged_entity, logged_id), fields in sorted(expected.items()):
            if logged_entity == entity and logged_id not in rows and fields:
                result.differences.append(
                    f"{entity} {logged_id} is in the audit log but no longer in the store"
                )
        if entity in ("publication", "correction"):
            _frozen(rows.values(), entity, result)
    _access(session, access, result)
    return result


def _compare(
    entity: str, row: Any, logged: dict[str, tuple[Any, int]] | None, result: Reconciliation
) -> None:
    label = _label(entity, row)
    if logged is None and entity not in UNLOGGED_OK:
        result.differences.append(f"{label} is in the store but not in the audit log")
        return
    defaults = {name: (value, 0) for name, value in DEFAULTS.get(entity, {}).items()}
    for name, (value, seq) in {**defaults, **(logged or {})}.items():
        result.facts += 1
        stored = getattr(row, name)
        if _same(value, stored):
            continue
        said = f"entry {seq} says {_shown(value)}" if seq else "no entry of the log set it"
        result.differences.append(f"{label}: {name} is {_shown(stored)} but {said}")


def _frozen(rows: Any, entity: str, result: Reconciliation) -> None:
    """A frozen context must still hash to what was recorded when it was frozen."""
    for row in rows:
        result.facts += 1
        if frozen_hash(row.context) != row.context_sha256:
            result.differences.append(
                f"{_label(entity, row)}: its frozen context was changed in the store (it no "
                f"longer hashes to {row.context_sha256[:12]}...)"
            )


def _access(session: Session, logged: dict[int, dict[str, int]], result: Reconciliation) -> None:
    for pub in session.scalars(select(Publication)):
        have = {a.user_name for a in pub.access}
        said = logged.get(pub.id, {})
        result.facts += 1
        for name in sorted(have - set(said)):
            result.differences.append(
                f"publication {pub.id} ({pub.slug}): {name} has pre-release access that no "
                "entry of the audit log granted"
            )
        for name in sorted(set(said) - have):
            result.differences.append(
                f"publication {pub.id} ({pub.slug}): entry {said[name]} granted {name} "
                "pre-release access, which the store no longer holds"
            )
