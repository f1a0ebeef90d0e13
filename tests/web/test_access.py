"""Every route × every role × every state of the publication: who reads what, who changes what.

The expectations are written out here as tables, not derived from the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.web.conftest import ACCOUNTS, Site

from openpeel.assess.models import AccessLogEntry
from openpeel.publishing import reading
from openpeel.web.routers import assessments, recommendations
from openpeel.web.routers.pages import PAGES

ROLES = [None, *ACCOUNTS]  # the public, then ann (Hampshire), kim (Kent), pat (inspector), jo

#: who may read Hampshire's 2016 report in each state (everyone once it is published)
READERS: dict[str, set[str | None]] = {
    "draft": {"pat", "jo"},
    "fact_check": {"ann", "pat", "jo"},
    "embargoed": {"ann", "pat", "jo"},
    "published": set(ROLES),
}

#: the publication's own routes, HTML and JSON
PUBLICATION_ROUTES = [
    "/publications/hampshire-2016",
    "/api/publications/hampshire-2016",
    "/publications/hampshire-2016/report.html",
    "/publications/hampshire-2016/summary.md",
    "/publications/hampshire-2016/press-release.json",
    "/api/publications/hampshire-2016/report.json",
]

#: public pages: open to everyone, in every state
OPEN_ROUTES = [
    "/",
    "/api/overview?year=2016",
    "/forces",
    "/api/forces?q=ham",
    "/forces/hampshire",
    "/api/forces/hampshire",
    "/indicators",
    "/api/indicators",
    "/api/indicators/arrests_per_1000",
]


def _get(site: Site, path: str, who: str | None) -> Any:
    return site.client.get(path, headers=site.as_user(who))


def test_every_page_has_its_json_twin_in_the_openapi_schema(shared_site: Site) -> None:
    paths = shared_site.client.get("/api/openapi.json").json()["paths"]
    for page in PAGES:
        twin = "/api/overview" if page.path == "/" else "/api" + page.path
        assert twin in paths, page.path
        assert page.path not in paths  # the HTML page itself is not part of the API
    for action in (*assessments.ACTIONS, *recommendations.ACTIONS):
        assert "/api" + action.path in paths


@pytest.mark.parametrize("who", ROLES)
def test_the_embargo_and_the_force_scope_for_every_route_role_and_state(
    site_in_state: tuple[str, Site], who: str | None
) -> None:
    state, site = site_in_state
    allowed = who in READERS[state]
    with site.store.session() as s:
        before = max((e.id for e in s.scalars(select(AccessLogEntry))), default=0)
    refused_before = reading.refused_public_reads.count
    for path in PUBLICATION_ROUTES:
        response = _get(site, path, who)
        assert response.status_code == (200 if allowed else 404), (state, who, path)
        if not allowed:
            assert response.json()["error"]["status"] == 404
            assert "Hampshire" not in response.text
    for path in OPEN_ROUTES:
        assert _get(site, path, who).status_code == 200, (state, who, path)
    listed = [
        p["slug"] for p in _get(site, "/api/publications", who).json()["publications"]["items"]
    ]
    assert ("hampshire-2016" in listed) == allowed
    # the force page lists the report, its recommendations and responses only to its readers
    force = _get(site, "/api/forces/hampshire", who).json()
    slugs = [p["slug"] for p in force["publications"]]
    assert slugs == (["hampshire-2016"] if allowed else [])
    assert bool(force["recommendations"]) == allowed
    # the store's 2016 grade counts on the national overview only for the report's readers
    overview = _get(site, "/api/overview?year=2016&pillar=effectiveness", who).json()
    hampshire = next(f for f in overview["forces"] if f["code"] == "E23000030")
    assert hampshire["grade"] == "requires improvement"  # as published in 2017 either way
    # every signed-in read of an output before publication is in the access log, refused or
    # not; the public's refused reads write nothing, and are counted in memory
    with site.store.session() as s:
        logged = [
            (e.output, e.allowed)
            for e in s.scalars(select(AccessLogEntry).where(AccessLogEntry.id > before))
        ]
    refused = reading.refused_public_reads.count - refused_before
    assert refused == (4 if who is None and not allowed else 0)
    if state == "published" or (who is None and not allowed):
        assert logged == []
    else:
        assert sorted(logged) == sorted(
            [("report.html", allowed), ("summary.md", allowed), ("press-release.json", allowed),
             ("report.json", allowed)]
        )  # fmt: skip


#: who may do each change (the rest are refused: 401 for the public, 403 for a user)
DOERS = {
    "findings": {"pat"},
    "edit": {"pat"},
    "evidence": {"pat"},
    "propose": {"pat"},
    "confirm": {"pat"},
    "publish": {"pat"},
    "progress": {"ann", "pat"},
    "responses": {"ann", "pat"},
}


def _body(kind: str) -> tuple[str, dict[str, Any]]:
    base = "/api/workspace/hampshire/2016"
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "findings": (
            f"{base}/findings",
            {"kind": "strength", "question": "effectiveness/preventing-crime", "text": "Test."},
        ),
        "edit": (f"{base}/findings/edit", {"finding": 1, "kind": "strength", "text": "Edited."}),
        "evidence": (
            f"{base}/evidence",
            {
                "indicator": "arrests_per_1000",
                "period": "2016/17",
                "question": "effectiveness/preventing-crime",
            },
        ),
        "propose": (f"{base}/propose", {}),
        "confirm": (
            f"{base}/confirm",
            {"level": "pillar", "target": "efficiency", "rationale": "Test."},
        ),
        "publish": (f"{base}/publish", {"step": "draft"}),
        "progress": (
            "/api/forces/hampshire/recommendations/1/progress",
            {"status": "in_progress", "text": "Test progress."},
        ),
        "responses": (
            "/api/forces/hampshire/responses/2016",
            {"respondent": "chief constable", "text": "Test response."},
        ),
    }
    return bodies[kind]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("kind", list(DOERS))
def test_who_may_change_what(shared_site: Site, kind: str, who: str | None) -> None:
    site = shared_site
    path, body = _body(kind)
    if kind == "publish":  # the published report cannot be redrafted: use Hampshire's check
        body = {"step": "check"}
    response = site.client.post(path, json=body, headers=site.as_user(who))
    if who is None:
        assert response.status_code == 401
    elif who in DOERS[kind]:
        # an inspector's step that the workflow refuses (the report is already out) is a 400
        # with the workflow's reason, never a permission error
        assert response.status_code in ((400,) if kind == "publish" else (200,)), response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["title"] == "Forbidden"


def test_a_force_user_never_reads_another_forces_draft_in_any_state(
    site_in_state: tuple[str, Site],
) -> None:
    state, site = site_in_state
    response = _get(site, "/api/publications/hampshire-2016/report.json", "kim")
    assert response.status_code == (200 if state == "published" else 404)
    assert _get(site, "/api/workspace", "kim").status_code == 403
    progress = site.client.post(
        "/api/forces/hampshire/recommendations/1/progress",
        json={"status": "complete", "text": "Not ours."},
        headers=site.as_user("kim"),
    )
    assert progress.status_code == 403


@pytest.mark.parametrize("who", ROLES)
def test_only_an_admin_sees_and_adds_accounts(shared_site: Site, who: str | None) -> None:
    site = shared_site
    listed = site.client.get("/api/admin/users", headers=site.as_user(who))
    new = {"name": f"new-{who}", "role": "inspector", "password": "a long enough password"}
    added = site.client.post("/api/admin/users", json=new, headers=site.as_user(who))
    if who == "jo":
        assert listed.status_code == 200
        assert {u["name"] for u in listed.json()["users"]} >= set(ACCOUNTS)
        assert added.status_code == 200
        assert "new-jo" in {u["name"] for u in added.json()["users"]}
        again = site.client.post("/api/admin/users", json=new, headers=site.as_user(who))
        assert again.status_code == 400
        assert "already a user called 'new-jo'" in again.json()["error"]["detail"]
    else:
        expected = 401 if who is None else 403
        assert (listed.status_code, added.status_code) == (expected, expected)
