"""``openpeel publish``: force reports, summaries, press releases and national overviews, from
draft through factual accuracy check and embargo to publication."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, FormatOpt, Home
from openpeel.cli.common import actor as _actor
from openpeel.cli.common import store_session as _session
from openpeel.cli.output import Format, emit, err, out

if TYPE_CHECKING:
    from openpeel.publishing.outputs import Staging, Written
    from openpeel.publishing.versions import Version

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
    retrospective: Annotated[
        bool,
        typer.Option(
            "--retrospective",
            help="A retrospective edition of a force's report (SLUG-retrospective): the "
            "judgement as of its publication date, with the figures published since set beside "
            "it as what the data showed afterwards.",
        ),
    ] = False,
    home: Home = DEFAULT_HOME,
) -> None:
    """Build and freeze a force's report, summary and press release (or every force's, or a
    national overview), and write them to HOME/publications/SLUG for staff. Each knows only
    what was published by its as-of date (the assessment's publication date)."""
    from openpeel.clock import now
    from openpeel.publishing import workflow
    from openpeel.publishing.outputs import Staging
    from openpeel.warehouse.db import Warehouse

    chosen = [force is not None, all_forces, national is not None]
    if sum(chosen) != 1 or (national is None and edition is None):
        raise typer.BadParameter(
            "give --force F --edition E, --all --edition E, or --national YEAR"
        )
    if retrospective and force is None:
        raise typer.BadParameter("--retrospective is for one force: give --force F --edition E")
    at = now()
    staging = Staging()
    try:
        with Warehouse(home, read_only=True) as wh, _session(home) as session:
            if all_forces:
                assert edition is not None  # noqa: S101  (narrows the type: the options checked above)
                drafts = workflow.draft_edition(
                    session, wh, edition, _actor(), at, skipped=lambda why: err.print(why)
                )
            elif force is not None and edition is not None:
                drafts = iter(
                    [
                        workflow.draft(
                            session, wh, force, edition, _actor(), at, retrospective=retrospective
                        )
                    ]
                )
            else:
                assert national is not None  # noqa: S101  (narrows the type: the options checked above)
                drafts = iter([workflow.draft_national(session, wh, national, _actor(), at)])
            written = _render(home, drafts, jobs, staging)
    except BaseException:
        staging.discard()  # nothing was stored: no output of it is left either
        raise
    _swap(staging, written)
    if all_forces:
        out.print(f"{len(written)} force publications of PEEL {edition} drafted")


def _render(home: Path, versions: Iterator[Version], jobs: int, staging: Staging) -> list[Written]:
    """Render into staging folders while the transaction is open (nothing in place yet)."""
    from openpeel.publishing.outputs import private_folder, write_many

    return write_many(
        ((v, staging.folder(private_folder(home, v))) for v in versions),
        jobs,
        done=lambda w: err.print(f"rendered {w.slug}: {len(w.files)} files"),
    )


def _swap(staging: Staging, written: list[Written]) -> None:
    """After the commit: the rendered folders go into place."""
    for folder, w in zip(staging.commit(), written, strict=True):
        out.print(f"drafted {w.slug}: {len(w.files)} files in {folder}")


@app.command("correct")
def publish_correct(
    slug: Slug,
    why: Annotated[str, typer.Option(help="Why it is corrected (shown in the correction note).")],
    jobs: Annotated[int, typer.Option(min=1, help="Processes rendering PDFs.")] = max(
        1, os.cpu_count() or 1
    ),
    home: Home = DEFAULT_HOME,
) -> None:
    """Draft a correction of a published publication from its assessment as it stands now,
    with a note of what changed and why; it goes through check and schedule like a draft."""
    from openpeel.clock import now
    from openpeel.publishing.corrections import correct
    from openpeel.publishing.outputs import Staging
    from openpeel.warehouse.db import Warehouse

    staging = Staging()
    try:
        with Warehouse(home, read_only=True) as wh, _session(home) as session:
            version = correct(session, wh, slug, why, _actor(), now())
            for change in version.changes:
                out.print(f"  {change['what']}: {change['before']} -> {change['after']}")
            written = _render(home, iter([version]), jobs, staging)
    except BaseException:
        staging.discard()
        raise
    _swap(staging, written)
    out.print(f"{slug}: correction {version.number} drafted; next `openpeel publish check {slug}`")


@app.command("check")
def publish_check(slug: Slug, home: Home = DEFAULT_HOME) -> None:
    """Send a force's draft (or a correction's) for factual accuracy check: the force's users
    can read it."""
    from openpeel.clock import now
    from openpeel.publishing import workflow
    from openpeel.publishing.versions import label

    with _session(home) as session:
        version = workflow.send_for_check(session, slug, _actor(), now())
        what = label(version)
    out.print(f"{slug} ({what}) is in factual accuracy check")


@app.command("schedule")
def publish_schedule(
    slug: Slug,
    at: Annotated[
        str | None, typer.Option(help="Release time, UK time: 'YYYY-MM-DD HH:MM'.")
    ] = None,
    release_now: Annotated[
        bool,
        typer.Option(
            "--now",
            help="Release at once: alone, at this moment; with a past --at, confirms that it "
            "is public at once.",
        ),
    ] = False,
    access: Annotated[
        list[str] | None, typer.Option(help="A user with pre-release access (repeatable).")
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Embargo until a UK time; it is published at that time with no one acting. A time that
    has passed is refused unless --now confirms that it is to be public at once."""
    from openpeel.clock import now, parse_uk_time, uk
    from openpeel.publishing import workflow
    from openpeel.publishing.versions import label

    current = now()
    if at is None and not release_now:
        raise typer.BadParameter("give the release time (--at 'YYYY-MM-DD HH:MM'), or --now")
    when = parse_uk_time(at, "--at") if at is not None else current
    if release_now and when > current:
        raise typer.BadParameter(f"--now releases at once, but --at {at} is still to come")
    with _session(home) as session:
        version = workflow.schedule(
            session, slug, when, _actor(), current, access, release_now=release_now
        )
        what = label(version)
    if when <= current:
        out.print(f"{slug} ({what}) is published (release time {uk(when)})")
    else:
        out.print(f"{slug} ({what}) is embargoed until {uk(when)}")


@app.command("postpone")
def publish_postpone(
    slug: Slug,
    to: Annotated[str, typer.Option(help="The new, later release time, UK: 'YYYY-MM-DD HH:MM'.")],
    why: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Move a scheduled release to a later time."""
    from openpeel.clock import now, parse_uk_time, uk
    from openpeel.publishing import release
    from openpeel.publishing.versions import label

    when = parse_uk_time(to, "--to")
    with _session(home) as session:
        version = release.postpone(session, slug, when, _actor(), now(), why)
        what = label(version)
    out.print(f"{slug} ({what}) is now embargoed until {uk(when)}")


@app.command("withdraw")
def publish_withdraw(
    slug: Slug,
    why: Annotated[str, typer.Option(help="Why the release is stopped (kept in the audit log).")],
    home: Home = DEFAULT_HOME,
) -> None:
    """Stop a scheduled release before its time: back to factual accuracy check (a national
    overview: to draft), to be redrafted or scheduled again."""
    from openpeel.clock import now
    from openpeel.publishing import release
    from openpeel.publishing.versions import label

    with _session(home) as session:
        version = release.withdraw(session, slug, _actor(), now(), why)
        what, state, access = label(version), version.state, _access(version)
    out.print(f"{slug} ({what}) is withdrawn: it is {state.replace('_', ' ')} again")
    if access:
        out.print(
            f"  pre-release access is kept for {access}; take it away with "
            f"`openpeel publish revoke {slug} USER`"
        )


def _access(version: Version) -> str:
    from openpeel.publishing.outputs import publication_of

    return ", ".join(a.user_name for a in publication_of(version).access)


@app.command("status")
def publish_status(home: Home = DEFAULT_HOME, fmt: FormatOpt = Format.table) -> None:
    """Every publication, its state now and its embargo time."""
    from sqlalchemy import select

    from openpeel import access
    from openpeel.assess.models import Publication
    from openpeel.clock import now, uk
    from openpeel.publishing.versions import label, open_version, public_version, versions

    at = now()
    with _session(home) as session:
        rows = []
        for p in session.scalars(select(Publication).order_by(Publication.slug)):
            shown = public_version(p, at)
            coming = open_version(p, at) if shown is not None else None
            rows.append(
                {
                    "publication": p.slug,
                    "kind": p.kind,
                    "state": access.state(p, at),
                    "embargo until": uk(p.embargo_until) if p.embargo_until else None,
                    "public version": label(shown) if shown is not None else None,
                    "correction on its way": None
                    if coming is None
                    else f"{label(coming)}: {access.state(coming, at).replace('_', ' ')}"
                    + (f" until {uk(coming.embargo_until)}" if coming.embargo_until else ""),
                    "pre-release access": ", ".join(a.user_name for a in p.access),
                    "context sha256": versions(p)[-1].context_sha256[:12],
                }
            )
        emit(rows, fmt, title=f"Publications at {uk(at)}")


@app.command("show")
def publish_show(
    slug: Slug,
    output: Annotated[str, typer.Option(help="report, summary, press-release or overview.")] = "",
    as_format: Annotated[str, typer.Option("--as", help="html, pdf, md or json.")] = "md",
    user: Annotated[
        str | None, typer.Option(help="Read as this user (default: the public).")
    ] = None,
    to: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    version: Annotated[
        int | None,
        typer.Option(help="0 the original, N correction N (default: the newest one readable)."),
    ] = None,
    rendition: Annotated[
        str | None,
        typer.Option(
            help="press (with the embargo line, for pre-release readers) or public (without "
            "it); default: press while embargoed, public once released."
        ),
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """One output as a reader sees it; refused before its time unless the reader may see it.
    Every read before publication is logged."""
    import sys

    from openpeel.clock import now
    from openpeel.publishing import reading, workflow
    from openpeel.publishing.outputs import OUTPUTS

    with _session(home) as session:
        pub = workflow.find(session, slug)
        name = output or next(iter(OUTPUTS[pub.kind]))
        who = reading.viewer(session, user)
        try:
            data = reading.read(session, slug, name, as_format, who, now(), version, rendition)
        except reading.EmbargoError:
            session.commit()  # a named user's refused read stays in the access log
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
    """Write everything the public may read now (nothing embargoed) to a folder: a new folder
    is written and swapped in whole. An existing folder is replaced only if an earlier export
    wrote it (and holds nothing else); any other folder is refused, and nothing is deleted."""
    from openpeel.clock import now
    from openpeel.publishing.outputs import export_public

    folder = to or home / "public"
    with _session(home) as session:
        written = export_public(session, folder, now())
    out.print(
        f"{len(written)} publications in {folder}: " + ", ".join(w.slug for w in written)
        if written
        else f"nothing is published yet; {folder} holds no publication"
    )


@app.command("rebuild")
def publish_rebuild(
    slug: Slug,
    version: Annotated[
        int | None, typer.Option(help="0 the original, N correction N (default: the newest).")
    ] = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Render a publication (or one of its corrections) again from its frozen context and
    compare it with the files in HOME/publications; exit 1 if any file differs."""
    import tempfile

    from openpeel.publishing import workflow
    from openpeel.publishing.outputs import private_folder, write_outputs
    from openpeel.publishing.versions import versions

    with _session(home) as session:
        pub = workflow.find(session, slug)
        chosen = [v for v in versions(pub) if version is None or v.number == version]
        if not chosen:
            raise typer.BadParameter(f"{slug} has versions 0 to {len(pub.corrections)}")
        folder = private_folder(home, chosen[-1])
        with tempfile.TemporaryDirectory() as tmp:
            fresh = write_outputs(chosen[-1], Path(tmp))
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
    """Every read of a publication by a named user before it was published, allowed or refused
    (the public's refused reads are only counted, by the web server)."""
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
