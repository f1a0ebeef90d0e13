"""Comparators a user chooses: each one's value worked out here from the stored values (sums of
the stored numerators and denominators, plain means, the stored England and Wales value), the
interval comparison against it, and the address parameters refused with the parameter named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openpeel.indicators import comparators
from openpeel.indicators.comparators import ComparatorError, parse
from openpeel.indicators.peers import peer_group
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

HAMPSHIRE, KENT, SURREY = "E23000030", "E23000032", "E23000031"
#: (indicator, period) with numerators and denominators to pool
SHARE = ("charge_summons_share", "2017/18")
RATE = ("arrests_per_1000", "2017/18")


def _stored(home: Path, indicator: str, period: str) -> list[tuple[Any, ...]]:
    with Warehouse(home, read_only=True) as wh:
        return wh.rows(
            "SELECT force_code, value, numerator, denominator, is_suppressed, ew_value, "
            "lower, upper FROM out_indicator_values WHERE indicator_id = ? AND period = ? "
            "AND breakdown = 'all'",
            [indicator, period],
        )


def _rows(home: Path, indicator: str, period: str) -> dict[str, comparators.Stored]:
    keys = ("force_code", "value", "numerator", "denominator", "is_suppressed", "ew_value")
    return comparators.stored_rows(
        [dict(zip(keys, r[:6], strict=True)) for r in _stored(home, indicator, period)]
    )


@pytest.mark.parametrize(("indicator", "period", "per"), [(*SHARE, 1.0), (*RATE, 1000.0)])
def test_chosen_forces_and_the_region_pool_the_stored_numerators(
    built_home: Path, indicator: str, period: str, per: float
) -> None:
    stored = _stored(built_home, indicator, period)
    assert stored, f"no stored {indicator} in {period}"
    shown = {str(r[0]): r for r in stored if not r[4] and r[1] is not None}
    unit = "share" if per == 1.0 else "per_1000"
    rows = _rows(built_home, indicator, period)

    chosen = parse("forces", "hampshire,Kent Police,surrey")
    assert chosen.forces == (HAMPSHIRE, KENT, SURREY)
    picked = [shown[c] for c in chosen.forces if c in shown]
    expected = per * sum(float(r[2]) for r in picked) / sum(float(r[3]) for r in picked)
    assert comparators.value(chosen, unit, rows, None) == pytest.approx(expected, rel=1e-12)

    region = parse("region", None)
    south_east = [f.code for f in forces().territorial() if f.region == forces().get(KENT).region]
    assert KENT in south_east
    assert len(south_east) > 1
    picked = [shown[c] for c in south_east if c in shown]
    expected = per * sum(float(r[2]) for r in picked) / sum(float(r[3]) for r in picked)
    assert comparators.value(region, unit, rows, KENT) == pytest.approx(expected, rel=1e-12)


def test_the_most_similar_group_is_the_plain_mean_and_england_and_wales_is_stored(
    built_home: Path,
) -> None:
    stored = _stored(built_home, *RATE)
    rows = _rows(built_home, *RATE)
    shown = {str(r[0]): float(r[1]) for r in stored if not r[4] and r[1] is not None}
    group = [c for c in peer_group(HAMPSHIRE, include_self=True) if c in shown]
    assert HAMPSHIRE in group
    assert len(group) > 2
    msg = comparators.value(parse("msg", None), "per_1000", rows, HAMPSHIRE)
    assert msg == pytest.approx(sum(shown[c] for c in group) / len(group), rel=1e-12)
    ew = {r[5] for r in stored}
    assert len(ew) == 1
    assert comparators.value(parse(None, None), "per_1000", rows, None) == ew.pop()


def test_an_interval_is_compared_with_the_chosen_value(built_home: Path) -> None:
    stored = _stored(built_home, *RATE)
    rows = _rows(built_home, *RATE)
    choice = parse("forces", "kent")
    benchmark = comparators.value(choice, "per_1000", rows, None)
    kent = next(r for r in stored if r[0] == KENT)
    assert benchmark is not None
    assert benchmark == pytest.approx(float(kent[1]))
    seen = set()
    for code, value, _, _, suppressed, _, lower, upper in stored:
        got, reason = comparators.classify(
            value,
            lower,
            upper,
            benchmark,
            bool(suppressed),
            "neither",
            comparators.label(choice, None),
        )
        if suppressed or value is None:
            assert got == "not compared"
            assert reason
        elif float(lower) > benchmark:
            assert got == "higher", code
        elif float(upper) < benchmark:
            assert got == "lower", code
        else:
            assert got == "similar", code
        seen.add(got)
    assert {"higher", "lower", "similar"} <= seen
    assert comparators.label(choice, None) == "Kent"
    names = ["Kent", "Surrey", "Sussex"]
    assert comparators.label(parse("forces", ",".join(names)), None) == "Kent, Surrey and Sussex"
    many = parse("forces", ",".join([*names, "hampshire"]))
    assert comparators.label(many, None) == "the 4 forces chosen"


@pytest.mark.parametrize(
    ("compare", "chosen", "field", "words"),
    [
        ("nope", None, "compare", "no comparator 'nope'"),
        ("forces", None, "forces", "choose at least one force"),
        ("forces", "hampshire,atlantis", "forces", "no police force 'atlantis'"),
        (None, "kent", "forces", "only with compare=forces"),
    ],
)
def test_a_bad_request_is_refused_naming_the_parameter(
    compare: str | None, chosen: str | None, field: str, words: str
) -> None:
    with pytest.raises(ComparatorError, match=words) as raised:
        parse(compare, chosen)
    assert raised.value.field == field


def test_forces_ticked_are_left_aside_when_another_comparator_is_named() -> None:
    choice = parse("ew", "kent,surrey")
    assert choice.comparator.id == "ew"
    assert choice.forces == ()


def test_a_comparator_of_the_force_needs_a_force() -> None:
    with pytest.raises(ComparatorError, match="choose a force"):
        comparators.members(parse("msg", None), None)


def test_a_bad_declaration_is_refused_naming_the_file_and_field() -> None:
    good = (
        '[comparator.ew]\nlabel = "E&W"\ndescription = "d"\nmembers = "all"\n'
        'method = "stored"\nneeds_force = false\n'
    )
    assert comparators._declared(good)["ew"].method == "stored"
    cases = [
        (good.replace('members = "all"', 'members = "everyone"'), "members"),
        (good.replace('method = "stored"', 'method = "median"'), "method"),
        (good.replace('label = "E&W"\n', ""), "label"),
        (good.replace("comparator.ew", "comparator.all"), "comparator"),
    ]
    for text, field in cases:
        with pytest.raises(ComparatorError, match=r"comparators\.toml") as raised:
            comparators._declared(text)
        assert raised.value.field == field


def test_a_shared_choice_asks_for_itself_again() -> None:
    choice = parse("forces", "E23000032, surrey")
    again = parse(choice.query()["compare"], choice.query()["forces"])
    assert again == choice
    assert parse("ew", None).query() == {}


@pytest.mark.parametrize(("indicator", "per"), [(SHARE[0], 1.0), (RATE[0], 1000.0)])
def test_the_series_pools_each_periods_stored_rows(
    built_home: Path, indicator: str, per: float
) -> None:
    """The comparator's value period by period: the chosen forces' numerators over their
    denominators in each period of the type, oldest first, and for England and Wales the
    stored value."""
    with Warehouse(built_home, read_only=True) as wh:
        period_type = wh.scalar(
            "SELECT period_type FROM out_indicator_values WHERE indicator_id = ? AND period = ?",
            [indicator, RATE[1]],
        )
        stored = wh.rows(
            "SELECT period, force_code, numerator, denominator, is_suppressed, value, ew_value "
            "FROM out_indicator_values WHERE indicator_id = ? AND period_type = ? "
            "AND breakdown = 'all'",
            [indicator, period_type],
        )
        unit = "share" if per == 1.0 else "per_1000"
        chosen = comparators.series(
            wh, parse("forces", "kent,surrey"), indicator, unit, period_type, None
        )
        england = comparators.series(wh, parse(None, None), indicator, unit, period_type, None)
    sums: dict[str, list[float]] = {}
    for period, code, num, den, suppressed, value, _ in stored:
        if code in (KENT, SURREY) and not suppressed and value is not None:
            total = sums.setdefault(str(period), [0.0, 0.0])
            total[0] += float(num)
            total[1] += float(den)
    assert len(sums) >= 2
    assert [p for p, _ in chosen] == sorted(sums)  # financial years sort as text
    for period, value in chosen:
        assert value == pytest.approx(per * sums[period][0] / sums[period][1], rel=1e-12)
    ew = {str(r[0]): float(r[6]) for r in stored if r[6] is not None}
    assert dict(england) == pytest.approx(ew, rel=1e-12)
