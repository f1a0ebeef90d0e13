"""The force registry: the 43 territorial forces, the other bodies, spellings and errors."""

from __future__ import annotations

import re

import pytest

from openpeel.errors import UnknownCodeError
from openpeel.reference import Force, forces, normalise


def test_exactly_43_territorial_forces_with_ons_codes() -> None:
    territorial = forces().territorial()
    assert len(territorial) == 43
    codes = [f.code for f in territorial]
    assert codes == sorted(codes)
    assert len(set(codes)) == 43
    assert all(re.fullmatch(r"(E23|W15)\d{6}", c) for c in codes)
    assert sum(c.startswith("W15") for c in codes) == 4
    assert {f.country for f in territorial} == {"England", "Wales"}
    assert all(f.region and f.policeuk_slug and f.name and f.short_name for f in territorial)


def test_codes_unique_across_all_bodies() -> None:
    codes = [f.code for f in forces().all()]
    assert len(codes) == len(set(codes)) == len(forces())


@pytest.mark.parametrize(("code", "slug"), [("BTP", "btp"), ("PSNI", "northern-ireland")])
def test_btp_and_psni_present_and_not_territorial(code: str, slug: str) -> None:
    force = forces().get(code)
    assert not force.is_territorial
    assert force.policeuk_slug == slug
    assert force not in forces().territorial()
    assert forces().resolve(slug) == force


def test_fraud_bodies_are_not_territorial_and_have_own_codes() -> None:
    for spelling, code in [
        ("Action Fraud", "ACTION_FRAUD"),
        ("CIFAS", "CIFAS"),
        ("Financial Fraud Action UK", "FFA_UK"),
        ("UK Finance", "UK_FINANCE"),
    ]:
        force = forces().resolve(spelling)
        assert force.code == code
        assert not force.is_territorial
        assert not re.fullmatch(r"[EKNSW]\d{8}", force.code)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("London, City of", "E23000034"),
        ("City of London Police", "E23000034"),
        ("Avon & Somerset", "E23000036"),
        ("avon-and-somerset", "E23000036"),
        ("avon_somerset", "E23000036"),
        ("Devon & Cornwall Police", "E23000035"),
        ("Devon and Cornwall", "E23000035"),
        ("Metropolitan", "E23000001"),
        ("Metropolitan Police Service", "E23000001"),
        ("london", "E23000001"),
        ("manchester", "E23000005"),
        ("west_marcia", "E23000016"),
        ("west_yorkshire", "E23000010"),
        ("Hampshire", "E23000030"),
        ("  hampshire   CONSTABULARY ", "E23000030"),
        ("E23000030", "E23000030"),
        ("Dyfed-Powys Police", "W15000004"),
    ],
)
def test_spot_checks(spelling: str, code: str) -> None:
    assert forces().resolve(spelling).code == code


def test_unknown_spelling_lists_closest_names() -> None:
    with pytest.raises(UnknownCodeError) as info:
        forces().resolve("Hamshire", where="test file, line 3")
    assert "Hampshire" in str(info.value)
    assert "test file, line 3" in str(info.value)
    assert "Hampshire" in info.value.suggestions


def test_get_unknown_code() -> None:
    with pytest.raises(UnknownCodeError):
        forces().get("E23000099")


def test_hampshire_row() -> None:
    hampshire = forces().get("E23000030")
    assert hampshire == Force(
        code="E23000030",
        name="Hampshire Constabulary",
        short_name="Hampshire",
        region="South East",
        country="England",
        is_territorial=True,
        policeuk_slug="hampshire",
        notes="",
    )


def test_aliases_are_normalised_and_point_to_known_codes() -> None:
    registry = forces()
    aliases = registry.aliases()
    codes = {f.code for f in registry.all()}
    assert set(aliases.values()) == codes
    assert all(normalise(k) == k for k in aliases)
    for force in registry.all():
        for spelling in (force.code, force.name, force.short_name):
            assert aliases[normalise(spelling)] == force.code


def test_as_records_matches_forces() -> None:
    records = forces().as_records()
    assert len(records) == len(forces())
    assert all(isinstance(v, str) for r in records for v in r.values())
    assert {r["force_code"] for r in records} == {f.code for f in forces().all()}


def test_normalise() -> None:
    assert normalise("  London,\tCity  of ") == "london, city of"
    assert normalise("") == ""
