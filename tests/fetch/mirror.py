"""A loopback imitation of the publishers: data.police.uk's crime-last-updated and monthly
archives, and landing pages that link to files, served by ``http.server`` on 127.0.0.1 in a
thread. Each route can be told to fail in the ways real servers do (truncated bodies, HTML
error pages, 404, 429 with Retry-After, a file replaced under the same name); every request is
logged with its headers, so tests can see the ranges and validators sent."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from openpeel.sample import sample_path

HTML_ERROR = (
    b"<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>"
    + (b"<h1>Sorry, something went wrong</h1>" * 20)
    + b"</body></html>"
)


@dataclass
class Route:
    body: bytes
    content_type: str = "application/octet-stream"
    #: faults for the next requests, first first: truncate, html, 404, 429:SECONDS, 500, drop
    faults: list[str] = field(default_factory=list)
    last_modified: str = field(default_factory=lambda: formatdate(0, usegmt=True))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    status: int


class Mirror:
    """Routes by path; ``url(path)`` gives the address of one."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def requests(self, path: str) -> list[Logged]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def note(self, entry: Logged) -> None:
        with self._lock:
            self.log.append(entry)

    def police_uk(self, latest: str, archive: bytes) -> None:
        """data.police.uk: the newest month and that month's archive."""
        self.routes["/api/crime-last-updated"] = Route(
            json.dumps({"date": f"{latest}-01"}).encode(), "application/json"
        )
        self.routes[f"/data/archive/{latest}.zip"] = Route(archive, "application/zip")


@contextmanager
def mirror() -> Iterator[Mirror]:
    m = Mirror()
    thread = threading.Thread(target=m.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield m
    finally:
        m.server.shutdown()
        m.server.server_close()
        thread.join(timeout=10)


def _handler(m: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            route = m.routes.get(path)
            fault = route.faults.pop(0) if route is not None and route.faults else ""
            status = self._answer(route, fault, headers)
            m.note(Logged(path, headers, status))

        def _answer(self, route: Route | None, fault: str, headers: dict[str, str]) -> int:
            if route is None or fault == "404":
                return self._plain(404, b"<html><body>Not Found</body></html>", "text/html")
            if fault.startswith("429"):
                seconds = fault.partition(":")[2] or "1"
                self.send_response(429)
                self.send_header("Retry-After", seconds)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 429
            if fault == "500":
                return self._plain(500, b"server error", "text/plain")
            if fault == "html":
                return self._plain(200, HTML_ERROR, "text/html; charset=utf-8")
            if headers.get("if-none-match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.end_headers()
                return 304
            body, status, start = route.body, 200, 0
            wanted = headers.get("range", "")
            if wanted.startswith("bytes=") and headers.get("if-range") in (
                route.etag,
                route.last_modified,
            ):
                start = int(wanted[6:].split("-")[0])
                body, status = route.body[start:], 206
            self.send_response(status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", route.etag)
            self.send_header("Last-Modified", route.last_modified)
            if status == 206:
                self.send_header(
                    "Content-Range", f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"
                )
            self.end_headers()
            if fault == "truncate":  # the connection drops half-way
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return status
            self.wfile.write(body)
            return status

        def _plain(self, status: int, body: bytes, content_type: str) -> int:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return status

    return Handler


def archive_of(files: dict[str, bytes]) -> bytes:
    """A zip in the data.police.uk layout from member name -> bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    return buffer.getvalue()


def sample_members(months: list[str] | None = None) -> dict[str, bytes]:
    """The bundled sample's data.police.uk files as an archive's members (unzipped, as the
    publisher's archive holds them)."""
    root = sample_path() / "police_uk"
    out = {}
    for path in sorted(root.rglob("*.csv.gz")):
        month = path.parent.name
        if months is None or month in months:
            out[f"{month}/{path.name.removesuffix('.gz')}"] = gzip.decompress(path.read_bytes())
    return out


def snapshot(folder: Path) -> dict[str, str]:
    """Every stored file under ``folder`` and its SHA-256 (resume buffers and locks left out)."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith((".part", ".part.json", ".lock"))
    }
