"""In a real browser: the indicator page draws every chart on arrival, with no force picked and
with one, at a desktop's and a phone's width, with no console error; the list too."""

from __future__ import annotations

import pytest
from tests.web.test_browser import _shot, _watch, address, browser

__all__ = ["address", "browser"]

pytestmark = pytest.mark.slow

WIDTHS = {"desktop": 1280, "phone": 390}


#: the page's states: on arrival, a force picked, a force compared with forces chosen
STATES = {
    "arrival": "",
    "chosen": "?force=hampshire",
    "compared": "?force=hampshire&compare=forces&forces=kent,surrey",
}


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("state", sorted(STATES))
def test_the_indicator_page_draws_its_charts_on_arrival(
    browser: object, address: str, width: str, state: str
) -> None:
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/indicators/arrests_per_1000" + STATES[state])
    charts = page.locator(".opl-chart")
    assert charts.count() == 4
    for n in range(1, 5):
        page.wait_for_selector(f"#chart-{n} svg", timeout=20000)  # drawn by Vega, served here
    # the map has a shape for each force area, the ranked bars a bar for each force shown
    assert page.locator("#chart-3 svg path[aria-roledescription='geoshape']").count() >= 42
    _shot(page, f"8-indicator-{state}-{WIDTHS[width]}")
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_indicator_list_shows_every_pillar(browser: object, address: str, width: str) -> None:
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/indicators")
    assert page.locator("main h2").count() >= 3
    _shot(page, f"9-indicators-{WIDTHS[width]}")
    assert errors == []
    page.close()
