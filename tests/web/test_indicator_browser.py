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
    "group": "?force=hampshire&compare=msg",
    "chosen-only": "?compare=forces&forces=kent,surrey,sussex",
}
#: the funnel's heading and the trend's in each state: both follow the comparator
HEADINGS = {
    "arrival": ("Funnel plot around England and Wales", "Trend"),
    "chosen": ("Funnel plot around England and Wales", "Trend"),
    "compared": ("Funnel plot around Kent and Surrey", "Trend, with Kent and Surrey"),
    "group": (
        "Funnel plot around Hampshire's most similar group",
        "Trend, with Hampshire's most similar group",
    ),
    "chosen-only": (
        "Funnel plot around Kent, Surrey and Sussex",
        "Trend, with Kent, Surrey and Sussex",
    ),
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
    headings = page.locator("main h2").all_inner_texts()
    assert all(h in headings for h in HEADINGS[state])
    # the funnel's comparator line and points are drawn, the trend's comparator line too
    assert page.locator("#chart-2 svg path[aria-roledescription='point']").count() >= 40
    if HEADINGS[state][1] != "Trend":
        comparator = HEADINGS[state][1].removeprefix("Trend, with ")
        assert page.locator("#chart-4 svg text", has_text=comparator).count() >= 1
    _shot(page, f"8-indicator-{state}-{WIDTHS[width]}")
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_force_pages_form_chooses_forces_to_compare_with(
    browser: object, address: str, width: str
) -> None:
    """Tick two forces and "The forces chosen", press Compare: the address carries them, and
    the spine is centred and coloured on them, at a desktop's and a phone's width."""
    page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/forces/hampshire")
    form = page.locator("form.op-compare-form")
    form.get_by_text("Choose the forces (for “The forces chosen”)").click()
    form.get_by_label("Kent Police").check()
    form.get_by_label("Surrey Police").check()
    form.get_by_label("The forces chosen", exact=True).check()
    form.get_by_role("button", name="Compare").click()
    page.wait_for_url("**compare=forces**")
    assert "forces=kent" in page.url
    assert "forces=surrey" in page.url
    spine = page.locator("#spine")
    assert spine.is_visible()
    assert page.get_by_text("The black line is Kent and Surrey").count() == 1
    assert page.locator("svg .op-spine-ew").count() > 0
    width_now = page.evaluate("document.documentElement.scrollWidth")
    assert width_now <= WIDTHS[width]
    _shot(page, f"10-force-compared-{WIDTHS[width]}")
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
