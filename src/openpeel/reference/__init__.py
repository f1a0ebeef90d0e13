"""Reference code tables: police forces, crime types, outcomes and offence codes.

The tables are CSV files in ``openpeel/reference/data`` (see the README there for where every
value comes from). Contains public sector information licensed under the Open Government
Licence v3.0.
"""

from openpeel.reference._datafile import WHITESPACE_RANGES, ReferenceDataError, normalise
from openpeel.reference.codes import (
    OUTCOME_GROUPS,
    CodeTable,
    CrimeType,
    OffenceCode,
    OutcomeType,
    PoliceUkOutcome,
    RecordedCrimeOffence,
    crime_types,
    offence_codes,
    outcome_types,
    policeuk_outcomes,
    recorded_crime_offences,
)
from openpeel.reference.forces import Force, ForceRegistry, forces

__all__ = [
    "OUTCOME_GROUPS",
    "WHITESPACE_RANGES",
    "CodeTable",
    "CrimeType",
    "Force",
    "ForceRegistry",
    "OffenceCode",
    "OutcomeType",
    "PoliceUkOutcome",
    "RecordedCrimeOffence",
    "ReferenceDataError",
    "crime_types",
    "forces",
    "normalise",
    "offence_codes",
    "outcome_types",
    "policeuk_outcomes",
    "recorded_crime_offences",
]
