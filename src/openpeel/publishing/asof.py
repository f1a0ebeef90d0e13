"""What was knowable on a date: the as-of rule of every publication.

A publication is written as of a date, by default its publication date. It uses a figure only
when the figure's period had ended and its sources had published it by then: each source's
usual lag after the end of a period is declared in ``releases.toml``. An indicator's value is
knowable when every source it rests on was: the measure's sources for its period and, for a
rate per resident, the mid-year population estimate that goes with the period.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from openpeel.errors import OpenPeelError
from openpeel.indicators.catalogue import Indicator, load_catalogue
from openpeel.indicators.periods import ROLLING_PREFIX, population_year

RELEASES_FILE = "releases.toml"


@dataclass(frozen=True)
class Evidence:
    """A dated sighting of a period's figures: they were public by ``public_by`` (an upper
    bound on the true release date), as the cited record shows."""

    period: str
    public_by: date
    cites: str


@dataclass(frozen=True)
class Release:
    """A source's declared lag and what it rests on: dated evidence, the lag of another source
    it is derived from, or an explicit "unverified" with the reason."""

    kind: str
    months_after_end: int
    dataset: str
    url: str
    evidence: tuple[Evidence, ...] = ()
    derived_from: str | None = None
    unverified: str | None = None


_GROUNDS = ("evidence", "derived_from", "unverified")


def _evidence(kind: str, raw: object) -> tuple[Evidence, ...]:
    if not isinstance(raw, list):
        raise OpenPeelError(f"{RELEASES_FILE} [source.{kind}] evidence: expected a list of tables")
    out = []
    for i, item in enumerate(raw):
        missing = [k for k in ("period", "public_by", "cites") if k not in item]
        if missing or not isinstance(item.get("public_by"), date):
            raise OpenPeelError(
                f"{RELEASES_FILE} [source.{kind}] evidence[{i}]: expected period, "
                f"public_by (a TOML date) and cites; wrong: {', '.join(missing) or 'public_by'}",
                hint='write { period = "2014-11", public_by = 2015-01-21, cites = "..." }',
            )
        out.append(Evidence(str(item["period"]), item["public_by"], str(item["cites"])))
    return tuple(out)


@cache
def releases() -> dict[str, Release]:
    """Every source's declared publication lag, where it is published and what the lag rests
    on."""
    text = resources.files("openpeel.publishing").joinpath(RELEASES_FILE).read_text("utf-8")
    raw = tomllib.loads(text).get("source", {})
    out = {}
    for kind, entry in raw.items():
        missing = [k for k in ("months_after_end", "dataset", "url") if k not in entry]
        if missing:
            raise OpenPeelError(
                f"{RELEASES_FILE} [source.{kind}]: missing {', '.join(missing)}",
                hint="declare the lag in whole months after the period ends, the dataset and url",
            )
        grounds = [g for g in _GROUNDS if g in entry]
        if len(grounds) != 1:
            raise OpenPeelError(
                f"{RELEASES_FILE} [source.{kind}]: the lag must rest on exactly one of "
                f"{', '.join(_GROUNDS)}; found {', '.join(grounds) or 'none'}",
                hint="cite dated evidence, name the source it is derived from, or write "
                'unverified = "<why no evidence is held>"',
            )
        out[kind] = Release(
            kind,
            int(entry["months_after_end"]),
            str(entry["dataset"]),
            str(entry["url"]),
            evidence=_evidence(kind, entry["evidence"]) if "evidence" in entry else (),
            derived_from=str(entry["derived_from"]) if "derived_from" in entry else None,
            unverified=str(entry["unverified"]) if "unverified" in entry else None,
        )
    for kind, release in out.items():
        base = out.get(release.derived_from or kind)
        if base is None or (
            release.derived_from and base.months_after_end != release.months_after_end
        ):
            raise OpenPeelError(
                f"{RELEASES_FILE} [source.{kind}] derived_from = {release.derived_from!r}: "
                "not a declared source with the same months_after_end",
                hint="name a [source.KIND] declared in the same file, with the same lag",
            )
    return out


def release_of(kind: str) -> Release:
    found = releases().get(kind)
    if found is None:
        raise OpenPeelError(
            f"{RELEASES_FILE} declares no publication lag for source {kind!r}",
            hint=f"add a [source.{kind}] table with months_after_end, dataset and url",
        )
    return found


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return _month_end(index // 12, index % 12 + 1)


def period_end(period_type: str, label: str) -> date | None:  # noqa: ARG001  (labels say their type)
    """The last day of a period ('2016/17' -> 31 March 2017); None for a label not understood."""
    text = label.removeprefix(ROLLING_PREFIX)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return _month_end(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})/(\d{2}) Q([1-4])", label):
        # financial quarters: Q1 = April to June
        index = int(m[1]) * 12 + 3 + 3 * int(m[3]) - 1
        return _month_end(index // 12, index % 12 + 1)
    if m := re.fullmatch(r"(\d{4})/(\d{2})", label):
        return date(int(m[1]) + 1, 3, 31)
    if m := re.fullmatch(r"(\d{4})", label):
        return date(int(m[1]), 12, 31)
    return None


def published_by(kind: str, period_type: str, label: str) -> date | None:
    """When a source's figures for a period were (usually) public; None for a label not
    understood."""
    end = period_end(period_type, label)
    return None if end is None else _add_months(end, release_of(kind).months_after_end)


def indicator_published_by(ind: Indicator, period_type: str, label: str) -> date | None:
    """When every source an indicator's value for a period rests on had been published."""
    catalogue = load_catalogue()
    dates = [published_by(k, period_type, label) for k in catalogue.measures[ind.measure].sources]
    if ind.denominator_measure == "population":
        year = population_year(period_type, label)
        if year is None:
            return None
        dates += [
            published_by(k, "year", str(year)) for k in catalogue.measures["population"].sources
        ]
    if any(d is None for d in dates):
        return None
    return max(d for d in dates if d is not None)


@dataclass(frozen=True)
class AsOf:
    """A publication's knowledge date; a retrospective edition may also show what came later,
    always labelled."""

    on: date
    retrospective: bool = False

    def knowable(self, ind: Indicator, period_type: str, label: str) -> bool:
        when = indicator_published_by(ind, period_type, label)
        return when is not None and when <= self.on

    def dated(self, iso: str | None) -> bool:
        """A finding, grade or progress update dated on or before the as-of date."""
        return iso is not None and date.fromisoformat(iso[:10]) <= self.on

    def as_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "retrospective": self.retrospective}


def missing_reason(ind: Indicator, period_type: str, label: str, on: date) -> str:
    """Why a figure is not in a publication as of ``on``, in words a reader follows, naming
    no period or date after ``on`` (``wording.toml`` [asof])."""
    from openpeel.publishing.narrative import wording

    words = wording()["asof"]
    end = period_end(period_type, label)
    day = f"{on.day} {on:%B %Y}"
    if end is not None and end > on:
        return str(words["not_ended"]).format(as_of=day)
    if indicator_published_by(ind, period_type, label) is not None:
        return str(words["not_published"]).format(as_of=day)
    return str(words["unknown"])


@cache
def _forecast_sources() -> dict[str, str]:
    text = resources.files("openpeel.publishing").joinpath(RELEASES_FILE).read_text("utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(text).get("forecast", {}).items()}


def forecast_published_by(series_source: str, last_value: date) -> date:
    """When the last value a forecast series rests on was public (its month's end plus the lag
    of the source behind the series)."""
    kind = _forecast_sources().get(series_source)
    if kind is None:
        raise OpenPeelError(
            f"{RELEASES_FILE} [forecast] names no source kind for series {series_source!r}",
            hint=f'add {series_source} = "<source kind>" under [forecast]',
        )
    return _add_months(
        _month_end(last_value.year, last_value.month), release_of(kind).months_after_end
    )
