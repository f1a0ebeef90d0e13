"""`openpeel fetch` against a loopback imitation of the publishers: only the months and
forces asked for are taken out; unchanged files are not downloaded again; every failure of a
download is said clearly and changes nothing stored."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from openpeel.fetch.cache import Cache
from openpeel.fetch.catalogue import catalogue, dataset, on_mirror
from openpeel.fetch.http import Client, FetchError, RateLimiter, retry_after
from openpeel.fetch.run import Fetched, Request, archive_months, fetch
from openpeel.sample import sample_path
from tests.fetch.mirror import Mirror, Route, archive_of, mirror, sample_members, snapshot

ARCHIVE = "/data/archive/2019-02.zip"


@pytest.fixture
def publisher() -> Iterator[Mirror]:
    with mirror() as m:
        m.police_uk("2019-02", archive_of(sample_members()))
        yield m


def client() -> Client:
    """No waiting between tries: the tests count tries, they do not time them."""
    return Client(backoff=0.0, retries=2, rate_limit=0.0)


def policeuk(
    home: Path, m: Mirror, *, periods: Sequence[str] = (), forces: Sequence[str] = ()
) -> list[Fetched]:
    return fetch(
        Cache(home),
        Request(dataset("policeuk"), list(periods), list(forces)),
        client(),
        base_url=m.base_url,
    )


def test_only_the_months_and_forces_asked_for_are_taken_out(home: Path, publisher: Mirror) -> None:
    [got] = policeuk(home, publisher, periods=["2019-01"], forces=["hampshire", "dorset"])
    assert got.status == "downloaded"
    assert got.release == "2019-02"
    names = sorted(p.name for p, _ in got.files)
    assert names == ["2019-01-dorset-street.csv", "2019-01-hampshire-street.csv"]
    original = sample_path() / "police_uk" / "2019-01" / "2019-01-hampshire-street.csv.gz"
    taken = next(p for p, _ in got.files if "hampshire" in p.name)
    assert taken.read_bytes() == gzip.decompress(original.read_bytes())
    ledger = json.loads((home / "downloads" / "ledger.json").read_text())
    entry = ledger[publisher.url(ARCHIVE)]
    assert entry["sha256"] == got.sha256
    assert sorted(entry["members"]) == [
        "2019-01/2019-01-dorset-street.csv",
        "2019-01/2019-01-hampshire-street.csv",
    ]
    # nothing else of the archive was written out
    data = home / "downloads" / "data" / "policeuk"
    assert sorted(p.name for p in data.rglob("*.csv")) == names


def test_the_newest_month_by_default_and_the_api_says_which(home: Path, publisher: Mirror) -> None:
    [got] = policeuk(home, publisher)
    assert [p.name for p, _ in got.files] == ["2019-02-hampshire-street.csv"]
    assert len(publisher.requests("/api/crime-last-updated")) == 1


def test_a_second_fetch_asks_with_the_etag_and_downloads_nothing(
    home: Path, publisher: Mirror
) -> None:
    policeuk(home, publisher, periods=["2019-01"])
    before = snapshot(home / "downloads")
    [again] = policeuk(home, publisher, periods=["2019-01"])
    assert again.status == "not modified"
    last = publisher.requests(ARCHIVE)[-1]
    assert last.status == 304
    assert last.headers["if-none-match"] == publisher.routes[ARCHIVE].etag
    assert len(again.files) == 5
    after = snapshot(home / "downloads")
    assert {k: v for k, v in after.items() if k != "ledger.json"} == {
        k: v for k, v in before.items() if k != "ledger.json"
    }


def test_a_dropped_connection_resumes_with_a_range_request(home: Path, publisher: Mirror) -> None:
    publisher.routes[ARCHIVE].faults = ["truncate"]
    [got] = policeuk(home, publisher, periods=["2019-02"])
    first, second = publisher.requests(ARCHIVE)
    assert first.status == 200
    assert "range" not in first.headers
    size = len(publisher.routes[ARCHIVE].body)
    assert second.headers["range"] == f"bytes={size // 2}-"
    assert second.headers["if-range"] == publisher.routes[ARCHIVE].etag
    assert second.status == 206
    assert got.note == f"resumed at byte {size // 2:,}"
    stored = home / "downloads" / Cache(home).entries[publisher.url(ARCHIVE)].path
    assert stored.read_bytes() == publisher.routes[ARCHIVE].body


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        (["truncate"] * 3, "truncated: "),
        (["html"], "answered an HTML page instead of the zip file"),
        (["404"], "was not found (HTTP 404)"),
        (["429:3600"], "limits requests (HTTP 429) and asks to wait 3600 s"),
        (["500"] * 3, "the server failed (HTTP 500) (gave up after 3 tries)"),
    ],
)
def test_a_failed_download_says_why_and_changes_nothing_stored(
    home: Path, publisher: Mirror, faults: list[str], message: str
) -> None:
    policeuk(home, publisher, periods=["2019-01"])  # something stored already
    before = snapshot(home / "downloads")
    # the cached archive gone: the next fetch downloads it again (no conditional GET)
    Cache(home).abs(Cache(home).entries[publisher.url(ARCHIVE)].path).unlink()
    before = {k: v for k, v in before.items() if not k.startswith("files/")}
    publisher.routes[ARCHIVE].faults = list(faults)
    with pytest.raises(FetchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        policeuk(home, publisher, periods=["2019-01"])
    assert {
        k: v for k, v in snapshot(home / "downloads").items() if not k.startswith("files/")
    } == before
    assert not list((home / "downloads" / "files").rglob("*.zip"))


def test_a_429_with_retry_after_is_waited_for_then_fetched(home: Path, publisher: Mirror) -> None:
    publisher.routes[ARCHIVE].faults = ["429:0"]
    [got] = policeuk(home, publisher)
    assert [r.status for r in publisher.requests(ARCHIVE)] == [429, 200]
    assert got.status == "downloaded"


def test_a_file_changed_under_the_same_release_is_refused(home: Path, publisher: Mirror) -> None:
    policeuk(home, publisher, periods=["2019-02"])
    before = snapshot(home / "downloads")
    members = sample_members()
    members["2019-02/2019-02-hampshire-street.csv"] += b"extra,row\n"
    publisher.routes[ARCHIVE].body = archive_of(members)
    with pytest.raises(FetchError, match="changed for the same release 2019-02") as caught:
        policeuk(home, publisher, periods=["2019-02"])
    assert "--accept-changed" in (caught.value.hint or "")
    assert snapshot(home / "downloads") == before
    accepted = fetch(
        Cache(home),
        Request(dataset("policeuk"), ["2019-02"]),
        client(),
        base_url=publisher.base_url,
        accept_changed=True,
    )
    assert accepted[0].status == "downloaded"
    assert accepted[0].files[0][0].read_bytes().endswith(b"extra,row\n")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../2019-02-hampshire-street.csv", "has '..' in its path"),
        ("/etc/2019-02-hampshire-street.csv", "has an absolute path"),
        ("2019-02\\..\\x.csv", "has a backslash"),
    ],
)
def test_an_archive_with_a_member_outside_its_folder_is_refused_whole(
    home: Path, publisher: Mirror, name: str, why: str
) -> None:
    publisher.routes[ARCHIVE].body = archive_of({**sample_members(), name: b"Crime ID\n"})
    with pytest.raises(Exception, match=why):
        policeuk(home, publisher)
    assert not list((home / "downloads" / "data").rglob("*.csv"))
    assert not (home.parent / "2019-02-hampshire-street.csv").exists()


def test_a_member_that_unpacks_far_beyond_its_size_is_refused(
    home: Path, publisher: Mirror
) -> None:
    bomb = {"2019-02/2019-02-hampshire-street.csv": b"0" * 20_000_000}
    publisher.routes[ARCHIVE].body = archive_of(bomb)
    with pytest.raises(Exception, match="says it unpacks to 20,000,000 bytes"):
        policeuk(home, publisher)
    assert not list((home / "downloads" / "data").rglob("*.csv"))


def test_a_page_dataset_takes_the_newest_linked_release(home: Path) -> None:
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    ds = dataset("homeoffice_outcomes")
    page_path = on_mirror(ds.page_url, "http://x").removeprefix("http://x")
    with mirror() as m:
        links = [
            "/government/uploads/file/1/prc-outcomes-open-data-mar2018-tables.ods",
            m.url("/government/uploads/file/2/prc-outcomes-open-data-mar2019-tables.ods"),
            "/government/uploads/file/3/user-guide.pdf",
        ]
        html = "".join(f'<a href="{h}">file</a>' for h in links)
        m.routes[page_path] = Route(html.encode(), "text/html")
        for i, year in ((1, 2018), (2, 2019)):
            m.routes[
                f"/government/uploads/file/{i}/prc-outcomes-open-data-mar{year}-tables.ods"
            ] = Route(ods.getvalue(), "application/vnd.oasis.opendocument.spreadsheet")
        [got] = fetch(Cache(home), Request(ds), client(), base_url=m.base_url)
    assert got.release == "2019"
    assert got.url.endswith("/file/2/prc-outcomes-open-data-mar2019-tables.ods")
    assert got.files[0][0].read_bytes() == ods.getvalue()


def test_periods_are_served_by_the_fewest_archives() -> None:
    plan = archive_months(["2024-03", "2023-01", "2021-04", "2019-02"], "2024-03")
    assert plan == {
        "2024-03": ["2021-04", "2023-01", "2024-03"],
        "2022-01": ["2019-02"],
    }


def test_the_rate_limit_spaces_requests_to_one_host(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    slept: list[float] = []
    monkeypatch.setattr("openpeel.fetch.http.time.monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock[0] += seconds

    monkeypatch.setattr("openpeel.fetch.http.time.sleep", sleep)
    limiter = RateLimiter(15.0)
    for _ in range(4):
        limiter.wait("data.police.uk")
    limiter.wait("www.gov.uk")
    assert slept == [round(1 / 15, 6)] * 3


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0.0
    assert retry_after(None) is None


def test_the_catalogue_declares_each_dataset_fully() -> None:
    for ds in catalogue().values():
        assert ds.licence == "Open Government Licence v3.0"
        assert ds.latest_url or ds.page_url
    assert dataset("policeuk").rate_limit == 15.0
    with pytest.raises(Exception, match="closest: policeuk"):
        dataset("policeukk")


def test_a_period_that_is_not_a_month_is_refused_before_asking_anything(
    home: Path, publisher: Mirror
) -> None:
    with pytest.raises(Exception, match="--period '2019-1' is not a month"):
        policeuk(home, publisher, periods=["2019-1"])
    assert publisher.log == []
    with pytest.raises(
        Exception, match="2019-03 is not published yet: the newest month is 2019-02"
    ):
        policeuk(home, publisher, periods=["2019-03"])
