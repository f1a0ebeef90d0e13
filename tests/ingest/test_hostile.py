"""Hostile input: archives that try to write outside the home or explode, lines that are too
long, malformed, cut short or hold NUL bytes, files that lie about what they hold, and
replacements that lose rows. Each case is generated here from real published lines with one
thing changed; the large cases (hundreds of megabytes) are marked slow.

The promises (docs/reliability.md, "Loading"): archives are checked before anything is
written; every line of every file is loaded or quarantined with its reason, in bounded memory;
a file is refused when its rows disagree with its name, when it would replace a slice with fewer
rows or is cut short (unless --allow-shrink), and when another file of the same run claims the
same slice.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from openpeel.ingest import discover as discovery
from openpeel.ingest.batch import FileResult
from openpeel.ingest.guard import EXCERPT_CHARS, MAX_LINE_BYTES
from openpeel.ingest.run import ingest
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse
from tests.conftest import load
from tests.ingest.helpers import fingerprint, street_lines, write_lines

SAMPLE = sample_path()
CITY_JAN = SAMPLE / "police_uk/2016-01/2016-01-city-of-london-street.csv.gz"
SURREY_JAN = SAMPLE / "police_uk/2019-01/2019-01-surrey-street.csv.gz"
CITY_OUTCOMES = SAMPLE / "police_uk/2016-01/2016-01-city-of-london-outcomes.csv.gz"


def only(results: list[FileResult]) -> FileResult:
    assert len(results) == 1, results
    return results[0]


def accounted(wh: Warehouse, result: FileResult) -> None:
    """Rows read = loaded + quarantined, in the ledger and in the tables."""
    assert result.rows_read == result.rows_loaded + result.rows_quarantined, result
    quarantined = wh.scalar(
        "SELECT count(*) FROM meta_quarantine WHERE file_id = ?", [result.file_id]
    )
    assert quarantined == result.rows_quarantined


# -- archives ---------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "name",
    [
        "../../../../outside/x.csv",
        "/abs/x.csv",
        "a/../../x.csv",
        "C:/x.csv",
        "a\\..\\x.csv",
        "x\x07.csv",
    ],
)
def test_an_archive_with_a_hostile_member_name_is_refused_before_anything_is_written(
    tmp_path: Path, warehouse: Warehouse, name: str
) -> None:
    good = gzip.decompress(CITY_JAN.read_bytes())
    archive = _zip(
        tmp_path / "a.zip", {"2016-01/2016-01-city-of-london-street.csv": good, name: good}
    )
    result = only(ingest(warehouse, [archive]))
    assert result.status == "refused"
    assert "nothing was extracted" in result.message
    assert repr(name) in result.message
    assert not (tmp_path / "outside").exists()
    assert not Path("/abs/x.csv").exists()
    # nothing extracted anywhere in the home, and nothing loaded
    assert [p for p in (warehouse.home / "tmp").rglob("*") if p.is_file()] == []
    assert warehouse.scalar("SELECT count(*) FROM meta_load_ledger") == 0


def test_an_archive_inside_an_archive_is_refused_by_name_and_the_rest_loads(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    inner = _zip(tmp_path / "inner.zip", {"2016-01-city-of-london-street.csv": b"x"}).read_bytes()
    archive = _zip(
        tmp_path / "outer.zip",
        {
            "2016-01/2016-01-city-of-london-street.csv": gzip.decompress(CITY_JAN.read_bytes()),
            "2016-02/more.zip": inner,
        },
    )
    results = {r.display.rsplit("!", 1)[-1]: r for r in ingest(warehouse, [archive])}
    assert results["2016-02/more.zip"].status == "refused"
    assert "archive inside an archive" in results["2016-02/more.zip"].message
    assert results["2016-01/2016-01-city-of-london-street.csv"].status == "loaded"


def test_a_zip_bomb_is_refused_by_its_declared_ratio_before_extraction(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    header, row = street_lines(CITY_JAN)[:2]
    junk = (header + "\n" + (row + "\n") * 60_000).encode()  # 13 MB of one line: ratio > 100
    archive = _zip(tmp_path / "bomb.zip", {"2016-01-city-of-london-street.csv": junk})
    result = only(ingest(warehouse, [archive]))
    assert result.status == "refused", result
    assert "zip bomb" in result.message, result
    assert [p for p in (warehouse.home / "tmp").rglob("*") if p.is_file()] == []


def test_declared_sizes_are_bounded(
    tmp_path: Path, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _zip(
        tmp_path / "a.zip",
        {"2016-01/2016-01-city-of-london-street.csv": gzip.decompress(CITY_JAN.read_bytes())},
    )
    monkeypatch.setattr(discovery, "ZIP_MAX_MEMBER_BYTES", 1000)
    result = only(ingest(warehouse, [archive]))
    assert result.status == "refused", result
    assert "declares" in result.message, result
    monkeypatch.setattr(discovery, "ZIP_MAX_MEMBER_BYTES", 10**9)
    monkeypatch.setattr(discovery, "ZIP_MAX_TOTAL_BYTES", 1000)
    result = only(ingest(warehouse, [archive]))
    assert result.status == "refused", result
    assert "at most 1,000" in result.message, result


def test_a_member_giving_more_bytes_than_it_declares_is_refused(tmp_path: Path) -> None:
    data = gzip.decompress(CITY_JAN.read_bytes())
    archive = _zip(tmp_path / "a.zip", {"2016-01-city-of-london-street.csv": data})
    with zipfile.ZipFile(archive) as zf:
        info = zf.infolist()[0]
        info.file_size = 1000  # the directory lies: fewer bytes declared than the data gives
        problem = discovery._extract(zf, info, tmp_path / "out.csv")
    # zipfile stops at the declared size and its CRC check fails; the member is not used
    assert problem is not None
    assert problem.startswith(("cannot be extracted", "gives more than the 1,000 bytes"))


def test_a_killed_zip_ingest_leaves_nothing_the_next_run_does_not_remove(tmp_path: Path) -> None:
    home = tmp_path / "home"
    archive = _zip(
        tmp_path / "a.zip",
        {"2016-01/2016-01-city-of-london-street.csv": gzip.decompress(CITY_JAN.read_bytes())},
    )
    env = {**os.environ, "CI": "true", "OPENPEEL_FAULT_KILL_AT": "inserted"}
    command = [sys.executable, "-m", "openpeel", "ingest", str(archive), "--home", str(home)]
    assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == -9
    left = [p for p in (home / "tmp").rglob("*") if p.is_file()]
    assert left, "the killed run leaves its extracted member"
    writer_files = sorted(p.name for p in home.iterdir() if p.name.startswith("warehouse."))
    env.pop("OPENPEEL_FAULT_KILL_AT")
    assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0
    assert [p for p in (home / "tmp").rglob("*") if p.is_file()] == []
    assert "warehouse.duckdb" in {p.name for p in home.iterdir()}
    assert writer_files  # the writer's own files were there and the next writer used them


def test_stale_work_is_removed_and_the_writers_files_are_not_touched(
    warehouse: Warehouse,
) -> None:
    stale = warehouse.home / "tmp" / "ingest-killed" / "abc123"
    stale.mkdir(parents=True)
    (stale / "member-000000.csv").write_text("left by a killed run")
    other = warehouse.home / "tmp" / "not-ingest.txt"
    other.write_text("not ours")
    writer = [warehouse.home / n for n in ("warehouse.next.json", "warehouse.lock")]
    for path in writer:
        path.write_text("{}")
    load(warehouse, CITY_JAN)
    assert not (warehouse.home / "tmp" / "ingest-killed").exists()
    assert other.read_text() == "not ours"
    assert all(p.read_text() == "{}" for p in writer)


# -- folders ---------------------------------------------------------------------------------


def test_a_symbolic_link_loop_is_reported_not_skipped(tmp_path: Path, warehouse: Warehouse) -> None:
    folder = tmp_path / "data" / "2016-01"
    folder.mkdir(parents=True)
    (folder / CITY_JAN.name).write_bytes(CITY_JAN.read_bytes())
    (folder / "again").symlink_to(tmp_path / "data")  # a loop
    (folder / "self.csv").symlink_to(folder / "self.csv")  # a link to itself
    (folder / "gone.csv").symlink_to(tmp_path / "nowhere.csv")  # a broken link
    results = {Path(r.display).name: r for r in ingest(warehouse, [tmp_path / "data"])}
    assert results[CITY_JAN.name].status == "loaded"
    assert "symbolic link loop" in results["again"].message
    assert "symbolic link loop" in results["self.csv"].message
    assert "does not exist" in results["gone.csv"].message
    assert {r.status for n, r in results.items() if n != CITY_JAN.name} == {"refused"}


# -- lines -----------------------------------------------------------------------------------


def test_a_line_longer_than_the_maximum_is_quarantined_by_its_number_with_an_excerpt(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    header, *rows = street_lines(CITY_JAN)
    rows[100] = rows[100] + "x" * (2 * MAX_LINE_BYTES)
    path = tmp_path / CITY_JAN.name.removesuffix(".gz")
    write_lines(path, [header, *rows])
    result = only(load(warehouse, path))
    assert (result.status, result.rows_read, result.rows_quarantined) == ("loaded", 446, 1)
    accounted(warehouse, result)
    line, text, reason = warehouse.rows("SELECT line, raw_text, reason FROM meta_quarantine")[0]
    assert line == 102
    assert "longer than the maximum" in reason
    assert text.startswith(rows[100][:100])
    assert len(text) < EXCERPT_CHARS + 100


def test_malformed_lines_are_each_quarantined_with_their_reason(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    header, *rows = street_lines(CITY_JAN)
    bad = {
        3: "",  # an empty line
        5: rows[5] + ",one more",  # too many fields
        7: ",".join(rows[7].split(",")[:5]),  # too few
        9: 'junk "with a stray quote',  # a quote never closed
        11: "\x01\x02 binary junk",
        13: rows[13].replace(",", ",\x00", 1),  # a NUL byte inside a field
    }
    for i, text in bad.items():
        rows[i] = text
    path = tmp_path / CITY_JAN.name.removesuffix(".gz")
    write_lines(path, [header, *rows])
    result = only(load(warehouse, path))
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_quarantined) == (446, len(bad))
    accounted(warehouse, result)
    quarantined = {
        line: (text, reason)
        for line, text, reason in warehouse.rows(
            "SELECT line, raw_text, reason FROM meta_quarantine"
        )
    }
    assert sorted(quarantined) == [i + 2 for i in bad]
    assert quarantined[5][1] == "empty line"
    assert "too many columns" in quarantined[7][1]
    assert "too few columns" in quarantined[9][1]
    assert "not closed" in quarantined[11][1]
    assert quarantined[11][0] == bad[9]
    assert quarantined[15][1] == "field 'Month' contains a NUL byte (\\x00)"
    assert "\\x00" in quarantined[15][0]
    nul = warehouse.scalar(
        "SELECT count(*) FROM raw_policeuk__street WHERE contains(month, chr(0))"
    )
    assert nul == 0


@pytest.mark.parametrize("blank", ["\t", "\u00a0", "   ", " \t \u2003 "])
def test_a_required_code_of_whitespace_alone_is_quarantined_as_missing_not_looked_up(
    tmp_path: Path, warehouse: Warehouse, blank: str
) -> None:
    # a tab or a no-break space survives SQL's trim(); the code lookups normalise it away, so it
    # must count as missing at validation, never reach the lookups as a spelling of a force
    header, *rows = street_lines(CITY_JAN)
    column = header.split(",").index("Reported by")
    changed = (3, 8)
    for i in changed:
        fields = rows[i].split(",")
        fields[column] = blank
        rows[i] = ",".join(fields)
    path = tmp_path / CITY_JAN.name.removesuffix(".gz")
    write_lines(path, [header, *rows])
    result = only(load(warehouse, path))
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_quarantined) == (446, len(changed))
    accounted(warehouse, result)
    reasons = dict(warehouse.rows("SELECT line, reason FROM meta_quarantine"))
    assert reasons == {i + 2: "Reported by: missing" for i in changed}


def test_a_file_cut_mid_line_is_refused_unless_allowed_to_shrink(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    data = gzip.decompress(CITY_JAN.read_bytes())
    cut = tmp_path / CITY_JAN.name.removesuffix(".gz")
    cut.write_bytes(data[: len(data) - 40])  # a download that stopped inside the last line
    result = only(load(warehouse, cut))
    assert result.status == "refused"
    assert "cut short" in result.message, result.message
    assert "line 447" in result.message, result.message
    assert warehouse.scalar("SELECT count(*) FROM meta_load_ledger") == 0
    result = only(ingest(warehouse, [cut], allow_shrink=True))
    assert (result.status, result.rows_read, result.rows_quarantined) == ("loaded", 446, 1)
    accounted(warehouse, result)
    assert "cut short" in warehouse.scalar("SELECT reason FROM meta_quarantine WHERE line = 447")


# -- what a file says it is ------------------------------------------------------------------


def test_a_file_holding_another_forces_rows_than_its_name_says_is_refused(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    load(warehouse, SURREY_JAN)
    before = fingerprint(warehouse, skip=("meta_refused_file",))
    liar = tmp_path / "2019-01-kent-street.csv"
    liar.write_bytes(gzip.decompress(SURREY_JAN.read_bytes()))
    result = only(load(warehouse, liar))
    assert result.status == "refused"
    assert result.message.startswith(
        "line 2, field 'Reported by': 'Surrey Police' is not the force"
    )
    assert "Kent" in result.message
    assert fingerprint(warehouse, skip=("meta_refused_file",)) == before


def test_a_file_holding_another_month_than_its_name_says_is_refused(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    liar = tmp_path / "2019-02-surrey-street.csv"
    liar.write_bytes(gzip.decompress(SURREY_JAN.read_bytes()))
    result = only(load(warehouse, liar))
    assert result.status == "refused"
    assert "line 2, field 'Month': '2019-01' is not the month its name says (2019-02)" in (
        result.message
    )


def test_a_file_of_another_kind_than_its_name_says_is_refused(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    liar = tmp_path / "2016-01-city-of-london-street.csv"
    liar.write_bytes(gzip.decompress(CITY_OUTCOMES.read_bytes()))
    result = only(load(warehouse, liar))
    assert result.status == "refused"
    assert "its name says street" in result.message
    assert "outcomes" in result.message


def test_two_files_for_one_slice_in_one_call_are_both_refused_naming_each_other(
    tmp_path: Path, warehouse: Warehouse
) -> None:
    header, *rows = street_lines(CITY_JAN)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_lines(first / "2016-01-city-of-london-street.csv", [header, *rows])
    write_lines(second / "2016-01-city-of-london-street.csv", [header, *rows[:-1]])
    results = ingest(warehouse, [first, second])
    assert [r.status for r in results] == ["refused", "refused"]
    assert str(second) in results[0].message
    assert str(first) in results[1].message
    assert all("ambiguous" in r.message for r in results)
    assert warehouse.scalar("SELECT count(*) FROM meta_load_ledger") == 0


# -- replacements ----------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [6_432 * 446 // 19_396, 445])
def test_a_shorter_republication_is_refused_unless_allowed_and_the_ledger_keeps_both(
    tmp_path: Path, warehouse: Warehouse, keep: int
) -> None:
    old = only(load(warehouse, CITY_JAN))
    before = fingerprint(warehouse, skip=("meta_refused_file",))
    header, *rows = street_lines(CITY_JAN)
    shorter = tmp_path / CITY_JAN.name.removesuffix(".gz")
    write_lines(shorter, [header, *rows[:keep]])  # cut at a line boundary
    result = only(load(warehouse, shorter))
    assert result.status == "refused"
    assert f"would replace file {old.file_id}" in result.message
    assert "446 rows loaded" in result.message
    assert f"with {keep} rows loaded" in result.message
    assert "--allow-shrink" in (result.hint or "")
    assert fingerprint(warehouse, skip=("meta_refused_file",)) == before
    new = only(ingest(warehouse, [shorter], allow_shrink=True))
    assert (new.status, new.rows_loaded) == ("loaded", keep)
    assert warehouse.rows(
        "SELECT file_id, status, rows_loaded, replaces_file_id, replaced_by_file_id "
        "FROM meta_load_ledger ORDER BY file_id"
    ) == [
        (old.file_id, "replaced", 446, None, new.file_id),
        (new.file_id, "loaded", keep, old.file_id, None),
    ]


# -- large inputs (memory) -------------------------------------------------------------------


def _peak_rss_of_ingest(home: Path, path: Path) -> tuple[int, str]:
    """Peak resident memory (bytes) of an `openpeel ingest` process, and its output."""
    env = {**os.environ, "CI": "true"}
    code = (
        "import sys\n"
        "from openpeel.cli.app import app\n"
        "try:\n"
        "    app(['ingest', sys.argv[1], '--home', sys.argv[2]])\n"
        "except SystemExit:\n"
        "    pass\n"
        # VmHWM: this process's own peak (ru_maxrss would carry the forking parent's size over
        # exec, so a large pytest process would be measured instead)
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print('PEAK', int(hwm.split()[1]) * 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(home)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    peak = int(done.stdout.rsplit("PEAK", 1)[1])
    return peak, done.stdout + done.stderr


#: what an ingest may use whatever the input (docs/reliability.md, "Loading")
MEMORY_BOUND = 1024**3


@pytest.mark.slow
def test_a_200_mb_line_is_quarantined_in_bounded_memory(tmp_path: Path) -> None:
    header, *rows = street_lines(CITY_JAN)
    path = tmp_path / CITY_JAN.name.removesuffix(".gz")
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header + "\n" + "\n".join(rows[:200]) + "\n")
        for _ in range(200):
            fh.write("y" * 1024**2)
        fh.write("\n" + "\n".join(rows[200:]) + "\n")
    peak, output = _peak_rss_of_ingest(tmp_path / "home", path)
    assert peak < MEMORY_BOUND, output
    with Warehouse(tmp_path / "home") as wh:
        assert wh.rows("SELECT rows_read, rows_loaded, rows_quarantined FROM meta_load_ledger") == [
            (447, 446, 1)
        ]
        assert wh.scalar("SELECT line FROM meta_quarantine") == 202


@pytest.mark.slow
def test_50_mb_of_malformed_lines_are_each_quarantined_in_bounded_memory(tmp_path: Path) -> None:
    header, *rows = street_lines(CITY_JAN)
    path = tmp_path / CITY_JAN.name.removesuffix(".gz")
    junk = [r[:-3] + '"' + r[-3:] if i % 3 == 0 else r + ",x" for i, r in enumerate(rows)]
    lines = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header + "\n")
        while fh.tell() < 50 * 1024**2:
            fh.write("\n".join(junk) + "\n")
            lines += len(junk)
    peak, output = _peak_rss_of_ingest(tmp_path / "home", path)
    assert peak < MEMORY_BOUND, output
    with Warehouse(tmp_path / "home") as wh:
        read, loaded, quarantined = wh.rows(
            "SELECT rows_read, rows_loaded, rows_quarantined FROM meta_load_ledger"
        )[0]
        assert read == loaded + quarantined
        assert wh.scalar("SELECT count(*) FROM meta_quarantine") == quarantined
        # every line is in a row: a stray quote may join a line to the next, never lose one
        assert wh.scalar("SELECT count(DISTINCT line) FROM meta_quarantine") == quarantined
        assert read >= lines // 2
        assert quarantined == read


@pytest.mark.slow
def test_a_gigabyte_of_junk_in_a_small_zip_is_refused_without_extracting(tmp_path: Path) -> None:
    header = street_lines(CITY_JAN)[0]
    archive = tmp_path / "junk.zip"
    name = "2016-01-city-of-london-street.csv"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open(name, "w", force_zip64=True) as member,
    ):
        member.write((header + "\n").encode())
        block = b"junk line\n" * (1024**2 // 10)
        for _ in range(1024):
            member.write(block)
    assert archive.stat().st_size < 10 * 1024**2
    peak, output = _peak_rss_of_ingest(tmp_path / "home", archive)
    assert peak < MEMORY_BOUND, output
    assert "zip bomb" in output
    assert [p for p in (tmp_path / "home" / "tmp").rglob("*") if p.is_file()] == []


def test_the_memory_bound_is_measured_the_same_way_on_a_normal_file(tmp_path: Path) -> None:
    peak, output = _peak_rss_of_ingest(tmp_path / "home", CITY_JAN)
    assert 0 < peak < MEMORY_BOUND, output
    assert "1 loaded" in output


def test_the_command_refuses_a_shrink_with_exit_1_and_takes_allow_shrink(tmp_path: Path) -> None:
    home = tmp_path / "home"
    header, *rows = street_lines(CITY_JAN)
    shorter = tmp_path / CITY_JAN.name.removesuffix(".gz")
    write_lines(shorter, [header, *rows[:100]])
    env = {**os.environ, "CI": "true"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "openpeel", "ingest", *args, "--home", str(home)]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    assert run(str(CITY_JAN)).returncode == 0
    refused = run(str(shorter))
    assert refused.returncode == 1
    assert "a replacement that loses rows" in refused.stderr
    assert "--allow-shrink" in refused.stderr
    allowed = run(str(shorter), "--allow-shrink")
    assert allowed.returncode == 0, allowed.stderr
    assert "replaced file 1" in allowed.stdout
