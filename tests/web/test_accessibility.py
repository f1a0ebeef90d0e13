"""Every page in a real browser (Playwright driving Debian's chromium) checked by axe-core
(served from /static/axe like the other assets) against WCAG 2.2 A and AA, and on a phone
(390 px wide) for sideways scrolling: public pages, signed-in pages and error pages.

Skipped, with the reason, where chromium or Playwright is absent; under CI=true a missing
chromium fails them (`.ci/run` installs it). Both come from test_browser's ``browser``.
"""

# ruff: noqa: F811  (the fixtures ``address`` and ``browser`` are test_browser's, imported)

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import PASSWORD
from tests.web.test_browser import (  # the server and the browser are theirs
    _shot,
    address,  # noqa: F401
    browser,  # noqa: F401
)

from openpeel.web.app import static_folder

pytestmark = pytest.mark.slow

AXE = "/static/axe/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: the size on screen of every label drawn, turned or not (empty and zero-size texts are unseen)
LABEL_SIZES = """ts => ts
    .map(t => [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize)
                * (t.getScreenCTM() ? Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b) : 1)])
    .filter(([text, size]) => text && size > 0)
    .map(([text, size]) => size)"""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PUBLIC = (
    "/",
    "/?year=2016&pillar=legitimacy",
    "/forces",
    "/forces?q=ham",
    "/forces?q=Southampton",
    "/forces/hampshire",
    "/forces/hampshire?year=2016",
    "/forces/hampshire?compare=msg",
    "/forces/hampshire?compare=forces&forces=kent,surrey",
    "/forces/hampshire/forecasts",
    "/indicators",
    "/indicators/arrests_per_1000",
    "/indicators/arrests_per_1000?force=hampshire",
    "/indicators/arrests_per_1000?force=hampshire&compare=forces&forces=kent,surrey",
    "/indicators/arrests_per_1000?force=hampshire&compare=msg",
    "/indicators/all",
    "/indicators/all?pillar=effectiveness&region=South%20East",
    "/indicators/all?compare=region",
    "/publications",
    "/publications/hampshire-2016",
    "/login",
)
#: 404, 404, 401, 400 (a comparator that does not exist)
ERRORS = ("/no-such-page", "/forces/atlantis", "/workspace", "/indicators/all?compare=nope")
SIGNED_IN = {
    "pat": (
        "/workspace",
        "/workspace/hampshire/2016",
        "/indicators/arrests_per_1000?force=hampshire",
    ),
    "jo": ("/admin/users",),
    "ann": ("/forces/hampshire",),
}


@pytest.fixture(autouse=True)
def axe_served() -> None:
    if not (static_folder() / "axe" / "axe.min.js").exists():
        pytest.fail("axe-core is not in the static folder: run `make assets`")


def _check(page: Any, address: str, path: str) -> list[str]:
    """What is wrong with the page at ``path``: axe's violations, and sideways scrolling."""
    page.goto(address + path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)  # Vega draws after the scripts have loaded
    page.add_script_tag(url=AXE)
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' "
        "+ v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))",
        WCAG,
    )
    problems = [f"{path}: {v}" for v in found]
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        problems.append(f"{path}: scrolls sideways at {viewport} px (the page is {width} px wide)")
    return problems


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_every_public_and_error_page_passes_axe_and_fits_the_screen(
    browser: Any, address: str, viewport: dict[str, int]
) -> None:
    page = browser.new_page(viewport=viewport)
    problems = [p for path in PUBLIC + ERRORS for p in _check(page, address, path)]
    page.close()
    assert problems == []


def test_every_signed_in_page_passes_axe_and_fits_a_phone(browser: Any, address: str) -> None:
    problems = []
    for name, paths in SIGNED_IN.items():
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        page.goto(address + "/login")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        # a force user lands on their force, the others where they were going (the home page)
        page.wait_for_url(lambda url: not url.endswith("/login"))
        problems += [p for path in paths for p in _check(page, address, path)]
        context.close()
    assert problems == []


def test_the_menu_collapses_on_a_phone(browser: Any, address: str) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(address + "/forces/hampshire")
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Indicators", exact=True).is_visible()
    _shot(page, "phone-menu-closed")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="Indicators", exact=True).click()
    page.wait_for_url("**/indicators")
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_charts_fit_the_screen_with_legible_labels_and_their_data_as_tables(
    browser: Any, address: str, viewport: dict[str, int]
) -> None:
    page = browser.new_page(viewport=viewport)
    width = viewport["width"]
    for path, name in (
        ("/", "home"),
        ("/forces/hampshire", "force"),
        ("/indicators/arrests_per_1000?force=hampshire", "indicator"),
        ("/indicators/arrests_per_1000", "indicator-on-arrival"),
    ):
        page.goto(address + path)
        page.wait_for_selector(".opl-chart svg", timeout=20000)
        page.wait_for_timeout(300)
        _shot(page, f"{name}-{width}")
        charts = page.locator(".opl-chart")
        for i in range(charts.count()):
            chart = charts.nth(i)
            where = f"{path}: chart {i + 1}"
            box = chart.locator("svg").bounding_box()
            assert box is not None
            assert box["x"] >= 0, f"{where} starts off the screen"
            assert box["x"] + box["width"] <= width, f"{where} is wider than the screen"
            assert chart.get_attribute("aria-label"), f"{where} has no text alternative"
            sizes = chart.locator("svg text").evaluate_all(LABEL_SIZES)
            assert sizes, f"{where} has no labels"
            assert min(sizes) >= 11, f"{where} has labels of {min(sizes):.1f} px"
            figure = chart.locator("xpath=ancestor::figure[1]")
            assert figure.locator("table").count() >= 1, f"{where} has no data table"
    page.close()
