"""The append-only audit log: every change to the assessment store, chained by hashes.

Each entry's hash is the SHA-256 of the previous entry's hash and the entry's own fields in a
canonical JSON form, so that editing any entry breaks its hash, deleting one breaks the chain
(numbers are consecutive and each names its predecessor's hash), and removing entries from
the end is caught by ``audit_head``, which holds the last number and hash. Someone who can
rewrite the whole database can rewrite the chain too: keep the head hash that ``openpeel audit
verify`` prints somewhere else and pass it back with ``--expect`` to rule that out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces; dates and other objects as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(entry: AuditEntry) -> str:
    fields = [
        entry.prev_hash,
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.entity,
        entry.entity_id,
        entry.detail,
        entry.reason,
    ]
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    detail: dict[str, Any],
    reason: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction: it commits with the change or not at all."""
    session.flush()
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    entry = AuditEntry(
        seq=head.seq + 1 if head else 1,
        at=datetime.now(UTC).isoformat(timespec="microseconds"),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=canonical(detail),
        reason=reason,
        prev_hash=head.hash if head else GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, seq=entry.seq, hash=entry.hash))
    else:
        head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


@dataclass
class Verification:
    entries: int
    head_hash: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, expect: str | None = None) -> Verification:
    """Check every entry's hash and link, the numbering, and the head."""
    problems: list[str] = []
    previous_hash, expected_seq, count = GENESIS, 1, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        if entry.seq != expected_seq:
            problems.append(
                f"entries {expected_seq} to {entry.seq - 1} are missing (deleted from the log)"
            )
        if entry.prev_hash != previous_hash:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            problems.append(
                f"entry {entry.seq} ({entry.action} {entry.entity} {entry.entity_id}) was edited: "
                "its hash does not match its content"
            )
        previous_hash, expected_seq = entry.hash, entry.seq + 1
    head = session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head is None and count:
        problems.append("the log's head record is missing")
    elif head is not None and (head.seq != last_seq or head.hash != previous_hash):
        problems.append(
            f"the log ends at entry {last_seq} but its head records entry {head.seq}: "
            "entries were removed from the end"
        )
    if expect is not None and expect != previous_hash:
        problems.append(f"the last hash is {previous_hash}, not the expected {expect}")
    return Verification(count, previous_hash, problems)
