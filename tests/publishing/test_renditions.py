"""The press release's two renditions (issue 16): frozen and hashed when the release is
scheduled; the press one (with the embargo line) served to pre-release readers before the
release, the public one (without it) to everyone after; neither rebuilt once frozen."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from openpeel.access import PUBLIC
from openpeel.assess.models import AuditEntry
from openpeel.publishing import reading, release, workflow
from openpeel.publishing.render import render
from openpeel.publishing.renditions import PRESS_RELEASE, PRESS_RENDITION
from tests.publishing.conftest import RELEASE, Published
from tests.publishing.test_publish import _schedule

BEFORE = RELEASE - timedelta(hours=1)
AFTER = RELEASE + timedelta(days=1)
#: the line the inspectorate prints, as it reads for 00:01 on 2 March 2017 (GMT)
EMBARGO = "Embargoed until 00:01 Thursday 2 March 2017"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _schedule_entry(s: object, slug: str) -> dict[str, object]:
    entries = s.scalars(  # type: ignore[attr-defined]
        select(AuditEntry).where(AuditEntry.entity == "publication").order_by(AuditEntry.seq)
    )
    found = [json.loads(e.detail) for e in entries if e.action == "schedule"]
    return next(d for d in found if d["slug"] == slug)


def test_both_renditions_are_frozen_hashed_and_audited(published: Published) -> None:
    _schedule(published, access=["kim"])
    with published.store.session() as s:
        pub = workflow.find(s, "hampshire-2016")
        press, public = pub.context[PRESS_RENDITION], pub.context[PRESS_RELEASE]
        assert press["embargo"] == EMBARGO
        assert public["embargo"] is None
        # the same release otherwise
        assert {k: v for k, v in press.items() if k != "embargo"} == {
            k: v for k, v in public.items() if k != "embargo"
        }
        # the audited hashes are those of the JSON outputs each reader is served
        kim = reading.viewer(s, "kim")
        served = {
            name: _sha256(
                reading.read(s, "hampshire-2016", "press-release", "json", kim, BEFORE, None, name)
            )
            for name in ("press", "public")
        }
        logged = _schedule_entry(s, "hampshire-2016")
        assert logged["renditions_sha256"] == served
        assert logged["context_sha256"] == pub.context_sha256


def test_served_by_reader_and_time(published: Published) -> None:
    _schedule(published, access=["kim"])
    with published.store.session() as s:
        kim = reading.viewer(s, "kim")  # pre-release access by the grant
        pat = reading.viewer(s, "pat")  # an inspector
        before = reading.read(s, "hampshire-2016", "press-release", "md", kim, BEFORE).decode()
        assert EMBARGO in before
        preview = reading.read(
            s, "hampshire-2016", "press-release", "md", kim, BEFORE, rendition="public"
        ).decode()
        assert "Embargoed" not in preview
        # the public: nothing before the release, and never the press rendition
        with pytest.raises(reading.EmbargoError):
            reading.read(s, "hampshire-2016", "press-release", "md", PUBLIC, BEFORE)
        for who in (PUBLIC, kim):
            after = reading.read(s, "hampshire-2016", "press-release", "md", who, AFTER)
            assert "Embargoed" not in after.decode()
            assert b"Embargoed" not in reading.read(
                s, "hampshire-2016", "press-release", "pdf", who, AFTER
            ).replace(b" ", b"")  # PDF text is compressed: a cheap check; the md one is exact
            with pytest.raises(workflow.PublishError, match="pre-release readers only"):
                reading.read(
                    s, "hampshire-2016", "press-release", "md", who, AFTER, rendition="press"
                )
        # staff may still read what the press was given, to check it
        kept = reading.read(
            s, "hampshire-2016", "press-release", "md", pat, AFTER, rendition="press"
        ).decode()
        assert EMBARGO in kept
        with pytest.raises(workflow.PublishError, match="only the press release"):
            reading.read(s, "hampshire-2016", "report", "md", pat, AFTER, rendition="press")
        with pytest.raises(workflow.PublishError, match="unknown rendition"):
            reading.read(s, "hampshire-2016", "press-release", "md", pat, AFTER, rendition="draft")


def test_served_text_is_the_frozen_rendition(published: Published) -> None:
    _schedule(published, access=["kim"])
    with published.store.session() as s:
        pub = workflow.find(s, "hampshire-2016")
        frozen = dict(pub.context)
        served = reading.read(s, "hampshire-2016", "press-release", "md", PUBLIC, AFTER)
        assert served == render(frozen[PRESS_RELEASE], "md")
        kim = reading.viewer(s, "kim")
        early = reading.read(s, "hampshire-2016", "press-release", "md", kim, BEFORE)
        assert early == render(frozen[PRESS_RENDITION], "md")


def test_postponed_release_refreezes_the_press_rendition_and_withdrawal_drops_it(
    published: Published,
) -> None:
    _schedule(published)
    later = RELEASE + timedelta(days=7)
    with published.store.session() as s:
        release.postpone(s, "national-2016", later, "pat", BEFORE)
        release.postpone(s, "hampshire-2016", later, "pat", BEFORE)
        pub = workflow.find(s, "hampshire-2016")
        assert pub.context[PRESS_RENDITION]["embargo"] == EMBARGO.replace("2 March", "9 March")
        assert pub.context[PRESS_RELEASE]["embargo"] is None
        release.withdraw(s, "national-2016", "pat", BEFORE, "Redo.")
        release.withdraw(s, "hampshire-2016", "pat", BEFORE, "Redo.")
        assert PRESS_RENDITION not in workflow.find(s, "hampshire-2016").context
