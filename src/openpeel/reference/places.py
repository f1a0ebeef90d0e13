"""Find a territorial force by place: a force's name in any published spelling, a local
authority district or community safety partnership in its area, or its region.

Names are matched on their words, ignoring case, punctuation, "&" and "and", and the words
"Police", "Constabulary", "Service", "Force", "Area", "The" and "Of": "Devon and Cornwall",
"devon & cornwall police" and "Devon & Cornwall Police" are the same name; "London, City of"
and "City of London" too. Places come from what is loaded: the ONS local authority district ->
community safety partnership -> police force area lookup (``core_ons__lad_to_pfa``) and the 2021
districts it lacks (``core_ons__lad21_to_pfa_supplement``); towns that are not districts are not
in the data and are not invented. "London" is a region, so it offers both London forces.

Each match says why it matched; matches are ranked: a force's own name, then an exact place,
then a region, then names with words that begin with the words typed, then close spellings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from openpeel.errors import UnknownCodeError
from openpeel.reference._datafile import read_data_file
from openpeel.reference.forces import Force, forces

#: words that do not distinguish one force or place from another
IGNORED = frozenset({"and", "police", "constabulary", "service", "force", "area", "the", "of"})

#: the kinds of place, best first, with the score of an exact match of each
KIND_SCORE = {
    "force": 100,
    "local authority": 90,
    "community safety partnership": 85,
    "region": 80,
}
PREFIX_PENALTY = 30
CLOSE_SCORE = 20


class Rows(Protocol):
    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]: ...

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any: ...


@dataclass(frozen=True)
class Place:
    """A name that leads to one force."""

    name: str
    kind: str
    force_code: str

    @property
    def words(self) -> tuple[str, ...]:
        return words(self.name)


@dataclass(frozen=True)
class Match:
    force_code: str
    force_name: str
    short_name: str
    slug: str
    region: str
    score: int
    kind: str
    matched: str
    why: str


def words(text: str) -> tuple[str, ...]:
    """The distinguishing words of a name, in order: 'Avon & Somerset Constabulary' ->
    ('avon', 'somerset')."""
    text = text.casefold().replace("&", " and ")
    tokens = re.findall(r"[^\W_]+", text)
    return tuple(t for t in tokens if t not in IGNORED)


def force_places() -> list[Place]:
    """Every published spelling of each territorial force, and each force's region."""
    registry = forces()
    territorial = {f.code: f for f in registry.territorial()}
    aliases = read_data_file("force_aliases.csv", None, ("alias", "force_code", "source"))
    out = [
        Place(rec.required("alias"), "force", rec.required("force_code"))
        for rec in aliases
        if rec.required("force_code") in territorial
    ]
    # the forces' own names first: of equal matches, the first is kept
    names = [
        Place(name, "force", f.code)
        for f in territorial.values()
        for name in (f.name, f.short_name)
    ]
    regions = [Place(f.region, "region", f.code) for f in territorial.values()]
    return names + out + regions


def _has(wh: Rows, view: str) -> bool:
    return bool(
        wh.scalar(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", [view]
        )
    )


def warehouse_places(wh: Rows) -> list[Place]:
    """Local authority districts and community safety partnerships from the loaded lookup."""
    out: list[Place] = []
    if _has(wh, "core_ons__lad_to_pfa"):
        for lad, csp, code in wh.rows(
            "SELECT DISTINCT lad_name, csp_name, force_code FROM core_ons__lad_to_pfa "
            "WHERE force_code IS NOT NULL"
        ):
            if lad:
                out.append(Place(str(lad), "local authority", str(code)))
            if csp and csp != lad:
                out.append(Place(str(csp), "community safety partnership", str(code)))
    if _has(wh, "core_ons__lad21_to_pfa_supplement"):
        out += [
            Place(str(lad), "local authority", str(code))
            for lad, code in wh.rows(
                "SELECT lad_name, force_code FROM core_ons__lad21_to_pfa_supplement"
            )
        ]
    return out


def places(wh: Rows | None = None) -> list[Place]:
    """Every place a force can be found by: its spellings and region, and, with a warehouse,
    the districts and partnerships of the loaded lookup."""
    return force_places() + (warehouse_places(wh) if wh is not None else [])


def _why(place: Place, force_name: str, exact: bool) -> str:
    if place.kind == "force":
        return f"“{place.name}” is a published name of {force_name}"
    if place.kind == "region":
        return f"{force_name} is a force of the {place.name} region"
    return f"{place.name} is a {place.kind} in the {force_name} area" + (
        "" if exact else " (its name contains the words typed)"
    )


def _prefix(query: Sequence[str], name: Sequence[str]) -> bool:
    """Every word typed begins a word of the name, in order ("thames" in "Kingston upon
    Thames", "north york" in "North Yorkshire")."""
    position = 0
    for word in query:
        while position < len(name) and not name[position].startswith(word):
            position += 1
        if position == len(name):
            return False
        position += 1
    return True


def find_forces(text: str, candidates: Iterable[Place], limit: int = 10) -> list[Match]:
    """The forces a text may mean, best first, one match per force (its best)."""
    query = words(text)
    if not query:
        return []
    registry = forces()
    best: dict[str, tuple[int, Place, bool]] = {}
    pool = list(candidates)
    for place in pool:
        name = place.words
        if not name:
            continue
        if sorted(name) == sorted(query):
            score, exact = KIND_SCORE[place.kind], True
        elif _prefix(query, name):
            score, exact = KIND_SCORE[place.kind] - PREFIX_PENALTY, False
        else:
            continue
        if place.force_code not in best or score > best[place.force_code][0]:
            best[place.force_code] = (score, place, exact)
    if not best:
        by_words = {" ".join(p.words): p for p in pool if p.words}
        for near in difflib.get_close_matches(" ".join(query), list(by_words), n=3, cutoff=0.75):
            place = by_words[near]
            best.setdefault(place.force_code, (CLOSE_SCORE, place, False))
    matches = []
    for code, (score, place, exact) in best.items():
        force = registry.get(code)
        why = _why(place, force.name, exact)
        if score == CLOSE_SCORE:
            why = f"close to “{place.name}”: {why}"
        matches.append(
            Match(
                force_code=code,
                force_name=force.name,
                short_name=force.short_name,
                slug=force.policeuk_slug,
                region=force.region,
                score=score,
                kind=place.kind,
                matched=place.name,
                why=why,
            )
        )
    matches.sort(key=lambda m: (-m.score, m.force_name))
    return matches[:limit]


def find(wh: Rows | None, text: str, limit: int = 10) -> list[Match]:
    """``find_forces`` over every place known (the web and the CLI call this)."""
    return find_forces(text, places(wh), limit)


def resolve(text: str) -> Force:
    """The force a name means: a known spelling, or else the one force whose name matches the
    words ("hampshire police"); otherwise the unknown-force error, pointing to the search."""
    registry = forces()
    if text in registry:
        return registry.resolve(text)
    exact = [m for m in find_forces(text, force_places()) if m.score == KIND_SCORE["force"]]
    if len(exact) == 1:
        return registry.get(exact[0].force_code)
    try:
        return registry.resolve(text)
    except UnknownCodeError as exc:
        exc.hint = f"`openpeel forces find {text!r}` searches places and spellings"
        raise
