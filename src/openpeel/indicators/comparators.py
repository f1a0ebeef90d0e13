"""The comparators a user chooses (``comparators.toml``): England and Wales, the most similar
group, the region, or forces the user lists; each one's value from the stored rows, and a
force's 95% interval compared with it.

``parse`` reads the address's ``compare`` and ``forces`` parameters (``?compare=forces&forces=
kent,surrey``) and refuses a bad one naming the parameter; ``members`` says which forces make a
comparator for a force; ``value`` makes the comparator's value from the members' stored rows by
the declared method; ``classify`` compares an interval with it, by the rule the rug uses for
England and Wales (``profile.compare_with_ew``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

from openpeel.errors import OpenPeelError
from openpeel.indicators import profile
from openpeel.indicators.peers import peer_group
from openpeel.indicators.periods import sort_key
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

WHERE = "indicators/comparators.toml"
DEFAULT = "ew"
Members = Literal["all", "most_similar_group", "region", "chosen"]
Method = Literal["stored", "mean", "pooled"]
MEMBERS: tuple[str, ...] = ("all", "most_similar_group", "region", "chosen")
METHODS: tuple[str, ...] = ("stored", "mean", "pooled")
#: at most this many forces in a chosen set (the address stays short enough to share)
MAX_CHOSEN = 43
#: forces chosen up to this many are named in the comparator's label
NAMED = 3


class ComparatorError(OpenPeelError):
    """A comparator declaration or a requested comparator that cannot be used; ``field`` names
    the declaration's field or the address's parameter."""

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


@dataclass(frozen=True)
class Comparator:
    id: str
    label: str
    description: str
    members: Members
    method: Method
    needs_force: bool


@dataclass(frozen=True)
class Choice:
    """A comparator as requested: the comparator and, for "chosen", the forces' codes."""

    comparator: Comparator
    forces: tuple[str, ...] = ()

    def query(self) -> dict[str, str]:
        """The address parameters that request this choice again (none for the default)."""
        if self.comparator.id == DEFAULT:
            return {}
        out = {"compare": self.comparator.id}
        if self.forces:
            out["forces"] = ",".join(forces().get(c).policeuk_slug for c in self.forces)
        return out


@dataclass(frozen=True)
class Stored:
    """What a comparator needs of one force's stored row."""

    value: float | None
    numerator: float | None
    denominator: float | None
    is_suppressed: bool
    ew_value: float | None


def _declared(text: str) -> dict[str, Comparator]:
    raw = tomllib.loads(text).get("comparator")
    if not isinstance(raw, dict) or not raw:
        raise ComparatorError(f"{WHERE}: no [comparator.<id>] tables", field="comparator")
    out = {}
    for cid, entry in raw.items():
        here = f"{WHERE} [comparator.{cid}]"
        for name in ("label", "description", "members", "method", "needs_force"):
            if name not in entry:
                raise ComparatorError(f"{here}: missing {name!r}", field=name)
        if entry["members"] not in MEMBERS:
            raise ComparatorError(
                f"{here}: members {entry['members']!r}", field="members", hint=f"one of {MEMBERS}"
            )
        if entry["method"] not in METHODS:
            raise ComparatorError(
                f"{here}: method {entry['method']!r}", field="method", hint=f"one of {METHODS}"
            )
        if entry["method"] == "stored" and entry["members"] != "all":
            raise ComparatorError(
                f"{here}: only England and Wales (members = 'all') is stored", field="method"
            )
        out[cid] = Comparator(
            id=cid,
            label=str(entry["label"]),
            description=str(entry["description"]),
            members=cast(Members, entry["members"]),
            method=cast(Method, entry["method"]),
            needs_force=bool(entry["needs_force"]),
        )
    if DEFAULT not in out:
        raise ComparatorError(f"{WHERE}: no default comparator {DEFAULT!r}", field="comparator")
    return out


@cache
def comparators() -> dict[str, Comparator]:
    """Every declared comparator, by id, in the file's order."""
    text = resources.files("openpeel.indicators").joinpath("comparators.toml").read_text("utf-8")
    return _declared(text)


def parse(compare: str | None, chosen: str | None) -> Choice:
    """The choice the address asks for: ``compare`` (default England and Wales) and, for
    ``compare=forces``, ``forces``, a comma-separated list of forces by any spelling
    (refused without ``compare``, left aside with another comparator)."""
    declared = comparators()
    cid = (compare or DEFAULT).strip()
    if cid not in declared:
        raise ComparatorError(
            f"compare: no comparator {cid!r}",
            field="compare",
            hint=f"use one of {', '.join(declared)}",
        )
    comparator = declared[cid]
    names = [n.strip() for n in (chosen or "").split(",") if n.strip()]
    if comparator.members != "chosen":
        # a form sends the forces ticked whatever comparator is picked: with another comparator
        # named they are left aside; with none named they are a mistake, and said to be
        if names and compare is None:
            raise ComparatorError(
                f"forces: a list of forces is used only with compare=forces, not {cid}",
                field="forces",
                hint="add compare=forces, or leave forces out",
            )
        return Choice(comparator)
    if not names:
        raise ComparatorError(
            "forces: choose at least one force to compare with",
            field="forces",
            hint="e.g. forces=kent,surrey,sussex",
        )
    codes: list[str] = []
    for name in names:
        try:
            code = forces().resolve(name).code
        except OpenPeelError as exc:
            raise ComparatorError(
                f"forces: no police force {name!r}", field="forces", hint=exc.hint
            ) from exc
        if code not in codes:
            codes.append(code)
    if len(codes) > MAX_CHOSEN:
        raise ComparatorError(f"forces: at most {MAX_CHOSEN} forces", field="forces")
    return Choice(comparator, tuple(codes))


def members(choice: Choice, force_code: str | None) -> tuple[str, ...]:
    """The forces that make the comparator for ``force_code`` (every territorial force for
    England and Wales)."""
    kind = choice.comparator.members
    if kind == "all":
        return tuple(f.code for f in forces().territorial())
    if kind == "chosen":
        return choice.forces
    if force_code is None:
        raise ComparatorError(
            f"compare={choice.comparator.id} compares each force with {choice.comparator.label} "
            "of its own: choose a force",
            field="compare",
            hint="add force=<a force>, or compare with England and Wales",
        )
    if kind == "most_similar_group":
        return tuple(peer_group(force_code, include_self=True))
    region = forces().get(force_code).region
    return tuple(f.code for f in forces().territorial() if f.region == region)


def label(choice: Choice, force_code: str | None) -> str:
    """The comparator in words: "England and Wales", "Hampshire's most similar group",
    "the South East region", "Kent and Surrey" (up to ``NAMED`` forces chosen), "the 5 forces
    chosen"."""
    kind = choice.comparator.members
    if kind == "all":
        return choice.comparator.label
    if kind == "chosen":
        names = [forces().get(c).short_name for c in choice.forces]
        if len(names) > NAMED:
            return f"the {len(names)} forces chosen"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if force_code is None:
        return choice.comparator.label
    force = forces().get(force_code)
    if kind == "most_similar_group":
        return f"{force.short_name}'s most similar group"
    return f"the {force.region} region"


def value(
    choice: Choice, unit: str, rows: Mapping[str, Stored], force_code: str | None
) -> float | None:
    """The comparator's value from the stored rows of one indicator and period, by force code
    (None when no member has a value)."""
    if choice.comparator.method == "stored":
        stored = [r.ew_value for r in rows.values() if r.ew_value is not None]
        return stored[0] if stored else None
    shown = [
        rows[c]
        for c in members(choice, force_code)
        if c in rows and not rows[c].is_suppressed and rows[c].value is not None
    ]
    if not shown:
        return None
    pooled = choice.comparator.method == "pooled" and unit in ("share", "per_1000")
    if pooled and all(r.numerator is not None and r.denominator is not None for r in shown):
        numerator = sum(cast(float, r.numerator) for r in shown)
        denominator = sum(cast(float, r.denominator) for r in shown)
        if denominator <= 0:
            return None
        return (1000.0 if unit == "per_1000" else 1.0) * numerator / denominator
    return sum(cast(float, r.value) for r in shown) / len(shown)


def series(
    wh: Warehouse,
    choice: Choice,
    indicator_id: str,
    unit: str,
    period_type: str,
    force_code: str | None,
) -> list[tuple[str, float]]:
    """The comparator's value in each period of one type, oldest first: `value` of the
    members' stored rows (breakdown "all") period by period; a period where no member has a
    value is left out."""
    frame = wh.execute(
        "SELECT period, force_code, value, numerator, denominator, is_suppressed, ew_value "
        "FROM out_indicator_values WHERE indicator_id = ? AND period_type = ? "
        "AND breakdown = 'all'",
        [indicator_id, period_type],
    ).df()
    out = []
    for period, rows in frame.groupby("period"):
        found = value(choice, unit, stored_rows(rows.to_dict("records")), force_code)
        if found is not None:
            out.append((str(period), found))
    return sorted(out, key=lambda pv: sort_key(period_type, pv[0]))


def classify(
    value_: float | None,
    lower: float | None,
    upper: float | None,
    benchmark: float | None,
    is_suppressed: bool,
    polarity: str,
    benchmark_label: str,
) -> tuple[str, str | None]:
    """(class, why not compared) of a value's 95% interval against the comparator's value."""
    comparison, reason = profile.compare_with_ew(
        value_, lower, upper, benchmark, is_suppressed, polarity
    )
    if reason is not None:
        reason = reason.replace("England and Wales", benchmark_label)
    return comparison, reason


def stored_rows(records: Sequence[Mapping[Any, Any]]) -> dict[str, Stored]:
    """Stored rows (``force_code``, ``value``, ``numerator``, ``denominator``,
    ``is_suppressed``, ``ew_value``) by force code."""

    def number(x: Any) -> float | None:
        try:
            f = float(x)
        except (TypeError, ValueError):
            return None
        return f if f == f and f not in (float("inf"), float("-inf")) else None

    return {
        str(r["force_code"]): Stored(
            value=number(r["value"]),
            numerator=number(r["numerator"]),
            denominator=number(r["denominator"]),
            is_suppressed=bool(r["is_suppressed"]),
            ew_value=number(r["ew_value"]),
        )
        for r in records
    }
