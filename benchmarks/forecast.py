"""Forecasting benchmark: every monthly crime series of the bundled sample (about 600 series of
45 months, real data: data.police.uk monthly aggregates per force and crime type), backtested
at three rolling origins with four models and forecast with each series' chosen model
(target under 30 s on 2 cores; median MASE at most 0.85), side by side in the same run with the
seasonal naive baseline alone. The accuracy table (per model, at the last origin, which took no
part in choosing) goes to docs/benchmarks.md.

    .venv/bin/python benchmarks/forecast.py [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, show_result

HOME = WORK / "forecast-home"


def build() -> None:
    from openpeel.ingest.run import ingest
    from openpeel.sample import sample_path
    from openpeel.warehouse.db import Warehouse

    if (HOME / "warehouse.duckdb").exists():
        return
    with Warehouse(HOME) as wh:
        ingest(wh, [sample_path()])


def main() -> None:
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    from openpeel.forecast.run import run
    from openpeel.forecast.series import as_frame, load_series
    from openpeel.warehouse.db import Warehouse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    print("loading the bundled sample (not timed) ...", flush=True)
    build()
    with Warehouse(HOME, read_only=True) as wh:
        series = load_series(wh, ["street_monthly"])
        ready = [s for s in series if s.skipped is None]
        lengths = pd.Series([len(s.values) for s in ready])
        # baseline: seasonal naive alone, the same backtest and forecast
        frame = as_frame(ready)
        start = time.perf_counter()
        sf = StatsForecast(models=[SeasonalNaive(12)], freq="MS", n_jobs=2)
        sf.cross_validation(df=frame, h=6, n_windows=3, step_size=6, level=[80, 95])
        sf.forecast(df=frame, h=12, level=[80, 95])
        baseline_seconds = time.perf_counter() - start
        result = run(wh, sources=["street_monthly"], horizon=12)
    b = result.backtests
    chosen = b[b["is_chosen"]]
    per_model = b.groupby("model")[["mase", "smape", "coverage_80", "coverage_95"]].median()
    wins = (chosen.set_index("key")["mase"] < b[b["is_baseline"]].set_index("key")["mase"]).mean()
    lines = [
        f"### Forecasting — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}",
        "",
        f"{len(ready)} monthly series (data.police.uk aggregates in the bundled sample, per force "
        f"and crime type; {lengths.min()}–{lengths.max()} months after their last gap; "
        f"{len(series) - len(ready)} more too short after their gaps, not forecast), backtested "
        "at 3 rolling origins 6 months apart (6 months ahead each), the model of each series "
        "chosen on the first 2 and judged on the last, then forecast 12 months ahead with 80% "
        "and 95% intervals.",
        "",
        "| run | seconds |",
        "|---|---:|",
        f"| OpenPEEL: seasonal naive, ETS, Theta, ensemble; backtest, choice and forecast | "
        f"{result.seconds:.1f} |",
        f"| baseline: seasonal naive alone, the same backtest and forecast | "
        f"{baseline_seconds:.1f} |",
        "",
        "Accuracy at the last origin (medians over the series; MASE scaled by the in-sample "
        "seasonal naive error, below 1 beats it):",
        "",
        "| model | median MASE | median sMAPE % | median 80% coverage | median 95% coverage |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {m} | {r.mase:.3f} | {r.smape:.1f} | {r.coverage_80:.2f} | {r.coverage_95:.2f} |"
            for m, r in per_model.iterrows()
        ],
        f"| **chosen per series** | **{chosen['mase'].median():.3f}** | "
        f"{chosen['smape'].median():.1f} | {chosen['coverage_80'].median():.2f} | "
        f"{chosen['coverage_95'].median():.2f} |",
        "",
        "Models chosen: "
        + ", ".join(f"{m} {n}" for m, n in chosen["model"].value_counts().items())
        + f". The chosen model beats seasonal naive on {wins:.0%} of the series at the last "
        f"origin. Time {result.seconds:.1f} s (target under 30 s: "
        f"{'met' if result.seconds < 30 else 'not met'}); median MASE "
        f"{chosen['mase'].median():.3f} (target at most 0.85: "
        f"{'met' if chosen['mase'].median() <= 0.85 else 'not met'}).",
        "",
    ]
    text = "\n".join(lines)
    show_result(text, args.write)


if __name__ == "__main__":
    main()
