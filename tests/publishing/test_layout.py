"""The printed layout of the worked example's publications, read back from the PDFs with
pdfplumber: no text outside the page box, no table row split across two pages, no heading
alone at the foot of a page, page numbers in the body font, and fewer pages than one chart a
page gave (25 pages for the 2016 report)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdfplumber.structure import PDFStructElement, PDFStructTree

from openpeel.assess.bulk import load_yaml
from openpeel.assess.store import Store
from openpeel.publishing import workflow
from openpeel.publishing.outputs import OUTPUTS
from openpeel.publishing.render import render
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse
from tests.publishing.conftest import BUILT

pytestmark = pytest.mark.slow

HEADINGS = {"H1", "H2", "H3", "H4", "H5", "H6"}
#: a row's bottom border lies within this many points below its last line of text
BORDER_GAP = 12.0


@pytest.fixture(scope="module")
def pdfs(built_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The report, summary, press release and national overview of the worked example."""
    folder = tmp_path_factory.mktemp("layout")
    store = Store(f"sqlite:///{folder / 'assessments.sqlite'}")
    try:
        with Warehouse(built_home, read_only=True) as wh, store.session() as s:
            load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester")
            workflow.draft(s, wh, "Hampshire", "2016", "tester", BUILT)
            workflow.draft_national(s, wh, 2016, "tester", BUILT)
            force = workflow.find(s, "hampshire-2016")
            national = workflow.find(s, "national-2016")
            out = {
                name: render(force.context[key], "pdf") for name, key in OUTPUTS["force"].items()
            }
            out["overview"] = render(national.context["overview"], "pdf")
    finally:
        store.close()
    return out


@dataclass
class Page:
    number: int
    width: float
    height: float
    chars: list[dict[str, Any]]
    edges: list[dict[str, Any]]


@dataclass
class Read:
    pages: dict[int, Page]
    elements: list[PDFStructElement]


def _read(data: bytes) -> Read:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = {
            p.page_number: Page(p.page_number, p.width, p.height, list(p.chars), list(p.edges))
            for p in pdf.pages
        }
        elements = [e for root in PDFStructTree(pdf) for e in _walk(root)]
    return Read(pages, elements)


def _walk(element: PDFStructElement) -> Iterator[PDFStructElement]:
    yield element
    for child in element.children:
        yield from _walk(child)


def _leaves(element: PDFStructElement) -> list[PDFStructElement]:
    return [e for e in _walk(element) if e.mcids]


def _chars(read: Read, element: PDFStructElement) -> tuple[int, list[dict[str, Any]]]:
    """The page of a tagged element (WeasyPrint tags each page's part of an element apart) and
    its characters there."""
    leaves = _leaves(element)
    if not leaves or leaves[0].page_number is None:
        return 0, []
    number = leaves[0].page_number
    ids = {m for leaf in leaves for m in leaf.mcids or []}
    return number, [c for c in read.pages[number].chars if c.get("mcid") in ids]


def outside(read: Read) -> list[tuple[int, str]]:
    """Characters (page, text) drawn beyond the page box."""
    return [
        (page.number, c["text"])
        for page in read.pages.values()
        for c in page.chars
        if c["x0"] < -0.5
        or c["x1"] > page.width + 0.5
        or c["top"] < -0.5
        or c["bottom"] > page.height + 0.5
    ]


def split_rows(read: Read) -> list[tuple[int, str]]:
    """Table rows whose part on a page has no bottom border under it: the rest of the row went
    on to the next page (WeasyPrint draws a split box's bottom border on its last part only)."""
    found = []
    for element in read.elements:
        if element.type != "TR":
            continue
        number, chars = _chars(read, element)
        if not chars:
            continue
        bottom = max(c["bottom"] for c in chars)
        left = min(c["x0"] for c in chars)
        bordered = any(
            edge["orientation"] == "h"
            and bottom - 1 <= edge["top"] <= bottom + BORDER_GAP
            and edge["x0"] <= left + 1 <= edge["x1"]
            for edge in read.pages[number].edges
        )
        if not bordered:
            found.append((number, "".join(c["text"] for c in chars)[:60]))
    return found


def lone_headings(read: Read) -> list[tuple[int, str]]:
    """Headings with nothing tagged below them on their page (but the last page)."""
    found = []
    for element in read.elements:
        if element.type not in HEADINGS:
            continue
        number, chars = _chars(read, element)
        if not chars or number == len(read.pages):
            continue
        mine = {id(c) for c in chars}
        bottom = max(c["bottom"] for c in chars)
        below = [
            c
            for c in read.pages[number].chars
            if c.get("mcid") is not None and id(c) not in mine and c["top"] > bottom - 1
        ]
        if not below:
            found.append((number, "".join(c["text"] for c in chars)))
    return found


@pytest.mark.parametrize("output", ["report", "summary", "press-release", "overview"])
def test_nothing_outside_the_page_no_split_row_no_lone_heading(
    pdfs: dict[str, bytes], output: str
) -> None:
    read = _read(pdfs[output])
    assert read.elements, "the PDF is tagged"
    assert outside(read) == []
    assert split_rows(read) == []
    assert lone_headings(read) == []


def test_the_checks_find_what_they_look_for() -> None:
    """A page made to fail: a table wider than the page, a row split by the page break and a
    heading left at the foot of the page."""
    import weasyprint

    filler = "<p style='margin:0;height:20mm'>filler</p>"
    rows = "".join(f"<tr><td>row {i}" + "<br>line" * 7 + "</td></tr>" for i in range(12))
    html = (
        "<html lang='en'><head><title>t</title><style>@page{size:A4;margin:20mm} "
        "h2{margin:0;break-after:auto} td{border-bottom:1px solid #000}</style></head><body>"
        + filler * 11
        + "<h2>Alone</h2><div style='height:60mm;break-inside:avoid'>block</div>"
        + filler * 6
        + f"<table>{rows}</table>"
        + "<table style='width:300mm'><tr><td>x</td><td style='width:290mm'></td><td>far</td>"
        "</tr></table></body></html>"
    )
    read = _read(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1"))
    assert (1, "Alone") in lone_headings(read)
    assert [text[:5] for _, text in split_rows(read)][:1] == ["row 1"]
    assert {text for _, text in outside(read)} >= {"f", "a", "r"}


def test_page_numbers_are_in_the_body_font(pdfs: dict[str, bytes]) -> None:
    read = _read(pdfs["report"])
    total = len(read.pages)
    for page in read.pages.values():
        # the page number sits in the bottom margin (17 mm, 48 pt), below all else
        footer = [c for c in page.chars if c["top"] > page.height - 48]
        body = {c["fontname"].split("+")[-1] for c in page.chars if c["top"] < page.height - 48}
        assert "".join(c["text"] for c in footer) == f"Page {page.number} of {total}"
        assert {c["fontname"].split("+")[-1] for c in footer} <= body


def test_the_report_is_shorter_than_one_chart_a_page(pdfs: dict[str, bytes]) -> None:
    # 25 pages before, for 11 findings and 6 indicators cited with their charts
    assert len(_read(pdfs["report"]).pages) < 20
