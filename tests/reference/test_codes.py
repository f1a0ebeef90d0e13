"""Crime types, outcome types, data.police.uk outcomes and offence codes (packaged data only)."""

from __future__ import annotations

import pytest

from openpeel.errors import UnknownCodeError
from openpeel.reference import (
    OUTCOME_GROUPS,
    crime_types,
    offence_codes,
    outcome_types,
    policeuk_outcomes,
)

CURRENT_CRIME_TYPES = {
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
}


def test_current_and_historic_crime_types() -> None:
    table = crime_types()
    assert {r.crime_type for r in table.rows() if r.is_current} == CURRENT_CRIME_TYPES
    historic = {r.crime_type for r in table.rows() if not r.is_current}
    assert {"Violent crime", "Public disorder and weapons"} <= historic


def test_crime_type_aliases() -> None:
    table = crime_types()
    assert table.resolve("Violence and Sexual Offences") == "Violence and sexual offences"
    assert table.resolve("Theft from the Person") == "Theft from the person"
    assert "vehicle CRIME" in table
    with pytest.raises(UnknownCodeError, match="Burglary"):
        table.resolve("Burglery")


def test_every_outcome_type_0_to_22_present() -> None:
    table = outcome_types()
    assert table.values() == [str(n) for n in range(23)]
    assert [r.number for r in table.rows()] == list(range(23))


def test_outcome_type_wordings_resolve() -> None:
    table = outcome_types()
    assert table.resolve("Charged/Summonsed") == "1"
    assert table.resolve("16") == "16"
    assert (
        table.resolve(
            "Evidential difficulties: suspect identified; victim does not support further action"
        )
        == "16"
    )
    assert table.get("22").description.startswith("Diversionary, educational")


def test_outcome_type_19_is_explained_not_invented() -> None:
    row = outcome_types().get("19")
    assert row.description == ""
    assert "could be confirmed" in row.notes


def test_policeuk_outcome_mapping() -> None:
    table = policeuk_outcomes()
    assert table.get("Unable to prosecute suspect").home_office_types == ("14", "15", "16")
    assert table.get("Investigation complete; no suspect identified").home_office_types == ("18",)
    assert table.get("").outcome_group == "not_recorded"
    assert table.resolve("Offender imprisoned") == "Offender sent to prison"
    assert {r.outcome_group for r in table.rows()} <= OUTCOME_GROUPS
    types = set(outcome_types().values())
    assert all(set(r.home_office_types) <= types for r in table.rows())


def test_offence_codes_are_strings_and_map_to_crime_types() -> None:
    table = offence_codes()
    assert table.get("8N").policeuk_crime_type == "Violence and sexual offences"
    assert table.get("AF").policeuk_crime_type == "Other crime"
    assert table.get("1/4.1/4.10/4.2").offence_description == "Homicide"
    assert table.get("46").policeuk_crime_type == "Shoplifting"
    known = set(crime_types().values())
    for row in table.rows():
        assert row.policeuk_crime_type in known or (row.policeuk_crime_type == "" and row.notes)


def test_unmapped_offence_codes_are_explained() -> None:
    unmapped = [r for r in offence_codes().rows() if not r.policeuk_crime_type]
    # 53D and 53F, and the 38 other expired codes of the Home Office's 2018/19 table
    assert len(unmapped) == 40
    assert {"53D", "53F", "8F", "12"} <= {r.offence_code for r in unmapped}
    assert all(r.offence_description.endswith("(outcomes only)") for r in unmapped)
    assert all("Cannot map" in r.notes for r in unmapped)


def test_as_records_are_strings() -> None:
    for table in (crime_types(), outcome_types(), policeuk_outcomes(), offence_codes()):
        records = table.as_records()
        assert len(records) == len(table)
        assert all(isinstance(v, str) for r in records for v in r.values())
