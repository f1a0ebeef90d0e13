"""What the trend and SPC markers add to `openpeel indicators compute`, measured beside the
same compute without them, in the same run, on the full real data (../shared/data).

    .venv/bin/python benchmarks/markers.py [--data ../shared/data] [--runs 3] [--write]

The warehouse is built once (ingest), before timing. Each run copies it and, in a new process,
computes every indicator and stores the results, with the markers (recent trends and SPC) and
without them, in turn; the table shows the median of each and every run's time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import ROOT, WORK, machine, show_result

HOME = WORK / "markers-home"


def build(data: Path) -> float:
    """Load the real data once; seconds taken (0 when already built)."""
    from openpeel.ingest.run import ingest
    from openpeel.warehouse.db import Warehouse

    if (HOME / "warehouse.duckdb").exists():
        return 0.0
    start = time.perf_counter()
    with Warehouse(HOME) as wh:
        ingest(wh, [data])
    return time.perf_counter() - start


def run(markers: bool, scratch: Path) -> dict[str, float]:
    """Compute and store every indicator in a copy of the warehouse (child process)."""
    from openpeel.indicators.run import compute, store
    from openpeel.warehouse.db import Warehouse

    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(HOME, scratch)
    with Warehouse(scratch) as wh:
        start = time.perf_counter()
        results = compute(wh)
        computed = time.perf_counter()
        store(wh, results, markers=markers)
        stored = time.perf_counter()
        trends = wh.scalar("SELECT count(*) FROM out_indicator_recent_trends")
        spc = wh.scalar("SELECT count(*) FROM out_indicator_spc")
    shutil.rmtree(scratch)
    return {
        "seconds": stored - start,
        "compute": computed - start,
        "store": stored - computed,
        "rows": sum(len(f) for f in results.values()),
        "trend_rows": trends,
        "spc_rows": spc,
    }


def child(markers: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "markers" if markers else "plain"],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def report(runs: dict[bool, list[dict[str, float]]], built: float) -> str:
    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    lines = [
        f"### Trend and SPC markers — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}",
        "",
        "Warehouse: the full real data (../shared/data, PROVENANCE.md)"
        + (f", loaded in {built:.0f} s before timing" if built else "")
        + ". Each run copies it and computes and stores every indicator in a new process; the "
        "two ways ran in turn, "
        f"{len(runs[True])} times each.",
        "",
        "| `indicators compute` | rows out | trend rows | SPC rows | compute (s) | store (s) "
        "| total, median (s) | each run (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for markers, label in ((False, "without the markers (baseline)"), (True, "with the markers")):
        r = runs[markers]
        totals = [x["seconds"] for x in r]
        lines.append(
            f"| {label} | {int(r[0]['rows']):,} | {int(r[0]['trend_rows']):,} | "
            f"{int(r[0]['spc_rows']):,} | {median([x['compute'] for x in r]):.2f} | "
            f"{median([x['store'] for x in r]):.2f} | {median(totals):.2f} | "
            + ", ".join(f"{t:.2f}" for t in totals)
            + " |"
        )
    plain = median([x["seconds"] for x in runs[False]])
    marked = median([x["seconds"] for x in runs[True]])
    lines += [
        "",
        f"The markers add {marked - plain:.2f} s to {plain:.2f} s "
        f"({100 * (marked - plain) / plain:.0f}%), median against median.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="add the results to the docs")
    parser.add_argument("--child", choices=("markers", "plain"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        markers = args.child == "markers"
        print(json.dumps(run(markers, WORK / f"markers-scratch-{args.child}")))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    built = build(args.data)
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for _ in range(args.runs):
        for markers in (False, True):
            runs[markers].append(child(markers))
    show_result(report(runs, built), args.write)


if __name__ == "__main__":
    main()
