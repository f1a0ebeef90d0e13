"""Reference tables compiled by others (``openpeel/sources/third_party.py``,
``schema/40_other.toml``): most similar groups, offence code -> data.police.uk crime type, and
2011 LSOA -> police force (PROVENANCE.md sections 5 and 13).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.sources.real_files import loaded, only

HAMPSHIRE = "E23000030"
SURREY = "E23000031"

MSG = "reference/police_most_similar_groups.csv"
OFFENCE_CODES = "reference/home_office_offence_code_to_policeuk_category.csv"
LSOA_FORCE = "reference/lsoa2011_to_police_force_england.csv.gz"
FILES = {
    MSG: "reference_most_similar_groups",
    OFFENCE_CODES: "reference_offence_code_policeuk_category",
    LSOA_FORCE: "reference_lsoa2011_police_force",
}


@pytest.fixture(scope="module")
def wh(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    with loaded(tmp_path_factory.mktemp("reference"), shared_data, FILES) as warehouse:
        yield warehouse


@pytest.mark.shared
def test_most_similar_groups(wh: Warehouse) -> None:
    groups = wh.rows(
        "SELECT vintage, force_code, count(*), count(member_force_code), count(rank) "
        "FROM core_reference__most_similar_groups GROUP BY ALL ORDER BY ALL"
    )
    assert groups == [
        ("2001/02", HAMPSHIRE, 6, 6, 0),
        ("2010/11", HAMPSHIRE, 7, 7, 0),
        ("2023/24", SURREY, 3, 3, 0),
    ]
    members_2010 = {
        name
        for (name,) in wh.rows(
            "SELECT f.short_name FROM core_reference__most_similar_groups g "
            "JOIN ref_force f ON f.force_code = g.member_force_code WHERE g.vintage = '2010/11'"
        )
    }
    assert members_2010 == {
        "Avon and Somerset",
        "Bedfordshire",
        "Essex",
        "Hertfordshire",
        "Kent",
        "Sussex",
        "Thames Valley",
    }


@pytest.mark.shared
def test_offence_code_mapping(wh: Warehouse) -> None:
    assert wh.rows(
        "SELECT count(*), count(DISTINCT offence_code), count(crime_type), "
        "count(DISTINCT crime_type) FROM core_reference__offence_code_policeuk_category"
    ) == [(132, 132, 132, 13)]
    # the empty-headed first column is the pandas index, kept in raw
    assert wh.rows(
        "SELECT min(CAST(row_index AS INTEGER)), max(CAST(row_index AS INTEGER)) "
        "FROM raw_reference__offence_code_policeuk_category"
    ) == [(0, 131)]
    first = wh.records(
        "SELECT * FROM core_reference__offence_code_policeuk_category WHERE offence_code = '17A'"
    )[0]
    assert first["crime_type"] == "Violence and sexual offences"  # published capitalised
    assert first["offence_group"] == "Sexual offences"


@pytest.mark.shared
def test_lsoa_to_force_keeps_the_lsoas_without_a_force(wh: Warehouse) -> None:
    assert wh.rows(
        "SELECT count(*), count(DISTINCT lsoa_code), count(*) FILTER (WHERE force_code IS NULL), "
        "count(DISTINCT force_code) FROM core_reference__lsoa2011_police_force"
    ) == [(32_844, 32_844, 3_335, 39)]
    assert wh.scalar("SELECT count(*) FROM meta_quarantine") == 0
    # a null force only where the source gives none
    assert (
        wh.scalar(
            "SELECT count(*) FROM raw_reference__lsoa2011_police_force WHERE police_force IS NULL"
        )
        == 3_335
    )
    assert (
        wh.scalar(
            "SELECT count(*) FROM core_reference__lsoa2011_police_force "
            "WHERE force_code LIKE 'W15%'"
        )
        == 0
    )  # England only


def test_an_unknown_member_force_is_refused_naming_line_and_field(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    text = (sample_path() / MSG).read_text(encoding="utf-8")
    bad = tmp_path / "msg.csv"
    bad.write_text(text.replace("2010/11,Hampshire,Essex,", "2010/11,Hampshire,Esex,"), "utf-8")
    result = only(ingest(warehouse, [bad]))
    assert result.status == "refused", result
    assert result.message.startswith("unknown force 'Esex' in line 4, field 'msg_member'")
    assert "closest known: 'Essex'" in result.message
    assert warehouse.scalar("SELECT count(*) FROM raw_reference__most_similar_groups") == 0


def test_a_newer_copy_replaces_the_reference_table(warehouse: Warehouse, tmp_path: Path) -> None:
    original = sample_path() / MSG
    assert only(ingest(warehouse, [original])).status == "loaded"
    lines = original.read_text(encoding="utf-8").splitlines()
    newer = tmp_path / "msg.csv"
    newer.write_text("\n".join(lines[:8]) + "\n", encoding="utf-8")  # the 2010/11 list only
    refused = only(ingest(warehouse, [newer]))  # fewer rows: refused unless allowed
    assert refused.status == "refused"
    assert "a replacement that loses rows" in refused.message
    result = only(ingest(warehouse, [newer], allow_shrink=True))
    assert (result.status, result.message) == ("loaded", "replaced file 1")
    assert warehouse.scalar("SELECT count(*) FROM core_reference__most_similar_groups") == 7
