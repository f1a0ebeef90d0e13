"""Peer groups ("most similar groups") for the 43 territorial forces.

HMIC/HMICFRS and the Home Office compare each force with its "most similar group" (MSG) of up
to seven forces, chosen on deprivation, housing and density measures. Membership is only partly
public (PROVENANCE.md section 13: three lists). OpenPEEL therefore keeps the published lists and
computes a group for every force by a declared nearest-neighbour method (``METHOD``):

1. each force gets the value of every characteristic in ``CHARACTERISTICS`` (published
   force-area data only; no value is imputed: a missing one stops the build);
2. each characteristic (after its declared transform) is turned into a z-score across the 43
   forces (mean and population standard deviation of the 43);
3. the distance between two forces is the weighted Euclidean distance of their z-vectors,
   ``sqrt(sum(weight * (z_a - z_b) ** 2))``;
4. a force's group is its ``K`` = 7 nearest other forces, ties broken by force code.

City of London gets a group too, with a caveat: HMIC published none for it. ``docs/peer-groups.md``
explains the method, the characteristics and the comparison with the published lists.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from openpeel.csvsafe import SafeWriter
from openpeel.indicators.peer_characteristics import (
    CHARACTERISTICS,
    LSOA_FORCE_SQL,
    Characteristic,
    PeerGroupError,
)
from openpeel.reference import forces
from openpeel.warehouse.db import Warehouse

__all__ = [
    "CHARACTERISTICS",
    "CITY_OF_LONDON",
    "METHOD",
    "Characteristic",
    "K",
    "Overlap",
    "PeerGroupError",
    "PeerRow",
    "compare_with_published",
    "compute_peer_groups",
    "peer_group",
    "read_peer_groups",
    "write_peer_groups",
]

METHOD = "openpeel-knn-v1"
K = 7
CITY_OF_LONDON = "E23000034"
CITY_CAVEAT = (
    "HMIC published no most similar group for City of London; computed for completeness only "
    "(an outlier: about 11,000 residents in mid-2020, 1.6 persons per household in 2011)"
)
CSV_COLUMNS = (
    "force_code",
    "member_code",
    "rank",
    "distance",
    "kind",
    "vintage",
    "method",
    "source",
    "caveat",
)
PEER_GROUPS_FILE = "peer_groups.csv"


@dataclass(frozen=True)
class PeerRow:
    """One member of one force's peer group (a row of ``peer_groups.csv``)."""

    force_code: str
    member_code: str
    rank: int | None
    distance: float | None
    kind: str  # computed | published
    vintage: str
    method: str
    source: str
    caveat: str = ""


#: published lists by vintage: (method id, caveat). PROVENANCE.md section 13.
PUBLISHED_SCHEMES: Mapping[str, tuple[str, str]] = {
    "2001/02": (
        "home-office-msg",
        "Home Office grouping as reported by the Southern Daily Echo, not the Home Office "
        "document; members listed alphabetically",
    ),
    "2010/11": ("hmic-vfm-msg", "HMIC value for money profile; members listed alphabetically"),
    "2023/24": (
        "iopc-msf",
        "IOPC most similar force group: a different, smaller scheme; do not mix with HMIC MSGs",
    ),
}


def territorial_codes() -> list[str]:
    return [f.code for f in forces().territorial()]


def characteristic_values(
    wh: Warehouse, characteristics: Sequence[Characteristic] = CHARACTERISTICS
) -> dict[str, dict[str, float]]:
    """Characteristic id -> force code -> value (before the transform), for the 43 forces.

    Raises PeerGroupError when any force lacks a value, or any LSOA maps to no force.
    """
    unmapped = wh.rows(f"SELECT count(*) FROM ({LSOA_FORCE_SQL}) WHERE force_code IS NULL")[0][0]
    if unmapped:
        raise PeerGroupError(f"{unmapped} census LSOAs map to no police force area")
    codes = territorial_codes()
    values: dict[str, dict[str, float]] = {}
    for c in characteristics:
        got: dict[str, float] = {}
        for row in wh.rows(c.sql):
            if row[0] in codes and all(v is not None for v in row[1:]):
                got[row[0]] = c.compute(tuple(row[1:])) if c.compute else float(row[1])
        missing = [code for code in codes if code not in got or not math.isfinite(got[code])]
        if missing:
            raise PeerGroupError(
                f"characteristic {c.id} has no value for {len(missing)} force(s): "
                + ", ".join(missing),
                hint="load the files it needs: " + ", ".join(c.source_views),
            )
        values[c.id] = got
    return values


def standardise(
    values: Mapping[str, Mapping[str, float]],
    characteristics: Sequence[Characteristic],
    scale_on: Collection[str] | None = None,
) -> dict[str, tuple[float, ...]]:
    """Force code -> z-scores of the transformed characteristics: mean and population standard
    deviation across the forces in ``values`` (or, for a sensitivity check, ``scale_on``)."""
    codes = sorted(next(iter(values.values())))
    scale = [code for code in codes if scale_on is None or code in scale_on]
    columns = []
    for c in characteristics:
        xs = [c.feature(values[c.id][code]) for code in codes]
        ref = [c.feature(values[c.id][code]) for code in scale]
        mean, sd = statistics.fmean(ref), statistics.pstdev(ref)
        if sd == 0:
            raise PeerGroupError(f"characteristic {c.id} has the same value for every force")
        columns.append([(x - mean) / sd for x in xs])
    return {code: tuple(col[i] for col in columns) for i, code in enumerate(codes)}


def distance(a: Sequence[float], b: Sequence[float], weights: Sequence[float]) -> float:
    return math.sqrt(sum(w * (x - y) ** 2 for x, y, w in zip(a, b, weights, strict=True)))


def nearest(
    z: Mapping[str, Sequence[float]], weights: Sequence[float], k: int = K
) -> dict[str, list[tuple[str, float]]]:
    """Force code -> its ``k`` nearest other forces with their distances, nearest first; ties
    (equal to 12 decimal places) broken by force code."""
    result = {}
    for code in sorted(z):
        ranked = sorted(
            ((other, distance(z[code], z[other], weights)) for other in z if other != code),
            key=lambda pair: (round(pair[1], 12), pair[0]),
        )
        result[code] = ranked[:k]
    return result


def computed_rows(
    wh: Warehouse, characteristics: Sequence[Characteristic] = CHARACTERISTICS, k: int = K
) -> list[PeerRow]:
    values = characteristic_values(wh, characteristics)
    z = standardise(values, characteristics)
    weights = [c.weight for c in characteristics]
    vintage = "; ".join(sorted({c.vintage for c in characteristics}))
    source = "openpeel.indicators.peers (docs/peer-groups.md)"
    return [
        PeerRow(
            code,
            member,
            rank,
            dist,
            "computed",
            vintage,
            METHOD,
            source,
            CITY_CAVEAT if code == CITY_OF_LONDON else "",
        )
        for code, members in nearest(z, weights, k).items()
        for rank, (member, dist) in enumerate(members, start=1)
    ]


def published_rows(wh: Warehouse) -> list[PeerRow]:
    """The published lists (core_reference__most_similar_groups) as they are."""
    rows = wh.rows(
        "SELECT DISTINCT force_code, member_force_code, rank, vintage, source "
        "FROM core_reference__most_similar_groups"
    )
    result = []
    for force, member, rank, vintage, source in rows:
        method, caveat = PUBLISHED_SCHEMES.get(vintage, ("published", ""))
        result.append(
            PeerRow(force, member, rank, None, "published", vintage, method, source, caveat)
        )
    return result


def _order(row: PeerRow) -> tuple[str, str, str, int, str]:
    return (row.force_code, row.kind, row.vintage, row.rank or 0, row.member_code)


def compute_peer_groups(
    wh: Warehouse, characteristics: Sequence[Characteristic] = CHARACTERISTICS, k: int = K
) -> list[PeerRow]:
    """Computed groups for all 43 territorial forces plus the published lists, in file order."""
    return sorted(computed_rows(wh, characteristics, k) + published_rows(wh), key=_order)


def format_peer_groups(rows: Sequence[PeerRow]) -> str:
    """The CSV text of ``peer_groups.csv`` (distances to 6 decimal places, LF line ends)."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(CSV_COLUMNS)
    for r in sorted(rows, key=_order):
        writer.writerow(
            (
                r.force_code,
                r.member_code,
                "" if r.rank is None else r.rank,
                "" if r.distance is None else f"{r.distance:.6f}",
                r.kind,
                r.vintage,
                r.method,
                r.source,
                r.caveat,
            )
        )
    return out.getvalue()


def write_peer_groups(rows: Sequence[PeerRow], path: Path) -> None:
    path.write_text(format_peer_groups(rows), encoding="utf-8", newline="")


def read_peer_groups(path: Path | None = None) -> list[PeerRow]:
    """The rows of ``peer_groups.csv`` (the packaged file unless ``path`` is given)."""
    if path is None:
        resource = resources.files("openpeel.reference").joinpath("data", PEER_GROUPS_FILE)
        text = resource.read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return [
        PeerRow(
            r["force_code"],
            r["member_code"],
            int(r["rank"]) if r["rank"] else None,
            float(r["distance"]) if r["distance"] else None,
            r["kind"],
            r["vintage"],
            r["method"],
            r["source"],
            r["caveat"],
        )
        for r in csv.DictReader(io.StringIO(text, newline=""))
    ]


@functools.cache
def _default_groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for r in read_peer_groups():
        if r.kind == "computed" and r.method == METHOD:
            groups.setdefault(r.force_code, []).append((r.rank or 0, r.member_code))
    return {code: tuple(m for _, m in sorted(members)) for code, members in groups.items()}


def peer_group(force_code: str, *, include_self: bool = False) -> list[str]:
    """The peer group OpenPEEL uses by default: the computed group (``METHOD``), nearest first.

    Computed, not published, because the published lists cover two forces only, are old
    (2001/02, 2010/11) or belong to another scheme (the IOPC's smaller 2023/24 groups), whereas
    the computed groups cover all 43 forces by one declared method from current data. With
    ``include_self`` the force itself comes first: the set over which a group value (the simple
    mean of the members' values, HMIC Crime and Policing Comparator convention) is taken.
    """
    force = forces().get(force_code)
    members = _default_groups().get(force.code)
    if members is None:
        raise PeerGroupError(
            f"{force.short_name} ({force.code}) has no peer group",
            hint="peer groups exist for the 43 territorial forces of England and Wales only",
        )
    return [force.code, *members] if include_self else list(members)


@dataclass(frozen=True)
class Overlap:
    """A published list set against the computed group of the same force."""

    force_code: str
    vintage: str
    method: str
    published: tuple[str, ...]
    computed: tuple[str, ...]

    @property
    def common(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.published) & set(self.computed)))

    @property
    def jaccard(self) -> float:
        union = set(self.published) | set(self.computed)
        return len(self.common) / len(union) if union else 0.0


def compare_with_published(rows: Sequence[PeerRow]) -> list[Overlap]:
    """Every published list with the force's computed group."""
    computed: dict[str, list[PeerRow]] = {}
    published: dict[tuple[str, str, str], list[str]] = {}
    for r in rows:
        if r.kind == "computed":
            computed.setdefault(r.force_code, []).append(r)
        else:
            published.setdefault((r.force_code, r.vintage, r.method), []).append(r.member_code)
    return [
        Overlap(
            force,
            vintage,
            method,
            tuple(sorted(members)),
            tuple(r.member_code for r in sorted(computed.get(force, []), key=_order)),
        )
        for (force, vintage, method), members in sorted(published.items())
    ]
