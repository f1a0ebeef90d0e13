"""`openpeel serve` as a real process on a free port of 127.0.0.1, and a crowd of clients that
request its pages without pause, counting every answer."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import load

from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse

SAMPLE = sample_path()
#: held back from the served home, then loaded while it is served
HELD_BACK = (
    SAMPLE / "home_office" / "prc_outcomes_open_data_2018_19_tidy.csv.gz",
    SAMPLE / "police_uk" / "2019-02" / "2019-02-hampshire-street.csv.gz",
)
#: an indicator the held-back outcomes give a new period, 2018/19
OUTCOMES_INDICATOR = "victim_does_not_support_share"
#: the force page, the indicator page, the overview, the forecasts, and their JSON twins
PAGES = (
    "/forces/hampshire",
    f"/indicators/{OUTCOMES_INDICATOR}",
    f"/indicators/{OUTCOMES_INDICATOR}?force=hampshire",
    "/",
    "/forces/hampshire/forecasts",
)
URLS = PAGES + tuple("/api/overview" if p == "/" else "/api" + p for p in PAGES)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(**extra: str) -> dict[str, str]:
    """The environment of a command: none of the caller's OPENPEEL_ settings, plain output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    return {**env, "CI": "true", **extra}


def build_held_back_home(home: Path) -> None:
    """The sample without the held-back files, with every indicator (no forecasts yet)."""
    from openpeel.indicators.run import compute, store

    files = [
        p
        for p in sorted(SAMPLE.rglob("*"))
        if p.is_file()
        and p.suffix in (".csv", ".gz", ".geojson")
        and p.name != "MANIFEST.csv"
        and p not in HELD_BACK
    ]
    with Warehouse(home) as wh:
        load(wh, *files)
        store(wh, compute(wh))


def copy_home(built: Path, home: Path) -> Path:
    shutil.copytree(built, home)
    return home


def openpeel(*args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "openpeel", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(**env),
    )


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    process = openpeel(*args, **env)
    stdout, stderr = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@dataclass
class Server:
    home: Path
    port: int
    process: subprocess.Popen[str]

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str, dict[str, str]]:
        return get(self.address + path)

    def json(self, path: str) -> Any:
        status, body, _ = self.get(path)
        assert status == 200, (path, status, body)
        return json.loads(body)


def get(url: str, timeout: float = 120) -> tuple[int, str, dict[str, str]]:
    """Status, body and headers of a GET (an error status is an answer too)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310  (the test server)
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@contextmanager
def serving(home: Path) -> Iterator[Server]:
    """`openpeel serve --home HOME` on a free port, once it answers (its output goes to a file,
    which a pipe nobody reads could not hold)."""
    port = free_port()
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "openpeel", "serve", "--home", str(home), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment(),
        )
        server = Server(home, port, process)
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if server.get("/forces")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise AssertionError(f"the server did not answer: {output.read()}")
                time.sleep(0.3)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=30)


@dataclass
class Crowd:
    """Clients requesting URLS round and round until stopped; every answer is counted."""

    server: Server
    clients: int = 4
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    #: answers whose body or headers name a path of the server's files
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self, number: int) -> None:
        secret = str(self.server.home.resolve().parent)
        turn = number
        while not self._stop.is_set():
            url = URLS[turn % len(URLS)]
            turn += 1
            try:
                status, body, headers = self.server.get(url)
            except OSError as exc:  # no answer at all
                with self._lock:
                    self.errors.append(f"{url}: {exc}")
                continue
            with self._lock:
                self.statuses[status] += 1
                if status != 200:
                    self.failures.append(f"{url}: {status} {body[:300]}")
                if secret in body or any(secret in v for v in headers.values()):
                    self.leaks.append(f"{url}: {status}")

    @property
    def answered(self) -> int:
        with self._lock:
            return sum(self.statuses.values())

    @contextmanager
    def running(self) -> Iterator[Crowd]:
        threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(self.clients)
        ]
        for t in threads:
            t.start()
        try:
            yield self
        finally:
            self._stop.set()
            for t in threads:
                t.join(timeout=180)
