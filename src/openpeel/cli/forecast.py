"""``openpeel forecast``: demand forecasts per force and series, proved by backtests."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from openpeel.cli.common import DEFAULT_HOME, DEFAULT_WAIT, FormatOpt, Home, Wait, writer
from openpeel.cli.output import Format, emit, err


def forecast(
    force: Annotated[str | None, typer.Option(help="One force (name or ONS code).")] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(help="A series source (repeatable): street_monthly, arrests_yearly, ..."),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option(help="Periods ahead (1 to 48; default 12 months or 2 years)."),
    ] = None,
    show_backtest: Annotated[
        bool,
        typer.Option("--backtest", help="One row per series: its model, MASE, sMAPE, coverage."),
    ] = False,
    home: Home = DEFAULT_HOME,
    fmt: FormatOpt = Format.table,
    wait: Wait = DEFAULT_WAIT,
) -> None:
    """Backtest every series against the seasonal naive baseline, forecast each with the model
    its backtest chose, store it all (out_forecast_*) and show the forecasts or the backtests."""
    from openpeel.forecast.run import run, store
    from openpeel.reference.forces import forces

    code = forces().resolve(force).code if force else None
    with writer(home, "openpeel forecast", wait) as wh:
        result = run(
            wh, sources=source, force_code=code, horizon=horizon, progress=lambda m: err.print(m)
        )
        store(wh, result)
    skipped = [s for s in result.series if s.skipped]
    err.print(
        f"{len(result.series) - len(skipped)} series forecast, {len(skipped)} not (too short "
        f"after their gaps: see out_forecast_series), in {result.seconds:.1f} s"
    )
    if show_backtest:
        rows = _backtest_rows(result.backtests)
        emit(rows, fmt, title="Backtests: the chosen model of each series, at the last origin")
        chosen = result.backtests[result.backtests["is_chosen"]]
        baseline = result.backtests[result.backtests["is_baseline"]]
        err.print(
            f"median MASE: chosen models {chosen['mase'].median():.3f}, seasonal naive "
            f"{baseline['mase'].median():.3f} (below 1 beats the in-sample seasonal naive)"
        )
        return
    emit(_forecast_rows(result.forecasts), fmt, title="Forecasts (the chosen model of each series)")


def _key(key: str) -> dict[str, str]:
    source, force_code, category = key.split("|", 2)
    return {"source": source, "force": force_code, "category": category}


def _backtest_rows(backtests: Any) -> list[dict[str, Any]]:
    if backtests.empty:
        return []
    baseline = backtests[backtests["is_baseline"]].set_index("key")["mase"]
    return [
        {
            **_key(r["key"]),
            "model": r["model"],
            "MASE": round(float(r["mase"]), 3),
            "baseline MASE": round(float(baseline.get(r["key"], float("nan"))), 3),
            "sMAPE %": round(float(r["smape"]), 1),
            "80% coverage": round(float(r["coverage_80"]), 2),
            "95% coverage": round(float(r["coverage_95"]), 2),
        }
        for r in backtests[backtests["is_chosen"]].to_dict("records")
    ]


def _forecast_rows(forecasts: Any) -> list[dict[str, Any]]:
    if forecasts.empty:
        return []
    return [
        {
            **_key(r["key"]),
            "model": r["model"],
            "period": r["period"].isoformat(),
            "ahead": int(r["step"]),
            "forecast": round(float(r["mean"]), 1),
            "95% from": round(float(r["lo_95"]), 1),
            "95% to": round(float(r["hi_95"]), 1),
        }
        for r in forecasts.to_dict("records")
    ]
