"""The dashboard as a browser and a script see it: pages and their twins, sign-in with CSRF and
cookie flags, the one error shape, caching, pagination, CSV, local assets only, basic
accessibility, and an inspector confirming a grade through the forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.publishing.test_publish import _Accessibility
from tests.web.conftest import PASSWORD, Site

from openpeel.assess.models import Judgement
from openpeel.web.app import create_app

HTML = {"Accept": "text/html"}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    form = client.get("/login", headers=HTML)
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    return response.status_code


def test_hampshire_2016_effectiveness_with_its_change_and_evidence(shared_site: Site) -> None:
    client = shared_site.client
    found = client.get("/forces?q=hamp", headers=HTML)
    assert 'href="/forces/hampshire"' in found.text
    page = client.get("/forces/hampshire", headers=HTML)
    assert page.status_code == 200
    twin = client.get("/api/forces/hampshire").json()
    row = next(g for g in twin["grades"] if g["edition"] == "2016")
    effectiveness = row["pillars"]["effectiveness"]
    assert effectiveness["grade"] == "requires improvement"
    assert effectiveness["change"] == "downgraded"
    assert "downgraded from good to requires improvement" in effectiveness["sentence"]
    assert effectiveness["sentence"] in page.text.replace("&#39;", "'")
    # the evidence: its published report, with the indicators behind it
    assert 'href="/publications/hampshire-2016"' in page.text
    report = client.get("/publications/hampshire-2016/report.json").json()
    assert report["pillars"][0]["questions"]
    assert twin["key_indicators"], "the key indicators against E&W and the peer group"
    assert "as an index of England and Wales" in twin["key_chart"]["description"]
    first = twin["key_indicators"][0]
    assert {"value_text", "ew_text", "peer_text", "rank_text"} <= set(first)


def test_sign_in_needs_the_csrf_token_and_sets_a_strict_http_only_cookie(site: Site) -> None:
    client = site.client
    # without the form's token: refused
    refused = client.post("/login", data={"username": "pat", "password": PASSWORD})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["detail"]
    # a wrong password: the form again, with the error, and no user
    assert _sign_in(client, "pat", "wrong password!") == 401
    form = client.get("/login", headers=HTML)
    response = client.post(
        "/login",
        data={"username": "pat", "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie  # the demo on 127.0.0.1 serves plain HTTP
    assert client.get("/api/workspace").status_code == 200  # the session is the inspector's
    # the form's token changed with the sign-in: the old one no longer works
    stale = client.post("/workspace/hampshire/2016/propose", data={"csrf_token": _csrf(form.text)})
    assert stale.status_code == 403


def test_cookies_are_secure_when_not_served_on_localhost(built_home: Path, site: Site) -> None:
    app = create_app(built_home, host="0.0.0.0", store=site.store)  # noqa: S104  (never bound)
    client = TestClient(app, base_url="https://peel.example")
    form = client.get("/login", headers=HTML)
    response = client.post(
        "/login",
        data={"username": "pat", "password": PASSWORD, "csrf_token": _csrf(form.text)},
        follow_redirects=False,
    )
    assert "secure" in response.headers["set-cookie"].lower()


def test_an_inspector_confirms_a_grade_through_the_forms(site: Site) -> None:
    client = site.client
    assert _sign_in(client, "pat") == 303
    page = client.get("/workspace/hampshire/2016", headers=HTML)
    assert page.status_code == 200
    assert "Proposed" in page.text
    response = client.post(
        "/workspace/hampshire/2016/confirm",
        data={
            "csrf_token": _csrf(page.text),
            "level": "pillar",
            "target": "legitimacy",
            "grade": "outstanding",
            "rationale": "Test override through the form.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/hampshire/2016"
    with site.store.session() as s:
        j = s.scalars(select(Judgement).where(Judgement.target_id == "legitimacy")).one()
        assert (j.confirmed_grade, j.is_override, j.confirmed_by) == ("outstanding", True, "pat")
    # a form without its token changes nothing
    refused = client.post(
        "/workspace/hampshire/2016/confirm",
        data={"level": "pillar", "target": "legitimacy", "grade": "inadequate"},
    )
    assert refused.status_code == 403


def test_one_error_shape_as_json_and_as_a_page(shared_site: Site) -> None:
    client = shared_site.client
    for path, status in [
        ("/api/forces/atlantis", 404),
        ("/api/indicators/no_such_thing", 404),
        ("/api/overview?year=1999", 422),
        ("/api/overview?year=2030", 404),
        ("/api/publications/hampshire-2016/report.docx", 404),
        ("/api/forces?per_page=0", 422),
        ("/api/workspace", 401),
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        error = response.json()["error"]
        assert set(error) == {"status", "title", "detail", "hint"}
        assert error["status"] == status
    page = client.get("/forces/atlantis", headers=HTML)
    assert page.status_code == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in page.text
    assert "No police force" in page.text


def test_an_unexpected_error_answers_500_in_the_error_shape_with_the_security_headers(
    site: Site,
) -> None:
    # Starlette answers a 500 outside every middleware: the handler sets the headers itself
    def broken() -> None:
        raise RuntimeError("a bug")

    site.client.app.add_api_route("/api/broken", broken)  # type: ignore[attr-defined]
    client = TestClient(site.client.app, raise_server_exceptions=False)
    response = client.get("/api/broken")
    assert response.status_code == 500
    assert response.json()["error"]["status"] == 500
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_caching_headers_and_etags_for_published_content(shared_site: Site) -> None:
    client = shared_site.client
    overview = client.get("/api/overview")
    assert overview.headers["cache-control"] == "public, max-age=60"
    signed = client.get("/api/overview", headers=shared_site.as_user("pat"))
    assert signed.headers["cache-control"] == "private, no-store"
    pdf = client.get("/publications/hampshire-2016/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    etag = pdf.headers["etag"]
    again = client.get("/publications/hampshire-2016/report.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_pagination_and_the_csv_download(shared_site: Site) -> None:
    client = shared_site.client
    first = client.get("/api/forces?per_page=20").json()["forces"]
    last = client.get("/api/forces?per_page=20&page=3").json()["forces"]
    assert (first["total"], first["pages"], len(first["items"])) == (43, 3, 20)
    assert len(last["items"]) == 3
    names = {f["name"] for f in first["items"]} | {f["name"] for f in last["items"]}
    assert len(names) == 23
    csv = client.get("/indicators/arrests_per_1000.csv?period=2016/17")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("indicator_id,")
    assert len(lines) == 1 + 43
    assert "Hampshire Constabulary" in csv.text


PAGES = [
    "/",
    "/?year=2015&pillar=legitimacy",
    "/forces",
    "/forces/hampshire",
    "/indicators",
    "/indicators/arrests_per_1000?force=hampshire",
    "/publications",
    "/publications/hampshire-2016",
    "/login",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_accessible_and_load_nothing_from_elsewhere(shared_site: Site, path: str) -> None:
    html = shared_site.client.get(path, headers=HTML).text
    checker = _Accessibility()
    checker.feed(html)
    assert checker.lang == "en-GB"
    assert checker.levels.count(1) == 1, "one h1"
    assert checker.problems == []
    assert checker.tables == checker.captions
    assert 'name="viewport"' in html  # usable on a phone
    assert 'class="govuk-skip-link"' in html
    # what the page loads is the site's own; a link may lead elsewhere (the licence, the
    # inspectorate's page of a year's report)
    loaded = re.findall(r'src="([^"]+)"', html) + re.findall(r'<link [^>]*href="([^"]+)"', html)
    assert loaded
    for ref in loaded:
        assert not ref.startswith(("http://", "https://", "//")), ref
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert shared_site.client.get(ref).status_code == 200, ref


def test_the_api_docs_are_served_from_local_files(shared_site: Site) -> None:
    docs = shared_site.client.get("/api/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs):
        assert shared_site.client.get(ref).status_code == 200, ref


@pytest.mark.parametrize("path", [*PAGES, "/api/docs", "/api/forces/hampshire", "/nowhere"])
def test_every_response_carries_the_security_headers(shared_site: Site, path: str) -> None:
    response = shared_site.client.get(path, headers=HTML)
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' 'unsafe-eval'"  # no inline scripts: Vega needs eval
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    # the pages' own caching is kept (the security headers do not touch Cache-Control)
    if response.status_code == 200:
        assert response.headers["cache-control"] in ("public, max-age=60", "private, no-store")
    if "text/html" in response.headers["content-type"]:
        # every script is a file: the policy forbids inline ones (JSON data blocks excepted)
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S):
            assert "src=" in attributes or 'type="application/json"' in attributes, body[:80]


def test_an_inspector_attaches_evidence_from_an_indicator_page_and_edits_a_finding(
    site: Site,
) -> None:
    from openpeel.assess.models import Evidence, Finding

    client = site.client
    public = client.get("/api/indicators/arrests_per_1000?force=hampshire").json()
    assert public["attach"] == []  # the public is offered nothing to attach to
    assert _sign_in(client, "pat") == 303
    page = client.get("/indicators/arrests_per_1000?force=hampshire&period=2016/17", headers=HTML)
    assert "Attach this value to the PEEL 2016 assessment" in page.text
    response = client.post(
        "/workspace/hampshire/2016/evidence",
        data={
            "csrf_token": _csrf(page.text),
            "indicator": "arrests_per_1000",
            "period": "2016/17",
            "question": "effectiveness/protecting-vulnerable-people",
            "note": "Attached from the indicator page.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    workspace = client.get("/workspace/hampshire/2016", headers=HTML)
    response = client.post(
        "/workspace/hampshire/2016/findings/edit",
        data={
            "csrf_token": _csrf(workspace.text),
            "finding": "2",
            "kind": "strength",
            "text": "Edited through the form.",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with site.store.session() as s:
        attached = s.scalars(
            select(Evidence).where(Evidence.note == "Attached from the indicator page.")
        ).one()
        assert (attached.indicator_id, attached.period) == ("arrests_per_1000", "2016/17")
        assert attached.value is not None
        edited = s.get(Finding, 2)
        assert edited is not None
        assert (edited.kind, edited.text) == ("strength", "Edited through the form.")
