"""`openpeel refresh` against a loopback imitation of the publishers: it loads a new month
while `openpeel serve` answers every request 200 and then shows it, a second refresh finds
nothing new and changes nothing, a failure exits non-zero changing nothing, and refreshes run
one at a time."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openpeel.fetch.cache import fetch_lock
from openpeel.fetch.catalogue import dataset, on_mirror
from openpeel.fetch.refresh import refresh
from openpeel.warehouse.db import Warehouse
from openpeel.warehouse.versions import data_version
from tests.conftest import load
from tests.fetch.mirror import Mirror, Route, archive_of, mirror, sample_members, snapshot
from tests.web.serving import Crowd, build_held_back_home, copy_home, run, serving

ARCHIVE = "/data/archive/2019-02.zip"
#: the months of the sample a real 2019-02 archive holds (it reaches back 36 months)
MONTHS = ["2016-03", "2019-01", "2019-02"]


@pytest.fixture(scope="module")
def held_back_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample without Hampshire's 2019-02 street file (and the 2018/19 outcomes)."""
    home = tmp_path_factory.mktemp("held-back") / "home"
    build_held_back_home(home)
    return home


@pytest.fixture
def publisher() -> Iterator[Mirror]:
    with mirror() as m:
        m.police_uk("2019-02", archive_of(sample_members(MONTHS)))
        yield m


def _refresh(home: Path, m: Mirror) -> tuple[int, str, str]:
    done = run("refresh", "--source", "policeuk", "--base-url", m.base_url, "--home", str(home))
    return done.returncode, done.stdout, done.stderr


def _crimes_months(home: Path) -> list[str]:
    with Warehouse(home, read_only=True) as wh:
        return [
            str(p)
            for (p,) in wh.rows(
                "SELECT DISTINCT period FROM out_indicator_values "
                "WHERE indicator_id = 'policeuk_crimes_per_1000' ORDER BY 1"
            )
        ]


@pytest.mark.slow
def test_a_refresh_while_serving_answers_every_request_and_shows_the_new_month(
    held_back_home: Path, tmp_path: Path, publisher: Mirror
) -> None:
    home = copy_home(held_back_home, tmp_path / "home")
    with serving(home) as server:
        months = server.json("/api/indicators/policeuk_crimes_per_1000")["periods"]
        assert "2019-02" not in months
        with Crowd(server).running() as crowd:
            time.sleep(1)
            before = crowd.answered
            code, out, err = _refresh(home, publisher)
            assert code == 0, err
            during = crowd.answered - before
            # the new month shows at the next request, from the same server
            months = server.json("/api/indicators/policeuk_crimes_per_1000")["periods"]
            assert "2019-02" in months
        assert crowd.errors == []
        assert crowd.failures == []
        assert set(crowd.statuses) == {200}
        assert during > 0  # answered while the refresh ran
        assert server.process.poll() is None  # never restarted
    [line] = out.splitlines()
    assert line.startswith("refresh: policeuk 2019-02: 1 file downloaded")
    assert "1 file loaded (11,792 rows new), 0 refused" in line
    with Warehouse(home, read_only=True) as wh:
        [(url, release, path, sha)] = wh.rows(
            "SELECT url, release, path, sha256 FROM meta_fetch_ledger"
        )
        loaded = wh.rows(
            "SELECT rows_loaded FROM meta_load_ledger WHERE path = ? AND sha256 = ?", [path, sha]
        )
    assert url == publisher.url(ARCHIVE)
    assert release == "2019-02"
    assert loaded == [(11_792,)]


def test_a_second_refresh_finds_nothing_new_and_changes_nothing(
    held_back_home: Path, tmp_path: Path, publisher: Mirror
) -> None:
    home = copy_home(held_back_home, tmp_path / "home")
    code, out, err = _refresh(home, publisher)
    assert code == 0, err
    assert "2019-02" in _crimes_months(home)
    version = data_version(home)
    stored = snapshot(home / "downloads")
    code, out, err = _refresh(home, publisher)
    assert code == 0, err
    assert out.startswith("refresh: nothing new (1 file checked with the publishers)")
    assert data_version(home) == version  # the warehouse file was not even rewritten
    assert not (home / "warehouse.next.duckdb").exists()
    assert publisher.requests(ARCHIVE)[-1].status == 304
    after = snapshot(home / "downloads")
    assert {k: v for k, v in after.items() if k != "ledger.json"} == {
        k: v for k, v in stored.items() if k != "ledger.json"
    }


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("404", "was not found (HTTP 404)"),
        ("html", "answered an HTML page instead of the zip file"),
        ("429:3600", "asks to wait 3600 s"),
    ],
)
def test_a_failed_refresh_exits_non_zero_and_changes_nothing(
    held_back_home: Path, tmp_path: Path, publisher: Mirror, fault: str, said: str
) -> None:
    home = copy_home(held_back_home, tmp_path / "home")
    version = data_version(home)
    publisher.routes[ARCHIVE].faults = [fault]
    code, _out, err = _refresh(home, publisher)
    assert code == 1
    assert err.startswith("refresh: failed: ")
    assert said in err
    assert data_version(home) == version
    assert snapshot(home / "downloads") == {}


def test_refreshes_run_one_at_a_time(home: Path, publisher: Mirror) -> None:
    with fetch_lock(home, "openpeel refresh"):
        code, _out, err = _refresh(home, publisher)
    assert code == 1
    assert "is fetching into" in err
    assert publisher.log == []  # it asked the publisher nothing


@pytest.mark.shared
@pytest.mark.slow
def test_a_refresh_loads_rec_crime_pfa_as_published(shared_data: Path, home: Path) -> None:
    """The Home Office's rolling-year file, linked from its landing page as the publisher
    serves it (plain CSV), loads with every row accounted for."""
    published = gzip.decompress((shared_data / "home_office" / "rec-crime-pfa.csv.gz").read_bytes())
    ds = dataset("homeoffice_rec_crime_pfa")
    page = on_mirror(ds.page_url, "http://x").removeprefix("http://x")
    with mirror() as m:
        link = "/government/uploads/system/uploads/attachment_data/file/1/rec-crime-pfa.csv"
        m.routes[page] = Route(f'<a href="{link}">rec-crime-pfa.csv</a>'.encode(), "text/html")
        m.routes[link] = Route(published, "text/csv")
        done = refresh(home, [ds], base_url=m.base_url)
        again = refresh(home, [ds], base_url=m.base_url)
    [result] = done.results
    assert result.status == "loaded"
    assert result.rows_read == published.count(b"\n") - 1
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert again.new_files == []
    assert again.summary().startswith("refresh: nothing new")


def test_openpeel_fetch_takes_one_force_and_says_where(home: Path, publisher: Mirror) -> None:
    args = ("fetch", "policeuk", "--period", "2019-01", "--force", "Hampshire")
    done = run(*args, "--base-url", publisher.base_url, "--home", str(home), "-f", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress when the output is not a terminal
    header, row = done.stdout.splitlines()
    assert header == "dataset,release,status,MB,files,where,note"
    assert row.startswith("policeuk,2019-02,downloaded,")
    assert row.split(",")[4:6] == [
        "1",
        str(home / "downloads" / "data" / "policeuk" / "2019-01" / "2019-01-hampshire-street.csv"),
    ]
    publisher.routes[ARCHIVE].faults = ["404"]
    (home / "downloads" / "ledger.json").unlink()  # forget it: asked for again, and missing
    failed = run(*args, "--base-url", publisher.base_url, "--home", str(home))
    assert failed.returncode == 2
    assert "error: " in failed.stderr
    assert "was not found (HTTP 404)" in failed.stderr
    assert "hint: the release may not be published yet" in failed.stderr


def test_a_refresh_killed_before_its_swap_changes_nothing_and_the_next_carries_on(
    held_back_home: Path, tmp_path: Path, publisher: Mirror
) -> None:
    home = copy_home(held_back_home, tmp_path / "home")
    version = data_version(home)
    args = ("refresh", "--source", "policeuk", "--base-url", publisher.base_url)
    killed = run(*args, "--home", str(home), OPENPEEL_FAULT_KILL_AT="swapping")
    assert killed.returncode == -9
    assert data_version(home) == version
    assert "2019-02" not in _crimes_months(home)
    code, out, err = _refresh(home, publisher)
    assert code == 0, err
    assert "1 file loaded (1 by an unfinished refresh, carried on) (0 rows new)" in out
    assert "2019-02" in _crimes_months(home)
    with Warehouse(home, read_only=True) as wh:
        assert wh.rows("SELECT count(*) FROM meta_fetch_ledger") == [(1,)]
        assert wh.rows(
            "SELECT count(*) FROM meta_load_ledger WHERE path LIKE '%2019-02-hampshire-street.csv'"
        ) == [(1,)]
    assert [r.status for r in publisher.requests(ARCHIVE)] == [200, 304]


def test_a_refresh_loads_the_outcomes_workbook_linked_from_its_page(home: Path) -> None:
    """The Home Office outcomes table as an ODS workbook (a real slice re-encoded), found as
    the newest release linked from the GOV.UK page, loads sheet by sheet."""
    workbook = Path(__file__).parents[1] / "sources" / "data"
    ods = (workbook / "prc-outcomes-open-data-mar2019-tables-slice.ods").read_bytes()
    ds = dataset("homeoffice_outcomes")
    page = on_mirror(ds.page_url, "http://x").removeprefix("http://x")
    link = "/media/1/prc-outcomes-open-data-mar2019-tables.ods"
    with mirror() as m:
        m.routes[page] = Route(
            f'<a href="/media/0/prc-outcomes-open-data-mar2018-tables.ods">2018</a>'
            f'<a href="{link}">2019</a>'.encode(),
            "text/html",
        )
        m.routes[link] = Route(ods, "application/vnd.oasis.opendocument.spreadsheet")
        done = refresh(home, [ds], base_url=m.base_url)
        assert [r.path for r in m.log] == [page, link]  # the 2018 release was not fetched
        version = data_version(home)
        again = refresh(home, [ds], base_url=m.base_url)
    assert again.summary().startswith("refresh: nothing new")
    assert data_version(home) == version
    loaded = [r for r in done.results if r.status == "loaded"]
    assert loaded
    assert all(r.kind == "homeoffice_outcomes" for r in loaded)
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in loaded)
    assert done.refused == []
    with Warehouse(home, read_only=True) as wh:
        [(release, url)] = wh.rows("SELECT DISTINCT release, url FROM meta_fetch_ledger")
    assert release == "2019"
    assert url.endswith(link)


def test_a_warehouse_from_before_fetching_is_refreshed(home: Path, publisher: Mirror) -> None:
    """A warehouse last written by a version without the fetch ledger: the refresh reads it,
    and its load adds the table."""
    from openpeel.sample import sample_path

    with Warehouse(home) as wh:
        load(wh, sample_path() / "police_uk" / "2019-01" / "2019-01-hampshire-street.csv.gz")
        wh.execute("DROP TABLE meta_fetch_ledger")
    done = refresh(home, [dataset("policeuk")], base_url=publisher.base_url)
    assert [r.status for r in done.results] == ["loaded"]
    with Warehouse(home, read_only=True) as wh:
        assert wh.rows("SELECT release FROM meta_fetch_ledger") == [("2019-02",)]
