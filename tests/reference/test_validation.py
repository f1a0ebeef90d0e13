"""A broken data file is refused with a message naming the file, the line and the field."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from openpeel.reference import (
    ReferenceDataError,
    crime_types,
    forces,
    offence_codes,
    outcome_types,
    policeuk_outcomes,
)


def packaged(filename: str) -> list[str]:
    text = resources.files("openpeel.reference").joinpath("data").joinpath(filename)
    return text.read_text(encoding="utf-8").splitlines()


def broken_copy(tmp_path: Path, filename: str, edit: Callable[[list[str]], list[str]]) -> Path:
    path = tmp_path / filename
    path.write_text("\n".join(edit(packaged(filename))) + "\n", encoding="utf-8")
    return path


def replace_line(number: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    """Replace ``old`` by ``new`` on line ``number`` (1 = header)."""

    def edit(lines: list[str]) -> list[str]:
        assert old in lines[number - 1], (old, lines[number - 1])
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
        return lines

    return edit


def assert_names(error: ReferenceDataError, path: Path, line: int, field: str) -> None:
    message = str(error)
    assert str(path) in message
    assert f"line {line}" in message
    assert repr(field) in message
    assert (error.path, error.line, error.field) == (str(path), line, field)


def test_packaged_files_load() -> None:
    assert len(forces()) == 49
    assert len(crime_types()) == 16
    assert len(outcome_types()) == 23
    assert len(policeuk_outcomes()) == 29
    assert len(offence_codes()) == 174


def test_bad_boolean(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "forces.csv", replace_line(31, ",true,", ",yes,"))
    with pytest.raises(ReferenceDataError) as info:
        forces(path)
    assert_names(info.value, path, 31, "is_territorial")


def test_duplicate_force_code(tmp_path: Path) -> None:
    def edit(lines: list[str]) -> list[str]:
        lines[3] = lines[3].replace("E23000003", "E23000002", 1)
        return lines

    path = broken_copy(tmp_path, "forces.csv", edit)
    with pytest.raises(ReferenceDataError) as info:
        forces(path)
    assert_names(info.value, path, 4, "force_code")


def test_territorial_force_needs_ons_code(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "forces.csv", replace_line(31, "E23000030", "HAMPSHIRE"))
    with pytest.raises(ReferenceDataError) as info:
        forces(path)
    assert_names(info.value, path, 31, "force_code")


def test_own_code_must_not_look_like_ons_code(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "forces.csv", replace_line(45, "BTP,", "E23000040,"))
    with pytest.raises(ReferenceDataError) as info:
        forces(path)
    assert_names(info.value, path, 45, "force_code")


def test_not_43_territorial_forces(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "forces.csv", lambda lines: lines[:-7] + lines[-6:])
    with pytest.raises(ReferenceDataError, match="42 territorial forces"):
        forces(path)


def test_missing_column(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "forces.csv", replace_line(1, ",region,", ",area,"))
    with pytest.raises(ReferenceDataError) as info:
        forces(path)
    assert_names(info.value, path, 1, "region")


def test_alias_to_unknown_force(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "force_aliases.csv", lambda ls: [*ls, "Hants,E23000099,test"])
    with pytest.raises(ReferenceDataError) as info:
        forces(aliases_path=path)
    assert_names(info.value, path, len(packaged("force_aliases.csv")) + 1, "force_code")


def test_alias_that_contradicts_another(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "force_aliases.csv", lambda ls: [*ls, "hampshire,E23000031,test"])
    with pytest.raises(ReferenceDataError, match="already stands for force E23000030") as info:
        forces(aliases_path=path)
    assert_names(info.value, path, len(packaged("force_aliases.csv")) + 1, "alias")


def test_ragged_row(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "crime_types.csv", lambda ls: [*ls, "Arson,true"])
    with pytest.raises(ReferenceDataError, match="fields but the header has") as info:
        crime_types(path)
    assert info.value.line == len(packaged("crime_types.csv")) + 1


def test_crime_type_alias_target_must_exist(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "crime_type_aliases.csv", lambda ls: [*ls, "Arson,Arson,test"])
    with pytest.raises(ReferenceDataError) as info:
        crime_types(aliases_path=path)
    assert_names(info.value, path, len(packaged("crime_type_aliases.csv")) + 1, "crime_type")


def test_bad_outcome_group(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path, "policeuk_outcomes.csv", replace_line(3, ",other_body,", ",elsewhere,")
    )
    with pytest.raises(ReferenceDataError) as info:
        policeuk_outcomes(path)
    assert_names(info.value, path, 3, "outcome_group")


def test_unknown_home_office_type(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "policeuk_outcomes.csv", replace_line(3, ",20,", ",20;99,"))
    with pytest.raises(ReferenceDataError) as info:
        policeuk_outcomes(path)
    assert_names(info.value, path, 3, "home_office_types")


def test_duplicate_outcome_type(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "outcome_types.csv", replace_line(3, "1,Charged", "0,Charged"))
    with pytest.raises(ReferenceDataError) as info:
        outcome_types(path)
    assert_names(info.value, path, 3, "outcome_type")


def test_offence_code_crime_type_must_be_canonical(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path,
        "offence_codes.csv",
        replace_line(2, ",Violence and sexual offences,", ",Violence,"),
    )
    with pytest.raises(ReferenceDataError) as info:
        offence_codes(path)
    assert_names(info.value, path, 2, "policeuk_crime_type")


def test_whitespace_in_value(tmp_path: Path) -> None:
    path = broken_copy(
        tmp_path, "offence_codes.csv", replace_line(3, "2,Attempted", "2 ,Attempted")
    )
    with pytest.raises(ReferenceDataError) as info:
        offence_codes(path)
    assert_names(info.value, path, 3, "offence_code")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="file not found"):
        crime_types(tmp_path / "nope.csv")
