"""In a real browser (Playwright driving Debian's chromium): the force page, the rug, the
overview and the lists of forces, indicators and reports list their downloads, at a desktop and
a phone width, with no console errors; a listed download answers; the API's docs list every
download address. Screenshots are kept in build/screenshots.

Skipped, with the reason, where chromium or Playwright is absent."""

from __future__ import annotations

import pytest
from tests.web.test_browser import _shot, _watch, address, browser

from openpeel.presentation import tables
from openpeel.web.routers.downloads import MEDIA, download_base
from openpeel.web.routers.pages import PAGES as PAGES_DECLARED

__all__ = ["address", "browser"]  # the fixtures, shared with test_browser

pytestmark = pytest.mark.slow

PAGES = {
    "force": ("/forces/hampshire", "/download/forces/hampshire"),
    "rug": ("/indicators/all?pillar=effectiveness", "/download/indicators/all"),
    "overview": ("/", "/download/overview"),
    "forces": ("/forces", "/download/forces/list"),
    "indicators": ("/indicators", "/download/indicators/list"),
    "publications": ("/publications", "/download/publications/list"),
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", list(PAGES))
def test_download_links_are_on_the_page(
    browser: object, address: str, name: str, width: int
) -> None:
    path, base = PAGES[name]
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + path)
    page.wait_for_selector("#downloads-heading")
    links = page.locator(f'a[href^="{base}"]')
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert f"{base}.xlsx" in {h.split("?")[0] for h in hrefs if h}
    assert any(h and h.split("?")[0].endswith(".csv") for h in hrefs)
    if name == "rug":  # the filters go with every link
        assert all(h and "pillar=effectiveness" in h for h in hrefs)
    answer = page.request.get(address + hrefs[0])
    assert answer.status == 200
    _shot(page, f"downloads-{name}-{width}")
    page.close()
    assert errors == []


def test_the_api_docs_list_the_downloads(browser: object, address: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/api/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    paths = {t.replace("\u200b", "").strip() for t in shown}
    for declared in tables.DOWNLOADS:
        spec = next(p for p in PAGES_DECLARED if p.template == f"{declared.page}.html.j2")
        base = download_base(spec.path)
        assert {base + ".xlsx", base + "/{item}.{fmt}"} <= paths, base
    page.locator(".opblock-summary-path", has_text="/download/forces/list.xlsx").first.click()
    page.wait_for_selector(".opblock.is-open .responses-wrapper", timeout=10000)
    opened = page.locator(".opblock.is-open")
    assert opened.locator(f'option[value="{MEDIA["xlsx"]}"]').count() >= 1  # the media type
    _shot(page, "downloads-api-docs")
    page.close()
    assert errors == []
