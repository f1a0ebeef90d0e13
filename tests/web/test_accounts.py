"""Accounts on the web under attack: sign-in throttled by name and by address (429 with
Retry-After, as a page and as JSON), password checks rationed (503 beyond), sessions that end on
the server (sign-out, a disabled account, a new password), the admin's forms and their twins,
and cookies: Secure behind a trusted TLS proxy only, never on a publicly cached page."""

from __future__ import annotations

import re
import threading

import anyio
import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORD, Site

from openpeel.web.app import create_app
from openpeel.web.throttle import HashSlots, Rule, SignInBusy, Throttle

HTML = {"Accept": "text/html"}
NEW_PASSWORD = "purple elephant umbrella"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD, **headers: str) -> object:
    form = client.get("/login", headers=HTML)
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": _csrf(form.text)},
        headers={**HTML, **headers},
        follow_redirects=False,
    )


def _client(site: Site, **options: object) -> TestClient:
    return TestClient(site.client.app, **options)  # type: ignore[arg-type]


class Clock:
    """A clock the test moves (the throttle's waits are never slept through)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(site: Site, account: Rule, address: Rule) -> Clock:
    clock = Clock()
    site.client.app.state.web.throttle = Throttle(account, address, clock)  # type: ignore[attr-defined]
    return clock


def test_a_saved_cookie_does_not_work_after_sign_out(site: Site) -> None:
    client = _client(site)
    assert _sign_in(client, "pat").status_code == 303  # type: ignore[attr-defined]
    saved = dict(client.cookies)
    page = client.get("/workspace", headers=HTML)
    assert page.status_code == 200
    signed_out = client.post(
        "/logout", data={"csrf_token": _csrf(page.text)}, follow_redirects=False
    )
    assert signed_out.status_code == 303
    replay = _client(site, cookies=saved)
    assert replay.get("/api/workspace").status_code == 401
    assert "Sign out" not in replay.get("/", headers=HTML).text


def test_a_disabled_account_s_sessions_end_at_once_and_the_admin_forms_work(site: Site) -> None:
    pat, jo = _client(site), _client(site)
    assert _sign_in(pat, "pat").status_code == 303  # type: ignore[attr-defined]
    assert _sign_in(jo, "jo").status_code == 303  # type: ignore[attr-defined]
    assert pat.get("/api/workspace").status_code == 200
    admin = jo.get("/admin/users", headers=HTML)
    token = _csrf(admin.text)
    assert 'action="/admin/users/pat/disable"' in admin.text
    # a form without the CSRF token is refused and changes nothing
    assert jo.post("/admin/users/pat/disable", data={}).status_code == 403
    assert pat.get("/api/workspace").status_code == 200
    done = jo.post("/admin/users/pat/disable", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert pat.get("/api/workspace").status_code == 401  # at once
    disabled = _sign_in(_client(site), "pat")
    assert disabled.status_code == 401  # type: ignore[attr-defined]
    assert "The account is disabled" in disabled.text  # type: ignore[attr-defined]
    assert "disabled</strong>" in jo.get("/admin/users", headers=HTML).text
    jo.post("/admin/users/pat/enable", data={"csrf_token": token})
    # a weak password is refused with the policy's reason; a good one ends the sessions
    weak = jo.post(
        "/admin/users/pat/password", data={"csrf_token": token, "password": "qwerty123456"}
    )
    assert weak.status_code == 400
    assert "common password" in weak.json()["error"]["detail"]
    again = _client(site)
    assert _sign_in(again, "pat").status_code == 303  # type: ignore[attr-defined]
    jo.post("/admin/users/pat/password", data={"csrf_token": token, "password": NEW_PASSWORD})
    assert again.get("/api/workspace").status_code == 401
    assert _sign_in(_client(site), "pat").status_code == 401  # type: ignore[attr-defined]
    assert _sign_in(_client(site), "pat", NEW_PASSWORD).status_code == 303  # type: ignore[attr-defined]
    # a role, from the form; and the JSON twin with an API token
    jo.post("/admin/users/pat/role", data={"csrf_token": token, "role": "force", "force": "Kent"})
    twin = site.client.post("/api/admin/users/ann/disable", headers=site.as_user("jo"))
    assert twin.status_code == 200
    users = {u["name"]: u for u in twin.json()["users"]}
    assert users["ann"]["disabled"] is not None
    assert (users["pat"]["role"], users["pat"]["force"]) == ("force", "E23000032")
    assert site.client.get("/api/workspace", headers=site.as_user("ann")).status_code == 401
    refused = site.client.post("/api/admin/users/jo/disable", headers=site.as_user("pat"))
    assert refused.status_code == 403


def test_failed_sign_ins_for_a_name_wait_longer_and_longer_then_429(site: Site) -> None:
    clock = _throttle(site, Rule(2, 4.0, 60.0, 3600.0), Rule(100, 4.0, 60.0, 3600.0))
    client = _client(site)
    for _ in range(2):  # the free failures
        assert _sign_in(client, "pat", "not the password").status_code == 401  # type: ignore[attr-defined]
    third = _sign_in(client, "pat", "not the password")
    assert third.status_code == 401  # type: ignore[attr-defined]
    assert "wait 4 seconds before trying again" in third.text  # type: ignore[attr-defined]
    # locked: even the right password is not looked at, as a page and as JSON
    page = _sign_in(client, "pat")
    assert page.status_code == 429  # type: ignore[attr-defined]
    assert page.headers["retry-after"] == "4"  # type: ignore[attr-defined]
    assert "Too many failed sign-ins for this name or from your address" in page.text  # type: ignore[attr-defined]
    assert "<html" in page.text  # type: ignore[attr-defined]
    form = client.get("/login", headers=HTML)
    as_json = client.post(
        "/login",
        data={"username": "PAT ", "password": PASSWORD, "csrf_token": _csrf(form.text)},
        headers={"Accept": "application/json"},
    )
    assert as_json.status_code == 429
    assert as_json.json()["error"]["status"] == 429
    assert "Wait 4 seconds" in as_json.json()["error"]["detail"]
    clock.now += 4
    fourth = _sign_in(client, "pat", "not the password")
    assert "wait 8 seconds" in fourth.text  # type: ignore[attr-defined]  # twice as long
    clock.now += 8
    assert _sign_in(client, "pat").status_code == 303  # type: ignore[attr-defined]
    # a success clears the name's count: the next failure is free again
    assert "wait" not in _sign_in(_client(site), "pat", "not it").text  # type: ignore[attr-defined]


def test_guesses_at_many_names_from_one_address_are_throttled(site: Site) -> None:
    _throttle(site, Rule(100, 2.0, 60.0, 3600.0), Rule(3, 2.0, 60.0, 3600.0))
    client = _client(site)
    for name in ("ann", "kim", "jo", "nobody"):
        assert _sign_in(client, name, "a guessed password").status_code == 401  # type: ignore[attr-defined]
    fresh = _sign_in(client, "pat")  # another name, the same address
    assert fresh.status_code == 429  # type: ignore[attr-defined]
    # another address is not held up
    elsewhere = _client(site, client=("192.0.2.7", 50000))
    assert _sign_in(elsewhere, "pat").status_code == 303  # type: ignore[attr-defined]


def test_the_waits_double_up_to_the_longest() -> None:
    rule = Rule(free=3, first_wait=2.0, longest_wait=30.0, forget_after=600.0)
    assert [rule.wait(n) for n in range(1, 10)] == [0, 0, 0, 2, 4, 8, 16, 30, 30]


def test_the_throttle_forgets_old_failures_and_holds_a_bounded_number_of_keys() -> None:
    clock = Clock()
    throttle = Throttle(Rule(1, 2.0, 60.0, 100.0), Rule(1, 2.0, 60.0, 100.0), clock, max_keys=4)
    throttle.failed("pat", "192.0.2.1")
    throttle.failed("pat", "192.0.2.1")
    assert throttle.failures("pat", "192.0.2.1") == (2, 2)
    clock.now += 101
    assert throttle.failures("pat", "192.0.2.1") == (0, 0)
    for n in range(10):
        throttle.failed(f"user{n}", f"192.0.2.{n}")
    assert len(throttle._counts) == 4


def test_no_more_password_checks_run_at_once_than_the_slots() -> None:
    slots = HashSlots(slots=2, queue=3, wait=30.0)
    release = threading.Event()
    started = threading.Semaphore(0)

    def work() -> str:
        started.release()
        release.wait()
        return "checked"

    async def flood() -> list[object]:
        results: list[object] = [None] * 8

        async def one(i: int) -> None:
            try:
                results[i] = await slots.run(work)
            except SignInBusy as exc:
                results[i] = exc

        async with anyio.create_task_group() as tg:
            for i in range(8):
                tg.start_soon(one, i)
            await anyio.to_thread.run_sync(started.acquire)
            await anyio.to_thread.run_sync(started.acquire)
            while sum(isinstance(r, SignInBusy) for r in results) < 3:
                await anyio.sleep(0.01)
            release.set()
        return results

    results = anyio.run(flood)
    assert results.count("checked") == 5  # two at once, three waited their turn
    assert sum(isinstance(r, SignInBusy) for r in results) == 3  # refused at once
    assert slots.peak == 2
    assert slots.refused == 3


def test_a_sign_in_beyond_the_slots_gets_503_with_retry_after(site: Site) -> None:
    site.client.app.state.web.hash_slots = HashSlots(slots=0, queue=0)  # type: ignore[attr-defined]
    busy = _sign_in(_client(site), "pat")
    assert busy.status_code == 503  # type: ignore[attr-defined]
    assert busy.headers["retry-after"] == "2"  # type: ignore[attr-defined]
    assert "Too many people are signing in" in busy.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("trusted", "peer", "secure", "counted_as"),
    [
        ("10.0.0.1", "10.0.0.1", True, "203.0.113.5"),  # through the declared proxy
        ("", "10.0.0.1", False, "10.0.0.1"),  # no proxy declared: the headers are ignored
        ("10.0.0.1", "10.0.0.9", False, "10.0.0.9"),  # from anyone else: ignored
    ],
)
def test_a_trusted_tls_proxy_makes_cookies_secure_and_names_the_client(
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
    trusted: str,
    peer: str,
    secure: bool,
    counted_as: str,
) -> None:
    monkeypatch.setenv("OPENPEEL_TRUSTED_PROXIES", trusted)
    app = create_app(site.home, store=site.store)
    client = TestClient(app, client=(peer, 40000))
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.1, 203.0.113.5"}
    form = client.get("/login", headers={**HTML, **forwarded})
    assert ("secure" in form.headers["set-cookie"].lower()) == secure
    cookie = form.headers["set-cookie"].split(";")[0]  # sent by hand: a Secure one over http
    failed = client.post(
        "/login",
        data={"username": "pat", "password": "not it", "csrf_token": _csrf(form.text)},
        headers={**forwarded, "Cookie": cookie},
    )
    assert failed.status_code == 401
    assert app.state.web.throttle.failures("pat", counted_as) == (1, 1)


def test_a_bad_trusted_proxies_setting_is_named(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpeel.errors import OpenPeelError

    monkeypatch.setenv("OPENPEEL_TRUSTED_PROXIES", "10.0.0.1, proxy.example")
    with pytest.raises(OpenPeelError, match=r"OPENPEEL_TRUSTED_PROXIES: 'proxy\.example'"):
        create_app(site.home, store=site.store)
