"""What the public and a cache see: no cookie on a public page (and no public caching of one
that sets a cookie); HEAD answered wherever GET is; one answer for a report that does not exist
and one that may not be read yet, on every read route, with nothing written to the store for a
refused public read; text and links escaped in every format of a report."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select, update
from tests.web.conftest import BUILT, PASSWORD, Site, make_site

from openpeel.access import Viewer
from openpeel.assess import service
from openpeel.assess.bulk import load_yaml
from openpeel.assess.models import AccessLogEntry, Response
from openpeel.assess.store import Store
from openpeel.assess.users import add_user
from openpeel.publishing import reading, workflow
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse

HTML = {"Accept": "text/html"}

#: public pages and twins, as HTML and JSON (the published report's too)
PUBLIC_GETS = [
    "/",
    "/api/overview?year=2016",
    "/forces",
    "/api/forces?q=ham",
    "/forces/hampshire",
    "/api/forces/hampshire",
    "/forces/hampshire/forecasts",
    "/indicators",
    "/indicators/arrests_per_1000",
    "/api/indicators/arrests_per_1000",
    "/indicators/arrests_per_1000.csv",
    "/publications",
    "/publications/hampshire-2016",
    "/api/publications/hampshire-2016",
    "/publications/hampshire-2016/report.html",
    "/publications/hampshire-2016/summary.md",
    "/api/docs",
]


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_a_public_page_sets_no_cookie_and_may_be_cached(shared_site: Site, path: str) -> None:
    client = shared_site.client
    client.cookies.clear()
    for headers in (HTML, {}):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path
        assert response.headers["cache-control"].startswith("public"), path


def test_a_page_that_sets_a_cookie_is_never_publicly_cached(shared_site: Site) -> None:
    client = shared_site.client
    client.cookies.clear()
    form = client.get("/login", headers=HTML)
    assert "set-cookie" in form.headers  # the sign-in form's CSRF token
    assert form.headers["cache-control"] == "private, no-store"
    signed = client.get("/forces/hampshire", headers=shared_site.as_user("pat"))
    assert signed.headers["cache-control"] == "private, no-store"
    client.cookies.clear()


#: a value for each path parameter, to reach every GET route
PARAMETERS = {
    "force": "hampshire",
    "indicator": "arrests_per_1000",
    "slug": "hampshire-2016",
    "output": "report",
    "fmt": "html",
    "edition": "2016",
    "item": "spine",
}


def _get_routes(routes: list[Any]) -> Iterator[str]:
    """The paths of the GET routes, inside included routers too."""
    for r in routes:
        included = getattr(r, "original_router", None)  # FastAPI's included router
        if included is not None:
            yield from _get_routes(included.routes)
        elif isinstance(r, APIRoute) and "GET" in (r.methods or set()):
            yield r.path


def test_head_is_answered_wherever_get_is(shared_site: Site) -> None:
    client = shared_site.client
    routes = list(_get_routes(client.app.routes))  # type: ignore[attr-defined]
    paths = [re.sub(r"\{(\w+)\}", lambda m: PARAMETERS[m.group(1)], p) for p in routes]
    assert len(paths) > 20
    for path in [*paths, "/static/favicon.svg"]:
        get = client.get(path, headers=shared_site.as_user("jo"), follow_redirects=False)
        head = client.head(path, headers=shared_site.as_user("jo"), follow_redirects=False)
        assert head.status_code == get.status_code != 405, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path


#: every route that reads a publication, with SLUG for its slug
READ_ROUTES = [
    "/publications/SLUG",
    "/api/publications/SLUG",
    "/publications/SLUG/report.html",
    "/publications/SLUG/report.pdf",
    "/publications/SLUG/summary.md",
    "/api/publications/SLUG/report.json",
    "/api/publications/SLUG/press-release.json?version=1",
    "/publications/SLUG/no-such-output.html",
]


@pytest.mark.parametrize("state", ["draft", "fact_check", "embargoed"])
def test_a_draft_answers_exactly_as_an_unknown_report_does(
    built_home: Path, tmp_path: Path, state: str
) -> None:
    site = make_site(built_home, tmp_path, state)
    try:
        for who in (None, "kim"):  # the public, and another force's user
            for route in READ_ROUTES:
                for headers in ({}, HTML):
                    answers = []
                    for slug in ("hampshire-2016", "no-such-report"):
                        r = site.client.get(
                            route.replace("SLUG", slug), headers={**headers, **site.as_user(who)}
                        )
                        answers.append((r.status_code, r.text.replace(slug, "SLUG")))
                    assert answers[0] == answers[1], (who, route, headers)
                    assert answers[0][0] == 404
    finally:
        site.store.close()


def test_refused_public_reads_write_nothing_and_are_counted(
    built_home: Path, tmp_path: Path
) -> None:
    site = make_site(built_home, tmp_path, "embargoed")
    try:
        with site.store.session() as s:
            rows = s.scalar(select(func.count()).select_from(AccessLogEntry)) or 0
        before = reading.refused_public_reads.count
        for _ in range(100):
            assert site.client.get("/publications/hampshire-2016/report.html").status_code == 404
            assert (
                site.client.get("/api/publications/hampshire-2016/report.json").status_code == 404
            )
        with site.store.session() as s:
            assert s.scalar(select(func.count()).select_from(AccessLogEntry)) == rows
        assert reading.refused_public_reads.count - before == 200
        admin = site.client.get("/api/admin/users", headers=site.as_user("jo")).json()
        assert admin["refused_public_reads"] >= 200
        # a signed-in user's refused read is still logged
        site.client.get("/publications/hampshire-2016/report.html", headers=site.as_user("kim"))
        with site.store.session() as s:
            assert s.scalar(select(func.count()).select_from(AccessLogEntry)) == rows + 1
    finally:
        site.store.close()


HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> [click](javascript:alert(3))'


def test_text_and_links_are_escaped_in_every_format_of_a_report(
    built_home: Path, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'assessments.sqlite'}")
    with Warehouse(built_home, read_only=True) as wh, store.session() as s:
        a = load_yaml(s, wh, assessments_path() / "hampshire-2016.yaml", "tester").assessment
        service.add_finding(s, a, "strength", HOSTILE, "tester", pillar="effectiveness")
        service.record_response(
            s, a, "chief constable", "tester", received_on=BUILT.date(), text=HOSTILE,
            url="https://www.hampshire.police.uk/response.pdf",
        )  # fmt: skip
        # a link stored before links were checked (written straight into the table)
        s.flush()
        s.execute(update(Response).values(url="javascript:alert(4)"))
        add_user(s, "pat", "inspector", PASSWORD, "tester")
        workflow.draft(s, wh, "Hampshire", "2016", "tester", BUILT)
    pat = Viewer(name="pat", role="inspector")
    now = datetime(2017, 2, 21, tzinfo=UTC)
    with store.session() as s:
        md = reading.read(s, "hampshire-2016", "report", "md", pat, now).decode()
        html = reading.read(s, "hampshire-2016", "report", "html", pat, now).decode()
    store.close()
    assert "alert(1)" in md  # the text is there, as text
    assert "<script" not in md
    assert "<img" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # no link: the brackets escaped
    assert "\\[click\\](javascript:alert(3))" in md
    assert "javascript:" not in html.split("<body", 1)[1].replace("(javascript:alert(3))", "")
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert csp is not None
    assert "default-src 'none'" in csp.group(1)
    assert "script-src" not in csp.group(1)  # no script may run, from anywhere


def test_a_javascript_link_is_refused_by_the_force_s_form(site: Site) -> None:
    refused = site.client.post(
        "/api/forces/hampshire/responses/2016",
        headers=site.as_user("ann"),
        json={
            "respondent": "chief constable",
            "text": "Our response",
            "url": "javascript:alert(1)",
        },
    )
    assert refused.status_code == 400
    assert "only http:// and https:// links are kept" in refused.json()["error"]["detail"]
