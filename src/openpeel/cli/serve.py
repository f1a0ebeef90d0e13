"""``openpeel serve`` and ``openpeel demo``: the dashboard served, and the demo built from the
bundled sample (``openpeel.demo``) and served."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, DEFAULT_WAIT, Home, Wait
from openpeel.cli.output import Format, err, out
from openpeel.cli.warehouse import status
from openpeel.settings import SETTINGS


def demo(
    home: Home = DEFAULT_HOME,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build only; do not serve the dashboard.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of the dashboard.")] = 8000,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Build everything from the bundled sample of real data: the warehouse, the indicators,
    the backtested forecasts, the Hampshire 2016 worked example, its reports and the national
    overview of 2016, and demo accounts; then serve the dashboard at http://127.0.0.1:8000."""
    from openpeel import demo as pipeline
    from openpeel.cli.ingest_view import run_ingest
    from openpeel.sample import sample_path

    path = sample_path()
    out.print(f"Loading the bundled sample ({path}) into {home}")
    code = run_ingest(home, [path], wait)
    status(home=home, fmt=Format.table)
    built = pipeline.build(home, wait, say=out.print, progress=err.print)
    out.print(
        f"Computed {built.indicators} indicators ({built.rows:,} rows). Try:\n"
        f"  openpeel indicators show victim_does_not_support_share --period 2017/18 "
        f"--home {home}\n"
        f"  openpeel assess show --force Hampshire --edition 2016 --home {home}\n"
        f"  openpeel grades history --force Hampshire --home {home}\n"
        f"  openpeel grades --year 2016 --pillar effectiveness --home {home}\n"
        f"  openpeel screen --force Hampshire --home {home}\n"
        f"  openpeel publish status --home {home}\n"
        f"  openpeel publish show hampshire-2016 --output summary --home {home}"
    )
    if code or no_serve:
        _print_sign_ins(built.logins)
        out.print(f"Serve it with: openpeel serve --home {home}")
        raise typer.Exit(code)
    _serve(home, "127.0.0.1", port)


def _print_sign_ins(logins: list[tuple[str, str, str]]) -> None:
    if logins:
        out.print("Demo sign-ins (docs/web.md lists them):")
    for name, role, password in logins:
        out.print(f"  sign in as {role}: {name} / {password}")


def _demo_sign_ins(home: Path) -> list[tuple[str, str, str]]:
    """Moved to ``openpeel.demo.sign_ins`` (kept while other branches use this name)."""
    from openpeel import demo as pipeline

    return pipeline.sign_ins(home)


def _serve(home: Path, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from openpeel.web.app import create_app, prepare_home, secure_cookies

    out.print(f"\nOpenPEEL dashboard: http://{host}:{port}/  (API: http://{host}:{port}/api/docs)")
    if host in ("127.0.0.1", "localhost", "::1"):  # known passwords: never told elsewhere
        _print_sign_ins(_demo_sign_ins(home))
    out.print("Press Ctrl+C to stop.")
    if workers == 1:
        # forwarded headers are believed from OPENPEEL_TRUSTED_PROXIES only (openpeel.web.security),
        # not from whatever uvicorn trusts by default
        uvicorn.run(
            create_app(home, host=host),
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=False,
        )
        return
    # each worker process makes its own app (openpeel.web.app:app_from_environment) over the
    # home and cookie policy passed in the environment; the store and the keys are made here
    prepare_home(home)
    os.environ["OPENPEEL_HOME"] = str(home.resolve())
    os.environ["OPENPEEL_SECURE_COOKIES"] = "true" if secure_cookies(host) else "false"
    uvicorn.run(
        "openpeel.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
    )


DEFAULT_WORKERS = int(next(s.default for s in SETTINGS if s.name == "web_workers"))


def serve(
    home: Home = DEFAULT_HOME,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            envvar="OPENPEEL_WEB_WORKERS",
            min=1,
            help="Processes that answer (uvicorn workers); in production one per core.",
        ),
    ] = DEFAULT_WORKERS,
) -> None:
    """Serve the web dashboard and its JSON API (documented at /api/docs)."""
    from openpeel.warehouse.db import Warehouse

    Warehouse(home, read_only=True).close()  # a clear error where there is no warehouse
    _serve(home, host, port, workers)
