"""The press release's two renditions: one for the press before release, one for the public.

When a release is scheduled (or moved), both are frozen into the version's context and their
hashes go into the audit log: the **press** rendition carries the embargo line ("Embargoed until
00:01 Thursday 2 March 2017") for journalists and others given pre-release access; the
**public** rendition, under the press release's own key, has no embargo line and is what the
public reads once the release is out. Neither is rebuilt after that: a read picks one of the
frozen contexts, by the reader and the time (``choose``).
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from openpeel.access import PUBLISHED, STAFF, Viewer
from openpeel.errors import OpenPeelError
from openpeel.publishing.render import context_hash

#: the context key of the press release (its public rendition)
PRESS_RELEASE = "press_release"
#: the context key of its press rendition, frozen beside it when the release is scheduled
PRESS_RENDITION = "press_release_embargoed"
RENDITIONS = ("press", "public")


class RenditionError(OpenPeelError):
    """A rendition asked for that this reader may not have, or that does not exist."""


def stamp(contexts: dict[str, Any], at: datetime | None) -> dict[str, Any]:
    """The contexts with both renditions frozen for a release at ``at`` (None: withdrawn, no
    press rendition). A context without a press release is returned unchanged."""
    from openpeel.publishing.spoken import release_line

    if PRESS_RELEASE not in contexts:
        return contexts
    out = copy.deepcopy(contexts)
    out[PRESS_RELEASE]["embargo"] = None
    out.pop(PRESS_RENDITION, None)
    if at is not None:
        press = copy.deepcopy(out[PRESS_RELEASE])
        press["embargo"] = release_line(at.isoformat())
        out[PRESS_RENDITION] = press
    return out


def hashes(contexts: dict[str, Any]) -> dict[str, str]:
    """The SHA-256 of each frozen rendition (for the audit log); empty without a press
    release."""
    if PRESS_RELEASE not in contexts:
        return {}
    out = {"public": context_hash(contexts[PRESS_RELEASE])}
    if PRESS_RENDITION in contexts:
        out["press"] = context_hash(contexts[PRESS_RENDITION])
    return out


def choose(
    contexts: dict[str, Any], key: str, rendition: str | None, state: str, who: Viewer
) -> dict[str, Any]:
    """The frozen context a reader gets for output ``key`` in ``state`` (a reader already
    allowed to read the version). By default: the press rendition while the release is
    embargoed, the public one once it is out. The press rendition is never served after
    release except to staff, and never to the public."""
    if rendition is not None and rendition not in RENDITIONS:
        raise RenditionError(
            f"unknown rendition {rendition!r}", hint=f"one of: {', '.join(RENDITIONS)}"
        )
    if key != PRESS_RELEASE:
        if rendition is not None:
            raise RenditionError(
                "only the press release has renditions",
                hint="leave out the rendition for the report, summary or overview",
            )
        return dict(contexts[key])
    wanted = rendition or ("public" if state == PUBLISHED else "press")
    if wanted == "public":
        return dict(contexts[PRESS_RELEASE])
    if state == PUBLISHED and who.role not in STAFF:
        raise RenditionError(
            "the press rendition, with its embargo line, is for pre-release readers only; "
            "the release is out",
            hint="read the public rendition (leave out the rendition, or ask for public)",
        )
    return dict(contexts.get(PRESS_RENDITION, contexts[PRESS_RELEASE]))
