"""Charts of the sample's Home Office outcomes: built, described in words and written offline."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from openpeel.cli.app import app
from openpeel.errors import OpenPeelError
from openpeel.indicators.api import values
from openpeel.indicators.run import compute, store
from openpeel.indicators.units import format_value
from openpeel.ingest.run import ingest
from openpeel.presentation.funnel_chart import funnel_chart
from openpeel.presentation.ranked_bar_chart import ranked_bar_chart
from openpeel.presentation.rendering import save_chart
from openpeel.presentation.trend_chart import trend_chart
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse

pytestmark = pytest.mark.slow

INDICATOR = "charge_summons_share"
PERIOD = "2017/18"
FORCE = "Hampshire"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("charts") / "home"
    outcomes = sorted((sample_path() / "home_office").glob("prc_outcomes_open_data_*"))
    with Warehouse(home) as wh:
        assert {r.status for r in ingest(wh, outcomes)} == {"loaded"}
        store(wh, compute(wh, [INDICATOR]))
    return home


@pytest.fixture(scope="module")
def wh(home: Path) -> Iterator[Warehouse]:
    with Warehouse(home, read_only=True) as wh:
        yield wh


@pytest.fixture(scope="module")
def table(wh: Warehouse) -> pd.DataFrame:
    return values(wh, INDICATOR, period=PERIOD)


def _hampshire(table: pd.DataFrame) -> pd.Series:
    return table[table.force_name.str.startswith(FORCE)].iloc[0]


def _description(chart: alt.TopLevelMixin) -> str:
    return str(chart.to_dict()["description"])


def _check_files(chart: alt.TopLevelMixin, tmp_path: Path, name: str) -> None:
    svg = save_chart(chart, tmp_path / "chart.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    desc = root.find("{http://www.w3.org/2000/svg}desc")
    assert desc is not None
    assert desc.text == _description(chart)
    assert name in svg
    html = save_chart(chart, tmp_path / "chart.html").read_text(encoding="utf-8")
    assert "<script" in html
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?https?://", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?://", html, re.IGNORECASE)
    png = save_chart(chart, tmp_path / "chart.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_funnel_chart(wh: Warehouse, table: pd.DataFrame, tmp_path: Path) -> None:
    row = _hampshire(table)
    chart = funnel_chart(wh, INDICATOR, PERIOD, FORCE)
    text = _description(chart)
    assert text.startswith(f"{row.force_name}: {format_value('share', row.value)} in {PERIOD}")
    assert f"England and Wales {format_value('share', row.ew_value)}" in text
    assert "within the range expected across forces" in text  # funnel_95 == 0 in the table
    assert row.funnel_95 == 0
    assert chart.to_dict()["title"]["text"] == "Charged or summonsed"
    _check_files(chart, tmp_path, str(row.force_name))


def _limit_lines(chart: alt.TopLevelMixin) -> pd.DataFrame:
    spec: dict[str, Any] = chart.to_dict()
    for rows in spec["datasets"].values():
        if rows and "limit" in rows[0]:
            return pd.DataFrame(rows)
    raise AssertionError("no funnel limits in the chart")


def test_funnel_limits_agree_with_the_stored_flags(wh: Warehouse, table: pd.DataFrame) -> None:
    lines = _limit_lines(funnel_chart(wh, INDICATOR, PERIOD))
    checked = 0
    for level, column in (("95% limits", "funnel_95"), ("99.8% limits", "funnel_998")):
        for r in table.to_dict("records"):
            value, bounds = float(r["value"]), {}
            for side in ("lower", "upper"):
                curve = lines[(lines.limit == level) & (lines.side == side)]
                bounds[side] = float(
                    np.interp(
                        np.log(float(r["denominator"])), np.log(curve.denominator), curve.value
                    )
                )
            if min(abs(value - bounds["lower"]), abs(value - bounds["upper"])) < 1e-4:
                continue  # too close to a limit for the drawn curve to decide
            drawn = 1 if value > bounds["upper"] else -1 if value < bounds["lower"] else 0
            assert drawn == r[column], (r["force_name"], level)
            checked += 1
    assert checked > 80
    assert set(table.funnel_95) >= {-1, 0, 1}


def test_ranked_bar_chart(wh: Warehouse, table: pd.DataFrame, tmp_path: Path) -> None:
    row = _hampshire(table)
    chart = ranked_bar_chart(wh, INDICATOR, PERIOD, FORCE)
    text = _description(chart)
    assert text.startswith(f"{row.force_name}: {format_value('share', row.value)} in {PERIOD}")
    assert f"England and Wales {format_value('share', row.ew_value)}" in text
    assert f"ranked {row['rank']} of {row.forces_ranked}" in text
    assert f"peer group mean {format_value('share', row.peer_value)}" in text
    _check_files(chart, tmp_path, str(row.force_name))


def test_trend_chart(wh: Warehouse, tmp_path: Path) -> None:
    quarters = values(wh, INDICATOR, period="2018/19 Q4", force=FORCE).iloc[0]
    chart = trend_chart(wh, INDICATOR, FORCE, "quarter")
    text = _description(chart)
    assert text.startswith(
        f"{quarters.force_name}: {format_value('share', quarters.value)} in 2018/19 Q4"
    )
    assert f"England and Wales {format_value('share', quarters.ew_value)}" in text
    assert "8 periods from 2017/18 Q1" in text
    _check_files(chart, tmp_path, str(quarters.force_name))


def test_format_value() -> None:
    assert format_value("share", 0.1761) == "17.6%"
    assert format_value("per_1000", 1234.56) == "1,234.6 per 1,000"
    assert format_value("rate_ratio", 1.853) == "1.85"
    assert format_value("share", float("nan")) == "no value"


def test_unknown_suffix_and_wrong_force(wh: Warehouse, tmp_path: Path) -> None:
    chart = funnel_chart(wh, INDICATOR, PERIOD)
    with pytest.raises(OpenPeelError, match=r"cannot write a chart to chart\.pdf"):
        save_chart(chart, tmp_path / "chart.pdf")
    with pytest.raises(OpenPeelError):
        trend_chart(wh, INDICATOR, FORCE, "month")


def test_cli(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    for command, extra in (
        ("funnel", ["--period", PERIOD]),
        ("bar", ["--period", PERIOD]),
        ("trend", ["--period-type", "quarter"]),
    ):
        target = tmp_path / f"{command}.svg"
        result = runner.invoke(
            app,
            [
                "chart",
                command,
                INDICATOR,
                *extra,
                "--force",
                FORCE,
                "--out",
                str(target),
                "--home",
                str(home),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "Hampshire" in target.read_text(encoding="utf-8")


def test_a_chart_drawn_twice_is_the_same_svg() -> None:
    """The renderer numbers clip paths across the process; a frozen publication compared with
    its rebuild (a correction) must not differ for that."""
    import altair as alt
    import pandas as pd

    from openpeel.presentation.rendering import spec_svg

    frame = pd.DataFrame({"x": [1, 2, 3], "y": [3.0, 1.0, 2.0]})
    spec = alt.Chart(frame).mark_line(clip=True).encode(x="x:Q", y="y:Q").to_dict()
    first, second = spec_svg(spec), spec_svg(spec)
    assert "clip1" in first
    assert first == second
