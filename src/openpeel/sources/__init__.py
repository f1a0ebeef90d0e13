"""Source formats: one module per publisher format, each declaring ``SOURCES``.

The registry collects every module's ``SOURCES``; a file is recognised by its header row.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from openpeel.errors import FileRefused
from openpeel.sources.base import POLICEUK_NAME, FileFacts, Layout, Source, describe_mismatch


@cache
def all_sources() -> dict[str, Source]:
    """Every declared source, by kind."""
    found: dict[str, Source] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for source in getattr(module, "SOURCES", ()):
            if source.kind in found:
                raise RuntimeError(f"source kind {source.kind} is declared twice")
            found[source.kind] = source
    return found


def identify(facts: FileFacts, display: str) -> tuple[Source, Layout]:
    """The source and layout whose header the file has, or a refusal naming the nearest (by
    ``display``, the name the file is shown by)."""
    matches = [(s, lay) for s in all_sources().values() if (lay := s.match(facts)) is not None]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        kinds = ", ".join(s.kind for s, _ in matches)
        raise FileRefused(display, f"its header fits several formats ({kinds})")
    best: tuple[int, Source, Layout] | None = None
    named = POLICEUK_NAME.match(display.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1])
    if named:  # a data.police.uk archive name says which format it should be
        kind = "policeuk_" + named["kind"].replace("-and-", "_")
        source = all_sources()[kind]
        layout = source.layouts[-1]
        raise FileRefused(
            display,
            f"unexpected header for {source.title} ({layout.name}): "
            f"{describe_mismatch(facts.header, layout.header)}",
            hint="check that the file is complete and is the kind its name says",
        )
    for source in all_sources().values():
        for layout in source.layouts:
            score = len(set(facts.header) & set(layout.header))
            if best is None or score > best[0]:
                best = (score, source, layout)
    if best is not None and best[0] >= max(2, len(best[2].header) // 2):
        _, source, layout = best
        raise FileRefused(
            display,
            f"unexpected header for {source.title} ({layout.name}): "
            f"{describe_mismatch(facts.header, layout.header)}",
            hint="the publisher may have changed the layout; declare it as a new layout in "
            f"openpeel/sources (kind {source.kind})",
        )
    shown = ", ".join(repr(h) for h in facts.header[:6])
    raise FileRefused(
        display,
        f"is not a format OpenPEEL knows (header starts {shown})",
        hint="`openpeel sources` lists the formats OpenPEEL reads",
    )
