"""Downloads everywhere (issue 18, point 7): every download a page links is opened (CSV with the
csv module, XLSX with openpyxl, PNG by its signature, SVG parsed) and its numbers are checked
against the page's JSON twin; no cell can run as a formula in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from tests.web.conftest import Site

from openpeel.csvsafe import write_xlsx
from openpeel.presentation import tables
from openpeel.web.routers.downloads import download_base, table_bytes

HTML = {"Accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
LINK = re.compile(r'href="(/download/[^"]+)"')


def _indicator(site: Site) -> str:
    listed = site.client.get("/api/indicators", params={"per_page": 200}).json()
    return str(listed["indicators"]["items"][0]["id"])


def _pages(site: Site) -> list[str]:
    return [
        "/",
        "/forces",
        "/indicators",
        "/publications",
        "/forces/hampshire",
        "/forces/hampshire/forecasts",
        "/indicators/all?pillar=effectiveness",
        f"/indicators/{_indicator(site)}?force=hampshire",
    ]


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _xlsx(data: bytes) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}


def _links(site: Site, page: str) -> list[str]:
    html = site.client.get(page, headers=HTML).text
    return sorted({href.replace("&amp;", "&") for href in LINK.findall(html)})


def test_every_download_a_page_links_opens(shared_site: Site) -> None:
    opened = 0
    for page in _pages(shared_site):
        links = _links(shared_site, page)
        opened += len(links)
        workbook = download_base(page.split("?")[0]) + ".xlsx"
        assert workbook in {x.split("?")[0] for x in links}, page
        assert any(".csv" in x for x in links), page
        for href in links:
            answer = shared_site.client.get(href)
            assert answer.status_code == 200, href
            fmt = href.split("?")[0].rsplit(".", 1)[1]
            if fmt == "csv":
                rows = _csv(answer.content)
                assert rows, href
                assert all(len(r) == len(rows[0]) for r in rows), href
            elif fmt == "xlsx":
                sheets = _xlsx(answer.content)
                assert sheets, href
                assert all(s[0] for s in sheets.values()), href
            elif fmt == "png":
                assert answer.content.startswith(PNG), href
            else:
                assert fmt == "svg", href
                root = ElementTree.fromstring(answer.content)
                assert root.tag.endswith("svg"), href
                assert root.find("{http://www.w3.org/2000/svg}title") is not None, href
    assert opened >= 30  # every page has its tables, charts and workbook linked


def test_the_workbook_holds_every_table_of_the_page(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/forces/hampshire").json()
    sheets = _xlsx(shared_site.client.get("/download/forces/hampshire.xlsx").content)
    declared = tables.BY_PAGE["force"]
    expected = {t.id for t in declared.tables} | {"key-chart-data"}
    assert set(sheets) == expected
    # the key indicators, as the twin gives them
    key = sheets["key-indicators"]
    heading = key[0]
    ids = [r[heading.index("Indicator id")] for r in key[1:]]
    assert ids == [k["indicator_id"] for k in twin["key_indicators"]]
    values = [r[heading.index("Force")] for r in key[1:]]
    assert values == pytest.approx([k["value"] for k in twin["key_indicators"]])
    # the spine, group by group, with its spread and England and Wales as numbers
    spine = sheets["spine"]
    heading = spine[0]
    rows = [(g["description"], r) for g in twin["spine"] for r in g["rows"]]
    assert len(spine) - 1 == len(rows)
    for got, (question, want) in zip(spine[1:], rows, strict=True):
        assert got[heading.index("PEEL question")] == question
        assert got[heading.index("Indicator id")] == want["indicator_id"]
        for field, col in (
            ("minimum", "Lowest"),
            ("maximum", "Highest"),
            ("ew_value", "England and Wales"),
        ):
            assert got[heading.index(col)] == pytest.approx(want[field])
        assert got[heading.index("Note")] == want["spread_footnote"]


def test_the_spine_downloads_as_a_picture(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/forces/hampshire").json()
    svg = shared_site.client.get("/download/forces/hampshire/spine.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(svg.content)
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for g in twin["spine"]:
        assert g["description"] in texts
    drawn = sum(1 for g in twin["spine"] for r in g["rows"] if r["geometry"] is not None)
    boxes = [
        r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("stroke") == "#0b0c0c"
    ]
    placed = sum(
        1
        for g in twin["spine"]
        for r in g["rows"]
        if r["geometry"] is not None and r["geometry"]["value"] is not None
    )
    assert len(boxes) == placed <= drawn
    png = shared_site.client.get("/download/forces/hampshire/spine.png")
    assert png.content.startswith(PNG)
    SHOTS.mkdir(parents=True, exist_ok=True)  # kept to look at, as the browser tests' shots
    (SHOTS / "downloads-spine.png").write_bytes(png.content)


def test_the_overview_and_indicator_tables_match_their_twins(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/overview").json()
    rows = _csv(shared_site.client.get("/download/overview/grades.csv").content)
    assert [r[0] for r in rows[1:]] == [f["code"] for f in twin["forces"]]
    assert [r[2] for r in rows[1:]] == [f["grade"] for f in twin["forces"]]
    indicator = _indicator(shared_site)
    twin = shared_site.client.get(f"/api/indicators/{indicator}").json()
    book = _xlsx(shared_site.client.get(f"/download/indicators/{indicator}.xlsx").content)
    values = book["values"]
    answer = shared_site.client.get(f"/download/indicators/{indicator}/values.csv?force=hampshire")
    stem = re.sub(
        r"[^a-z0-9]+", "-", f"indicator {indicator} hampshire {twin['period']} values".lower()
    )
    assert f'filename="{stem}.csv"' in answer.headers["content-disposition"]
    assert [r[0] for r in values[1:]] == [f["code"] for f in twin["forces"]]
    got = [r[values[0].index("Value")] for r in values[1:]]
    assert got == pytest.approx([f["value"] for f in twin["forces"]])


@pytest.mark.parametrize("path", ["/indicators/all.xlsx", "/download/indicators/all.xlsx"])
def test_the_rug_downloads_as_xlsx_with_its_filters(shared_site: Site, path: str) -> None:
    query = {"pillar": "effectiveness", "region": "South East"}
    twin = shared_site.client.get("/api/indicators/all", params=query).json()
    book = _xlsx(shared_site.client.get(path, params=query).content)
    sheet = book["forces"]
    heading = sheet[0]
    assert [r[0] for r in sheet[1:]] == [f["code"] for f in twin["forces"]]
    assert {f["region"] for f in twin["forces"]} == {"South East"}
    ids = [i["id"] for i in twin["indicators"]]
    assert [h for h in heading[3:] if ":" not in h] == ids
    for row, force in zip(sheet[1:], twin["forces"], strict=True):
        for iid in ids:
            cell = force["cells"][iid]
            assert row[heading.index(iid)] == pytest.approx(cell["value"])
            assert row[heading.index(f"{iid}:comparison")] == cell["comparison"]
    page = shared_site.client.get("/indicators/all", params=query, headers=HTML).text
    assert 'href="/indicators/all.xlsx?pillar=effectiveness&amp;region=South%20East"' in page
    # the CSV holds the same table
    rows = _csv(shared_site.client.get("/indicators/all.csv", params=query).content)
    assert rows[0] == heading
    assert [r[0] for r in rows[1:]] == [r[0] for r in sheet[1:]]


def test_an_unknown_download_is_not_found(shared_site: Site) -> None:
    answer = shared_site.client.get("/download/forces/hampshire/nothing.csv")
    assert answer.status_code == 404
    assert "key-indicators" in answer.text  # the hint lists what the page offers
    assert shared_site.client.get("/download/forces/hampshire/spine.docx").status_code == 404


NASTY = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "ok", "-1.5"]


def test_no_cell_runs_as_a_formula() -> None:
    context = {"forces": [{"code": v, "name": v, "value": 1.5} for v in NASTY]}
    table = tables.Table("t", "T", "forces", tables._c(("code", "Code"), ("value", "Value")))
    sheet = ("t", *tables.table_data(table, context))
    rows = _csv(table_bytes(sheet, "csv"))
    for row, value in zip(rows[1:], NASTY, strict=True):
        risky = value.startswith(("=", "+", "-", "@", "\t")) and value != "-1.5"
        assert row[0] == ("'" + value if risky else value)
    data = table_bytes(sheet, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [r[0] for r in book["t"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == NASTY
    assert [c.data_type for c in cells] == ["s"] * len(NASTY)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    assert b"<f " not in xml


def test_write_xlsx_keeps_numbers_and_drops_what_xml_cannot_hold() -> None:
    out = io.BytesIO()
    write_xlsx(out, [("a", ["n", "t"], [[-1.5, "a\x01b"], [None, "=1"]])])
    sheet = _xlsx(out.getvalue())["a"]
    assert sheet == [["n", "t"], [-1.5, "ab"], [None, "=1"]]


def test_the_forecasts_and_a_charts_data_match_their_twins(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/forces/hampshire/forecasts").json()
    rows = _csv(shared_site.client.get("/download/forces/hampshire/forecasts/summary.csv").content)
    declared = tables.BY_PAGE["forecasts"].tables[0]
    assert rows[0] == [c.heading for c in declared.columns]
    assert [r[0] for r in rows[1:]] == [s["id"] for s in twin["series"]]  # none in this home
    # a series as the forecasts page holds it: every declared column finds its field
    series = {
        "id": "series-1",
        "source_title": "Police recorded crime",
        "category": "burglary",
        "plain": {"direction": "rising", "how_sure": "fairly sure", "beat_baseline": "yes"},
        "flags": ["emerging", "new high"],
        "model": "ets",
        "mase": 0.8,
        "baseline_mase": 1.0,
        "smape": 0.1,
        "coverage_95": 0.95,
        "p_value": 0.01,
    }
    _, got = tables.table_data(declared, {"series": [series]})
    measures = ("model", "mase", "baseline_mase", "smape", "coverage_95", "p_value")
    plain = series["plain"]
    assert isinstance(plain, dict)
    assert got == [
        [
            *(series[k] for k in ("id", "source_title", "category")),
            *(plain[k] for k in ("direction", "how_sure", "beat_baseline")),
            "emerging; new high",
            *(series[k] for k in measures),
        ]
    ]
    # a chart's data table is the table the page prints under it
    force = shared_site.client.get("/api/forces/hampshire").json()
    table = force["key_chart"]["table"]
    rows = _csv(shared_site.client.get("/download/forces/hampshire/key-chart-data.csv").content)
    assert rows == [table["columns"], *table["rows"]]
