"""Finding a force by place or name, on real names: the forces' published spellings and the
ONS district lookup of the bundled sample."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openpeel.cli.app import app
from openpeel.errors import UnknownCodeError
from openpeel.reference.places import find, resolve, words
from openpeel.warehouse.db import Warehouse

HAMPSHIRE, MET, CITY = "E23000030", "E23000001", "E23000034"


@pytest.fixture(scope="module")
def wh(built_home: Path) -> Iterator[Warehouse]:
    warehouse = Warehouse(built_home, read_only=True)
    yield warehouse
    warehouse.close()


def test_words_ignore_case_punctuation_and_common_words() -> None:
    assert words("Avon & Somerset Constabulary") == ("avon", "somerset")
    assert words("avon and somerset") == ("avon", "somerset")
    assert words("Devon & Cornwall Police") == words("Devon and Cornwall")
    assert words("London, City of") == ("london", "city")
    assert words("Metropolitan Police Service") == ("metropolitan",)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Southampton", HAMPSHIRE),
        ("portsmouth", HAMPSHIRE),
        ("hampshire police", HAMPSHIRE),
        ("Devon and Cornwall", "E23000035"),
        ("devon & cornwall", "E23000035"),
        ("Avon & Somerset", "E23000036"),
        ("Avon and Somerset Constabulary", "E23000036"),
        ("Cardiff", "W15000003"),
        ("Westminster", MET),
        ("Metropolitan Police Service", MET),
        ("London, City of", CITY),
    ],
)
def test_the_right_force_comes_first(wh: Warehouse, text: str, code: str) -> None:
    matches = find(wh, text)
    assert matches, text
    assert matches[0].force_code == code


def test_a_district_says_why(wh: Warehouse) -> None:
    match = find(wh, "Southampton")[0]
    assert match.kind == "local authority"
    assert match.why == "Southampton is a local authority in the Hampshire Constabulary area"


def test_london_offers_both_london_forces(wh: Warehouse) -> None:
    codes = [m.force_code for m in find(wh, "London")]
    assert set(codes[:2]) == {MET, CITY}


def test_districts_need_the_lookup_loaded() -> None:
    assert find(None, "Southampton") == []
    assert find(None, "Hampshire")[0].force_code == HAMPSHIRE


def test_close_spellings_and_nothing() -> None:
    close = find(None, "Hampshre")
    assert close[0].force_code == HAMPSHIRE
    assert close[0].why.startswith("close to")
    assert find(None, "zzzz") == []
    assert find(None, "&") == []


def test_cli_forces_find(built_home: Path) -> None:
    result = CliRunner().invoke(
        app, ["forces", "find", "Southampton", "--format", "csv", "--home", str(built_home)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith(f"{HAMPSHIRE},Hampshire Constabulary")


def test_resolve_a_name_by_its_words() -> None:
    assert resolve("hampshire police").code == HAMPSHIRE
    assert resolve("Avon & Somerset Police").code == "E23000036"
    with pytest.raises(UnknownCodeError, match="unknown force") as caught:
        resolve("Southampton")
    assert "openpeel forces find" in str(caught.value)
