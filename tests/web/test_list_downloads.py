"""The lists' downloads (issue 18, point 7): the forces, the indicators and the reports, each
as CSV and XLSX and in one workbook, hold what the list shows to whoever asks; a report that a
viewer may not read now is in none of their downloads, however the answers are cached; and every
download address is in the OpenAPI schema with its parameters and media types."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.web.conftest import AFTER, Site, make_site

from openpeel.presentation import tables
from openpeel.web.routers import downloads
from openpeel.web.routers.downloads import FORMATS, MEDIA

HTML = {"Accept": "text/html"}
SLUG = "hampshire-2016"  # the worked example's report (tests/web/conftest.py)


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def _xlsx(data: bytes) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}


def _column(rows: list[list[Any]], heading: str) -> list[Any]:
    at = rows[0].index(heading)
    return [r[at] for r in rows[1:]]


def test_the_forces_list_downloads_as_searched(shared_site: Site) -> None:
    for query in ({}, {"q": "london"}, {"per_page": 10, "page": 2}):
        twin = shared_site.client.get("/api/forces", params=query).json()
        shown = twin["forces"]["items"]
        rows = _csv(
            shared_site.client.get("/download/forces/list/forces.csv", params=query).content
        )
        assert _column(rows, "Force code") == [f["code"] for f in shown], query
        assert _column(rows, "Force") == [f["name"] for f in shown], query
        assert _column(rows, "Why it matched") == [f["why"] or "" for f in shown], query
        book = _xlsx(shared_site.client.get("/download/forces/list.xlsx", params=query).content)
        assert list(book) == ["forces"]
        assert book["forces"][0] == rows[0]
        assert _column(book["forces"], "Region") == [f["region"] for f in shown], query
    assert len(_csv(shared_site.client.get("/download/forces/list/forces.csv").content)) == 44
    # the page links its downloads with its search
    page = shared_site.client.get("/forces", params={"q": "london"}, headers=HTML).text
    assert 'href="/download/forces/list.xlsx?q=london"' in page
    assert 'href="/download/forces/list/forces.csv?q=london"' in page


def test_the_indicators_list_downloads_as_grouped_on_the_page(shared_site: Site) -> None:
    twin = shared_site.client.get("/api/indicators").json()
    shown = [(g["pillar"], i) for g in twin["pillars"] for i in g["indicators"]]
    book = _xlsx(shared_site.client.get("/download/indicators/list.xlsx").content)
    rows = book["indicators"]
    assert _column(rows, "Pillar") == [p for p, _ in shown]
    assert _column(rows, "Indicator id") == [i["id"] for _, i in shown]
    assert _column(rows, "Latest period") == [i["latest_period"] for _, i in shown]
    assert _column(rows, "Definition") == [i["plain"] for _, i in shown]
    csv_rows = _csv(shared_site.client.get("/download/indicators/list/indicators.csv").content)
    assert [r[1] for r in csv_rows] == [r[1] for r in rows]


def _slugs(site: Site, viewer: str | None, fmt: str) -> list[str]:
    headers = site.as_user(viewer)
    if fmt == "workbook":
        answer = site.client.get("/download/publications/list.xlsx", headers=headers)
        return [str(s) for s in _column(_xlsx(answer.content)["publications"], "Report id")]
    answer = site.client.get(f"/download/publications/list/publications.{fmt}", headers=headers)
    assert answer.status_code == 200, answer.text
    rows = _csv(answer.content) if fmt == "csv" else _xlsx(answer.content)["publications"]
    return [str(s) for s in _column(rows, "Report id")]


def _raw_text(site: Site, viewer: str | None) -> str:
    """Every byte of the list's downloads as text, an XLSX's zipped parts opened."""
    headers = site.as_user(viewer)
    got = site.client.get("/download/publications/list/publications.csv", headers=headers)
    text = got.text
    for href in (
        "/download/publications/list.xlsx",
        "/download/publications/list/publications.xlsx",
    ):
        data = site.client.get(href, headers=headers).content
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            text += "".join(z.read(n).decode("utf-8") for n in z.namelist())
    return text


VIEWERS = [None, "ann", "kim", "pat", "jo"]


@pytest.mark.parametrize("state", ["draft", "fact_check", "embargoed"])
def test_a_report_not_yet_public_is_in_no_public_download(
    built_home: Path, tmp_path: Path, state: str
) -> None:
    """As the public, before the release, after an inspector has read the list (whose answer
    is never kept) and after the clock passes the release: the download holds, for each
    viewer, the reports that viewer's page lists, and the public's never the unreleased one."""
    site = make_site(built_home, tmp_path, state)
    try:
        # the public first, so that its answers are the ones a cache would keep
        assert SLUG not in _raw_text(site, None)
        assert "Hampshire" not in _raw_text(site, None)
        for viewer in VIEWERS:
            listed = site.client.get("/api/publications", headers=site.as_user(viewer)).json()
            shown = [p["slug"] for p in listed["publications"]["items"]]
            for fmt in ("csv", "xlsx", "workbook"):
                assert _slugs(site, viewer, fmt) == shown, (viewer, fmt)
        assert SLUG in _slugs(site, "pat", "csv")  # an inspector reads it before release
        assert SLUG not in _raw_text(site, None)  # and the public still does not
        site.clock[0] = AFTER
        released = state == "embargoed"
        assert (SLUG in _slugs(site, None, "csv")) is released
        assert (SLUG in _slugs(site, None, "workbook")) is released
        if released:
            rows = _csv(site.client.get("/download/publications/list/publications.csv").content)
            assert _column(rows, "State") == ["published"]
        else:
            assert "Hampshire" not in _raw_text(site, None)
    finally:
        site.store.close()


def test_the_reports_list_links_its_downloads(shared_site: Site) -> None:
    page = shared_site.client.get("/publications", headers=HTML).text
    assert 'href="/download/publications/list.xlsx"' in page
    assert 'href="/download/publications/list/publications.csv"' in page
    rows = _csv(shared_site.client.get("/download/publications/list/publications.csv").content)
    twin = shared_site.client.get("/api/publications").json()["publications"]["items"]
    assert _column(rows, "Report") == [p["title"] for p in twin]
    assert _column(rows, "Outputs") == ["; ".join(p["outputs"]) for p in twin]


LINK = re.compile(r'href="(/download/[^"?]+)')
PAGES = ["/", "/forces", "/indicators", "/publications", "/forces/hampshire", "/indicators/all"]


def _documented(site: Site) -> dict[str, Any]:
    schema = site.client.get("/api/openapi.json").json()
    return {p: v["get"] for p, v in schema["paths"].items() if p.startswith("/download/")}


def test_every_download_route_is_documented_with_its_media_types(shared_site: Site) -> None:
    documented = _documented(shared_site)
    served = {str(getattr(r, "path", "")) for r in downloads.router.routes}
    assert served == set(documented)
    files = {m.split(";")[0] for m in MEDIA.values()}
    assert files == {"text/csv", "image/svg+xml", "image/png", MEDIA["xlsx"]}
    for path, operation in documented.items():
        content = set(operation["responses"]["200"]["content"])
        assert content == ({MEDIA["xlsx"]} if path.endswith(".xlsx") else files), path
        for status in ("400", "404"):  # the one error shape
            error = operation["responses"][status]["content"]["application/json"]["schema"]
            assert error["$ref"].endswith("/ErrorBody"), path
        assert "public" in operation["tags"]
    # each page that declares downloads has both its routes
    items = [p for p in documented if p.endswith("/{item}.{fmt}")]
    assert len(items) == len(documented) - len(items) == len(tables.DOWNLOADS)


def _item_route(documented: dict[str, Any], href: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The documented operation an address is served by, with its path parameters."""
    for path, operation in documented.items():
        pattern = re.escape(path).replace(r"\{item\}", "(?P<item>[^/]+)")
        pattern = pattern.replace(r"\{fmt\}", "(?P<fmt>[^/.]+)")
        pattern = re.sub(r"\\\{[a-z]+\\\}", "[^/]+", pattern)
        found = re.fullmatch(pattern, href)
        if found:
            return operation, found.groupdict()
    raise AssertionError(f"{href} is not documented")


def _accepts(schema: dict[str, Any], value: str) -> bool:
    return (
        value in schema["enum"]
        if "enum" in schema
        else bool(re.fullmatch(schema["pattern"], value))
    )


def test_every_linked_download_fits_its_documented_parameters(shared_site: Site) -> None:
    documented = _documented(shared_site)
    indicator = shared_site.client.get("/api/indicators").json()["indicators"]["items"][0]["id"]
    checked = 0
    for page in [*PAGES, f"/indicators/{indicator}?force=hampshire"]:
        html = shared_site.client.get(page, headers=HTML).text
        for href in sorted(set(LINK.findall(html))):
            operation, params = _item_route(documented, href)
            schemas = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "path"}
            if "item" in params:
                assert _accepts(schemas["item"], params["item"]), href
                assert schemas["fmt"]["enum"] == list(FORMATS)
                assert params["fmt"] in FORMATS, href
            checked += 1
    assert checked >= 25


def test_every_item_the_schema_names_is_served(shared_site: Site) -> None:
    """The converse: each item a page's enum names answers in a table's or a chart's format."""
    answered = 0
    for path, operation in _documented(shared_site).items():
        schemas = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "path"}
        if "item" not in schemas or "enum" not in schemas["item"]:
            continue  # a pattern: its items come from the data (checked through the links)
        base = path.replace("{force}", "hampshire").removesuffix("/{item}.{fmt}")
        for item in schemas["item"]["enum"]:
            statuses = [
                shared_site.client.get(f"{base}/{item}.{fmt}").status_code for fmt in ("csv", "svg")
            ]
            assert 200 in statuses, (base, item, statuses)
            answered += 1
    assert answered >= 10
