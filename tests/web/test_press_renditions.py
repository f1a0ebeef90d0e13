"""The press release over the web, by reader and time (issue 16): the press rendition, with its
embargo line, only to pre-release readers before the release; the public rendition, without
it, to everyone after; the public never given the embargoed rendition, nor a cached copy of
it."""

from __future__ import annotations

from tests.web.conftest import AFTER, BEFORE, Site

PATH = "/publications/hampshire-2016/press-release.md"
EMBARGO = "Embargoed until 00:01 Thursday 2 March 2017"


def _get(site: Site, who: str | None, rendition: str | None = None) -> tuple[int, str, str]:
    params = {"rendition": rendition} if rendition else {}
    r = site.client.get(PATH, params=params, headers=site.as_user(who))
    return r.status_code, r.text, r.headers.get("cache-control", "")


def test_before_the_release_only_pre_release_readers_get_the_press_rendition(site: Site) -> None:
    site.clock[0] = BEFORE
    for rendition in (None, "press", "public"):
        status, text, _ = _get(site, None, rendition)
        assert status == 404
        assert "Embargoed" not in text
    status, text, cache = _get(site, "ann")  # Hampshire's own force, before the release
    assert status == 200
    assert EMBARGO in text
    assert "no-store" in cache
    status, text, _ = _get(site, "ann", "public")  # a preview of what the public will read
    assert status == 200
    assert "Embargoed" not in text


def test_after_the_release_everyone_gets_the_public_rendition(site: Site) -> None:
    site.clock[0] = AFTER
    for who in (None, "ann", "kim"):
        status, text, _ = _get(site, who)
        assert status == 200
        assert "Embargoed" not in text
        assert "Hampshire" in text
        status, text, _ = _get(site, who, "press")
        assert status == 404
        assert "Embargoed" not in text
    # staff may still read what the press was given; never cached for anyone else
    status, text, cache = _get(site, "pat", "press")
    assert status == 200
    assert EMBARGO in text
    assert "no-store" in cache
    status, _, _ = _get(site, "pat", "draft")
    assert status != 200
