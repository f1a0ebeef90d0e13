"""Public pages kept per versions of the site (openpeel.web.cache): the same answer and ETag
while nothing changes, 304 to a matching If-None-Match, HEAD without a body, a new answer when
the warehouse is loaded, the store changes or an embargo lifts, and nothing of a signed-in
user's pages kept or shown to anyone else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tests.web.conftest import AFTER, Site, make_site

from openpeel.assess.users import add_user
from openpeel.web.cache import LRU

HTML = {"Accept": "text/html"}
PUBLIC_PAGES = ("/", "/forces/hampshire", "/indicators/arrests_per_1000", "/publications")


def _answers(site: Site) -> LRU[object, object]:
    """The app's cache of rendered answers (its outermost middleware's)."""
    answers: LRU[object, object] = site.client.app.state.answers  # type: ignore[attr-defined]
    return answers


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_public_page_is_answered_again_from_the_cache_with_its_etag(
    site: Site, path: str
) -> None:
    client = site.client
    for address in (path, "/api/overview" if path == "/" else "/api" + path):
        first = client.get(address, headers=HTML)
        assert first.status_code == 200, first.text
        tag = first.headers["etag"]
        assert tag.startswith('"'), "a strong ETag (a weak one starts W/)"
        assert "set-cookie" not in first.headers, "the public's pages start no session"
        hits = _answers(site).hits
        again = client.get(address, headers=HTML)
        assert _answers(site).hits == hits + 1
        assert (again.content, again.headers["etag"]) == (first.content, tag)
        assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
        unchanged = client.get(address, headers={**HTML, "If-None-Match": tag})
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert unchanged.headers["etag"] == tag
        head = client.head(address, headers=HTML)
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["etag"] == tag
        assert head.headers["content-length"] == str(len(first.content))


def test_the_page_and_its_json_twin_share_one_context(site: Site) -> None:
    contexts = site.client.app.state.contexts  # type: ignore[attr-defined]
    before = (len(contexts), contexts.hits)
    page = site.client.get("/forces/hampshire?year=2016", headers=HTML)
    twin = site.client.get("/api/forces/hampshire?year=2016")
    assert page.status_code == twin.status_code == 200
    assert (len(contexts), contexts.hits) == (before[0] + 1, before[1] + 1)
    assert twin.json()["title"] in page.text


def test_a_change_to_the_store_makes_new_answers(site: Site) -> None:
    first = site.client.get("/api/forces/hampshire")
    with site.store.session() as s:
        add_user(s, "newcomer", "inspector", "a long enough password", "tester")
    second = site.client.get("/api/forces/hampshire")
    assert second.headers["etag"] != first.headers["etag"]
    old = site.client.get("/api/forces/hampshire", headers={"If-None-Match": first.headers["etag"]})
    assert old.status_code == 200, "an ETag of before the change no longer matches"


def test_a_load_into_the_warehouse_makes_new_answers(built_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_home, home)
    site = make_site(home, tmp_path, "published")
    try:
        first = site.client.get("/api/indicators/arrests_per_1000")
        # a load swaps in a new file: another inode, written later
        current = home / "warehouse.duckdb"
        shutil.copy2(current, home / "swap.duckdb")
        os.replace(home / "swap.duckdb", current)
        second = site.client.get("/api/indicators/arrests_per_1000")
        assert second.status_code == 200
        assert second.headers["etag"] != first.headers["etag"]
        assert second.json() == first.json()  # the same data, read from the new file
    finally:
        site.store.close()


def test_an_embargo_lifting_shows_the_report_at_once(built_home: Path, tmp_path: Path) -> None:
    site = make_site(built_home, tmp_path, "embargoed")
    try:
        before = site.client.get("/api/publications").json()
        assert "hampshire-2016" not in [p["slug"] for p in before["publications"]["items"]]
        site.clock[0] = AFTER  # the embargo's moment passes; nothing else changes
        after = site.client.get("/api/publications").json()
        assert "hampshire-2016" in [p["slug"] for p in after["publications"]["items"]]
    finally:
        site.store.close()


def test_a_signed_in_users_pages_are_never_kept_nor_shown_to_others(
    built_home: Path, tmp_path: Path
) -> None:
    site = make_site(built_home, tmp_path, "fact_check")
    try:
        public = site.client.get("/api/publications")
        assert public.headers["cache-control"].startswith("public")
        kept = len(_answers(site))
        # the force sees its draft in factual accuracy check; the public does not
        force = site.client.get("/api/publications", headers=site.as_user("ann"))
        assert "etag" not in force.headers
        assert force.headers["cache-control"] == "private, no-store"
        slugs = [p["slug"] for p in force.json()["publications"]["items"]]
        assert "hampshire-2016" in slugs
        assert len(_answers(site)) == kept
        again = site.client.get("/api/publications")
        assert again.content == public.content
        assert "hampshire-2016" not in [p["slug"] for p in again.json()["publications"]["items"]]
    finally:
        site.store.close()
