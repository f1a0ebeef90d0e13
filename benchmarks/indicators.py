"""Indicator benchmark: recompute every indicator on a warehouse holding a SYNTHETIC national
archive of 20M street rows (plus the bundled sample's real Home Office and ONS files), side by
side with a plain pandas implementation of three indicators read from the same files.

    .venv/bin/python benchmarks/indicators.py [--rows 20000000] [--write]

Each method runs in its own process, three times in turn by default (the median is reported);
the warehouse is built once, before timing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, make_synthetic, median_run, show_result
from openpeel.sample import sample_path

SAMPLE = sample_path()
HOME = WORK / "indicators-home"


def build(archive: Path) -> float:
    """Load the sample (less its few street files) and the synthetic archive; seconds taken."""
    from openpeel.ingest.run import ingest
    from openpeel.warehouse.db import Warehouse

    if (HOME / "warehouse.duckdb").exists():
        return 0.0
    start = time.perf_counter()
    inputs = [p for p in SAMPLE.iterdir() if p.is_dir() and p.name != "police_uk"]
    with Warehouse(HOME) as wh:
        results = ingest(wh, [*inputs, archive])
    if any(r.status == "refused" for r in results):
        raise SystemExit("a file was refused while building the benchmark warehouse")
    return time.perf_counter() - start


#: the three indicators the pandas baseline computes
SAME_THREE = [
    "policeuk_crimes_per_1000",
    "victim_does_not_support_share",
    "stop_search_arrest_share",
]


def run_openpeel(ids: list[str] | None = None) -> dict[str, float]:
    from openpeel.indicators.run import compute
    from openpeel.warehouse.db import Warehouse

    with Warehouse(HOME, read_only=True) as wh:
        start = time.perf_counter()
        results = compute(wh, ids)
        seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": sum(len(f) for f in results.values()),
        "indicators": len(results),
    }


def run_pandas(archive: Path) -> dict[str, float]:
    """Three indicators the way an analyst would: read the files, group, divide."""
    import pandas as pd

    start = time.perf_counter()
    # 1. data.police.uk crimes per 1,000 residents, by force and month
    frames = [
        pd.read_csv(f, usecols=["Month", "Reported by", "Crime type"], dtype=str)
        for f in sorted(archive.rglob("*-street.csv"))
    ]
    street = pd.concat(frames, ignore_index=True)
    crimes = (
        street[street["Crime type"] != "Anti-social behaviour"]
        .groupby(["Reported by", "Month"])
        .size()
        .rename("crimes")
        .reset_index()
    )
    pop = pd.read_csv(SAMPLE / "population/ons_mye_lad2021_population_2001_2020.csv.gz")
    lookup = pd.read_csv(
        SAMPLE / "reference/lad16_csp16_pfa16_lookup_england_wales.csv", encoding="utf-8-sig"
    )
    pfa = (
        pop[pop.year == 2020]
        .merge(lookup, left_on="code", right_on="LAD16CD")
        .groupby("PFA16NM")
        .population.sum()
    )
    crimes["per_1000"] = (
        crimes["crimes"]
        / crimes["Reported by"].map(
            lambda name: pfa.get(name.replace(" Constabulary", "").replace(" Police", ""), None)
        )
        * 1000
    )
    # 2. victim does not support (types 14 and 16), by force, 2017/18
    out = pd.read_csv(SAMPLE / "home_office/prc_outcomes_open_data_2017_18_tidy.csv.gz")
    out = out[~out.offence_description.fillna("").str.endswith("(outcomes only)")]
    total = out.groupby("force_name").offences.sum()
    vds = out[out.outcome_type.isin([14, 16])].groupby("force_name").offences.sum() / total
    # 3. stop and searches leading to arrest, by force and year
    ss = pd.read_csv(SAMPLE / "home_office/stop_search_open_data_2006_07_to_2018_19_tidy.csv.gz")
    share = ss.groupby(["force_name", "year_ending"])[["resultant_arrests", "searches"]].sum()
    share["share"] = share.resultant_arrests / share.searches
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(crimes) + len(vds) + len(share), "indicators": 3}


METHODS = ("openpeel", "openpeel_three", "pandas")


def child(method: str, archive: Path) -> None:
    if method == "pandas":
        result = run_pandas(archive)
    else:
        result = run_openpeel(SAME_THREE if method == "openpeel_three" else None)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each method (median)")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    archive = WORK / f"synthetic-archive-{args.rows}"
    if args.child:
        child(args.child, archive)
        return
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"generating the SYNTHETIC archive ({args.rows:,} rows) in {archive} ...", flush=True)
    make_synthetic(archive, args.rows)
    print("building the warehouse (not timed as part of the comparison) ...", flush=True)
    built = build(archive)
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in METHODS}
    # the methods take turns, so that a slow spell of the machine touches all of them
    for turn in range(args.repeat):
        for method in METHODS:
            print(f"  run {turn + 1} of {args.repeat}: {method} ...", flush=True)
            out = subprocess.run(
                [sys.executable, __file__, "--rows", str(args.rows), "--child", method],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "CI": "true"},
            )
            runs[method].append(json.loads(out.stdout.strip().splitlines()[-1]))
    results = {m: median_run(r) for m, r in runs.items()}
    o, o3, p = results["openpeel"], results["openpeel_three"], results["pandas"]
    spread = {m: ", ".join(f"{r['seconds']:.2f}" for r in runs[m]) for m in METHODS}
    ratios = ", ".join(
        f"{b['seconds'] / a['seconds']:.1f}×"
        for a, b in zip(runs["openpeel_three"], runs["pandas"], strict=True)
    )
    text = "\n".join(
        [
            f"### Indicators — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Machine: {machine()}",
            "",
            f"Warehouse: the bundled sample's Home Office and ONS files and a SYNTHETIC "
            f"data.police.uk archive of {args.rows:,} street rows (43 forces × 36 months, seed "
            f"20250101)" + (f", loaded in {built:.0f} s" if built else "") + ".",
            "",
            f"Each method ran {args.repeat} times in turn, each time in a new process; the "
            "table shows the median run.",
            "",
            "| method | indicators | rows out | seconds (median) | each run (s) | peak MB |",
            "|---|---:|---:|---:|---|---:|",
            f"| openpeel (all indicators, every force, period and breakdown, with intervals, "
            f"funnels, ranks, changes and trends) | {o['indicators']} | {o['rows']:,} | "
            f"{o['seconds']:.2f} | {spread['openpeel']} | {o['peak_mb']:,.0f} |",
            f"| openpeel, the same 3 indicators as pandas (every period and breakdown, with all "
            f"the statistics) | {o3['indicators']} | {o3['rows']:,} | {o3['seconds']:.2f} | "
            f"{spread['openpeel_three']} | {o3['peak_mb']:,.0f} |",
            f"| pandas (3 indicators, values only, from the files) | {p['indicators']} | "
            f"{p['rows']:,} | {p['seconds']:.2f} | {spread['pandas']} | {p['peak_mb']:,.0f} |",
            "",
            f"All {o['indicators']} indicators: {o['seconds']:.1f} s. The same three indicators: "
            f"OpenPEEL is {p['seconds'] / o3['seconds']:.1f}× faster than pandas (median "
            f"against median; run by run: {ratios}).",
            "",
        ]
    )
    show_result(text, args.write)


if __name__ == "__main__":
    main()
