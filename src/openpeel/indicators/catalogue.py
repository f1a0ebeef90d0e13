"""The indicator catalogue, declared as data in ``definitions/*.toml``.

Two kinds of declaration:

* a **measure** is an SQL query over the warehouse's core views that yields one row per
  force, period and dimension values, with a summable ``value`` (a count, or an FTE, or a
  score). It is written once, in DuckDB's SQL, and compiled to other engines' dialects
  (``openpeel.indicators.engine``).
* an **indicator** picks its numerator and denominator out of a measure with SQL filters (or
  takes its denominator from the population), and says what it means: title, the PEEL
  questions it informs, unit, polarity, periods, breakdowns, the minimum denominator below which
  a value is suppressed, and caveats.

``docs/indicators.md`` is generated from the catalogue (``openpeel docs indicators``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from openpeel.declarations import toml_documents
from openpeel.errors import OpenPeelError

Unit = Literal["share", "per_1000", "score", "rate_ratio"]
Polarity = Literal["higher_is_better", "higher_is_worse", "neither"]
PeriodType = Literal["month", "quarter", "financial_year", "year", "rolling_12_months"]

POLARITIES: tuple[str, ...] = ("higher_is_better", "higher_is_worse", "neither")
PERIOD_TYPES: tuple[str, ...] = ("month", "quarter", "financial_year", "year", "rolling_12_months")


class CatalogueError(OpenPeelError):
    pass


@dataclass(frozen=True)
class UnitDeclaration:
    """How a value of a unit is written and drawn (``definitions/00_units.toml``)."""

    id: str
    words: str
    multiplier: float
    decimals: int
    suffix: str
    table_suffix: str
    table_heading: str
    axis_format: str
    #: the funnel plot's kind, "proportion" or "rate"; "" when the unit has no funnel
    funnel: str
    #: a funnel's rate is per this many people
    per: float


@dataclass(frozen=True)
class ComparisonRule:
    """Forces left out of the comparison among forces for some indicators, and why
    (``definitions/30_comparison_rules.toml``)."""

    id: str
    forces: tuple[str, ...]
    denominator_measure: str
    footnote: str


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    sql: str
    dimensions: tuple[str, ...]
    period_types: tuple[str, ...]
    sources: tuple[str, ...]
    notes: str = ""
    #: engine features the measure needs beyond plain SQL (checked against ENGINE_GAPS)
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    description: str
    #: a one-line definition in plain words, shown before the technical one
    plain: str
    questions: tuple[str, ...]
    unit: str
    polarity: str
    measure: str
    numerator: str
    #: filter for the denominator within the same measure; None when it comes from elsewhere
    denominator: str | None
    #: "population" for rates per 1,000 residents
    denominator_measure: str | None
    periods: tuple[str, ...]
    breakdowns: tuple[str, ...]
    minimum_denominator: float
    caveats: tuple[str, ...]
    version: int
    numerator_words: str
    denominator_words: str
    #: rate ratios: the filters of the two groups' populations in ``exposure_measure``
    exposure_measure: str | None = None
    exposure_numerator: str | None = None
    exposure_denominator: str | None = None


@dataclass(frozen=True)
class Catalogue:
    measures: dict[str, Measure]
    indicators: dict[str, Indicator]
    units: dict[str, UnitDeclaration]
    rules: tuple[ComparisonRule, ...] = ()

    def unit(self, unit_id: str) -> UnitDeclaration:
        try:
            return self.units[unit_id]
        except KeyError:
            raise CatalogueError(
                f"no unit {unit_id!r}",
                hint=f"declare it in indicators/definitions/00_units.toml; declared: "
                f"{', '.join(self.units)}",
            ) from None

    def left_out(self, ind: Indicator) -> dict[str, ComparisonRule]:
        """The forces a comparison rule leaves out of the comparison among forces for ``ind``,
        each with its rule."""
        return {
            code: rule
            for rule in self.rules
            if ind.denominator_measure == rule.denominator_measure
            for code in rule.forces
        }

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            from openpeel.errors import closest

            near = closest(indicator_id, self.indicators)
            raise CatalogueError(
                f"no indicator {indicator_id!r}"
                + (f"; closest: {', '.join(near)}" if near else ""),
                hint="`openpeel indicators list` shows every indicator",
            ) from None


def _tuple(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, ())
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _require(raw: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if k not in raw]
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(missing)}")


def _measure(mid: str, raw: dict[str, Any], where: str) -> Measure:
    _require(raw, ("title", "sql", "period_types", "sources"), f"{where} [measure.{mid}]")
    bad = [p for p in _tuple(raw, "period_types") if p not in PERIOD_TYPES]
    if bad:
        raise CatalogueError(
            f"{where} [measure.{mid}]: unknown period types {bad}",
            hint=f"use {', '.join(PERIOD_TYPES)}",
        )
    return Measure(
        mid,
        raw["title"],
        raw["sql"],
        _tuple(raw, "dimensions"),
        _tuple(raw, "period_types"),
        _tuple(raw, "sources"),
        raw.get("notes", ""),
        _tuple(raw, "features"),
    )


UNIT_KEYS = (
    "words",
    "multiplier",
    "decimals",
    "suffix",
    "table_suffix",
    "table_heading",
    "axis_format",
    "funnel",
    "per",
)
FUNNEL_KINDS = ("proportion", "rate", "")


def _unit(uid: str, raw: dict[str, Any], where: str) -> UnitDeclaration:
    here = f"{where} [unit.{uid}]"
    _require(raw, UNIT_KEYS, here)
    if raw["funnel"] not in FUNNEL_KINDS:
        raise CatalogueError(
            f"{here}: funnel {raw['funnel']!r}", hint='use "proportion", "rate" or ""'
        )
    return UnitDeclaration(
        uid,
        str(raw["words"]),
        float(raw["multiplier"]),
        int(raw["decimals"]),
        str(raw["suffix"]),
        str(raw["table_suffix"]),
        str(raw["table_heading"]),
        str(raw["axis_format"]),
        str(raw["funnel"]),
        float(raw["per"]),
    )


def _rule(
    rid: str, raw: dict[str, Any], where: str, measures: dict[str, Measure]
) -> ComparisonRule:
    here = f"{where} [comparison_rule.{rid}]"
    _require(raw, ("forces", "denominator_measure", "footnote"), here)
    if raw["denominator_measure"] not in measures:
        raise CatalogueError(
            f"{here}: denominator_measure {raw['denominator_measure']!r} is not a measure",
            hint=f"declared measures: {', '.join(sorted(measures))}",
        )
    return ComparisonRule(
        rid, _tuple(raw, "forces"), str(raw["denominator_measure"]), str(raw["footnote"])
    )


def _indicator(
    iid: str,
    raw: dict[str, Any],
    where: str,
    measures: dict[str, Measure],
    units: dict[str, UnitDeclaration],
) -> Indicator:
    here = f"{where} [indicator.{iid}]"
    _require(
        raw,
        (
            "title",
            "description",
            "plain",
            "questions",
            "unit",
            "polarity",
            "measure",
            "numerator",
            "periods",
            "minimum_denominator",
            "version",
            "numerator_words",
            "denominator_words",
        ),
        here,
    )
    if raw["unit"] not in units:
        raise CatalogueError(
            f"{here}: unit {raw['unit']!r}",
            hint=f"use one of {', '.join(units)} (or declare it in 00_units.toml)",
        )
    if raw["polarity"] not in POLARITIES:
        raise CatalogueError(
            f"{here}: polarity {raw['polarity']!r}", hint=f"use one of {POLARITIES}"
        )
    measure = measures.get(raw["measure"])
    if measure is None:
        raise CatalogueError(
            f"{here}: no measure {raw['measure']!r}",
            hint=f"declared measures: {', '.join(sorted(measures))}",
        )
    for name in (raw.get("denominator_measure"), raw.get("exposure_measure")):
        if name is not None and name not in measures:
            raise CatalogueError(f"{here}: no measure {name!r}")
    periods = _tuple(raw, "periods")
    derived = {"rolling_12_months": "month", "financial_year": "quarter"}
    for p in periods:
        if p not in measure.period_types and derived.get(p) not in measure.period_types:
            raise CatalogueError(
                f"{here}: period {p!r} is not one the measure "
                f"{measure.id} has ({', '.join(measure.period_types)})"
            )
    for b in _tuple(raw, "breakdowns"):
        if b not in measure.dimensions:
            raise CatalogueError(
                f"{here}: breakdown {b!r} is not a dimension of measure "
                f"{measure.id} ({', '.join(measure.dimensions)})"
            )
    denominator = raw.get("denominator")
    if raw["unit"] in ("share", "rate_ratio") and denominator is None:
        raise CatalogueError(f"{here}: a {raw['unit']} needs a denominator filter")
    if raw["unit"] == "per_1000" and raw.get("denominator_measure") is None:
        raise CatalogueError(f"{here}: a rate per 1,000 needs denominator_measure")
    if raw["unit"] == "rate_ratio" and not all(
        raw.get(k) for k in ("exposure_measure", "exposure_numerator", "exposure_denominator")
    ):
        raise CatalogueError(
            f"{here}: a rate ratio needs exposure_measure, "
            "exposure_numerator and exposure_denominator"
        )
    return Indicator(
        id=iid,
        title=raw["title"],
        description=raw["description"],
        plain=raw["plain"],
        questions=_tuple(raw, "questions"),
        unit=raw["unit"],
        polarity=raw["polarity"],
        measure=raw["measure"],
        numerator=raw["numerator"],
        denominator=denominator,
        denominator_measure=raw.get("denominator_measure"),
        periods=periods,
        breakdowns=_tuple(raw, "breakdowns"),
        minimum_denominator=float(raw["minimum_denominator"]),
        caveats=_tuple(raw, "caveats"),
        version=int(raw["version"]),
        numerator_words=raw["numerator_words"],
        denominator_words=raw["denominator_words"],
        exposure_measure=raw.get("exposure_measure"),
        exposure_numerator=raw.get("exposure_numerator"),
        exposure_denominator=raw.get("exposure_denominator"),
    )


@cache
def load_catalogue() -> Catalogue:
    """Every measure and indicator declared in ``definitions/*.toml``."""
    measures: dict[str, Measure] = {}
    units: dict[str, UnitDeclaration] = {}
    raw_indicators: list[tuple[str, dict[str, Any], str]] = []
    raw_rules: list[tuple[str, dict[str, Any], str]] = []
    for where, doc in toml_documents("openpeel.indicators", "definitions", CatalogueError):
        for uid, raw in doc.get("unit", {}).items():
            if uid in units:
                raise CatalogueError(f"{where}: unit {uid} is declared twice")
            units[uid] = _unit(uid, raw, where)
        raw_rules.extend((rid, raw, where) for rid, raw in doc.get("comparison_rule", {}).items())
        for mid, raw in doc.get("measure", {}).items():
            if mid in measures:
                raise CatalogueError(f"{where}: measure {mid} is declared twice")
            measures[mid] = _measure(mid, raw, where)
        raw_indicators.extend((iid, raw, where) for iid, raw in doc.get("indicator", {}).items())
    indicators: dict[str, Indicator] = {}
    for iid, raw, where in raw_indicators:
        if iid in indicators:
            raise CatalogueError(f"{where}: indicator {iid} is declared twice")
        indicators[iid] = _indicator(iid, raw, where, measures, units)
    rules = tuple(_rule(rid, raw, where, measures) for rid, raw, where in raw_rules)
    return Catalogue(measures, indicators, units, rules)
