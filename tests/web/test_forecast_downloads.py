"""The forecasts page's downloads with real forecasts (issue 18, point 7): Hampshire's series of
the bundled sample forecast as ``openpeel forecast`` does, then every table and chart the page
links is downloaded and opened, and its contents are checked against the warehouse's own rows
(the backtests, the forecasts and the recorded values), read here with SQL of the test's own."""

from __future__ import annotations

import csv
import io
import re
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from fastapi.testclient import TestClient

from openpeel.assess.store import Store
from openpeel.forecast.run import run, store
from openpeel.forecast.series import load_sources
from openpeel.presentation import tables
from openpeel.warehouse.db import Warehouse
from openpeel.web.app import create_app

pytestmark = pytest.mark.slow

HAMPSHIRE = "E23000030"
PAGE = "/forces/hampshire/forecasts"
BASE = "/download/forces/hampshire/forecasts"
HTML = {"Accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n"
SVG = "{http://www.w3.org/2000/svg}"
LINK = re.compile(r'href="(/download/[^"]+)"')


@dataclass
class Forecasts:
    client: TestClient
    home: Path


@pytest.fixture(scope="module")
def forecasts(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forecasts]:
    """The sample's home with Hampshire's series backtested and forecast, served."""
    folder = tmp_path_factory.mktemp("forecast-downloads")
    home = folder / "home"
    shutil.copytree(built_home, home)
    with Warehouse(home) as wh:
        store(wh, run(wh, force_code=HAMPSHIRE))
    st = Store(f"sqlite:///{folder / 'assessments.sqlite'}")
    yield Forecasts(TestClient(create_app(home, store=st)), home)
    st.close()


def _query(home: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with Warehouse(home, read_only=True) as wh:
        return [tuple(r) for r in wh.execute(sql, list(params)).fetchall()]


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _xlsx(data: bytes) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {
        s.title: [["" if v is None else v for v in r] for r in s.iter_rows(values_only=True)]
        for s in book.worksheets
    }


def _unguarded(rows: list[list[str]]) -> list[list[str]]:
    """A CSV's cells as written before the guard against formulas: a text cell that begins
    with =, +, - or @ is written with a leading ' (openpeel.csvsafe)."""
    out = []
    for row in rows:
        for c in row:
            assert not c.startswith("'") or c[1:2] in ("=", "+", "-", "@"), c
        out.append([c[1:] if c.startswith("'") else c for c in row])
    return out


def _number(text: str) -> float:
    """A number as a chart's table prints it: "1,234", "1,234 (forecast)"."""
    return float(text.split(" ")[0].replace(",", ""))


def _month(text: str) -> date:
    return datetime.strptime(text, "%b %Y").date().replace(day=1)


def _links(client: TestClient) -> list[str]:
    html = client.get(PAGE, headers=HTML).text
    return sorted({h.replace("&amp;", "&") for h in LINK.findall(html)})


def _series(client: TestClient) -> dict[str, tuple[str, str]]:
    """Each series' id on the page -> (source id, category), from the summary's own cells."""
    by_title = {s.title: s.id for s in load_sources().values()}
    rows = _csv(client.get(f"{BASE}/summary.csv").content)
    heading = rows[0]
    return {
        r[heading.index("Series")]: (
            by_title[r[heading.index("Source")]],
            r[heading.index("Category")],
        )
        for r in rows[1:]
    }


def test_the_summary_holds_the_backtests_of_the_warehouse(forecasts: Forecasts) -> None:
    stored = {
        (source, category): (model, mase, baseline, smape, coverage)
        for source, category, model, mase, baseline, smape, coverage in _query(
            forecasts.home,
            "SELECT b.source, b.category, b.model, b.mase, base.mase, b.smape, b.coverage_95 "
            "FROM out_forecast_backtests b JOIN out_forecast_backtests base "
            "USING (source, force_code, category) "
            "WHERE b.is_chosen AND base.is_baseline AND b.force_code = ?",
            HAMPSHIRE,
        )
    }
    assert len(stored) >= 14  # the sample's monthly crime types and yearly arrests
    flags = _query(
        forecasts.home,
        "SELECT source, category, detail FROM out_forecast_flags WHERE force_code = ?",
        HAMPSHIRE,
    )
    for fmt in ("csv", "xlsx"):
        answer = forecasts.client.get(f"{BASE}/summary.{fmt}")
        assert answer.status_code == 200
        rows = _csv(answer.content) if fmt == "csv" else _xlsx(answer.content)["summary"]
        heading = rows[0]
        assert heading == [c.heading for c in tables.BY_PAGE["forecasts"].tables[0].columns]
        by_title = {s.title: s.id for s in load_sources().values()}
        seen = set()
        for r in rows[1:]:
            key = (by_title[r[heading.index("Source")]], r[heading.index("Category")])
            seen.add(key)
            model, mase, baseline, smape, coverage = stored[key]
            assert r[heading.index("Model")] == model
            for column, want in (
                ("MASE", mase),
                ("Baseline MASE", baseline),
                ("sMAPE", smape),
                ("95% interval coverage", coverage),
            ):
                assert float(r[heading.index(column)]) == pytest.approx(want), (key, column)
            said = str(r[heading.index("Emerging demand")])
            details = " ".join(d for s, c, d in flags if (s, c) == key)
            for flag in filter(None, said.split("; ")):
                assert flag in details, (key, flag)
        assert seen == set(stored), fmt  # every series forecast, once


def test_every_chart_downloads_with_the_forecasts_of_the_warehouse(forecasts: Forecasts) -> None:
    client, home = forecasts.client, forecasts.home
    series = _series(client)
    links = _links(client)
    twin = client.get(f"/api{PAGE}").json()
    assert [s["id"] for s in twin["series"]] == list(series)
    # every chart linked: its picture twice and its data twice; the summary; the workbook
    expected = {f"{BASE}.xlsx", f"{BASE}/summary.csv", f"{BASE}/summary.xlsx"}
    for sid in series:
        expected |= {f"{BASE}/forecast-{sid}{tail}" for tail in (".svg", ".png")}
        expected |= {f"{BASE}/forecast-{sid}-data{tail}" for tail in (".csv", ".xlsx")}
    assert set(links) == expected
    workbook = _xlsx(client.get(f"{BASE}.xlsx").content)
    assert set(workbook) == {"summary"} | {f"forecast-{sid}-data" for sid in series}
    units = {s.id: s.unit for s in load_sources().values()}
    for sid, (source, category) in series.items():
        rows = _unguarded(_csv(client.get(f"{BASE}/forecast-{sid}-data.csv").content))
        assert rows[0] == ["Period", units[source].capitalize(), "80% interval", "95% interval"]
        assert _xlsx(client.get(f"{BASE}/forecast-{sid}-data.xlsx").content) == {
            f"forecast-{sid}-data": rows
        }
        assert workbook[f"forecast-{sid}-data"] == rows
        ahead = [r for r in rows[1:] if r[1].endswith("(forecast)")]
        recorded = [r for r in rows[1:] if not r[1].endswith("(forecast)")]
        want = _query(
            home,
            "SELECT period, mean, lo_80, hi_80, lo_95, hi_95 FROM out_forecasts "
            "WHERE force_code = ? AND source = ? AND category = ? ORDER BY step",
            HAMPSHIRE,
            source,
            category,
        )
        assert len(ahead) == len(want) > 0, sid
        for got, (period, mean, lo80, hi80, lo95, hi95) in zip(ahead, want, strict=True):
            assert _month(got[0]) == period.replace(day=1), sid
            assert _number(got[1]) == pytest.approx(mean, abs=0.5)
            for cell, (lo, hi) in ((got[2], (lo80, hi80)), (got[3], (lo95, hi95))):
                low, high = cell.split(" to ")
                assert (_number(low), _number(high)) == pytest.approx((lo, hi), abs=0.5)
        sql = next(s.sql for s in load_sources().values() if s.id == source)
        history = _query(
            home,
            f"SELECT period, y FROM ({sql}) WHERE force_code = ? AND category = ? "
            "AND y IS NOT NULL AND gap IS NULL ORDER BY period DESC LIMIT ?",
            HAMPSHIRE,
            category,
            len(recorded),
        )[::-1]
        assert len(recorded) == len(history) > 0, sid
        for got, (period, y) in zip(recorded, history, strict=True):
            assert _month(got[0]) == period.replace(day=1), sid
            assert _number(got[1]) == pytest.approx(y, abs=0.5)
        _check_picture(client, sid, twin)


def _check_picture(client: TestClient, sid: str, twin: dict[str, Any]) -> None:
    """The fan chart as SVG: titled with its series, two shaded intervals and two lines; as PNG,
    the same drawing at twice its size."""
    title = next(s["title"] for s in twin["series"] if s["id"] == sid)
    answer = client.get(f"{BASE}/forecast-{sid}.svg")
    assert answer.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(answer.content)
    said = root.find(f"{SVG}title")  # its text alternative, read aloud
    assert said is not None, sid
    assert title in (said.text or ""), sid
    marks = [g.get("class", "") for g in root.iter(f"{SVG}g")]
    assert sum("mark-area" in m for m in marks) == 2, sid
    assert sum("mark-line" in m for m in marks) == 2, sid
    png = client.get(f"{BASE}/forecast-{sid}.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(PNG)
    width, height = struct.unpack(">II", png.content[16:24])
    assert (width, height) == (
        round(2 * float(root.get("width", 0))),
        round(2 * float(root.get("height", 0))),
    )
