"""``openpeel fetch`` and ``openpeel refresh``: the publishers' files, straight from them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, DEFAULT_WAIT, FormatOpt, Home, Wait
from openpeel.cli.output import Format, emit, err, out, plain
from openpeel.errors import OpenPeelError
from openpeel.fetch.http import Progress

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        metavar="URL",
        help="Fetch from this mirror instead of the publishers: it keeps their paths "
        "(e.g. http://mirror.local/data/archive/2024-03.zip).",
    ),
]


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A download bar on stderr; nothing when output is not a terminal (cron, CI)."""
    if plain() or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, TimeRemainingColumn, TransferSpeedColumn
    from rich.progress import Progress as Bar

    with Bar(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("fetching", total=None)

        def report(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total or None, description=what)

        yield report


def fetch(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SOURCE...",
            help="Datasets of the fetch catalogue (see --list), e.g. policeuk.",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        list[str] | None,
        typer.Option(help="A month to fetch, YYYY-MM (repeatable; default: the newest)."),
    ] = None,
    force: Annotated[
        list[str] | None,
        typer.Option(help="Only this force's files, by name or code (repeatable; default: all)."),
    ] = None,
    base_url: BaseUrl = None,
    accept_changed: Annotated[
        bool,
        typer.Option(
            "--accept-changed",
            help="Take a file the publisher replaced under the same release (refused otherwise).",
        ),
    ] = False,
    list_: Annotated[
        bool, typer.Option("--list", help="List the datasets of the catalogue and exit.")
    ] = False,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
) -> None:
    """Download the publishers' files into HOME/downloads, checked and resumable.

    data.police.uk archives are downloaded once (each holds 36 months) and only the months
    and forces asked for are taken out. A file already there is asked for again only if the
    publisher changed it (ETag / Last-Modified). A failed download changes nothing stored.
    Load what was fetched with `openpeel ingest`, or do it all with `openpeel refresh`.

    Example: openpeel fetch policeuk --period 2024-03 --force Hampshire
    """
    from openpeel.fetch.cache import Cache, fetch_lock
    from openpeel.fetch.catalogue import catalogue, dataset
    from openpeel.fetch.http import Client
    from openpeel.fetch.run import Request
    from openpeel.fetch.run import fetch as run
    from openpeel.reference import forces

    if list_:
        emit(
            [
                {
                    "dataset": d.id,
                    "title": d.title,
                    "publisher": d.publisher,
                    "licence": d.licence,
                    "format": d.format,
                    "latest release from": d.latest_url or d.page_url,
                    "refresh loads it": d.loads,
                }
                for d in catalogue().values()
            ],
            fmt,
            title="Fetch catalogue",
        )
        return
    if not sources:
        raise OpenPeelError(
            "name at least one dataset to fetch",
            hint=f"one of {', '.join(catalogue())}, e.g. `openpeel fetch policeuk`",
        )
    chosen = [dataset(s) for s in sources]
    slugs = [forces().resolve(f, where="--force").policeuk_slug for f in force or []]
    rows = []
    with fetch_lock(home, "openpeel fetch"), _progress() as progress:
        cache = Cache(home)
        for ds in chosen:
            client = Client(rate_limit=ds.rate_limit, progress=progress)
            request = Request(ds, list(period or []), slugs)
            for f in run(cache, request, client, base_url=base_url, accept_changed=accept_changed):
                rows.append(
                    {
                        "dataset": f.dataset,
                        "release": f.release,
                        "status": f.status,
                        "MB": round(f.bytes / 1e6, 1),
                        "files": len(f.files),
                        "where": str(_common(p for p, _ in f.files)),
                        "note": f.note,
                    }
                )
    emit(rows, fmt, title="Fetched")
    if fmt is Format.table:
        out.print(
            f"Load them with `openpeel ingest PATH --home {home}` (or fetch and load in one go: "
            f"`openpeel refresh --home {home}`)."
        )


def _common(paths: Iterator[Path]) -> Path | str:
    items = list(paths)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    import os

    return Path(os.path.commonpath(items))


def refresh(
    source: Annotated[
        list[str] | None,
        typer.Option(help="Only this dataset of the catalogue (repeatable; default: all loaded)."),
    ] = None,
    base_url: BaseUrl = None,
    home: Home = DEFAULT_HOME,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Fetch what the publishers have that is new, load it, and recompute the indicators,
    forecasts and risk screen it changes; a running `openpeel serve` shows it at its next
    request, with no restart.

    Nothing new: says so and changes nothing. Prints one line; exits 1 when a fetch or a file
    failed (nothing of a failed fetch is stored), so it can run from cron or a systemd timer
    (docs/refresh.md). One refresh runs at a time per home.

    Example: openpeel refresh --source policeuk --base-url http://mirror.local
    """
    from openpeel.fetch.catalogue import dataset
    from openpeel.fetch.refresh import refresh as run

    try:
        chosen = [dataset(s) for s in source] if source else None
        with _progress() as progress:
            done = run(
                home,
                chosen,
                base_url=base_url,
                wait=wait,
                notify=lambda m: err.print(f"refresh: {m}") if not plain() else None,
                progress=progress,
            )
    except OpenPeelError as exc:
        err.print(f"refresh: failed: {exc.message}")
        if exc.hint:
            err.print(f"  hint: {exc.hint}")
        raise typer.Exit(1) from None
    for r in done.refused:
        err.print(f"refused: {r.display}: {r.message}")
    out.print(done.summary())
    raise typer.Exit(1 if done.refused else 0)


__all__ = ["DEFAULT_WAIT", "fetch", "refresh"]
