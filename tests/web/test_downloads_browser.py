"""In a real browser (Playwright driving Debian's chromium): the force page, the rug and the
overview list their downloads under their tables and charts, at a desktop and a phone width,
with no console errors; a listed download answers. Screenshots are kept in build/screenshots.

Skipped, with the reason, where chromium or Playwright is absent."""

from __future__ import annotations

import pytest
from tests.web.test_browser import _shot, _watch, address, browser

__all__ = ["address", "browser"]  # the fixtures, shared with test_browser

pytestmark = pytest.mark.slow

PAGES = {
    "force": ("/forces/hampshire", "/download/forces/hampshire"),
    "rug": ("/indicators/all?pillar=effectiveness", "/download/indicators/all"),
    "overview": ("/", "/download/overview"),
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
