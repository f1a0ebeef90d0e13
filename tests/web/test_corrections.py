"""Published means frozen (issue 15, item 6): an inspector's new grade and new finding for a
published assessment stay out of every public page until a correction of the report is
published through its own steps, with a note of what changed, when and why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.web.conftest import Site

BASE = "/api/workspace/hampshire/2016"
NEW_FINDING = "A finding recorded after publication."


def _post(site: Site, path: str, body: dict[str, Any], who: str = "pat") -> Any:
    response = site.client.post(path, json=body, headers=site.as_user(who))
    assert response.status_code == 200, response.text
    return response.json()


def _refused(site: Site, body: dict[str, Any]) -> Any:
    response = site.client.post(f"{BASE}/publish", json=body, headers=site.as_user("pat"))
    assert response.status_code == 400, response.text
    return response


def _public(site: Site) -> tuple[str, str, str, str]:
    """Hampshire's 2016 effectiveness grade on the force page and the overview, and the public
    report's text, as the public sees them."""
    force = site.client.get("/api/forces/hampshire").json()
    grade = next(g for g in force["grades"] if g["edition"] == "2016")["pillars"]["effectiveness"]
    overview = site.client.get("/api/overview?year=2016&pillar=effectiveness").json()
    national = next(f for f in overview["forces"] if f["code"] == "E23000030")
    report = site.client.get("/publications/hampshire-2016/report.md").text
    html = site.client.get("/forces/hampshire", headers={"Accept": "text/html"}).text
    return grade["grade"], national["grade"], report, html


def test_a_change_after_publication_is_public_only_as_a_published_correction(
    site: Site,
) -> None:
    assert _public(site)[:2] == ("requires improvement", "requires improvement")
    # the reproduction: a new grade and a new finding for the published assessment
    _post(
        site,
        f"{BASE}/confirm",
        {"level": "pillar", "target": "effectiveness", "grade": "good", "rationale": "Later."},
    )
    work = _post(
        site,
        f"{BASE}/findings",
        {"kind": "strength", "question": "effectiveness/preventing-crime", "text": NEW_FINDING},
    )
    grade, national, report, html = _public(site)
    assert (grade, national) == ("requires improvement", "requires improvement")
    assert NEW_FINDING not in report
    assert NEW_FINDING not in html
    # the inspector sees the working state, marked as not published
    effectiveness = next(j for j in work["judgements"] if j["target"] == "effectiveness")
    assert (effectiveness["confirmed"], effectiveness["published"]) == (
        "good",
        "requires improvement",
    )
    assert [f["unpublished"] for f in work["findings"] if f["text"] == NEW_FINDING] == ["new"]
    changes = work["publication"]["unpublished_changes"]
    pending = {c["what"]: (c["before"], c["after"]) for c in changes}
    assert pending["Effectiveness: grade"] == ("requires improvement", "good")
    html_headers = {**site.as_user("pat"), "Accept": "text/html"}
    page = site.client.get("/workspace/hampshire/2016", headers=html_headers)
    assert "not published" in page.text
    assert "the working state" in page.text

    # a correction: drafted with its reason, checked by the force, scheduled
    refused = _refused(site, {"step": "correct"})
    assert refused.status_code == 400
    assert "reason" in refused.json()["error"]["detail"]
    _post(site, f"{BASE}/publish", {"step": "correct", "why": "The grade was recorded wrongly."})
    _post(site, f"{BASE}/publish", {"step": "check"})
    ann = site.client.get("/api/forces/hampshire", headers=site.as_user("ann")).json()
    in_check = next(g for g in ann["grades"] if g["edition"] == "2016")["pillars"]["effectiveness"]
    assert (in_check["grade"], in_check["state"]) == ("good", "fact_check")
    release = site.clock[0] + timedelta(hours=2)
    at = release.astimezone().strftime("%Y-%m-%d %H:%M%z")
    _post(site, f"{BASE}/publish", {"step": "schedule", "at": at})
    assert _public(site)[:2] == ("requires improvement", "requires improvement")

    # at its time, with no one acting, the correction is what the public sees, with its note
    site.clock[0] = release + timedelta(minutes=1)
    grade, national, report, html = _public(site)
    assert (grade, national) == ("good", "good")
    assert NEW_FINDING in report
    assert "## Corrections" in report
    assert "The grade was recorded wrongly." in report
    assert "Effectiveness: grade: requires improvement → good" in report
    page = site.client.get("/api/publications/hampshire-2016").json()
    (note,) = page["corrections"]
    assert note["reason"] == "The grade was recorded wrongly."
    assert note["released_at"].startswith(release.isoformat()[:16])
    assert "Corrected" in html
    assert "The grade was recorded wrongly." in html
    # the original stays readable, as it was
    original = site.client.get("/publications/hampshire-2016/report.json?version=0").json()
    assert original["pillars"][0]["grade"] == "requires improvement"
    assert "corrections" not in original


def test_a_past_release_time_is_refused_unless_confirmed_and_a_release_can_be_withdrawn(
    site: Site,
) -> None:
    _post(
        site,
        f"{BASE}/confirm",
        {"level": "pillar", "target": "legitimacy", "grade": "outstanding", "rationale": "Later."},
    )
    _post(site, f"{BASE}/publish", {"step": "correct", "why": "A late finding."})
    _post(site, f"{BASE}/publish", {"step": "check"})
    past = (site.clock[0] - timedelta(days=1)).strftime("%Y-%m-%d %H:%M+00:00")
    refused = _refused(site, {"step": "schedule", "at": past})
    assert refused.status_code == 400
    assert "not in the future" in refused.json()["error"]["detail"]
    later = (site.clock[0] + timedelta(days=1)).strftime("%Y-%m-%d %H:%M+00:00")
    _post(site, f"{BASE}/publish", {"step": "schedule", "at": later})
    work = _post(site, f"{BASE}/publish", {"step": "withdraw", "why": "Not ready."})
    states = [v["state"] for v in work["publication"]["versions"]]
    assert states == ["published", "fact_check"]
    site.clock[0] += timedelta(days=2)
    legitimacy = site.client.get("/api/forces/hampshire").json()["grades"]
    assert (
        next(g for g in legitimacy if g["edition"] == "2016")["pillars"]["legitimacy"]["grade"]
        == "good"
    )
    # released now, confirmed
    _post(site, f"{BASE}/publish", {"step": "schedule", "now": True})
    legitimacy = site.client.get("/api/forces/hampshire").json()["grades"]
    assert (
        next(g for g in legitimacy if g["edition"] == "2016")["pillars"]["legitimacy"]["grade"]
        == "outstanding"
    )
