"""The declarations behind the trend and SPC markers: ``indicators/markers.toml``.

* ``[not_counts]``: indicators whose numerator is not a count of events (the recent-trend test
  does not apply), each with the reason shown;
* ``[[break]]``: the stated breaks of the monthly series, where (and only where) the SPC mean
  and limits are recalculated, each with its reason and where the reason is documented.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from openpeel.errors import OpenPeelError
from openpeel.indicators.catalogue import load_catalogue

WHERE = "indicators/markers.toml"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class MarkersError(OpenPeelError):
    pass


@dataclass(frozen=True)
class Break:
    """The first month of a new SPC segment, for some indicators and forces."""

    period: str
    indicators: tuple[str, ...]
    #: force codes; empty for every force
    forces: tuple[str, ...]
    reason: str
    source: str

    def applies(self, indicator_id: str, force_code: str) -> bool:
        return indicator_id in self.indicators and (not self.forces or force_code in self.forces)


@dataclass(frozen=True)
class Markers:
    not_counts: dict[str, str]
    breaks: tuple[Break, ...]

    def breaks_for(self, indicator_id: str, force_code: str) -> dict[str, str]:
        """First month -> reason of every break that applies to one series."""
        return {b.period: b.reason for b in self.breaks if b.applies(indicator_id, force_code)}


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise MarkersError(f"{where}: expected a list of strings, got {raw!r}")
    return tuple(raw)


def parse(doc: dict[str, Any], where: str = WHERE) -> Markers:
    """Check and read a markers document; errors name the file, entry and field."""
    catalogue = load_catalogue()
    not_counts = doc.get("not_counts", {})
    for iid, reason in not_counts.items():
        catalogue.indicator(iid)
        if not isinstance(reason, str) or not reason.strip():
            raise MarkersError(f"{where} [not_counts] {iid}: the reason must be a sentence")
    breaks = []
    for number, raw in enumerate(doc.get("break", []), start=1):
        here = f"{where} [[break]] number {number}"
        missing = [k for k in ("period", "indicators", "reason", "source") if not raw.get(k)]
        if missing:
            raise MarkersError(
                f"{here}: missing {', '.join(missing)}",
                hint="a break needs its first month, its indicators, a reason and a source",
            )
        if not _MONTH.match(str(raw["period"])):
            raise MarkersError(
                f"{here}, field period: {raw['period']!r} is not a month",
                hint="write the first month of the new segment as YYYY-MM",
            )
        indicators = _strings(raw["indicators"], f"{here}, field indicators")
        for iid in indicators:
            if "month" not in catalogue.indicator(iid).periods:
                raise MarkersError(
                    f"{here}, field indicators: {iid} has no monthly values",
                    hint="SPC breaks apply to monthly indicators only",
                )
        breaks.append(
            Break(
                period=str(raw["period"]),
                indicators=indicators,
                forces=_strings(raw.get("forces", []), f"{here}, field forces"),
                reason=str(raw["reason"]),
                source=str(raw["source"]),
            )
        )
    return Markers(dict(not_counts), tuple(breaks))


def load(path: Path) -> Markers:
    """Read a markers file from a path (tests, or a local copy)."""
    try:
        return parse(tomllib.loads(path.read_text(encoding="utf-8")), str(path))
    except tomllib.TOMLDecodeError as exc:
        raise MarkersError(f"{path}: {exc}") from exc


@cache
def markers() -> Markers:
    """The declarations shipped in the package."""
    text = (resources.files("openpeel.indicators") / "markers.toml").read_text(encoding="utf-8")
    try:
        return parse(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise MarkersError(f"{WHERE}: {exc}") from exc
