"""Code tables: data.police.uk crime types and outcome strings, Home Office outcome types,
Home Office offence codes and the offences of the rolling-year recorded crime table, each read
from a CSV file in ``openpeel/reference/data``.

Matching is exact after :func:`normalise` (strip, collapse inner whitespace, lower-case); each
table also accepts the spellings listed in its aliases file.

``outcome_group`` of a data.police.uk outcome string (``policeuk_outcomes.csv``) is one of:

* ``charge_or_court`` - a suspect was charged or summonsed (Home Office type 1), including
  every court-stage result data.police.uk attaches afterwards ("Offender fined", ...);
* ``taken_into_consideration`` - dealt with as part of another case (type 4);
* ``out_of_court`` - cautions, penalty notices, drugs warnings, local/community resolutions;
* ``not_in_public_interest`` - formal action, further investigation or further action not in
  the public interest (types 9, 10, 21, 22);
* ``no_further_action_evidential`` - "Unable to prosecute suspect" (types 14, 15 and 16);
* ``no_suspect`` - investigation complete, no suspect identified (type 18);
* ``other_body`` - action to be taken by another organisation (type 20);
* ``under_investigation`` - no outcome yet (type 0);
* ``unknown`` - "Status update unavailable";
* ``not_recorded`` - blank: anti-social behaviour, and forces that publish no outcomes.

``home_office_types`` is the list of Home Office outcome types a string may stand for; most
of it is OpenPEEL's reading of the wording, as the ``notes`` column of each row says.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from openpeel.errors import UnknownCodeError
from openpeel.reference._datafile import (
    DataFile,
    Record,
    ReferenceDataError,
    normalise,
    read_data_file,
)

__all__ = [
    "OUTCOME_GROUPS",
    "CodeTable",
    "CrimeType",
    "OffenceCode",
    "OutcomeType",
    "PoliceUkOutcome",
    "RecordedCrimeOffence",
    "ReferenceDataError",
    "crime_types",
    "normalise",
    "offence_codes",
    "outcome_types",
    "policeuk_outcomes",
    "recorded_crime_offences",
]

OUTCOME_GROUPS = frozenset(
    {
        "charge_or_court",
        "taken_into_consideration",
        "out_of_court",
        "not_in_public_interest",
        "no_further_action_evidential",
        "no_suspect",
        "other_body",
        "under_investigation",
        "unknown",
        "not_recorded",
    }
)

RowT = TypeVar("RowT")


class CodeTable(Generic[RowT]):
    """The rows of one code table, keyed by their code, with the spellings that resolve to it."""

    def __init__(
        self,
        table: str,
        rows: Mapping[str, RowT],
        records: Sequence[Mapping[str, str]],
        lookup: Mapping[str, str],
        known: Sequence[str],
    ) -> None:
        self.table = table
        self._rows = dict(rows)
        self._records = [dict(r) for r in records]
        self._lookup = dict(lookup)
        self._known = list(known)

    def resolve(self, value: str, *, where: str | None = None) -> str:
        """The table's own code for ``value`` (a code or any listed alias)."""
        key = self._lookup.get(normalise(value))
        if key is None:
            raise UnknownCodeError(
                self.table,
                value,
                self._known,
                where=where,
                hint=f"add the spelling to the {self.table} table or its aliases file",
            )
        return key

    def get(self, value: str, *, where: str | None = None) -> RowT:
        """The row for ``value`` (resolved as :meth:`resolve` does)."""
        return self._rows[self.resolve(value, where=where)]

    def values(self) -> list[str]:
        """The codes, in file order."""
        return list(self._rows)

    def rows(self) -> list[RowT]:
        return list(self._rows.values())

    def aliases(self) -> dict[str, str]:
        """Normalised spelling -> code, for every code and alias."""
        return dict(self._lookup)

    def as_records(self) -> list[dict[str, str]]:
        """The rows exactly as in the CSV file (all values strings), for loading into SQL."""
        return [dict(r) for r in self._records]

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and normalise(value) in self._lookup

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[RowT]:
        return iter(self._rows.values())


@dataclass(frozen=True)
class AliasFile:
    filename: str
    alias: str
    target: str


def build_table(
    table: str,
    data: DataFile,
    key_field: str,
    make_row: Callable[[Record], RowT],
    *,
    aliases: DataFile | None = None,
    alias_spec: AliasFile | None = None,
    blank_key_ok: bool = False,
) -> CodeTable[RowT]:
    """Check keys (present, unique after normalising) and aliases, then build the table."""
    rows: dict[str, RowT] = {}
    lookup: dict[str, str] = {}
    for rec in data:
        key = rec[key_field] if blank_key_ok else rec.required(key_field)
        norm = normalise(key)
        if norm in lookup:
            raise rec.fail(key_field, f"{key!r} repeats an earlier key ({lookup[norm]!r})")
        lookup[norm] = key
        rows[key] = make_row(rec)
    known = list(rows)
    if aliases is not None and alias_spec is not None:
        for rec in aliases:
            alias = rec.required(alias_spec.alias)
            target = rec.required(alias_spec.target)
            if target not in rows:
                raise rec.fail(alias_spec.target, f"{target!r} is not a key of {data.source}")
            norm = normalise(alias)
            if lookup.get(norm, target) != target:
                raise rec.fail(
                    alias_spec.alias,
                    f"{alias!r} already stands for {lookup[norm]!r}, not {target!r}",
                )
            lookup[norm] = target
            known.append(alias)
    return CodeTable(table, rows, [r.values for r in data], lookup, known)


# --- crime types -------------------------------------------------------------------------


@dataclass(frozen=True)
class CrimeType:
    """A data.police.uk crime type. ``valid_from``/``valid_to`` are the first/last year it is
    seen in the real files (not official change dates); ``valid_to`` is blank while current."""

    crime_type: str
    is_current: bool
    valid_from: str
    valid_to: str
    notes: str


_YEAR = r"\d{4}(-\d{2})?"


def _crime_type(rec: Record) -> CrimeType:
    current = rec.boolean("is_current")
    valid_to = rec.matching("valid_to", _YEAR, "a year (YYYY or YYYY-MM)", blank_ok=True)
    if current and valid_to:
        raise rec.fail("valid_to", "must be blank for a current crime type")
    if not current and not valid_to:
        raise rec.fail("valid_to", "must be given for a crime type that is not current")
    return CrimeType(
        crime_type=rec["crime_type"],
        is_current=current,
        valid_from=rec.matching("valid_from", _YEAR, "a year (YYYY or YYYY-MM)", blank_ok=True),
        valid_to=valid_to,
        notes=rec["notes"],
    )


@functools.cache
def crime_types(path: Path | None = None, aliases_path: Path | None = None) -> CodeTable[CrimeType]:
    """data.police.uk crime types (``crime_types.csv`` + ``crime_type_aliases.csv``)."""
    data = read_data_file(
        "crime_types.csv", path, ("crime_type", "is_current", "valid_from", "valid_to", "notes")
    )
    spec = AliasFile("crime_type_aliases.csv", "alias", "crime_type")
    aliases = read_data_file(spec.filename, aliases_path, ("alias", "crime_type", "source"))
    return build_table(
        "crime type", data, "crime_type", _crime_type, aliases=aliases, alias_spec=spec
    )


# --- Home Office outcome types -----------------------------------------------------------


@dataclass(frozen=True)
class OutcomeType:
    """A Home Office crime outcome type (0 = not yet assigned)."""

    outcome_type: str
    description: str
    outcome_group: str
    notes: str

    @property
    def number(self) -> int:
        return int(self.outcome_type)


def _outcome_type(rec: Record) -> OutcomeType:
    code = rec.matching("outcome_type", r"\d{1,2}", "an outcome type number")
    if not rec["description"] and not rec["notes"]:
        raise rec.fail("notes", "a blank description must be explained in notes")
    return OutcomeType(code, rec["description"], rec["outcome_group"], rec["notes"])


@functools.cache
def outcome_types(
    path: Path | None = None, descriptions_path: Path | None = None
) -> CodeTable[OutcomeType]:
    """Home Office outcome types 0-22 (``outcome_types.csv``); every published wording in
    ``outcome_type_descriptions.csv`` resolves to its type."""
    data = read_data_file(
        "outcome_types.csv", path, ("outcome_type", "description", "outcome_group", "notes")
    )
    spec = AliasFile("outcome_type_descriptions.csv", "description", "outcome_type")
    wordings = read_data_file(
        spec.filename, descriptions_path, ("outcome_type", "description", "source")
    )
    return build_table(
        "outcome type", data, "outcome_type", _outcome_type, aliases=wordings, alias_spec=spec
    )


# --- data.police.uk outcome strings ------------------------------------------------------


@dataclass(frozen=True)
class PoliceUkOutcome:
    """A data.police.uk outcome string ("" = no outcome) and what it stands for."""

    outcome: str
    outcome_group: str
    home_office_types: tuple[str, ...]
    seen_in: str
    notes: str


def _policeuk_outcome(rec: Record) -> PoliceUkOutcome:
    group = rec.required("outcome_group")
    if group not in OUTCOME_GROUPS:
        raise rec.fail(
            "outcome_group", f"{group!r} is not one of {', '.join(sorted(OUTCOME_GROUPS))}"
        )
    raw = rec["home_office_types"]
    types = tuple(raw.split(";")) if raw else ()
    known = outcome_types()
    for t in types:
        if t not in known.values():
            raise rec.fail("home_office_types", f"{t!r} is not a Home Office outcome type")
    return PoliceUkOutcome(rec["outcome"], group, types, rec["seen_in"], rec["notes"])


@functools.cache
def policeuk_outcomes(
    path: Path | None = None, aliases_path: Path | None = None
) -> CodeTable[PoliceUkOutcome]:
    """data.police.uk outcome strings (``policeuk_outcomes.csv``; earlier labels in
    ``policeuk_outcome_aliases.csv``). The blank string is a row of its own."""
    data = read_data_file(
        "policeuk_outcomes.csv",
        path,
        ("outcome", "outcome_group", "home_office_types", "seen_in", "notes"),
    )
    spec = AliasFile("policeuk_outcome_aliases.csv", "alias", "outcome")
    aliases = read_data_file(spec.filename, aliases_path, ("alias", "outcome", "source"))
    return build_table(
        "data.police.uk outcome",
        data,
        "outcome",
        _policeuk_outcome,
        aliases=aliases,
        alias_spec=spec,
        blank_key_ok=True,
    )


# --- Home Office offence codes -----------------------------------------------------------


@dataclass(frozen=True)
class OffenceCode:
    """A Home Office offence code and the data.police.uk crime type it falls under
    (blank where it could not be mapped; ``notes`` says why)."""

    offence_code: str
    offence_description: str
    offence_group: str
    offence_subgroup: str
    policeuk_crime_type: str
    source: str
    notes: str


def _offence_code(rec: Record) -> OffenceCode:
    crime_type = rec["policeuk_crime_type"]
    if crime_type and crime_type not in crime_types().values():
        raise rec.fail(
            "policeuk_crime_type", f"{crime_type!r} is not a crime type as spelt in crime_types.csv"
        )
    if not crime_type and not rec["notes"]:
        raise rec.fail("notes", "an unmapped offence code must be explained in notes")
    return OffenceCode(
        offence_code=rec["offence_code"],
        offence_description=rec.required("offence_description"),
        offence_group=rec.required("offence_group"),
        offence_subgroup=rec["offence_subgroup"],
        policeuk_crime_type=crime_type,
        source=rec.required("source"),
        notes=rec["notes"],
    )


@functools.cache
def offence_codes(path: Path | None = None) -> CodeTable[OffenceCode]:
    """Home Office offence codes -> data.police.uk crime type (``offence_codes.csv``).
    Codes are strings: ``8N``, ``53F``, ``AF``, ``1/4.1/4.10/4.2``."""
    columns = (
        "offence_code",
        "offence_description",
        "offence_group",
        "offence_subgroup",
        "policeuk_crime_type",
        "source",
        "notes",
    )
    data = read_data_file("offence_codes.csv", path, columns)
    return build_table("offence code", data, "offence_code", _offence_code)


# --- offences of the rolling-year recorded crime table -----------------------------------

_ROLLING_PERIOD = r"12 months to \d{4}-\d{2}"


@dataclass(frozen=True)
class RecordedCrimeOffence:
    """An offence as listed in the Home Office's rolling-year recorded crime by force area
    (``rec-crime-pfa.csv``), and the comparable series it belongs to across the changes of
    that list (``first_period``/``last_period``: the first and last 12 months it is listed)."""

    offence: str
    offence_series: str
    is_in_total_excluding_fraud: bool
    first_period: str
    last_period: str
    source: str
    notes: str


def _recorded_crime_offence(rec: Record) -> RecordedCrimeOffence:
    series = rec.required("offence_series")
    if series != rec["offence"] and not rec["notes"]:
        raise rec.fail("notes", "an offence counted in another series must say why in notes")
    return RecordedCrimeOffence(
        offence=rec["offence"],
        offence_series=series,
        is_in_total_excluding_fraud=rec.boolean("is_in_total_excluding_fraud"),
        first_period=rec.matching("first_period", _ROLLING_PERIOD, "a '12 months to YYYY-MM'"),
        last_period=rec.matching("last_period", _ROLLING_PERIOD, "a '12 months to YYYY-MM'"),
        source=rec.required("source"),
        notes=rec["notes"],
    )


@functools.cache
def recorded_crime_offences(path: Path | None = None) -> CodeTable[RecordedCrimeOffence]:
    """The offences of the rolling-year recorded crime table (``recorded_crime_offences.csv``)
    with their comparable series: the offence list's changes over the years, as data."""
    columns = (
        "offence",
        "offence_series",
        "is_in_total_excluding_fraud",
        "first_period",
        "last_period",
        "source",
        "notes",
    )
    data = read_data_file("recorded_crime_offences.csv", path, columns)
    return build_table("recorded crime offence", data, "offence", _recorded_crime_offence)
