"""``openpeel audit``: the append-only audit log of the assessment store, verified against its
keys, any anchors kept outside the store, and the tables it speaks of."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.common import store_session as _session
from openpeel.cli.output import Format, emit, out

audit_app = typer.Typer(
    help="The append-only audit log of the assessment store.", no_args_is_help=True
)


@audit_app.command("verify")
def audit_verify(
    expect: Annotated[
        list[str] | None,
        typer.Option(
            help="An anchor kept from an earlier run, SEQ:HASH as printed (repeatable); the log "
            "must still pass through it. A bare HASH is looked for anywhere in the log."
        ),
    ] = None,
    anchors: Annotated[
        list[Path] | None,
        typer.Option(
            help="A publication's JSON output, or a folder of them such as a public export "
            "(repeatable): each carries the audit head when it was built."
        ),
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Check the audit log's hash chain and keys, that it passes through every anchor, and that
    the store's grades, findings and publications are what the log says; exit 1 on any
    difference."""
    from openpeel.assess.audit import anchors_in, parse_anchor, verify
    from openpeel.assess.reconcile import reconcile

    wanted = [parse_anchor(text) for text in expect or []]
    wanted += [a for path in anchors or [] for a in anchors_in(path)]
    with _session(home) as session:
        result = verify(session, wanted)
        state = reconcile(session)
    problems = result.problems + state.differences
    if not problems:
        out.print(
            f"audit log intact: {result.entries} entries; head {result.head}"
            + (f"; keyed from entry {result.keyed_from}" if result.keyed_from else "; not keyed")
            + (f"; passes through all {result.anchors} anchors" if result.anchors else "")
            + f"; the store agrees with it ({state.facts} facts checked)"
        )
        return
    for problem in problems:
        out.print(f"[red]{problem}[/red]")
    out.print(f"{len(problems)} problems; head {result.head}")
    raise typer.Exit(1)


@audit_app.command("log")
def audit_log(
    limit: Annotated[int, typer.Option(help="How many of the latest entries.")] = 50,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """The latest entries of the audit log."""
    from sqlalchemy import select

    from openpeel.assess.models import AuditEntry

    with _session(home) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit))
        emit(
            [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "entity": e.entity,
                    "id": e.entity_id,
                    "reason": e.reason,
                    "detail": e.detail,
                }
                for e in entries
            ],
            fmt,
            title="Audit log",
        )
