"""Two charts a page where they fit (issue 16, point 7), measured on the printed 2016 report of
the worked example with its demand forecasts (made as of its date): the charts' positions read
back from the tagged PDF with pdfplumber. Each chart is sized to at most half the page body;
some pages carry two charts; and no page with a chart is more than half empty."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.structure import PDFStructElement, PDFStructTree

from openpeel.assess.bulk import load_yaml
from openpeel.assess.store import Store
from openpeel.forecast.run import run, store
from openpeel.publishing import workflow
from openpeel.publishing.render import render
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse

pytestmark = pytest.mark.slow

HAMPSHIRE = "E23000030"
#: the page box's body: A4 less the print CSS's margins (15 mm top, 17 mm bottom), in points
MM = 72 / 25.4
TOP, BOTTOM = 15 * MM, 297 * MM - 17 * MM
BODY = BOTTOM - TOP


@dataclass(frozen=True)
class Chart:
    page: int
    top: float
    bottom: float


@dataclass(frozen=True)
class Printed:
    pages: int
    charts: list[Chart]
    #: the lowest point drawn in the body of each page (its page number left out)
    content_bottom: dict[int, float]


def _walk(element: PDFStructElement) -> Iterator[PDFStructElement]:
    yield element
    for child in element.children:
        yield from _walk(child)


def _read(data: bytes) -> Printed:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        figures = [
            e for root in PDFStructTree(pdf) for e in _walk(root) if e.type == "Figure" and e.mcids
        ]
        charts = []
        for f in figures:
            assert f.page_number is not None
            page = pdf.pages[f.page_number - 1]
            ids = set(f.mcids or [])
            drawn = [o for kind in page.objects.values() for o in kind if o.get("mcid") in ids]
            assert drawn, f"figure on page {f.page_number} draws nothing"
            top = min(float(o["top"]) for o in drawn)
            bottom = max(float(o["bottom"]) for o in drawn)
            charts.append(Chart(f.page_number, top, bottom))
        content_bottom = {
            p.page_number: max(
                float(o["bottom"])
                for kind in p.objects.values()
                for o in kind
                if float(o["bottom"]) <= BOTTOM + 1
            )
            for p in pdf.pages
        }
        return Printed(len(pdf.pages), charts, content_bottom)


@pytest.fixture(scope="module")
def report_pdf(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The 2016 report of the worked example, drafted with Hampshire's forecasts held."""
    folder = tmp_path_factory.mktemp("chart-pages")
    home = folder / "home"
    shutil.copytree(built_home, home)
    with Warehouse(home) as wh:
        store(wh, run(wh, force_code=HAMPSHIRE))
    st = Store(f"sqlite:///{folder / 'assessments.sqlite'}")
    try:
        with Warehouse(home, read_only=True) as wh, st.session() as s:
            load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
            at = datetime(2017, 2, 20, 9, 0, tzinfo=UTC)
            pub = workflow.draft(s, wh, "Hampshire", "2016", "tester", at)
            return render(pub.context["report"], "pdf")
    finally:
        st.close()


def test_each_chart_fits_in_half_a_page(report_pdf: bytes) -> None:
    printed = _read(report_pdf)
    assert len(printed.charts) >= 4, "the report's indicator and demand charts"
    for chart in printed.charts:
        assert TOP - 1 <= chart.top < chart.bottom <= BOTTOM + 1
        assert chart.bottom - chart.top <= BODY / 2, chart


def test_two_charts_share_a_page_where_they_fit(report_pdf: bytes) -> None:
    printed = _read(report_pdf)
    per_page: dict[int, int] = {}
    for chart in printed.charts:
        per_page[chart.page] = per_page.get(chart.page, 0) + 1
    assert max(per_page.values()) >= 2, per_page
    # no page with a chart is more than half empty (the last page may end where it ends)
    for page in per_page:
        if page == printed.pages:
            continue
        filled = (printed.content_bottom[page] - TOP) / BODY
        assert filled >= 0.5, (page, round(filled, 2))


def test_the_measure_finds_a_lone_chart_on_an_empty_page() -> None:
    """A page made to fail: one small chart, then a page break."""
    import base64

    import weasyprint

    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='200'>"
        "<rect x='10' y='10' width='380' height='180' fill='none' stroke='black'/>"
        "<text x='20' y='40'>chart</text></svg>"
    )
    img = base64.b64encode(svg.encode()).decode()
    html = (
        "<html lang='en'><head><title>t</title><style>@page{size:A4;margin:15mm 14mm 17mm}"
        "</style></head><body><figure><img src='data:image/svg+xml;base64,"
        + img
        + "' alt='a chart'></figure><p style='break-before:page'>next</p></body></html>"
    )
    printed = _read(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))
    (chart,) = printed.charts
    assert chart.page == 1
    assert (printed.content_bottom[1] - TOP) / BODY < 0.5
