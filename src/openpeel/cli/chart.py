"""``openpeel chart``: funnel, ranked bar and trend charts of one indicator (SVG, PNG, HTML)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from openpeel.cli.common import DEFAULT_HOME, Home
from openpeel.cli.output import out

app = typer.Typer(
    help="Charts of one indicator, written offline as .svg, .png or .html.", no_args_is_help=True
)

IndicatorId = Annotated[str, typer.Argument(metavar="ID", help="Indicator id.")]
Out = Annotated[Path, typer.Option("--out", "-o", help="The file to write: .svg, .png or .html.")]
Breakdown = Annotated[str, typer.Option(help="'all' or a breakdown dimension.")]
BreakdownValue = Annotated[
    str | None, typer.Option(help="The value of the breakdown (with --breakdown).")
]
Period = Annotated[
    str | None, typer.Option(help="Period label, e.g. 2017/18 (default: the latest).")
]


@app.command()
def funnel(
    indicator_id: IndicatorId,
    out_file: Out,
    period: Period = None,
    force: Annotated[str | None, typer.Option(help="The force to highlight.")] = None,
    breakdown: Breakdown = "all",
    breakdown_value: BreakdownValue = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Funnel plot: each force's value against its denominator with 95% and 99.8% limits."""
    from openpeel.presentation.funnel_chart import funnel_chart
    from openpeel.presentation.rendering import save_chart
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        chart = funnel_chart(
            wh, indicator_id, period, force, breakdown, breakdown_value=breakdown_value
        )
    out.print(f"wrote {save_chart(chart, out_file)}")


@app.command()
def bar(
    indicator_id: IndicatorId,
    out_file: Out,
    force: Annotated[str, typer.Option(help="The force (any spelling).", show_default=False)],
    period: Period = None,
    breakdown: Breakdown = "all",
    breakdown_value: BreakdownValue = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """Forces ranked by value with 95% intervals; the force and its peer group marked."""
    from openpeel.presentation.ranked_bar_chart import ranked_bar_chart
    from openpeel.presentation.rendering import save_chart
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        chart = ranked_bar_chart(
            wh, indicator_id, period, force, breakdown, breakdown_value=breakdown_value
        )
    out.print(f"wrote {save_chart(chart, out_file)}")


@app.command()
def trend(
    indicator_id: IndicatorId,
    out_file: Out,
    force: Annotated[str, typer.Option(help="The force (any spelling).", show_default=False)],
    period_type: Annotated[
        str | None,
        typer.Option(help="e.g. financial_year or quarter (default: the indicator's first)."),
    ] = None,
    breakdown: Breakdown = "all",
    breakdown_value: BreakdownValue = None,
    home: Home = DEFAULT_HOME,
) -> None:
    """One force over time with its interval, England and Wales and its peer group."""
    from openpeel.indicators.catalogue import load_catalogue
    from openpeel.presentation.rendering import save_chart
    from openpeel.presentation.trend_chart import trend_chart
    from openpeel.warehouse.db import Warehouse

    chosen = period_type or load_catalogue().indicator(indicator_id).periods[0]
    with Warehouse(home, read_only=True) as wh:
        chart = trend_chart(
            wh, indicator_id, force, chosen, breakdown, breakdown_value=breakdown_value
        )
    out.print(f"wrote {save_chart(chart, out_file)}")


@app.command()
def spc(
    indicator_id: IndicatorId,
    out_file: Out,
    force: Annotated[str, typer.Option(help="The force (any spelling).", show_default=False)],
    home: Home = DEFAULT_HOME,
) -> None:
    """XmR chart of a monthly indicator for one force: mean, process limits, special causes."""
    from openpeel.presentation.rendering import save_chart
    from openpeel.presentation.spc_chart import spc_chart
    from openpeel.warehouse.db import Warehouse

    with Warehouse(home, read_only=True) as wh:
        chart = spc_chart(wh, indicator_id, force)
    out.print(f"wrote {save_chart(chart, out_file)}")
