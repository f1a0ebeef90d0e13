"""`indicators compute` stores the recent trends and SPC charts; the CLI shows them (the
bundled sample of real data)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from openpeel.cli.app import app
from openpeel.indicators.recent_trend import CANNOT, TRENDS
from openpeel.indicators.spc import VARIATIONS
from openpeel.warehouse.db import Warehouse

runner = CliRunner()


def test_every_value_row_has_its_trend(built_home: Path) -> None:
    with Warehouse(built_home, read_only=True) as wh:
        values = wh.scalar("SELECT count(*) FROM out_indicator_values")
        trends = wh.scalar("SELECT count(*) FROM out_indicator_recent_trends")
        unmatched = wh.scalar(
            "SELECT count(*) FROM out_indicator_recent_trends t ANTI JOIN out_indicator_values v "
            "ON v.indicator_id = t.indicator_id AND v.period_type = t.period_type "
            "AND v.period = t.period AND v.breakdown = t.breakdown "
            "AND v.breakdown_value IS NOT DISTINCT FROM t.breakdown_value "
            "AND v.force_code = t.force_code"
        )
        words = {w for (w,) in wh.rows("SELECT DISTINCT trend FROM out_indicator_recent_trends")}
        unexplained = wh.scalar(
            "SELECT count(*) FROM out_indicator_recent_trends "
            "WHERE (trend = ?) <> (reason IS NOT NULL)",
            [CANNOT],
        )
    assert values == trends > 0
    assert unmatched == 0
    assert words <= set(TRENDS)
    assert unexplained == 0


def test_spc_rows_are_the_monthly_values(built_home: Path) -> None:
    with Warehouse(built_home, read_only=True) as wh:
        monthly = wh.scalar(
            "SELECT count(*) FROM out_indicator_values WHERE period_type = 'month' "
            "AND breakdown = 'all' AND NOT is_suppressed AND value IS NOT NULL"
        )
        spc = wh.scalar("SELECT count(*) FROM out_indicator_spc")
        off = wh.scalar(
            "SELECT count(*) FROM out_indicator_spc s JOIN out_indicator_values v "
            "USING (indicator_id, force_code, period) WHERE v.period_type = 'month' "
            "AND v.breakdown = 'all' AND abs(v.value - s.value) > 1e-12"
        )
        variations = {w for (w,) in wh.rows("SELECT DISTINCT variation FROM out_indicator_spc")}
    assert spc == monthly > 0
    assert off == 0
    assert variations <= set(VARIATIONS)


def test_cli_trends_spc_and_chart(built_home: Path, tmp_path: Path) -> None:
    home = ["--home", str(built_home)]
    result = runner.invoke(
        app, ["indicators", "trends", "charge_summons_share", "--format", "json", *home]
    )
    assert result.exit_code == 0, result.output
    assert '"trend"' in result.output
    with Warehouse(built_home, read_only=True) as wh:
        force = wh.scalar(
            "SELECT force_code FROM out_indicator_spc WHERE indicator_id = "
            "'policeuk_crimes_per_1000' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
    result = runner.invoke(
        app, ["indicators", "spc", "policeuk_crimes_per_1000", "--format", "csv", *home]
    )
    assert result.exit_code == 0, result.output
    assert "variation" in result.output.splitlines()[0]
    result = runner.invoke(
        app, ["indicators", "spc", "policeuk_crimes_per_1000", "--force", force, *home]
    )
    assert result.exit_code == 0, result.output
    svg = tmp_path / "spc.svg"
    result = runner.invoke(
        app,
        ["chart", "spc", "policeuk_crimes_per_1000", "--force", force, "-o", str(svg), *home],
    )
    assert result.exit_code == 0, result.output
    text = svg.read_text()
    assert "<desc>" in text
    assert "special cause" in text
    result = runner.invoke(app, ["indicators", "spc", "arrests_per_1000", *home])
    assert result.exit_code != 0
    assert "no monthly values" in str(result.exception)
