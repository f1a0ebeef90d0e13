"""Loading data.police.uk files: every input form, idempotency, replacement, quarantine and
every way a file can be refused, on real files from the bundled sample."""

from __future__ import annotations

import gzip
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from openpeel.ingest.batch import Stages
from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load
from tests.ingest.helpers import fingerprint, street_lines, write_lines

SAMPLE = sample_path()
CITY_JAN = SAMPLE / "police_uk/2016-01/2016-01-city-of-london-street.csv.gz"
CITY_JAN_ROWS = 446  # PROVENANCE.md section 12: City of London street 2016-01


def test_gzipped_file_loads_every_row(warehouse: Warehouse) -> None:
    (result,) = load(warehouse, CITY_JAN)
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 446, 446)
    assert warehouse.scalar("SELECT count(*) FROM core_policeuk__street") == CITY_JAN_ROWS
    force, month = warehouse.rows(
        "SELECT DISTINCT force_code, month::VARCHAR FROM core_policeuk__street"
    )[0]
    assert (force, month) == ("E23000034", "2016-01-01")  # City of London


def test_plain_csv_folder_tree_and_zip_give_the_same_rows(tmp_path: Path) -> None:
    plain = tmp_path / "plain" / "2016-01-city-of-london-street.csv"
    plain.parent.mkdir()
    plain.write_bytes(gzip.decompress(CITY_JAN.read_bytes()))
    tree = tmp_path / "tree" / "2016-01"
    tree.mkdir(parents=True)
    shutil.copy(CITY_JAN, tree)
    archive = tmp_path / "2016-01.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(plain, "2016-01/2016-01-city-of-london-street.csv")
    counts = []
    for i, given in enumerate((plain, tree.parent, archive)):
        with Warehouse(tmp_path / f"home{i}") as wh:
            (result,) = load(wh, given)
            assert result.status == "loaded", result
            counts.append(wh.scalar("SELECT count(*) FROM core_policeuk__street"))
            if given == archive:
                path = wh.scalar("SELECT path FROM meta_load_ledger")
                assert path.endswith("2016-01.zip!2016-01/2016-01-city-of-london-street.csv")
    assert counts == [CITY_JAN_ROWS] * 3


def test_second_ingest_changes_nothing(warehouse: Warehouse) -> None:
    folder = SAMPLE / "police_uk" / "2016-01"
    first = load(warehouse, folder)
    assert {r.status for r in first} == {"loaded"}
    before = fingerprint(warehouse)
    second = load(warehouse, folder)
    assert {r.status for r in second} == {"unchanged"}
    assert all("already loaded" in r.message for r in second)
    assert fingerprint(warehouse) == before


def test_republished_file_replaces_its_slice(warehouse: Warehouse, tmp_path: Path) -> None:
    header, *rows = street_lines(CITY_JAN)
    older = tmp_path / "2016-01-city-of-london-street.csv"
    write_lines(older, [header, *rows[:-10]])  # an earlier publication: ten rows fewer
    (old,) = load(warehouse, older)
    (new,) = load(warehouse, CITY_JAN)
    assert new.status == "loaded"
    assert new.message == f"replaced file {old.file_id}"
    assert warehouse.scalar("SELECT count(*) FROM raw_policeuk__street") == CITY_JAN_ROWS
    ledger = dict(warehouse.rows("SELECT file_id, status FROM meta_load_ledger"))
    assert ledger == {old.file_id: "replaced", new.file_id: "loaded"}
    assert (
        warehouse.scalar(
            "SELECT replaced_by_file_id FROM meta_load_ledger WHERE file_id = ?", [old.file_id]
        )
        == new.file_id
    )


def test_bad_rows_are_quarantined_with_line_text_and_reason(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    header, *rows = street_lines(CITY_JAN)
    fields = rows[4].split(",")
    fields[4] = "not-a-longitude"  # Longitude
    rows[4] = ",".join(fields)
    rows[9] = rows[9] + ",an extra field"
    path = tmp_path / "2016-01-city-of-london-street.csv"
    write_lines(path, [header, *rows])
    (result,) = load(warehouse, path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (446, 444, 2)
    quarantined = warehouse.rows("SELECT line, raw_text, reason FROM meta_quarantine ORDER BY 1")
    assert quarantined[0] == (6, rows[4], "Longitude: 'not-a-longitude' is not a number")
    assert quarantined[1][0] == 11
    assert quarantined[1][1] == rows[9]
    assert "too many columns" in quarantined[1][2]
    assert warehouse.scalar("SELECT count(*) FROM core_policeuk__street") == 444


def _refused_alone(warehouse: Warehouse, bad: Path, message: str) -> None:
    """The bad file is refused with ``message``; a good file beside it loads; nothing else."""
    load(warehouse, SAMPLE / "police_uk" / "2016-02")
    before = fingerprint(warehouse, skip=("meta_refused_file",))
    results = ingest(warehouse, [bad, CITY_JAN])
    by_name = {Path(r.display.split("!")[-1]).name: r for r in results}
    refused = by_name[bad.name]
    assert refused.status == "refused", refused
    assert message in refused.message, refused.message
    assert by_name[CITY_JAN.name].status == "loaded"
    after = fingerprint(warehouse, skip=("meta_refused_file",))
    assert warehouse.scalar("SELECT count(*) FROM meta_load_ledger") == 4  # 3 + the good file
    assert warehouse.scalar("SELECT problem FROM meta_refused_file") == refused.message
    assert after["raw_policeuk__street"] != before["raw_policeuk__street"]  # the good file
    for table in ("raw_policeuk__outcomes", "raw_policeuk__stop_search", "meta_quarantine"):
        assert after[table] == before[table], table


def test_truncated_gzip_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    bad = tmp_path / "2016-01-hampshire-street.csv.gz"
    data = (SAMPLE / "police_uk/2019-01/2019-01-hampshire-street.csv.gz").read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    _refused_alone(warehouse, bad, "cannot be read")


def test_not_a_csv_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    bad = tmp_path / "2016-01-hampshire-street.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    _refused_alone(warehouse, bad, "not a text (CSV) file")


def test_unexpected_header_is_refused_naming_the_column(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    header, *rows = street_lines(CITY_JAN)
    bad = tmp_path / "2016-01-kent-street.csv"
    write_lines(bad, [header.replace("Crime type", "Crime category"), *rows])
    _refused_alone(warehouse, bad, "missing 'Crime type'; unexpected 'Crime category'")


def test_bad_encoding_is_refused_naming_the_line(warehouse: Warehouse, tmp_path: Path) -> None:
    header, *rows = street_lines(CITY_JAN)
    bad = tmp_path / "2016-01-kent-street.csv"
    text = "\n".join([header, *rows]) + "\n"
    data = text.encode("utf-8").replace(b"On or near", b"On or n\xe9ar", 1)
    bad.write_bytes(data)
    _refused_alone(warehouse, bad, "line 2 is not valid utf-8 text")


@pytest.mark.parametrize(("content", "message"), [(b"", "is empty"), (b"\n\n  \n", "is empty")])
def test_empty_file_is_refused(
    warehouse: Warehouse, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "2016-01-kent-street.csv"
    bad.write_bytes(content)
    _refused_alone(warehouse, bad, message)


def test_header_only_file_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    header, *_ = street_lines(CITY_JAN)
    bad = tmp_path / "2016-01-kent-street.csv"
    write_lines(bad, [header])
    _refused_alone(warehouse, bad, "has a header but no data rows")


def test_unknown_force_is_refused_naming_line_field_and_nearest(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    header, *rows = street_lines(CITY_JAN)
    rows[6] = rows[6].replace("City of London Police", "Hamshire Constabulary")
    bad = tmp_path / "2016-01-kent-street.csv"
    write_lines(bad, [header, *rows])
    _refused_alone(
        warehouse,
        bad,
        "unknown force 'Hamshire Constabulary' in line 8, "
        "field 'Reported by'; closest known: 'Hampshire",
    )


def test_unknown_crime_type_is_refused(warehouse: Warehouse, tmp_path: Path) -> None:
    header, *rows = street_lines(CITY_JAN)
    rows[0] = rows[0].replace("Anti-social behaviour", "Cyber theft")
    bad = tmp_path / "2016-01-kent-street.csv"
    write_lines(bad, [header, *rows])
    _refused_alone(warehouse, bad, "unknown crime type 'Cyber theft' in line 2")


def test_stop_search_force_comes_from_the_file_name(warehouse: Warehouse, tmp_path: Path) -> None:
    good = SAMPLE / "police_uk/2016-01/2016-01-city-of-london-stop-and-search.csv.gz"
    (result,) = load(warehouse, good)
    assert result.status == "loaded"
    assert warehouse.rows(
        "SELECT DISTINCT force_code, month::VARCHAR FROM core_policeuk__stop_search"
    ) == [("E23000034", "2016-01-01")]
    renamed = tmp_path / "stops.csv.gz"
    shutil.copy(good, renamed)
    with Warehouse(tmp_path / "other") as wh:
        (refused,) = ingest(wh, [renamed])
    assert refused.status == "refused"
    assert "the force must come from the file name" in refused.message


def test_file_names_with_glob_characters_load_as_themselves(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # DuckDB reads a path with * ? [ as a pattern: "c*-street.csv" would also match the other
    # file, and every row after it would be counted against the wrong file
    header, *rows = street_lines(CITY_JAN)

    def in_month(lines: list[str], month: str) -> list[str]:
        # each file its own month, so that none replaces another's slice
        return [line.replace(",2016-01,", f",{month},", 1) for line in lines]

    star = tmp_path / "2016-01 c*-street.csv"
    plain = tmp_path / "2016-01 city-street.csv"
    brackets = tmp_path / "2016-01 [copy]-street.csv"
    write_lines(star, [header, *in_month(rows[:10], "2016-01")])
    write_lines(plain, [header, *in_month(rows[10:30], "2016-02")])
    write_lines(brackets, [header, *in_month([*rows[30:60], rows[59] + ",x"], "2016-03")])
    results = {Path(r.display).name: r for r in ingest(warehouse, [star, plain, brackets])}
    assert {n: (r.status, r.rows_read) for n, r in results.items()} == {
        star.name: ("loaded", 10),
        plain.name: ("loaded", 20),
        brackets.name: ("loaded", 31),
    }
    stored = dict(warehouse.rows("SELECT file_id, count(*) FROM raw_policeuk__street GROUP BY 1"))
    assert {n: stored[r.file_id] for n, r in results.items()} == {
        star.name: 10,
        plain.name: 20,
        brackets.name: 30,  # the broken line is quarantined, with its own file's line number
    }
    ((line, reason),) = warehouse.rows(
        "SELECT line, reason FROM meta_quarantine WHERE file_id = ?",
        [results[brackets.name].file_id],
    )
    assert line == 32
    assert "too many columns" in reason


def test_ingest_reports_its_stages_and_each_files_slice(warehouse: Warehouse) -> None:
    stages = Stages()
    start = time.perf_counter()
    results = ingest(warehouse, [SAMPLE / "police_uk/2016-01"], stages=stages)
    took = time.perf_counter() - start
    assert {"find", "examine", "insert", "checks", "quarantine", "ledger", "commit"} <= set(
        stages.seconds
    )
    assert all(s >= 0 for s in stages.seconds.values())
    assert sum(stages.seconds.values()) <= took
    ledger = dict(warehouse.rows("SELECT file_id, slice_key FROM meta_load_ledger"))
    assert len(results) == 3
    assert {r.file_id: r.slice_key for r in results} == ledger
