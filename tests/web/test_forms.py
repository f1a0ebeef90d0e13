"""Forms and messages the GOV.UK way, as a browser posts them (cookies and CSRF): a refused form
comes back with an error summary, the message by its field and what was typed; an action that
succeeds shows a success banner once; error pages speak plainly and show who is signed in; a
force user lands on their force, posts progress (public once the inspectorate accepts it) and
responses; dates are written for people."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORD, Site
from tests.web.test_pages import HTML, _csrf, _sign_in

from openpeel.assess.users import MIN_PASSWORD
from openpeel.clock import uk_day
from openpeel.web.contexts.forces import response_state

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _client(site: Site, name: str | None) -> TestClient:
    """A browser of its own (its own cookies), signed in as ``name``."""
    client = TestClient(site.client.app)
    if name is not None:
        assert _sign_in(client, name) == 303
    return client


def _main(html: str) -> str:
    """The page's main content, without its links' addresses."""
    main = html.split('id="main-content"', 1)[1].split("</main>", 1)[0]
    return re.sub(r'(href|action)="[^"]*"', "", main)


def _error_summary(html: str) -> list[tuple[str, str]]:
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', summary)


def test_an_override_without_a_rationale_is_shown_again_with_the_error_by_its_field(
    site: Site,
) -> None:
    client = _client(site, "pat")
    page = client.get("/workspace/hampshire/2016", headers=HTML)
    fid = "confirm-pillar-legitimacy"
    assert f'name="form_id" value="{fid}"' in page.text
    refused = client.post(
        "/workspace/hampshire/2016/confirm",
        data={
            "csrf_token": _csrf(page.text),
            "form_id": fid,
            "level": "pillar",
            "target": "legitimacy",
            "grade": "outstanding",
            "rationale": "   ",
        },
        headers=HTML,
    )
    assert refused.status_code == 400
    assert "<title>Error: " in refused.text
    assert _error_summary(refused.text) == [
        (f"#{fid}-rationale", "Enter a rationale: a grade other than the proposed one needs one")
    ]
    # the message by its field, the field marked, and the grade chosen kept
    assert f'id="{fid}-rationale-error"' in refused.text
    assert "govuk-textarea--error" in refused.text
    form = refused.text.split(f'id="{fid}"', 1)[1].split("</form>", 1)[0]
    assert '<option value="outstanding" selected>' in form
    # no command-line advice, no whole-page "Bad Request"
    assert "--rationale" not in refused.text
    assert "Bad Request" not in refused.text


def test_what_was_typed_is_kept_and_pydantic_errors_are_in_plain_words(site: Site) -> None:
    client = _client(site, "pat")
    page = client.get("/workspace/hampshire/2016", headers=HTML)
    typed = "Crime recording fell short of the standard in <b>every</b> audit."
    question = client.get("/api/workspace/hampshire/2016").json()["choices"]["questions"][0]["id"]
    refused = client.post(
        "/workspace/hampshire/2016/findings",
        data={
            "csrf_token": _csrf(page.text),
            "form_id": "finding-new",
            "kind": "cause_of_concern",
            "question": question,
            "text": typed,
            "recommendation": "",
        },
        headers=HTML,
    )
    assert refused.status_code == 400
    # a cause of concern with no recommendation: the service's error, in the web's words
    assert _error_summary(refused.text) == [
        ("#finding-new-recommendation", "Enter the recommendation: a cause of concern needs one")
    ]
    assert "Crime recording fell short of the standard in &lt;b&gt;every&lt;/b&gt; audit." in (
        refused.text
    )
    assert '<details class="govuk-details" open>' in refused.text  # the form is open
    empty = client.post(
        "/workspace/hampshire/2016/findings",
        data={"csrf_token": _csrf(page.text), "form_id": "finding-new", "kind": "strength"},
        headers=HTML,
    )
    assert empty.status_code == 400
    assert {text: href for href, text in _error_summary(empty.text)} == {
        "Enter the question": "#finding-new-question",
        "Enter the finding": "#finding-new-text",
    }
    # a refused form changed nothing
    assert typed not in client.get("/api/workspace/hampshire/2016").text


def test_a_success_banner_after_an_action_shown_once(site: Site) -> None:
    client = _client(site, "pat")
    page = client.get("/workspace/hampshire/2016", headers=HTML)
    done = client.post(
        "/workspace/hampshire/2016/confirm",
        data={
            "csrf_token": _csrf(page.text),
            "form_id": "confirm-pillar-legitimacy",
            "level": "pillar",
            "target": "legitimacy",
            "grade": "outstanding",
            "rationale": "Banner test.",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/workspace/hampshire/2016"
    shown = client.get(done.headers["location"], headers=HTML)
    assert "govuk-notification-banner--success" in shown.text
    assert "The grade is confirmed." in shown.text
    again = client.get(done.headers["location"], headers=HTML)
    assert "govuk-notification-banner" not in again.text


def test_error_pages_speak_plainly_and_show_who_is_signed_in(site: Site) -> None:
    inspector = _client(site, "pat")
    missing = inspector.get("/forces/atlantis", headers=HTML)
    assert missing.status_code == 404
    assert "<title>Page not found – OpenPEEL</title>" in missing.text
    assert "Sign out pat (inspector)" in missing.text
    assert ">Sign in<" not in missing.text
    # the JSON keeps its one shape
    assert inspector.get("/api/forces/atlantis").json()["error"]["title"] == "Not Found"
    force = _client(site, "ann")
    refused = force.get("/workspace", headers=HTML)
    assert refused.status_code == 403
    assert '<h1 class="govuk-heading-l">You do not have permission to view this page</h1>' in (
        refused.text
    )
    assert "Sign out ann (force)" in refused.text
    # a period the indicator does not have: no command-line advice
    bad = _client(site, None).get("/indicators/arrests_per_1000?period=1066/67", headers=HTML)
    assert bad.status_code == 400
    assert "There is a problem with your request" in bad.text
    assert "openpeel indicators" not in bad.text
    assert "The indicator&#39;s page lists its periods." in bad.text
    assert ">Sign in<" in bad.text  # the public is not signed in


def test_a_force_user_lands_on_their_force_and_others_where_they_asked(site: Site) -> None:
    for name, expected in [("ann", "/forces/hampshire"), ("kim", "/forces/kent"), ("pat", "/")]:
        client = TestClient(site.client.app)
        form = client.get("/login", headers=HTML)
        response = client.post(
            "/login",
            data={"username": name, "password": PASSWORD, "csrf_token": _csrf(form.text)},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected, name
    client = TestClient(site.client.app)
    form = client.get("/login?next=/publications", headers=HTML)
    response = client.post(
        "/login",
        data={
            "username": "ann",
            "password": PASSWORD,
            "csrf_token": _csrf(form.text),
            "next": "/publications",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/publications"


def _recommendation(site: Site) -> tuple[int, str]:
    """A recommendation of the published report, and a status it does not have."""
    twin = _client(site, None).get("/api/forces/hampshire").json()
    assert twin["recommendations"], "the published report makes recommendations"
    first = twin["recommendations"][0]
    return int(first["id"]), "in_progress" if first["status"] != "in_progress" else "complete"


def test_progress_is_attributed_and_public_only_once_the_inspectorate_accepts_it(
    site: Site,
) -> None:
    rec, status = _recommendation(site)
    force = _client(site, "ann")
    page = force.get("/forces/hampshire", headers=HTML)
    fid = f"progress-{rec}"
    empty = force.post(
        f"/forces/hampshire/recommendations/{rec}/progress",
        data={"csrf_token": _csrf(page.text), "form_id": fid, "status": status, "text": ""},
        headers=HTML,
    )
    assert empty.status_code == 400
    assert _error_summary(empty.text) == [(f"#{fid}-text", "Enter the progress made")]
    assert f'<option value="{status}" selected>' in empty.text
    said = "A new crime recording audit team started in April."
    posted = force.post(
        f"/forces/hampshire/recommendations/{rec}/progress",
        data={"csrf_token": _csrf(page.text), "form_id": fid, "status": status, "text": said},
        headers=HTML,
    )
    assert posted.status_code == 200  # followed to the force page
    assert "It will be public once the inspectorate accepts it." in posted.text
    assert "awaiting the inspectorate's review, not public" in posted.text
    assert "Posted by ann" in posted.text
    # the public does not see it, nor its status
    public = _client(site, None)
    twin = public.get("/api/forces/hampshire").json()
    shown = next(r for r in twin["recommendations"] if r["id"] == rec)
    assert said not in str(shown["updates"])
    assert shown["status"] != status
    assert said not in public.get("/forces/hampshire", headers=HTML).text
    # nor does the force accept its own progress
    mine = next(r for r in force.get("/api/forces/hampshire").json()["recommendations"]
                if r["id"] == rec)  # fmt: skip
    update = next(u for u in mine["updates"] if u["text"] == said)
    assert update["accepted"] is False
    assert "Accept and make public" not in posted.text
    refused = force.post(
        f"/forces/hampshire/progress/{update['id']}/accept",
        data={"csrf_token": _csrf(page.text)},
        headers=HTML,
    )
    assert refused.status_code == 403
    # nor anyone but an inspector, by the API either
    for who, expected in [(None, 401), ("kim", 403), ("jo", 403), ("ann", 403)]:
        tried = site.client.post(
            f"/api/forces/hampshire/progress/{update['id']}/accept",
            json={},
            headers=site.as_user(who),
        )
        assert tried.status_code == expected, who
    # the inspectorate accepts it: public, with who posted it and who accepted it
    inspector = _client(site, "pat")
    page = inspector.get("/forces/hampshire", headers=HTML)
    assert "Accept and make public" in page.text
    accepted = inspector.post(
        f"/forces/hampshire/progress/{update['id']}/accept",
        data={"csrf_token": _csrf(page.text)},
        headers=HTML,
    )
    assert "The progress is accepted and public." in accepted.text
    html = public.get("/forces/hampshire", headers=HTML).text
    assert said in html
    assert "Posted by ann; accepted by the inspectorate on 2 March 2017." in html
    shown = next(r for r in public.get("/api/forces/hampshire").json()["recommendations"]
                 if r["id"] == rec)  # fmt: skip
    assert [u["accepted"] for u in shown["updates"] if u["text"] == said] == [True]


def test_a_force_sends_its_response_by_the_form(site: Site) -> None:
    force = _client(site, "ann")
    page = force.get("/forces/hampshire", headers=HTML)
    assert "Send a response to a report" in page.text
    empty = force.post(
        "/forces/hampshire/responses/2016",
        data={
            "csrf_token": _csrf(page.text),
            "form_id": "response",
            "respondent": "chief constable",
            "text": "",
            "url": "https://www.hampshire.police.uk/peel-response",
        },
        headers=HTML,
    )
    assert empty.status_code == 400
    assert _error_summary(empty.text) == [("#response-text", "Enter the response")]
    assert 'value="https://www.hampshire.police.uk/peel-response"' in empty.text
    done = force.post(
        "/forces/hampshire/responses/2016",
        data={
            "csrf_token": _csrf(page.text),
            "form_id": "response",
            "respondent": "chief constable",
            "text": "We accept the recommendations.",
        },
        headers=HTML,
    )
    assert done.status_code == 200
    assert "The response is recorded." in done.text
    main = _main(_client(site, None).get("/forces/hampshire", headers=HTML).text)
    assert "We accept the recommendations." in main
    assert re.search(r"Received</strong> 2 March 2017", main)


def test_responses_are_received_due_or_overdue() -> None:
    now = datetime(2017, 5, 1, 12, tzinfo=ZoneInfo("Europe/London"))
    assert response_state(date(2017, 4, 2), date(2017, 4, 27), now) == "received"
    assert response_state(None, date(2017, 5, 27), now) == "due"
    assert response_state(None, date(2017, 4, 27), now) == "overdue"
    assert response_state(None, None, now) == "due"


def test_dates_are_written_for_people(shared_site: Site) -> None:
    assert uk_day("2017-04-27") == "27 April 2017"
    assert uk_day(date(2017, 4, 7)) == "7 April 2017"
    # a time counts on its UK day (00:30 BST on 1 June is 31 May 23:30 UTC)
    assert uk_day(datetime(2017, 5, 31, 23, 30, tzinfo=ZoneInfo("UTC"))) == "1 June 2017"
    assert uk_day(None) == ""
    page = _main(shared_site.client.get("/forces/hampshire", headers=HTML).text)
    assert re.search(r"Due</strong> by \d{1,2} [A-Z][a-z]+ \d{4}", page)
    assert re.search(r"<li>\d{1,2} [A-Z][a-z]+ \d{4}, (open|in progress|complete)", page)
    # no ISO date written by the page (what a report's own text says is its own)
    assert not re.search(r"(due|by|Received</strong>|<li>) ?\d{4}-\d{2}-\d{2}", page)
    for path in ["/publications", "/publications/hampshire-2016"]:
        main = _main(shared_site.client.get(path, headers=HTML).text)
        assert not ISO_DAY.search(main), (path, ISO_DAY.findall(main))


def test_a_year_opens_that_years_report(shared_site: Site) -> None:
    page = shared_site.client.get("/forces/hampshire", headers=HTML).text
    assert 'href="/publications/hampshire-2016" aria-label="The PEEL 2016 report"' in page
    twin = shared_site.client.get("/api/forces/hampshire").json()
    reports = {row["edition"]: row["report"] for row in twin["grades"]}
    assert reports["2016"] == "/publications/hampshire-2016"
    # the years before OpenPEEL: the page the grades were read from
    assert all(r and r.startswith(("https://", "/")) for r in reports.values())


def test_the_admin_chooses_a_force_by_name_and_a_refused_account_keeps_its_values(
    site: Site,
) -> None:
    admin = _client(site, "jo")
    page = admin.get("/admin/users", headers=HTML)
    select = page.text.split('id="user-force"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select)
    assert len(options) == 44  # none, and the 43 forces
    assert ("E23000030", "Hampshire Constabulary") in options
    refused = admin.post(
        "/admin/users",
        data={
            "csrf_token": _csrf(page.text),
            "form_id": "user",
            "name": "sam",
            "role": "force",
            "force": "",
            "password": PASSWORD,
        },
        headers=HTML,
    )
    assert refused.status_code == 400
    assert _error_summary(refused.text) == [("#user-force", "Choose the force of a force user")]
    assert 'id="user-name" name="name" type="text" value="sam"' in refused.text
    assert PASSWORD not in refused.text  # a password is never sent back
    short = admin.post(
        "/admin/users",
        data={"csrf_token": _csrf(page.text), "name": "sam", "role": "inspector", "password": "x"},
        headers=HTML,
    )
    assert _error_summary(short.text) == [
        ("#user-password", f"The password must be at least {MIN_PASSWORD} characters")
    ]
    done = admin.post(
        "/admin/users",
        data={
            "csrf_token": _csrf(page.text),
            "name": "sam",
            "role": "force",
            "force": "E23000030",
            "password": PASSWORD,
        },
        headers=HTML,
    )
    assert "The account sam is added." in done.text
    assert '<td class="govuk-table__cell">Hampshire Constabulary</td>' in done.text


def test_serve_finds_the_demo_sign_ins_whose_passwords_are_unchanged(tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    from openpeel.assess.store import Store
    from openpeel.assess.users import add_user
    from openpeel.cli.app import _demo_sign_ins

    store = Store.open(tmp_path)
    with store.session() as s:
        add_user(s, "inspector", "inspector", "demo-inspector-password", "demo")
        add_user(s, "hampshire", "force", "demo-hampshire-password", "demo", force="Hampshire")
        add_user(
            s, "admin", "admin", "demo-admin-password", "demo"
        ).password_hash = PasswordHasher().hash("a password of its own")
    store.close()
    assert _demo_sign_ins(tmp_path) == [
        ("inspector", "inspector", "demo-inspector-password"),
        ("hampshire", "force", "demo-hampshire-password"),
    ]
