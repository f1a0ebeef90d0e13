"""In a real browser (Playwright driving Debian's chromium): a newcomer finds Hampshire, sees its
2016 effectiveness grade with its change since 2015 and the evidence behind it, and an
inspector signs in and confirms a grade. Screenshots are kept in build/screenshots.

Skipped, with the reason, where chromium or Playwright is absent; under CI=true a missing
chromium fails them (`.ci/run` installs it).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select
from tests.conftest import need
from tests.web.conftest import PASSWORD, Site

from openpeel.assess.models import Judgement

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def address(shared_site: Site) -> Iterator[str]:
    """The dashboard served over HTTP on a free port, in a thread."""
    port = _free_port()
    app = shared_site.client.app
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        need("chromium", "no chromium here")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _watch(page: object) -> list[str]:
    """Collect the page's console errors and uncaught exceptions (a script or style the
    content-security policy refuses shows up here)."""
    seen: list[str] = []
    page.on(  # type: ignore[attr-defined]
        "console", lambda m: seen.append(m.text) if m.type == "error" else None
    )
    page.on("pageerror", lambda e: seen.append(str(e)))  # type: ignore[attr-defined]
    page.on(  # type: ignore[attr-defined]
        "response", lambda r: seen.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return seen


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_newcomer_finds_hampshire_and_its_2016_effectiveness_grade(
    browser: object, address: str
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/")
    page.wait_for_selector("#grade-map svg", timeout=20000)  # the map, drawn by Vega
    _shot(page, "1-national-overview")
    page.get_by_role("link", name="Forces", exact=True).click()
    page.get_by_label("Name of the force or its area").fill("Hampshire")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Hampshire Constabulary").click()
    page.wait_for_url("**/forces/hampshire")
    text = page.locator("main").inner_text()
    assert "effectiveness: downgraded from good to requires improvement since PEEL 2015" in text
    _shot(page, "2-hampshire")
    # the evidence: the report, and an indicator with its charts
    page.get_by_role("link", name="PEEL 2016: Hampshire Constabulary").click()
    page.get_by_role("link", name="Web page").first.click()
    assert "Effectiveness: downgraded from good to requires improvement" in page.content()
    _shot(page, "3-hampshire-2016-report")
    page.goto(address + "/indicators/arrests_per_1000?force=hampshire")
    page.wait_for_selector("#chart-1 svg", timeout=20000)
    _shot(page, "4-indicator")
    # keyboard: the skip link is the first thing a tab reaches
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    assert errors == []
    page.close()


def test_the_api_docs_work_under_the_security_policy(browser: object, address: str) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/api/docs")
    page.wait_for_selector(".opblock", timeout=20000)  # Swagger UI drew the operations
    assert page.locator(".opblock").count() > 10
    _shot(page, "7-api-docs")
    assert errors == []
    page.close()


def test_an_inspector_signs_in_and_confirms_a_grade(
    browser: object, address: str, shared_site: Site
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/login?next=/workspace")
    page.get_by_label("Name").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/workspace")
    page.get_by_role("link", name="Hampshire Constabulary").click()
    _shot(page, "5-workspace-phone")
    form = page.locator("form.opl-confirm").filter(has=page.locator('input[value="efficiency"]'))
    form.get_by_label("Grade").select_option("outstanding")
    form.get_by_label("Rationale").fill("Confirmed in the browser test.")
    form.get_by_role("button").click()
    page.wait_for_url("**/workspace/hampshire/2016")
    assert "Confirmed in the browser test." in page.locator("main").inner_text()
    _shot(page, "6-grade-confirmed")
    with shared_site.store.session() as s:
        j = s.scalars(select(Judgement).where(Judgement.target_id == "efficiency")).one()
        assert (j.confirmed_grade, j.confirmed_by) == ("outstanding", "pat")
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_refused_form_comes_back_with_its_errors_and_a_done_one_with_a_banner(
    browser: object, address: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    errors = _watch(page)
    page.goto(address + "/login?next=/workspace/hampshire/2016")
    page.get_by_label("Name").fill("pat")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/workspace/hampshire/2016")
    form = page.locator("form.opl-confirm").filter(has=page.locator('input[value="legitimacy"]'))
    form.get_by_label("Grade").select_option("inadequate")
    form.get_by_role("button").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    _shot(page, f"8-form-error-{width}")
    # the summary links to the field, which keeps what was chosen
    summary.get_by_role("link").click()
    field = page.locator("#confirm-pillar-legitimacy-rationale")
    assert field.evaluate("el => el === document.activeElement")
    again = page.locator("#confirm-pillar-legitimacy")
    assert again.get_by_label("Grade").input_value() == "inadequate"
    field.fill("Overridden in the browser test.")
    again.get_by_role("button").click()
    page.locator(".govuk-notification-banner--success").wait_for()
    assert "The grade is confirmed." in page.locator("main").inner_text()
    _shot(page, f"9-form-done-{width}")
    # the refused form's page answers 400 (the browser logs it); nothing else failed
    refused = f"{address}/workspace/hampshire/2016/confirm"
    assert sorted(errors) == [
        f"400 {refused}",
        "Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]
    page.close()
