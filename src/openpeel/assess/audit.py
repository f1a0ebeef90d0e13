"""The append-only audit log: every change to the assessment store, chained by hashes.

Each entry's hash covers the previous entry's hash and the entry's own fields in a canonical
JSON form, so editing an entry breaks its hash and deleting one breaks the chain (numbers are
consecutive and each names its predecessor's hash).

What someone who can write the store cannot do unseen:

* **forge or rewrite entries**: entries are keyed (HMAC-SHA-256) with the home's audit key,
  which is kept outside the store (``audit.key`` in the home, or ``OPENPEEL_AUDIT_KEY``).
  Entries made before the log was keyed keep their plain SHA-256 and verify as before; once
  keyed, every later entry must be keyed and the log must end in a keyed entry, so a log
  rewritten without the key, or cut back to its unkeyed start, is caught;
* **rewrite or cut history before an anchor**: an anchor is an entry's number and hash kept
  elsewhere, such as the head that ``openpeel audit verify`` prints or the head that every
  publication carries in its JSON and its annex. ``verify`` checks that the chain still passes
  through every anchor it is given (``--expect SEQ:HASH``, ``--anchors FILE_OR_FOLDER``);
* **change the data without the log**: ``openpeel.assess.reconcile`` replays the log and
  reports every difference with the tables.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from openpeel.assess.models import AuditEntry, AuditHead
from openpeel.errors import OpenPeelError
from openpeel.private import private_file
from openpeel.settings import setting

GENESIS = "0" * 64
KEYED = "hmac-sha256"
KEY_FILE = "audit.key"
#: where a store's sessions carry the audit key (``Session.info``)
KEY_INFO = "openpeel_audit_key"


class AuditError(OpenPeelError):
    pass


def canonical(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces; dates and other objects as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def frozen_json(value: Any) -> bytes:
    """The JSON form of a frozen context, as its JSON output shows it and its hash covers."""
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def frozen_hash(value: Any) -> str:
    return hashlib.sha256(frozen_json(value)).hexdigest()


# -- the key ---------------------------------------------------------------------------------


def home_key(home: Path) -> bytes:
    """``OPENPEEL_AUDIT_KEY``, else the home's ``audit.key`` (made once, readable by its owner
    only). Every process that writes to one store must use the same key."""
    given = setting("audit_key")
    if given:
        return given.encode("utf-8")
    path = home / KEY_FILE
    if private_file(path, secrets.token_hex(32) + "\n"):
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise AuditError(
            f"{path} is empty",
            hint="restore the home's audit key from a copy; without it the audit log "
            "cannot be verified or extended",
        )
    return text.encode("utf-8")


def _key(session: Session) -> bytes | None:
    key = session.info.get(KEY_INFO)
    return key if isinstance(key, bytes) else None


# -- writing ---------------------------------------------------------------------------------


def entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    """The entry's hash: keyed with ``key`` for a keyed entry, plain SHA-256 for an old one."""
    fields: list[Any] = [
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
    if entry.scheme == KEYED:
        if key is None:
            raise AuditError(f"entry {entry.seq} is keyed: its hash needs the audit key")
        text = canonical([*fields, KEYED]).encode("utf-8")
        return hmac.new(key, text, hashlib.sha256).hexdigest()
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


def _last(session: Session, head: AuditHead | None) -> AuditEntry | None:
    return session.get(AuditEntry, head.seq) if head is not None else None


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
    key = _key(session)
    if key is None:
        last = _last(session, head)
        if last is not None and last.scheme == KEYED:
            raise AuditError(
                "the audit log is keyed, and this store was opened without its key",
                hint="open the store from its home (Store.open(home)), or set "
                "OPENPEEL_AUDIT_KEY to the home's key",
            )
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
        scheme=KEYED if key is not None else None,
    )
    entry.hash = entry_hash(entry, key)
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, seq=entry.seq, hash=entry.hash))
    else:
        head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


def ensure_keyed(session: Session) -> AuditEntry | None:
    """With a key, make sure the log ends in a keyed entry (a log written before it was keyed
    gets one entry saying that its entries are keyed from there on)."""
    if _key(session) is None:
        return None
    head = session.get(AuditHead, 1)
    last = _last(session, head)
    if last is None or last.scheme == KEYED:
        return None
    return record(
        session,
        "openpeel",
        "key the audit log",
        "audit_log",
        last.seq + 1,
        {"unkeyed_entries": last.seq},
        reason="entries from here on are keyed with the home's audit key",
    )


def head(session: Session) -> tuple[int, str]:
    """The number and hash of the last entry ((0, GENESIS) for an empty log)."""
    found = session.get(AuditHead, 1)
    return (found.seq, found.hash) if found is not None else (0, GENESIS)


# -- anchors ---------------------------------------------------------------------------------

_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Anchor:
    """An entry's number and hash kept outside the store; ``seq`` None: the hash of some entry."""

    seq: int | None
    hash: str
    source: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}" if self.seq is not None else self.hash


def parse_anchor(text: str, source: str = "--expect") -> Anchor:
    """``SEQ:HASH`` (as ``openpeel audit verify`` prints the head), or a bare ``HASH``."""
    seq_text, _, hash_text = text.strip().rpartition(":")
    hash_text = hash_text.lower()
    if not _HASH.fullmatch(hash_text) or (seq_text and not seq_text.isdigit()):
        raise AuditError(
            f"{source} {text!r} is not an anchor",
            hint="give SEQ:HASH as `openpeel audit verify` prints the head, e.g. "
            "42:9f86d081884c7d65...(64 hexadecimal digits)",
        )
    return Anchor(int(seq_text) if seq_text else None, hash_text, source)


def anchors_in(path: Path) -> list[Anchor]:
    """The audit heads that publications carry: from one JSON output, or every JSON output in
    a folder (a public export). Refused where there is none, so that nothing passes unchecked."""
    if not path.exists():
        raise AuditError(f"{path} does not exist", hint="give a publication's JSON or a folder")
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    found = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise AuditError(
                f"{file} is not a JSON file: {exc}",
                hint="give a publication's JSON output (report.json, overview.json, ...)",
            ) from None
        audit = data.get("audit") if isinstance(data, dict) else None
        if isinstance(audit, dict) and "seq" in audit and "hash" in audit:
            found.append(parse_anchor(f"{audit['seq']}:{audit['hash']}", str(file)))
    if not found:
        raise AuditError(
            f"no audit head in {path}",
            hint="publications drafted by this version of OpenPEEL carry the audit head in "
            "their JSON outputs (the key 'audit')",
        )
    return found


# -- verifying -------------------------------------------------------------------------------


@dataclass
class Verification:
    entries: int
    head_seq: int
    head_hash: str
    keyed_from: int | None = None
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def head(self) -> str:
        return f"{self.head_seq}:{self.head_hash}"


def verify(
    session: Session, anchors: Iterable[Anchor] = (), key: bytes | None = None
) -> Verification:
    """Check every entry's hash and link, the numbering, the keying, the head, and that the
    chain passes through every anchor. ``key``: the audit key (default: the session's)."""
    key = key if key is not None else _key(session)
    wanted = list(anchors)
    at_seq = {a.seq for a in wanted if a.seq is not None}
    bare = {a.hash for a in wanted if a.seq is None}
    seen_seq: dict[int, str] = {}
    seen_bare: set[str] = set()
    problems: list[str] = []
    previous_hash, expected_seq, count = GENESIS, 1, 0
    keyed_from: int | None = None
    last_scheme: str | None = None
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        what = f"entry {entry.seq} ({entry.action} {entry.entity} {entry.entity_id})"
        if entry.seq != expected_seq:
            problems.append(
                f"entries {expected_seq} to {entry.seq - 1} are missing (deleted from the log)"
            )
        if entry.prev_hash != previous_hash:
            problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry.scheme not in (None, KEYED):
            problems.append(f"{what} has an unknown hash scheme {entry.scheme!r}")
        elif entry.scheme == KEYED:
            if keyed_from is None:
                keyed_from = entry.seq
                if key is None:
                    problems.append(
                        f"entries from {entry.seq} on are keyed and cannot be checked without "
                        "the audit key: run `openpeel audit verify --home HOME` with the "
                        "store's home, or set OPENPEEL_AUDIT_KEY"
                    )
            if key is not None and entry_hash(entry, key) != entry.hash:
                problems.append(
                    f"{what} was edited or forged: its keyed hash does not match its content "
                    "(or the log was keyed with another home's key)"
                )
        else:
            if keyed_from is not None:
                problems.append(
                    f"{what} is not keyed but comes after keyed entries: it was not written "
                    "by OpenPEEL (forged, or the log was rewritten)"
                )
            if entry_hash(entry) != entry.hash:
                problems.append(f"{what} was edited: its hash does not match its content")
        if entry.seq in at_seq:
            seen_seq[entry.seq] = entry.hash
        if entry.hash in bare:
            seen_bare.add(entry.hash)
        previous_hash, expected_seq, last_scheme = entry.hash, entry.seq + 1, entry.scheme
    last_seq = expected_seq - 1
    stored = session.get(AuditHead, 1)
    if stored is None and count:
        problems.append("the log's head record is missing")
    elif stored is not None and (stored.seq != last_seq or stored.hash != previous_hash):
        problems.append(
            f"the log ends at entry {last_seq} but its head records entry {stored.seq}: "
            "entries were removed from the end"
        )
    if key is not None and count and last_scheme != KEYED:
        problems.append(
            f"the log ends at entry {last_seq}, which is not keyed: with a key, OpenPEEL "
            "always leaves a keyed entry last, so keyed entries were removed or the log was "
            "rewritten without the key"
        )
    for a in wanted:
        if a.seq is None:
            if a.hash not in seen_bare:
                problems.append(
                    f"no entry has the hash {a.hash} (from {a.source}): the log was rewritten "
                    "or cut since that hash was kept"
                )
        elif a.seq not in seen_seq:
            problems.append(
                f"the log has no entry {a.seq}, which {a.source} anchors: the log was cut "
                "back since then"
            )
        elif seen_seq[a.seq] != a.hash:
            problems.append(
                f"entry {a.seq} has the hash {seen_seq[a.seq]}, not {a.hash} as {a.source} "
                "anchors: the log was rewritten up to that entry"
            )
    return Verification(count, last_seq, previous_hash, keyed_from, len(wanted), problems)
