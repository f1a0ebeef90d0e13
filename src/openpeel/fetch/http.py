"""HTTP for fetching: rate limits, retries with back-off, resumed downloads, conditional GET,
and checks that what arrived is the data and whole.

Standard library only (``urllib``). A download goes to ``dest`` + ``.part``; it is resumed from
there (``Range``, guarded by ``If-Range``) after a broken connection or a truncated answer, and
``dest`` itself is written only by :func:`openpeel.fetch.cache` after the checks pass.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPException, HTTPResponse
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from openpeel import __version__
from openpeel.errors import OpenPeelError

log = logging.getLogger("openpeel.fetch")

#: called with (bytes done, bytes in all or 0 when unknown, what)
Progress = Callable[[int, int, str], None]

USER_AGENT = f"openpeel/{__version__} (+https://github.com/openpeel)"
CHUNK = 1 << 20
#: the first bytes of each expected format
MAGIC: dict[str, tuple[bytes, ...]] = {
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "ods": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


class FetchError(OpenPeelError):
    """A download that failed; nothing stored was changed. ``resumable``: the part that did
    arrive is kept, and the next try carries on from it."""

    def __init__(self, message: str, *, hint: str | None = None, resumable: bool = False):
        super().__init__(message, hint=hint)
        self.resumable = resumable


@dataclass
class Answer:
    """A finished request: 304 (not modified) or 200/206 with the body in ``path``."""

    status: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    bytes: int = 0
    resumed_from: int = 0


@dataclass
class RateLimiter:
    """At most ``per_second`` requests a second to each host, across threads."""

    per_second: float
    _next: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, host: str) -> None:
        gap = 1.0 / self.per_second if self.per_second > 0 else 0.0
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + gap
        if at > now:
            time.sleep(at - now)


@dataclass
class Client:
    """Requests with the publisher's rate limit and retries; see the module docstring."""

    rate_limit: float = 15.0
    retries: int = 4
    #: first back-off in seconds, doubled at each retry
    backoff: float = 1.0
    #: the longest Retry-After honoured; a publisher asking for more is a failure
    max_retry_after: float = 120.0
    timeout: float = 60.0
    progress: Progress | None = None
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.rate_limit)

    def get_json(self, url: str) -> Any:
        body = self.get_bytes(url)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise FetchError(
                f"{url} did not answer JSON ({_looks(body)})",
                hint="check the address (or --base-url); the service may be down",
            ) from exc

    def get_bytes(self, url: str, limit: int = 8 * 1024 * 1024) -> bytes:
        """A small answer (a JSON status, a landing page), read whole."""

        def once() -> bytes:
            with self._open(url, {}) as response:
                body = response.read(limit + 1)
                if len(body) > limit:
                    raise FetchError(f"{url} answered more than {limit:,} bytes")
                _check_length(response, len(body))
                return body

        body: bytes = self._retrying(url, once)
        return body

    def download(
        self,
        url: str,
        dest: Path,
        *,
        expect: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Answer:
        """GET ``url`` into ``dest`` + ``.part`` (resuming one left there), or 304 when the
        cached copy (``etag`` / ``last_modified``) is current. Checks the length and the format;
        on success the ``.part`` file holds the body."""
        part = partial_path(dest)
        state = _PartState.read(part)
        if state is not None and state.url != url:
            state = None
        if state is None:
            part.unlink(missing_ok=True)

        def once() -> Answer:
            nonlocal state
            have = part.stat().st_size if part.exists() and state is not None else 0
            headers: dict[str, str] = {}
            if have and state is not None and (state.etag or state.last_modified):
                headers["Range"] = f"bytes={have}-"
                headers["If-Range"] = state.etag or state.last_modified or ""
            elif etag or last_modified:
                if etag:
                    headers["If-None-Match"] = etag
                if last_modified:
                    headers["If-Modified-Since"] = last_modified
            try:
                response = self._open(url, headers)
            except urllib.error.HTTPError as exc:
                if exc.code == 304:
                    return Answer(304, url, etag, last_modified)
                if exc.code == 416 and have:  # the part is complete, or from another version
                    part.unlink(missing_ok=True)
                    state = None
                    raise _Retry("the server refused to resume; starting again") from exc
                raise
            with response:
                status = response.status
                got_etag = response.headers.get("ETag")
                got_modified = response.headers.get("Last-Modified")
                start = 0
                if status == 206:
                    start = _range_start(response.headers.get("Content-Range", ""))
                    if start != have:
                        part.unlink(missing_ok=True)
                        state = None
                        raise _Retry(f"the server resumed at byte {start}, not {have}")
                else:
                    part.unlink(missing_ok=True)
                state = _PartState(url, got_etag, got_modified)
                state.write(part)
                expected = _content_length(response)
                total = start + expected if expected is not None else 0
                done = start
                with part.open("ab") as fh:
                    first = b""
                    while True:
                        try:
                            chunk = response.read(CHUNK)
                        except (HTTPException, OSError) as exc:
                            raise _Retry(f"the connection broke after {done:,} bytes") from exc
                        if not chunk:
                            break
                        if not first and start == 0:
                            first = chunk[:512]
                            _check_format(url, expect, first, response.headers)
                        fh.write(chunk)
                        done += len(chunk)
                        if self.progress:
                            self.progress(done, total, url.rsplit("/", 1)[-1])
                    fh.flush()
                    os.fsync(fh.fileno())
                if expected is not None and done - start < expected:
                    raise _Retry(
                        f"truncated: {done:,} of {total:,} bytes arrived (Content-Length)",
                        resumable=True,
                    )
                if start and done == start and expected is None:
                    raise _Retry("the resumed answer was empty")
                return Answer(
                    status,
                    url,
                    got_etag,
                    got_modified,
                    response.headers.get("Content-Type", ""),
                    done,
                    start,
                )

        try:
            answer: Answer = self._retrying(url, once)
        except FetchError as exc:
            if not exc.resumable:
                discard_partial(dest)
            raise
        return answer

    def _open(self, url: str, headers: dict[str, str]) -> HTTPResponse:
        self.limiter.wait(urlsplit(url).netloc)
        # S310: the URLs are the publishers' (https) from the source declarations, or a mirror's
        request = urllib.request.Request(  # noqa: S310
            url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
        )
        log.debug("GET %s %s", url, headers)
        response = urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310
        assert isinstance(response, HTTPResponse)  # noqa: S101  (narrows the type)
        return response

    def _retrying(self, url: str, once: Callable[[], Any]) -> Any:
        """Run ``once``; after a broken connection, a 5xx, a 429 or a truncated answer, wait
        (doubling, or as Retry-After asks) and try again, ``retries`` times at most."""
        attempt = 0
        while True:
            try:
                return once()
            except urllib.error.HTTPError as exc:
                wait, why = self._judge_http(url, exc, attempt)
                resumable = False
            except _Retry as exc:
                wait, why, resumable = self.backoff * 2**attempt, exc.reason, exc.resumable
            except (urllib.error.URLError, HTTPException, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                wait, why, resumable = self.backoff * 2**attempt, f"cannot connect: {reason}", True
            attempt += 1
            if attempt > self.retries:
                raise FetchError(
                    f"{url}: {why} (gave up after {attempt} tries)",
                    hint="nothing stored was changed; run the command again later (a download "
                    "carries on where it stopped), or use --base-url to fetch from a mirror",
                    resumable=resumable,
                )
            log.info("%s: %s; trying again in %.1f s", url, why, wait)
            time.sleep(wait)

    def _judge_http(self, url: str, exc: urllib.error.HTTPError, attempt: int) -> tuple[float, str]:
        if exc.code == 404:
            raise FetchError(
                f"{url} was not found (HTTP 404)",
                hint="the release may not be published yet, or the mirror (--base-url) lacks it; "
                "nothing stored was changed",
            ) from None
        if exc.code == 429:
            asked = retry_after(exc.headers.get("Retry-After"))
            if asked is not None and asked > self.max_retry_after:
                raise FetchError(
                    f"{url}: the publisher limits requests (HTTP 429) and asks to wait "
                    f"{asked:.0f} s",
                    hint="run the command again later; nothing stored was changed",
                ) from None
            wait = asked if asked is not None else self.backoff * 2**attempt
            return wait, f"too many requests (HTTP 429, Retry-After {wait:g} s)"
        if exc.code >= 500:
            return self.backoff * 2**attempt, f"the server failed (HTTP {exc.code})"
        raise FetchError(
            f"{url} answered HTTP {exc.code} {exc.reason}",
            hint="check the address (or --base-url); nothing stored was changed",
        ) from None


class _Retry(Exception):
    def __init__(self, reason: str, *, resumable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resumable = resumable


@dataclass(frozen=True)
class _PartState:
    """What a partial download is of: its URL and the validator a resume must match."""

    url: str
    etag: str | None
    last_modified: str | None

    @staticmethod
    def read(part: Path) -> _PartState | None:
        try:
            data = json.loads(_state_path(part).read_text(encoding="utf-8"))
            return _PartState(data["url"], data.get("etag"), data.get("last_modified"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, part: Path) -> None:
        record = {"url": self.url, "etag": self.etag, "last_modified": self.last_modified}
        _state_path(part).write_text(json.dumps(record), encoding="utf-8")


def partial_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _state_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def discard_partial(dest: Path) -> None:
    part = partial_path(dest)
    part.unlink(missing_ok=True)
    _state_path(part).unlink(missing_ok=True)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (at - datetime.now(UTC)).total_seconds())


def _content_length(response: HTTPResponse) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _check_length(response: HTTPResponse, got: int) -> None:
    expected = _content_length(response)
    if expected is not None and got < expected:
        raise _Retry(f"truncated: {got:,} of {expected:,} bytes arrived (Content-Length)")


def _range_start(value: str) -> int:
    # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        raise _Retry(f"the server resumed without a readable Content-Range ({value!r})") from None


def _looks(body: bytes) -> str:
    head = body[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    return f"starts {body[:40]!r}"


def _check_format(url: str, expect: str, first: bytes, headers: Any) -> None:
    """Refuse an HTML error page or a file of another format, from its first bytes."""
    content_type = (headers.get("Content-Type") or "").lower()
    head = first.lstrip()[:200].lower()
    html = head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))
    if html or ("text/html" in content_type and expect != "html"):
        raise FetchError(
            f"{url} answered an HTML page instead of the {expect} file "
            f"(Content-Type {content_type or 'not given'})",
            hint="the publisher may have moved the file or be showing an error page; check the "
            "address in a browser; nothing stored was changed",
        )
    magic = MAGIC.get(expect)
    if magic and not first.startswith(magic):
        raise FetchError(
            f"{url} is not a {expect} file (it starts {first[:16]!r})",
            hint="check the address (or --base-url); nothing stored was changed",
        )
    if expect == "csv" and b"\x00" in first and not first.startswith(b"\x1f\x8b"):
        raise FetchError(
            f"{url} is not a CSV file (it has NUL bytes)",
            hint="check the address (or --base-url); nothing stored was changed",
        )
