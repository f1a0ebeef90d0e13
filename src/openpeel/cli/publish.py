"""``openpeel publish``: force reports, summaries, press releases and national overviews, from
draft through factual accuracy check and embargo to publication."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.assess import _actor, _session
from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.output import Format, emit, err, out

app = typer.Typer(
    help="Publish reports: draft -> factual accuracy check -> embargoed -> published.",
    no_args_is_help=True,
)
Slug = Annotated[str, typer.Argument(help="The publication, e.g. hampshire-2016 or national-2016.")]


@app.command("draft")
def publish_draft(
    force: Annotated[str | None, typer.Option(help="Force name or ONS code.")] = None,
    edition: Annotated[str | None, typer.Option(help="PEEL edition of the assessment.")] = None,
    all_forces: Annotated[
        bool,
        typer.Option(
            "--all", help="Every force with a confirmed grade in --edition, instead of --force."
        ),
    ] = False,
    national: Annotated[
        int | None, typer.Option(help="Draft the national overview of this PEEL year instead.")
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(min=1, help="Processes rendering PDFs (default: one per core)."),
    ] = max(1, os.cpu_count() or 1),
    home: Home = DEFAULT_HOME,
) -> None:
    """Build and freeze a force's report, summary and press release (or every force's, or a
    national overview), and write them to HOME/publications/SLUG for staff."""
    from openpeel.clock import now
    from openpeel.publishing import workflow
    from openpeel.warehouse.db import Warehouse

    chosen = [force is not None, all_forces, national is not None]
    if sum(chosen) != 1 or (national is None and edition is None):
        raise typer.BadParameter(
            "give --force F --edition E, --all --edition E, or --national YEAR"
        )
    at = now()
    with Warehouse(home, read_only=True) as wh, _session(home) as session:
        if all_forces:
            assert edition is not None
            drafts = workflow.draft_edition(
                session, wh, edition, _actor(), at, skipped=lambda why: err.print(why)
            )
        elif force is not None and edition is not None:
            drafts = iter([workflow.draft(session, wh, force, edition, _actor(), at)])
        else:
            assert national is not None
            drafts = iter([workflow.draft_national(session, wh, national, _actor(), at)])
        written = workflow.write_many(
            ((pub, workflow.private_folder(home, pub)) for pub in drafts),
            jobs,
            done=lambda w: out.print(
                f"drafted {w.slug}: {len(w.files)} files in {w.files[0].parent}"
            ),
        )
    if all_forces:
        out.print(f"{len(written)} force publications of PEEL {edition} drafted")


@app.command("check")
def publish_check(slug: Slug, home: Home = DEFAULT_HOME) -> None:
    """Send a force's draft for factual accuracy check: the force's users can read it."""
    from openpeel.publishing import workflow

    with _session(home) as session:
        pub = workflow.send_for_check(session, slug, _actor())
    out.print(f"{pub.slug} is in factual accuracy check")


@app.command("schedule")
def publish_schedule(
    slug: Slug,
    at: Annotated[str, typer.Option(help="Release time, UK time: 'YYYY-MM-DD HH:MM'.")],
    access: Annotated[
        list[str] | None, typer.Option(help="A user with pre-release access (repeatable).")
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Embargo until a UK time; it is published at that time with no one acting."""
    from openpeel.clock import now, parse_uk_time, uk
    from openpeel.publishing import workflow

    when = parse_uk_time(at, "--at")
    with _session(home) as session:
        pub = workflow.schedule(session, slug, when, _actor(), now(), access)
    out.print(f"{pub.slug} is embargoed until {uk(when)}")


@app.command("grant")
def publish_grant(
    slug: Slug,
    user: Annotated[str, typer.Argument(help="The user to give pre-release access.")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Add a user to an embargoed publication's pre-release access list."""
    from openpeel.clock import now
    from openpeel.publishing import workflow

    with _session(home) as session:
        workflow.grant(session, slug, user, _actor(), now())
    out.print(f"{user} may read {slug} before its release")


@app.command("status")
def publish_status(home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table) -> None:
    """Every publication, its state now and its embargo time."""
    from sqlalchemy import select

    from openpeel.assess.models import Publication
    from openpeel.clock import now, uk
    from openpeel.publishing import embargo

    at = now()
    with _session(home) as session:
        emit(
            [
                {
                    "publication": p.slug,
                    "kind": p.kind,
                    "state": embargo.state(p, at),
                    "embargo until": uk(p.embargo_until) if p.embargo_until else None,
                    "pre-release access": ", ".join(a.user_name for a in p.access),
                    "context sha256": p.context_sha256[:12],
                }
                for p in session.scalars(select(Publication).order_by(Publication.slug))
            ],
            fmt,
            title=f"Publications at {uk(at)}",
        )


@app.command("show")
def publish_show(
    slug: Slug,
    output: Annotated[str, typer.Option(help="report, summary, press-release or overview.")] = "",
    as_format: Annotated[str, typer.Option("--as", help="html, pdf, md or json.")] = "md",
    user: Annotated[
        str | None, typer.Option(help="Read as this user (default: the public).")
    ] = None,
    to: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """One output as a reader sees it; refused before its time unless the reader may see it.
    Every read before publication is logged."""
    import sys

    from openpeel.clock import now
    from openpeel.publishing import workflow

    with _session(home) as session:
        pub = workflow.find(session, slug)
        name = output or next(iter(workflow.OUTPUTS[pub.kind]))
        who = workflow.viewer(session, user)
        try:
            data = workflow.read(session, slug, name, as_format, who, now())
        except workflow.EmbargoError:
            session.commit()  # the refused read stays in the access log
            raise
    if to is not None:
        to.write_bytes(data)
        out.print(f"wrote {to}")
    elif as_format == "pdf":
        raise typer.BadParameter("a PDF needs --to FILE")
    else:
        sys.stdout.write(data.decode())


@app.command("export")
def publish_export(
    to: Annotated[Path | None, typer.Option(help="Folder (default HOME/public).")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Write everything the public may read now (nothing embargoed) to a folder."""
    from openpeel.clock import now
    from openpeel.publishing import workflow

    folder = to or home / "public"
    with _session(home) as session:
        written = workflow.export_public(session, folder, now())
    out.print(
        f"{len(written)} publications in {folder}: " + ", ".join(w.slug for w in written)
        if written
        else f"nothing is published yet; {folder} is empty"
    )


@app.command("rebuild")
def publish_rebuild(slug: Slug, home: Home = DEFAULT_HOME) -> None:
    """Render a publication again from its frozen context and compare it with the files in
    HOME/publications/SLUG; exit 1 if any file differs."""
    import tempfile

    from openpeel.publishing import workflow

    with _session(home) as session:
        pub = workflow.find(session, slug)
        folder = workflow.private_folder(home, pub)
        with tempfile.TemporaryDirectory() as tmp:
            fresh = workflow.write_outputs(pub, Path(tmp))
            differ = [
                f.name
                for f in fresh.files
                if not (folder / f.name).exists()
                or (folder / f.name).read_bytes() != f.read_bytes()
            ]
    if differ:
        out.print(f"[red]{slug}: differs from the files in {folder}: {', '.join(differ)}[/red]")
        raise typer.Exit(1)
    out.print(f"{slug}: all {len(fresh.files)} files rebuilt byte for byte from the frozen context")


@app.command("access-log")
def publish_access_log(
    slug: Slug, home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table
) -> None:
    """Every read of a publication before it was published, allowed or refused."""
    from sqlalchemy import select

    from openpeel.assess.models import AccessLogEntry
    from openpeel.publishing import workflow

    with _session(home) as session:
        pub = workflow.find(session, slug)
        emit(
            [
                {
                    "at": e.at,
                    "user": e.user_name,
                    "state": e.state,
                    "output": e.output,
                    "allowed": e.allowed,
                }
                for e in session.scalars(
                    select(AccessLogEntry)
                    .where(AccessLogEntry.publication_id == pub.id)
                    .order_by(AccessLogEntry.id)
                )
            ],
            fmt,
            title=f"Reads of {slug} before publication",
        )
