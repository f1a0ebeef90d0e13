"""Police forces: the 43 territorial forces of England and Wales and the other bodies that
appear as a "force" in published data (``forces.csv`` and ``force_aliases.csv``).

Columns of ``forces.csv``:

* ``force_code`` - the ONS police force area code (E23000001...E23000039, W15000001...W15000004)
  for the 43 territorial forces; for the other bodies an upper-case code of OpenPEEL's own
  (``BTP``, ``PSNI``, ``ACTION_FRAUD``, ``CIFAS``, ``FFA_UK``, ``UK_FINANCE``) that cannot be
  mistaken for an ONS code.
* ``name`` - the full name as data.police.uk spells it in ``Reported by`` ("Hampshire
  Constabulary", "Metropolitan Police Service", "Devon & Cornwall Police").
* ``short_name`` - one consistent readable short form: the Home Office open-data form (the
  ``force_name`` of the Home Office outcomes, PRC, stop-and-search and arrests tables: "Avon
  and Somerset", "Devon and Cornwall", "Metropolitan Police", "Dyfed-Powys"), except that the
  Home Office's "London, City of" is written in reading order, "City of London".
* ``region`` - the region as in the Home Office workforce open data ("South East", "Eastern",
  "London", "Wales"); ``country`` - England or Wales (Northern Ireland for PSNI).
* ``is_territorial`` - true only for the 43 territorial forces of England and Wales. British
  Transport Police, the Police Service of Northern Ireland and the fraud-recording bodies are
  false.
* ``policeuk_slug`` - the force's name in data.police.uk file names (``avon-and-somerset``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpeel.errors import UnknownCodeError
from openpeel.reference._datafile import DataFile, Record, normalise, read_data_file

__all__ = ["TERRITORIAL_FORCES", "Force", "ForceRegistry", "forces"]

TERRITORIAL_FORCES = 43
ONS_PFA_CODE = r"(E23|W15)\d{6}"
_ANY_ONS_CODE = r"[EKNSW]\d{8}"
OWN_CODE = r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*"
SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"
FORCE_COLUMNS = (
    "force_code",
    "name",
    "short_name",
    "region",
    "country",
    "is_territorial",
    "policeuk_slug",
    "notes",
)


@dataclass(frozen=True)
class Force:
    """A police force (or a body that appears as one in published data)."""

    code: str
    name: str
    short_name: str
    region: str
    country: str
    is_territorial: bool
    policeuk_slug: str
    notes: str = ""


class ForceRegistry:
    """All forces, and every known spelling of each."""

    def __init__(
        self,
        forces: Sequence[Force],
        lookup: Mapping[str, str],
        known: Sequence[str],
        records: Sequence[Mapping[str, str]],
    ) -> None:
        self._by_code = {f.code: f for f in forces}
        self._lookup = dict(lookup)
        self._known = list(known)
        self._records = [dict(r) for r in records]

    def resolve(self, spelling: str, *, where: str | None = None) -> Force:
        """The force for any known spelling: code, name, short name, slug or alias."""
        code = self._lookup.get(normalise(spelling))
        if code is None:
            raise UnknownCodeError(
                "force",
                spelling,
                self._known,
                where=where,
                hint="add the spelling to openpeel/reference/data/force_aliases.csv",
            )
        return self._by_code[code]

    def get(self, code: str) -> Force:
        """The force with exactly this code (``E23000030``, ``BTP``...)."""
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownCodeError("force code", code, self._by_code) from None

    def territorial(self) -> list[Force]:
        """The 43 territorial forces of England and Wales, sorted by code."""
        return sorted((f for f in self._by_code.values() if f.is_territorial), key=lambda f: f.code)

    def all(self) -> list[Force]:
        """Every force and body, sorted by code."""
        return sorted(self._by_code.values(), key=lambda f: f.code)

    def aliases(self) -> dict[str, str]:
        """Normalised spelling -> force code, for every code, name, short name, slug and alias."""
        return dict(self._lookup)

    def as_records(self) -> list[dict[str, str]]:
        """The rows of forces.csv exactly as in the file (all values strings)."""
        return [dict(r) for r in self._records]

    def __contains__(self, spelling: object) -> bool:
        return isinstance(spelling, str) and normalise(spelling) in self._lookup

    def __iter__(self) -> Iterator[Force]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._by_code)


def _force(rec: Record) -> Force:
    territorial = rec.boolean("is_territorial")
    code = rec.required("force_code")
    if territorial:
        rec.matching("force_code", ONS_PFA_CODE, "an ONS police force area code (E23/W15)")
        country = rec.matching("country", "England|Wales", "England or Wales")
        if country != ("England" if code.startswith("E") else "Wales"):
            raise rec.fail("country", f"{country!r} does not fit code {code}")
        rec.required("region")
        rec.matching("policeuk_slug", SLUG, "a data.police.uk slug (lower-case, hyphens)")
    else:
        if re.fullmatch(_ANY_ONS_CODE, code):
            raise rec.fail(
                "force_code", f"{code!r} looks like an ONS code but is_territorial is false"
            )
        rec.matching("force_code", OWN_CODE, "an upper-case code such as BTP or ACTION_FRAUD")
        rec.matching("policeuk_slug", SLUG, "a data.police.uk slug", blank_ok=True)
    return Force(
        code=code,
        name=rec.required("name"),
        short_name=rec.required("short_name"),
        region=rec["region"],
        country=rec["country"],
        is_territorial=territorial,
        policeuk_slug=rec["policeuk_slug"],
        notes=rec["notes"],
    )


def _claim(lookup: dict[str, str], spelling: str, code: str, rec: Record, field: str) -> None:
    norm = normalise(spelling)
    other = lookup.setdefault(norm, code)
    if other != code:
        raise rec.fail(field, f"{spelling!r} already stands for force {other}, not {code}")


def _build(data: DataFile, aliases: DataFile) -> ForceRegistry:
    found: list[Force] = []
    lookup: dict[str, str] = {}
    known: list[str] = []
    for rec in data:
        force = _force(rec)
        if any(f.code == force.code for f in found):
            raise rec.fail("force_code", f"{force.code} repeats an earlier row")
        found.append(force)
        for field, value in (
            ("force_code", force.code),
            ("name", force.name),
            ("short_name", force.short_name),
            ("policeuk_slug", force.policeuk_slug),
        ):
            if value:
                _claim(lookup, value, force.code, rec, field)
        known += [force.name, force.short_name]
    territorial = sum(f.is_territorial for f in found)
    if territorial != TERRITORIAL_FORCES:
        raise data.fail(
            f"has {territorial} territorial forces (is_territorial=true); "
            f"England and Wales have exactly {TERRITORIAL_FORCES}",
            field="is_territorial",
        )
    codes = {f.code for f in found}
    for rec in aliases:
        alias = rec.required("alias")
        code = rec.required("force_code")
        if code not in codes:
            raise rec.fail("force_code", f"{code!r} is not a force_code in {data.source}")
        _claim(lookup, alias, code, rec, "alias")
        known.append(alias)
    return ForceRegistry(found, lookup, known, [r.values for r in data])


@functools.cache
def forces(path: Path | None = None, aliases_path: Path | None = None) -> ForceRegistry:
    """The force registry from ``forces.csv`` and ``force_aliases.csv`` (or the given files)."""
    data = read_data_file("forces.csv", path, FORCE_COLUMNS)
    aliases = read_data_file("force_aliases.csv", aliases_path, ("alias", "force_code", "source"))
    return _build(data, aliases)
