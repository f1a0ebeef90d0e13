"""``openpeel fetch``: find the releases asked for, download what is new, check it, and take
out of archives only the months and forces asked for."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from openpeel.errors import OpenPeelError
from openpeel.fetch.archive import Wanted, extract, members
from openpeel.fetch.cache import Cache, Entry, Member, sha256_file, sync_folder
from openpeel.fetch.catalogue import Dataset, on_mirror
from openpeel.fetch.http import Client, FetchError, discard_partial, partial_path

log = logging.getLogger("openpeel.fetch")

#: months in one data.police.uk archive: its own and the 35 before
ARCHIVE_MONTHS = 36
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass
class Fetched:
    """What fetching one file did, and the data files it gives to load."""

    dataset: str
    url: str
    release: str
    status: str  # downloaded, not modified (304), cached
    bytes: int
    sha256: str
    #: (path, sha256) of each data file: the members taken out, or the file itself
    files: list[tuple[Path, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Request:
    """What to fetch of a dataset."""

    dataset: Dataset
    periods: list[str] = field(default_factory=list)
    forces: list[str] = field(default_factory=list)  # data.police.uk slugs
    #: the newest month, when already asked of the publisher (else asked here)
    latest: str | None = None


def fetch(
    cache: Cache,
    request: Request,
    client: Client,
    *,
    base_url: str | None = None,
    accept_changed: bool = False,
) -> list[Fetched]:
    """Fetch one dataset's files; each one whole and checked, or a ``FetchError``."""
    ds = request.dataset
    if ds.period_rule == "archive_36_months":
        return _archives(cache, request, client, base_url, accept_changed)
    if request.periods:
        raise OpenPeelError(
            f"{ds.id} is published as one file per release: --period does not apply",
            hint=f"fetch it without --period (the newest release), e.g. `openpeel fetch {ds.id}`",
        )
    url, release = latest_link(ds, client, base_url)
    got = _download(cache, ds, url, release, client, accept_changed)
    entry = cache.entries[url]
    got.files = [(cache.abs(entry.path), entry.sha256)]
    return [got]


def latest_month(ds: Dataset, client: Client, base_url: str | None) -> str:
    """The newest month the publisher says it has (data.police.uk's crime-last-updated)."""
    url = on_mirror(ds.latest_url, base_url)
    answer = client.get_json(url)
    value = answer.get(ds.latest_field) if isinstance(answer, dict) else None
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise FetchError(
            f"{url} did not give the date of the latest release ({ds.latest_field!r}: {value!r})",
            hint="check the address (or --base-url); the service may have changed",
        )
    return value[:7]


def archive_months(periods: list[str], latest: str) -> dict[str, list[str]]:
    """Which archive serves which months: the latest for its 36 months, for older months the
    archive 35 months later (the newest that still holds them)."""
    for p in periods:
        if not _MONTH.match(p):
            raise OpenPeelError(f"--period {p!r} is not a month", hint="give it as YYYY-MM")
        if p > latest:
            raise OpenPeelError(
                f"--period {p} is not published yet: the newest month is {latest}",
                hint=f"ask for {latest} or earlier",
            )
    plan: dict[str, list[str]] = {}
    todo = sorted(set(periods), reverse=True)
    while todo:
        archive = min(latest, add_months(todo[0], ARCHIVE_MONTHS - 1))
        oldest = add_months(archive, -(ARCHIVE_MONTHS - 1))
        plan[archive] = sorted(p for p in todo if oldest <= p <= archive)
        todo = [p for p in todo if p < oldest]
    return plan


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    total = y * 12 + (m - 1) + n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


def _archives(
    cache: Cache, request: Request, client: Client, base_url: str | None, accept_changed: bool
) -> list[Fetched]:
    ds = request.dataset
    for p in request.periods:  # said before asking the publisher anything
        if not _MONTH.match(p):
            raise OpenPeelError(f"--period {p!r} is not a month", hint="give it as YYYY-MM")
    latest = request.latest or latest_month(ds, client, base_url)
    periods = request.periods or [latest]
    results = []
    for archive_month, months in archive_months(periods, latest).items():
        url = on_mirror(ds.url.format(month=archive_month), base_url)
        got = _download(cache, ds, url, archive_month, client, accept_changed)
        wanted = Wanted(ds.member_re(), frozenset(months), frozenset(request.forces) or None)
        entry = cache.entries[url]
        got.files = _take_out(cache, ds, entry, wanted)
        found = {
            m["month"]
            for path, _ in got.files
            if (m := ds.member_re().match(_member_name(cache, ds, path)))
        }
        missing = [m for m in months if m not in found]
        if missing:
            got.note = "nothing for " + ", ".join(missing) + " in the archive"
        results.append(got)
    return results


def _member_name(cache: Cache, ds: Dataset, path: Path) -> str:
    return path.relative_to(cache.data_folder(ds.id)).as_posix()


def _take_out(cache: Cache, ds: Dataset, entry: Entry, wanted: Wanted) -> list[tuple[Path, str]]:
    """The wanted members, taken out unless already taken out of this same archive."""
    archive = cache.abs(entry.path)
    chosen = members(archive, wanted)
    target = cache.data_folder(ds.id)
    out: list[tuple[Path, str]] = []
    todo = []
    for info in chosen:
        known = entry.members.get(info.filename)
        path = target / info.filename
        if known and path.exists() and path.stat().st_size == known.bytes:
            out.append((path, known.sha256))
        else:
            todo.append(info)
    for done in extract(archive, todo, target):
        entry.members[done.name] = Member(cache.rel(done.path), done.sha256, done.bytes)
        out.append((done.path, done.sha256))
    if todo:
        cache.save()
    return sorted(out)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def latest_link(ds: Dataset, client: Client, base_url: str | None) -> tuple[str, str]:
    """The newest file linked from the dataset's page: (its URL, its release)."""
    page = on_mirror(ds.page_url, base_url)
    parser = _Links()
    parser.feed(client.get_bytes(page).decode("utf-8", errors="replace"))
    pattern = ds.link_re()
    found: list[tuple[str, int, str]] = []
    for i, href in enumerate(parser.hrefs):
        url = urljoin(page, href)
        m = pattern.search(urlsplit(url).path)
        if m:
            found.append((m.groupdict().get("release") or "", i, on_mirror(url, base_url)))
    if not found:
        raise FetchError(
            f"{page} links to no file like {ds.link_pattern!r}",
            hint="the publisher may have renamed the file or moved the page: update "
            f"[datasets.{ds.id}] in openpeel/fetch/catalogue.toml",
        )
    release, _, url = max(found)
    return url, release


def _download(
    cache: Cache, ds: Dataset, url: str, release: str, client: Client, accept_changed: bool
) -> Fetched:
    """Download ``url`` unless the cached copy is current (conditional GET); check it; put it
    in place and record it in the ledger."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    known = cache.current(url)
    dest = cache.file_for(ds.id, url)
    dest.parent.mkdir(parents=True, exist_ok=True)
    answer = client.download(
        url,
        dest,
        expect=ds.format,
        etag=known.etag if known else None,
        last_modified=known.last_modified if known else None,
    )
    if answer.status == 304 and known is not None:
        known.checked_at = now
        cache.save()
        return Fetched(ds.id, url, release, "not modified", known.bytes, known.sha256)
    part = partial_path(dest)
    try:
        _check_file(url, ds, part)
        sha = sha256_file(part)
        before = cache.entries.get(url)
        if before is not None and before.sha256 != sha and not accept_changed:
            raise FetchError(
                f"{url} changed for the same release {release}: its SHA-256 was "
                f"{before.sha256[:12]}… when fetched on {before.fetched_at[:10]}, now "
                f"{sha[:12]}…",
                hint="the publisher (or the mirror) replaced the file without a new release; "
                "nothing stored was changed. If the new file is the right one, run again with "
                "--accept-changed",
            )
    except BaseException:
        discard_partial(dest)
        raise
    part.replace(dest)
    discard_partial(dest)
    sync_folder(dest.parent)
    entry = Entry(
        url,
        ds.id,
        release,
        cache.rel(dest),
        sha,
        dest.stat().st_size,
        answer.etag,
        answer.last_modified,
        now,
        now,
    )
    cache.entries[url] = entry
    cache.save()
    note = f"resumed at byte {answer.resumed_from:,}" if answer.resumed_from else ""
    return Fetched(ds.id, url, release, "downloaded", entry.bytes, sha, note=note)


def _check_file(url: str, ds: Dataset, path: Path) -> None:
    """A whole file of the expected format (an archive's central directory is at its end)."""
    if ds.format in ("zip", "ods", "xlsx"):
        import zipfile

        if not zipfile.is_zipfile(path):
            raise FetchError(
                f"{url} is not a whole {ds.format} file (its end is missing or damaged)",
                hint="nothing stored was changed; run the command again to download it again",
            )
    elif path.stat().st_size == 0:
        raise FetchError(f"{url} is empty", hint="nothing stored was changed; try again later")
