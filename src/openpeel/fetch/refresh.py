"""``openpeel refresh``: fetch what is new, load it, recompute what it changes, and swap the
result in whole, so that a running dashboard shows it at its next request.

1. One refresh (or fetch) at a time per home: ``cache.fetch_lock``.
2. Each dataset's newest release is fetched (conditional GET: an unchanged file is not
   downloaded again). For data.police.uk the months asked are the newest one and any after the
   newest month already loaded.
3. The data files whose SHA-256 the load ledger does not hold are new. None: the refresh says
   so and opens no writer: the warehouse file is untouched.
4. Otherwise, on a copy of the warehouse (``openpeel.warehouse.writing``): the existing ingest
   loads them, the fetch ledger records where they came from, the indicators are computed
   again (the risk screen reads them) and so are the forecasts of the series those datasets
   feed; then the copy is swapped in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from openpeel.errors import OpenPeelError
from openpeel.fetch.cache import Cache, fetch_lock
from openpeel.fetch.catalogue import Dataset, catalogue
from openpeel.fetch.http import Client, Progress
from openpeel.fetch.run import ARCHIVE_MONTHS, Fetched, Request, add_months, fetch, latest_month
from openpeel.ingest.batch import FileResult
from openpeel.warehouse.versions import CURRENT

if TYPE_CHECKING:
    from openpeel.warehouse.db import Warehouse

log = logging.getLogger("openpeel.fetch")

Notify = Callable[[str], None]


@dataclass
class Refreshed:
    """What a refresh did, stage by stage."""

    fetched: list[Fetched] = field(default_factory=list)
    new_files: list[Path] = field(default_factory=list)
    results: list[FileResult] = field(default_factory=list)
    indicators: int = 0
    forecast_series: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def refused(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "refused"]

    def summary(self) -> str:
        """One line, for a log or a timer's journal."""
        total = sum(self.seconds.values())
        downloaded = [f for f in self.fetched if f.status == "downloaded"]
        mb = sum(f.bytes for f in downloaded) / 1e6
        got = f"{_n(len(downloaded), 'file')} downloaded ({mb:,.1f} MB)"
        if not self.new_files:
            checked = _n(len(self.fetched), "file")
            return f"refresh: nothing new ({checked} checked with the publishers) in {total:.1f} s"
        loaded = [r for r in self.results if r.status == "loaded"]
        rows = sum(r.rows_loaded for r in loaded)
        releases = ", ".join(sorted({f"{f.dataset} {f.release}" for f in self.fetched}))
        # loaded by a refresh killed before its swap, whose work this one carried on
        carried = sum(1 for r in self.results if r.status == "unchanged")
        earlier = f" ({carried} by an unfinished refresh, carried on)" if carried else ""
        return (
            f"refresh: {releases}: {got}; {_n(len(loaded) + carried, 'file')} loaded{earlier} "
            f"({rows:,} rows new), {len(self.refused)} refused; {self.indicators} indicators and "
            f"{self.forecast_series} forecast series recomputed; in {total:.1f} s"
        )


def _n(count: int, thing: str) -> str:
    return f"{count:,} {thing}{'' if count == 1 else 's'}"


def refresh(
    home: Path,
    datasets: list[Dataset] | None = None,
    *,
    client: Client | None = None,
    base_url: str | None = None,
    wait: float = 0.0,
    notify: Notify | None = None,
    progress: Progress | None = None,
) -> Refreshed:
    """Bring ``home`` up to date with the publishers (every loadable dataset by default)."""
    chosen = datasets or [d for d in catalogue().values() if d.loads]
    for ds in chosen:
        if not ds.loads:
            raise OpenPeelError(
                f"{ds.id} is fetched but not loaded (see openpeel/fetch/catalogue.toml)",
                hint=f"use `openpeel fetch {ds.id}` to download it",
            )
    done = Refreshed()
    with fetch_lock(home, "openpeel refresh"):
        start = time.perf_counter()
        cache = Cache(home)
        for ds in chosen:
            http = client or Client(rate_limit=ds.rate_limit, progress=progress)
            request = _request(home, ds, http, base_url)
            done.fetched += fetch(cache, request, http, base_url=base_url)
        done.seconds["fetch"] = time.perf_counter() - start
        loaded = _loaded_hashes(home)
        files = {path: sha for f in done.fetched for path, sha in f.files if sha not in loaded}
        done.new_files = sorted(files)
        if not files:
            return done
        _load(home, done, chosen, cache, wait, notify)
    return done


def _request(home: Path, ds: Dataset, client: Client, base_url: str | None) -> Request:
    """data.police.uk: the newest month, and every month after the newest one loaded."""
    if ds.period_rule != "archive_36_months":
        return Request(ds)
    latest = latest_month(ds, client, base_url)
    newest = _newest_loaded_month(home, ds)
    first = max(add_months(newest, 1) if newest else latest, add_months(latest, 1 - ARCHIVE_MONTHS))
    months = [latest]
    while first < latest:
        months.append(first)
        first = add_months(first, 1)
    return Request(ds, sorted(set(months)), latest=latest)


def _newest_loaded_month(home: Path, ds: Dataset) -> str | None:
    if not (home / CURRENT).exists():
        return None
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        value = wh.scalar(
            "SELECT max(p) FROM (SELECT unnest(periods) AS p FROM meta_load_ledger "
            "WHERE status = 'loaded' AND kind IN (SELECT unnest(?::VARCHAR[])))",
            [list(ds.kinds)],
        )
    return str(value)[:7] if value else None


def _loaded_hashes(home: Path) -> set[str]:
    """Files loaded, or refused for their content (a refused file is not new next time), and
    the files an earlier refresh handed to the load (a workbook is loaded as its sheets, whose
    checksums are not the workbook's)."""
    if not (home / CURRENT).exists():
        return set()
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        # a warehouse last written by a version before fetching has no fetch ledger yet
        fetched = wh.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND table_name = 'meta_fetch_ledger'"
        )
        return {
            str(sha)
            for (sha,) in wh.rows(
                "SELECT sha256 FROM meta_load_ledger WHERE status = 'loaded' UNION "
                "SELECT sha256 FROM meta_refused_file WHERE sha256 IS NOT NULL"
                + (" UNION SELECT sha256 FROM meta_fetch_ledger" if fetched else "")
            )
        }


def _load(
    home: Path,
    done: Refreshed,
    chosen: list[Dataset],
    cache: Cache,
    wait: float,
    notify: Notify | None,
) -> None:
    from openpeel.forecast.run import run as run_forecasts
    from openpeel.forecast.run import store as store_forecasts
    from openpeel.forecast.series import ForecastError
    from openpeel.indicators.run import compute, store
    from openpeel.ingest.run import ingest
    from openpeel.warehouse.writing import writing

    tell = notify or (lambda _message: None)
    t = time.perf_counter()
    with writing(home, "openpeel refresh", wait=wait, notify=tell) as wh:
        done.seconds["copy"] = time.perf_counter() - t
        t = time.perf_counter()
        done.results = ingest(wh, done.new_files)
        _record(wh, done, cache)
        done.seconds["load"] = time.perf_counter() - t
        t = time.perf_counter()
        tell("computing the indicators")
        results = compute(wh)
        store(wh, results)
        done.indicators = len(results)
        done.seconds["indicators"] = time.perf_counter() - t
        t = time.perf_counter()
        fed = sorted({f for ds in chosen for f in ds.forecasts if _changed(done, ds)})
        if fed:
            tell(f"forecasting {', '.join(fed)}")
            try:
                outcome = run_forecasts(wh, sources=fed)
            except ForecastError as exc:  # too little data yet: said, not a failure
                log.info("no forecasts: %s", exc.message)
            else:
                store_forecasts(wh, outcome)
                done.forecast_series = sum(1 for s in outcome.series if s.skipped is None)
        done.seconds["forecasts"] = time.perf_counter() - t
        t = time.perf_counter()
    done.seconds["swap"] = time.perf_counter() - t


def _changed(done: Refreshed, ds: Dataset) -> bool:
    new = set(done.new_files)
    return any(path in new for f in done.fetched if f.dataset == ds.id for path, _ in f.files)


def _record(wh: Warehouse, done: Refreshed, cache: Cache) -> None:
    """Where each new file came from, in meta_fetch_ledger (a row already there, from a refresh
    killed before its swap whose work this one carries on, is not written twice)."""
    now = datetime.now(UTC)
    new = set(done.new_files)
    there = {(str(p), str(h)) for p, h in wh.rows("SELECT path, sha256 FROM meta_fetch_ledger")}
    rows = []
    for f in done.fetched:
        entry = cache.entries[f.url]
        for path, sha in f.files:
            if path in new and (str(path), sha) not in there:
                rows.append(
                    {
                        "dataset": f.dataset,
                        "url": f.url,
                        "release": f.release,
                        "download_sha256": entry.sha256,
                        "download_bytes": entry.bytes,
                        "etag": entry.etag,
                        "last_modified": entry.last_modified,
                        "path": str(path),
                        "sha256": sha,
                        "fetched_at": datetime.fromisoformat(entry.fetched_at),
                        "refreshed_at": now,
                    }
                )
    with wh.transaction():
        wh.insert_rows("meta_fetch_ledger", rows)
