"""Refresh benchmark: one national month from the publisher's archive to the dashboard showing
it, beside a full rebuild of the same home in the same run; and ingest itself beside a plain
DuckDB table load of the same files.

The month is SYNTHETIC (fixed seed, labelled so): 43 forces, publisher-shaped street, outcomes
and stop and search files for 2019-03 (rows resampled from the bundled sample's real files,
with each force's name, the month and fresh crime IDs put in), zipped in the data.police.uk
archive layout and served with `crime-last-updated` from a loopback HTTP server. The home it
refreshes is the bundled sample with its indicators and forecasts (built first, not timed),
served by `openpeel serve` while the refresh runs; "shown" is when the dashboard's JSON first
lists the new month.

    .venv/bin/python benchmarks/refresh.py [--street-rows 500000] [--repeat 3] [--write]
    .venv/bin/python benchmarks/refresh.py --ingest-only [--repeat 5] [--write]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, show_result
from openpeel.sources.policeuk import OUTCOMES_HEADER, STOP_SEARCH_HEADER, STREET_HEADER

MONTH = "2019-03"  # the month after the sample's newest
SEED = 20261205
KINDS = {
    "street": STREET_HEADER,
    "outcomes": OUTCOMES_HEADER,
    "stop-and-search": STOP_SEARCH_HEADER,
}
SHOWN = "/api/indicators/policeuk_crimes_per_1000"


# -- the synthetic month ------------------------------------------------------------------------


def make_month(folder: Path, street_rows: int, seed: int = SEED) -> list[Path]:
    """SYNTHETIC files of MONTH for the 43 forces; deterministic for a seed and size."""
    import duckdb

    from openpeel.reference import forces
    from openpeel.sample import sample_path

    label = f"SYNTHETIC data.police.uk month {MONTH}: seed {seed}, {street_rows} street rows\n"
    marker = folder / "SYNTHETIC.txt"
    month_dir = folder / MONTH
    if marker.exists() and marker.read_text() == label:
        return sorted(month_dir.glob("*.csv"))
    shutil.rmtree(folder, ignore_errors=True)
    month_dir.mkdir(parents=True)
    rows = {
        "street": street_rows,
        "outcomes": street_rows * 4 // 5,
        "stop-and-search": street_rows // 12,
    }
    con = duckdb.connect()
    con.execute("SET threads = 1")
    sample = sample_path() / "police_uk"
    for kind, header in KINDS.items():
        files = sorted(str(p) for p in sample.rglob(f"*-{kind}.csv.gz"))
        cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
        con.execute(
            f"CREATE OR REPLACE TABLE src AS SELECT row_number() OVER () - 1 AS k, * FROM "
            f"read_csv(?::VARCHAR[], header = true, auto_detect = false, columns = {cols})",
            [files],
        )
        n = con.execute("SELECT count(*) FROM src").fetchall()[0][0]
        territorial = forces().territorial()
        per_force = rows[kind] // len(territorial)
        for f in territorial:
            name = f.name.replace("'", "''")
            swap = {
                "Crime ID": f'CASE WHEN "Crime ID" = \'\' OR "Crime ID" IS NULL THEN NULL '
                f"ELSE sha256('{seed}-{kind}-{f.code}-' || i) END",
                "Month": f"'{MONTH}'",
                "Reported by": f"'{name}'",
                "Falls within": f"'{name}'",
                "Date": f"'{MONTH}' || substr(\"Date\", 8)",
            }
            select = ", ".join(f'{swap[c]} AS "{c}"' if c in swap else f'"{c}"' for c in header)
            path = month_dir / f"{MONTH}-{f.policeuk_slug}-{kind}.csv"
            con.execute(
                f"COPY (SELECT {select} FROM range({per_force}) t(i) JOIN src "
                f"ON src.k = hash('{seed}-{f.code}-' || i) % {n} ORDER BY i) "
                f"TO '{path}' (HEADER, DELIMITER ',')"
            )
    marker.write_text(label)
    return sorted(month_dir.glob("*.csv"))


def make_archive(files: list[Path], mirror: Path) -> Path:
    """The publisher's layout: /api/crime-last-updated and /data/archive/MONTH.zip."""
    (mirror / "api").mkdir(parents=True, exist_ok=True)
    (mirror / "api" / "crime-last-updated").write_text(json.dumps({"date": f"{MONTH}-01"}))
    archive = mirror / "data" / "archive" / f"{MONTH}.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    if not archive.exists():
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f"{MONTH}/{f.name}")
    return archive


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_mirror(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# -- homes --------------------------------------------------------------------------------------


def build_base(home: Path) -> None:
    """The bundled sample with indicators and forecasts (what `openpeel demo` builds)."""
    from openpeel.forecast.run import run as forecast
    from openpeel.forecast.run import store as store_forecasts
    from openpeel.indicators.run import compute, store
    from openpeel.ingest.run import ingest
    from openpeel.sample import sample_path
    from openpeel.warehouse.db import Warehouse

    if (home / "warehouse.duckdb").exists():
        return
    with Warehouse(home) as wh:
        ingest(wh, [sample_path()])
        store(wh, compute(wh))
        store_forecasts(wh, forecast(wh))


def full_rebuild(home: Path, month_files: list[Path]) -> dict[str, float]:
    """The same home built from nothing: the sample and the month, indicators, forecasts."""
    from openpeel.forecast.run import run as forecast
    from openpeel.forecast.run import store as store_forecasts
    from openpeel.indicators.run import compute, store
    from openpeel.ingest.run import ingest
    from openpeel.sample import sample_path
    from openpeel.warehouse.db import Warehouse

    seconds: dict[str, float] = {}
    with Warehouse(home) as wh:
        t = time.perf_counter()
        ingest(wh, [sample_path(), *month_files])
        seconds["load"] = time.perf_counter() - t
        t = time.perf_counter()
        store(wh, compute(wh))
        seconds["indicators"] = time.perf_counter() - t
        t = time.perf_counter()
        store_forecasts(wh, forecast(wh))
        seconds["forecasts"] = time.perf_counter() - t
    return seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def refresh_while_serving(base: Path, home: Path, mirror_url: str) -> dict[str, float]:
    """Refresh a copy of the base home while it is served; stage times and time to shown."""
    from openpeel.fetch.catalogue import dataset
    from openpeel.fetch.refresh import refresh

    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, home)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "openpeel", "serve", "--home", str(home), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "CI": "true"},
    )
    address = f"http://127.0.0.1:{port}"
    statuses: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(address + SHOWN)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the dashboard did not answer")
            time.sleep(0.2)
        start = time.perf_counter()
        done = refresh(home, [dataset("policeuk")], base_url=mirror_url)
        refreshed = time.perf_counter() - start
        while True:
            status, body = get(address + SHOWN)
            statuses.append(status)
            if status == 200 and MONTH in json.loads(body)["periods"]:
                break
            if time.perf_counter() - start > refreshed + 60:
                raise SystemExit("the dashboard did not show the new month")
        shown = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    if done.refused or len(done.results) != 129:
        raise SystemExit(f"the refresh did not load the month whole: {done.summary()}")
    return {
        **done.seconds,
        "refresh": refreshed,
        "shown": shown,
        "rows": float(sum(r.rows_loaded for r in done.results)),
        "non_200": float(sum(1 for s in statuses if s != 200)),
    }


# -- ingest beside a plain table load -----------------------------------------------------------


def plain_load(files: list[Path], scratch: Path) -> dict[str, float]:
    """DuckDB read_csv into one table per kind in a new file: no checks, no bookkeeping.
    Seconds (``total``) and the process's CPU seconds, every thread's (``cpu``)."""
    import duckdb

    db = scratch / "plain.duckdb"
    db.unlink(missing_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    con.execute("SET preserve_insertion_order = false")
    for kind, header in KINDS.items():
        chosen = [str(f) for f in files if f.name.endswith(f"-{kind}.csv")]
        cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
        con.execute(
            f'CREATE TABLE "{kind}" AS SELECT * FROM read_csv(?::VARCHAR[], header = true, '
            f"auto_detect = false, columns = {cols})",
            [chosen],
        )
    con.execute("CHECKPOINT")
    con.close()
    return {"total": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def openpeel_ingest(files: list[Path], scratch: Path) -> dict[str, float]:
    """Seconds in all (``total``), CPU seconds (``cpu``) and seconds per stage: opening the
    warehouse, each stage of ``ingest`` (``openpeel.ingest.batch.Stages``), the checkpoint and
    close."""
    from openpeel.ingest.batch import Stages
    from openpeel.ingest.run import ingest
    from openpeel.warehouse.db import Warehouse

    home = scratch / "ingest-home"
    shutil.rmtree(home, ignore_errors=True)
    Warehouse(home).close()  # the empty warehouse, schema and code tables: not timed
    stages = Stages()
    start, cpu = time.perf_counter(), time.process_time()
    with stages.timing("open"):
        wh = Warehouse(home)
    try:
        results = ingest(wh, files, stages=stages)
        with stages.timing("checkpoint"):
            wh.execute("CHECKPOINT")
    finally:
        with stages.timing("checkpoint"):
            wh.close()
    seconds = {"total": time.perf_counter() - start, "cpu": time.process_time() - cpu}
    seconds.update(stages.seconds)
    if any(r.status != "loaded" for r in results):
        raise SystemExit("ingest did not load every file")
    return seconds


def compare_loads(files: list[Path], work: Path) -> tuple[dict[str, float], dict[str, float]]:
    """A plain load and an ingest of the same files, one after the other, in new files."""
    with tempfile.TemporaryDirectory(dir=work) as scratch:
        plain = plain_load(files, Path(scratch))
        return plain, openpeel_ingest(files, Path(scratch))


# -- report -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--street-rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (median)")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument(
        "--ingest-only",
        action="store_true",
        help="only ingest beside a plain DuckDB load, with ingest's time split by stage",
    )
    args = parser.parse_args()
    work = WORK / "refresh"
    work.mkdir(parents=True, exist_ok=True)
    print(f"generating the SYNTHETIC month ({args.street_rows:,} street rows) ...", flush=True)
    files = make_month(work / "synthetic-month", args.street_rows)
    if args.ingest_only:
        runs = []
        for turn in range(args.repeat):
            print(f"run {turn + 1}: a plain DuckDB load and ingest ...", flush=True)
            runs.append(compare_loads(files, work))
        show_result(ingest_report(files, runs), args.write)
        return
    archive = make_archive(files, work / "mirror")
    mirror, mirror_url = serve_mirror(work / "mirror")
    print("building the base home (the sample, indicators, forecasts) ...", flush=True)
    base = work / "base-home"
    build_base(base)
    refreshes, rebuilds, ingests, plains = [], [], [], []
    try:
        for turn in range(args.repeat):
            print(f"run {turn + 1}: refresh while serving ...", flush=True)
            refreshes.append(refresh_while_serving(base, work / "home", mirror_url))
            print(f"run {turn + 1}: full rebuild ...", flush=True)
            with tempfile.TemporaryDirectory(dir=work) as scratch:
                rebuilds.append(full_rebuild(Path(scratch) / "home", files))
            print(f"run {turn + 1}: ingest and a plain DuckDB load ...", flush=True)
            plain, ingested = compare_loads(files, work)
            plains.append(plain["total"])
            ingests.append(ingested["total"])
    finally:
        mirror.shutdown()
    show_result(report(args, files, archive, refreshes, rebuilds, ingests, plains), args.write)


def report(
    args: argparse.Namespace,  # noqa: ARG001  (every benchmark's report takes its arguments)
    files: list[Path],
    archive: Path,
    refreshes: list[dict[str, float]],
    rebuilds: list[dict[str, float]],
    ingests: list[float],
    plains: list[float],
) -> str:
    med = statistics.median
    r = sorted(refreshes, key=lambda x: x["shown"])[len(refreshes) // 2]
    b = sorted(rebuilds, key=lambda x: sum(x.values()))[len(rebuilds) // 2]
    size = sum(f.stat().st_size for f in files)
    ratio = med(ingests) / med(plains)
    lines = [
        f"### Refresh — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}; load average at the end {os.getloadavg()[0]:.1f} (other "
        "work shares the machine: times above 1 per core are inflated)",
        "",
        f"SYNTHETIC month {MONTH} (seed {SEED}): 43 forces × street, outcomes and stop and "
        f"search, {len(files)} files, {int(r['rows']):,} rows, {size / 1e6:,.0f} MB of CSV, "
        f"zipped to {archive.stat().st_size / 1e6:,.0f} MB and served with `crime-last-updated` "
        "from a loopback server. The home refreshed is the bundled sample with its indicators "
        "and forecasts, served by `openpeel serve` throughout; *shown* is when the dashboard's "
        f"`{SHOWN}` first lists {MONTH}. Median of {len(refreshes)} runs.",
        "",
        "| stage | refresh (s) | full rebuild of the same home (s) |",
        "|---|---:|---:|",
        f"| fetch (crime-last-updated, download, take out 129 members) | {r['fetch']:.1f} | — |",
        f"| copy of the warehouse (the writer works on a copy) | {r['copy']:.1f} | — |",
        f"| load (`ingest`) | {r['load']:.1f} | {b['load']:.1f} |",
        f"| indicators | {r['indicators']:.1f} | {b['indicators']:.1f} |",
        f"| forecasts | {r['forecasts']:.1f} | {b['forecasts']:.1f} |",
        f"| sync and swap | {r['swap']:.1f} | — |",
        f"| **refresh, in all** | **{r['refresh']:.1f}** | **{sum(b.values()):.1f}** |",
        f"| from the start until the dashboard shows {MONTH} | {r['shown']:.1f} | — |",
        "",
        "Target: under 60 s from fetch to the dashboard showing it. The dashboard answered "
        + ("every request 200" if not r["non_200"] else f"{int(r['non_200'])} requests not 200")
        + " while it ran. The refresh forecasts again only the series the month feeds "
        "(`street_files_monthly`); the rebuild forecasts every series.",
        "",
        f"Ingest of the month's {len(files)} files into a new home: {med(ingests):.1f} s; a plain "
        f"DuckDB `read_csv` into one table per kind in a new file: {med(plains):.1f} s "
        f"(**{ratio:.2f}×**; target ≤ 1.2×). Runs: ingest "
        + ", ".join(f"{x:.1f}" for x in ingests)
        + "; plain "
        + ", ".join(f"{x:.1f}" for x in plains)
        + ".",
        "",
    ]
    return "\n".join(lines)


def ingest_report(files: list[Path], runs: list[tuple[dict[str, float], dict[str, float]]]) -> str:
    med = statistics.median
    size = sum(f.stat().st_size for f in files)

    def row(label: str, values: list[float], median: str | None = None) -> str:
        shown = median or f"{med(values):.2f}"
        return f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + f" | {shown} |"

    def ratio(what: str) -> list[float]:
        return [i[what] / p[what] for p, i in runs]

    def of_median(what: str) -> str:
        return f"**{med(i[what] for _, i in runs) / med(p[what] for p, _ in runs):.2f}×**"

    stages = list(dict.fromkeys(s for _, i in runs for s in i if s not in ("total", "cpu")))
    lines = [
        f"### Ingest beside a plain DuckDB load — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}; load average at the end {os.getloadavg()[0]:.1f} (other "
        "work shares the machine: times above 1 per core are inflated)",
        "",
        f"`benchmarks/refresh.py --ingest-only`: the SYNTHETIC month {MONTH} (seed {SEED}), "
        f"{len(files)} files, {size / 1e6:,.0f} MB of CSV. *Plain*: DuckDB `read_csv` into one "
        "table per kind in a new file, no checks, no bookkeeping. *Ingest*: "
        "`openpeel.ingest.run.ingest` into a new home (its empty warehouse made beforehand, "
        "not timed), from opening the warehouse to the checkpoint. The two run one after the "
        f"other in each of {len(runs)} runs; the ratio in the last column is of the medians. "
        "CPU is the process's CPU time, every thread's: less swayed than the time by other "
        "work on the machine.",
        "",
        "| | " + " | ".join(f"run {n + 1}" for n in range(len(runs))) + " | median |",
        "|---|" + "---:|" * (len(runs) + 1),
        row("plain DuckDB load (s)", [p["total"] for p, _ in runs]),
        row("ingest (s)", [i["total"] for _, i in runs]),
        row("**ingest ÷ plain**", ratio("total"), of_median("total")),
        row("plain DuckDB load, CPU (s)", [p["cpu"] for p, _ in runs]),
        row("ingest, CPU (s)", [i["cpu"] for _, i in runs]),
        row("ingest ÷ plain, CPU", ratio("cpu"), of_median("cpu")),
        *(row(f"· ingest: {stage} (s)", [i.get(stage, 0.0) for _, i in runs]) for stage in stages),
        "",
        "Target (issue 19): ingest at most 1.2× the plain load. Ingest's stages: *open* the "
        "warehouse; *find* the files; *examine* (hash, sniff and screen every byte, on two "
        "threads); *insert* (the `INSERT … SELECT` that reads, validates and writes the rows); "
        "*checks* (lines against rows, codes, names, per-file counts); *quarantine*; *ledger*; "
        "*commit*; *checkpoint* and close. The total less the stages is the preparation of "
        "each file (identifying its source and layout) and the batching.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
