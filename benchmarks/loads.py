"""Loads while the dashboard serves, on the full real data: what working on a copy costs, and
how the dashboard answers while a load runs into its home.

Builds a home from ../shared/data (`openpeel ingest`, `openpeel indicators compute`; not
timed), then measures, three runs each:

- the copy a writer makes before it starts (the warehouse file copied and synced to disk);
- a writer that changes nothing: lock, copy, schema check, checkpoint, sync and rename;
- the web app's switch to a new version (attach the file read-only, check its tables);

and serves the home (`openpeel serve`) to 4 clients requesting pages and their JSON twins
without pause, first with nothing else running, then while `openpeel indicators compute` and
`openpeel forecast` run into the home: requests answered, their statuses and times.

    .venv/bin/python benchmarks/loads.py [--write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import ROOT, WORK, machine, show_result

HOME = WORK / "loads-home"
SHARED = ROOT.parent / "shared" / "data"
#: the overview, a force, an indicator with a force's charts (a force's forecasts page is left
#: out: on the full data it takes 5-12 s whatever else runs, and would be all one measured)
PAGES = (
    "/",
    "/forces/hampshire",
    "/indicators/victim_does_not_support_share?force=hampshire",
)
URLS = PAGES + tuple("/api/overview" if p == "/" else "/api" + p for p in PAGES)
WARM_UP_ROUNDS = 2
CLIENTS = 4
IDLE_SECONDS = 20.0


def openpeel(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    return subprocess.run(
        [sys.executable, "-m", "openpeel", *args, "--home", str(HOME)],
        capture_output=True,
        text=True,
        env={**env, "CI": "true"},
        check=True,
    )


def build() -> None:
    if (HOME / "warehouse.duckdb").exists():
        return
    print("building the full real data home (not timed) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "openpeel", "ingest", str(SHARED), "--home", str(HOME)],
        capture_output=True,
        env={**os.environ, "CI": "true"},
        check=False,  # a few of the shared files are refused, by design
    )
    openpeel("indicators", "compute")


def timed(step: object, runs: int = 3) -> list[float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        step()  # type: ignore[operator]
        seconds.append(time.perf_counter() - start)
    return seconds


def copy_once() -> None:
    from openpeel.warehouse.versions import sync_file

    target = WORK / "copy.duckdb"
    shutil.copyfile(HOME / "warehouse.duckdb", target)
    sync_file(target)
    target.unlink()


def write_nothing() -> None:
    from openpeel.warehouse.writing import writing

    with writing(HOME, "benchmark"):
        pass


def switch_version() -> None:
    from openpeel.warehouse.db import attach_read_only, has_tables

    con = attach_read_only(HOME / "warehouse.duckdb")
    assert has_tables(con)
    con.close()


class Crowd:
    """Clients requesting URLS round and round; every answer counted with its time."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.statuses: Counter[int] = Counter()
        self.seconds: list[float] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def client(self, number: int) -> None:
        turn = number
        while not self.stop.is_set():
            url = self.address + URLS[turn % len(URLS)]
            turn += 1
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=120) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            with self.lock:
                self.statuses[status] += 1
                self.seconds.append(time.perf_counter() - start)

    def during(self, work: object) -> float:
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        start = time.perf_counter()
        work()  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        self.stop.set()
        for t in threads:
            t.join()
        return elapsed

    def summary(self, elapsed: float) -> str:
        ms = sorted(s * 1000 for s in self.seconds)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        statuses = ", ".join(f"{n} × {s}" for s, n in sorted(self.statuses.items()))
        return (
            f"{len(ms)} | {elapsed:.1f} | {statuses} | {statistics.median(ms):.0f} | "
            f"{p95:.0f} | {ms[-1]:.0f}"
        )


def serve() -> tuple[subprocess.Popen[str], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "openpeel", "serve", "--home", str(HOME), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    address = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(address + "/forces", timeout=5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise SystemExit("the server did not answer")
    for _ in range(WARM_UP_ROUNDS):  # the first answers draw maps and fill caches
        for url in URLS:
            with urllib.request.urlopen(address + url, timeout=120) as r:
                r.read()
    return server, address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    build()
    openpeel("forecast")  # every page has its forecasts before the clients come
    size = (HOME / "warehouse.duckdb").stat().st_size
    load_average = os.getloadavg()[0]
    copies = timed(copy_once)
    writers = timed(write_nothing)
    switches = timed(switch_version)
    server, address = serve()
    try:
        idle = Crowd(address)
        idle_seconds = idle.during(lambda: time.sleep(IDLE_SECONDS))
        busy = Crowd(address)
        loads: dict[str, float] = {}

        def load() -> None:
            for command in (("indicators", "compute"), ("forecast",)):
                start = time.perf_counter()
                openpeel(*command)
                loads[" ".join(command)] = time.perf_counter() - start

        busy_seconds = busy.during(load)
    finally:
        server.terminate()
        server.wait(timeout=30)

    def runs(seconds: list[float]) -> str:
        return f"{statistics.median(seconds):.2f} ({', '.join(f'{s:.2f}' for s in seconds)})"

    text = "\n".join(
        [
            f"### Loads while the dashboard serves — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Machine: {machine()}; load average {load_average:.1f} at the start (other work "
            "shares the machine: the times of the commands and pages vary with it)",
            "",
            f"The full real data (`openpeel ingest ../shared/data`, `indicators compute`, "
            f"`forecast`): a warehouse of {size / 1e6:.0f} MB.",
            "",
            "| step | seconds, median (three runs) |",
            "|---|---|",
            f"| the copy a writer makes before it starts (copied, synced) | {runs(copies)} |",
            f"| a writer that changes nothing (lock, copy, schema, checkpoint, sync, rename) | "
            f"{runs(writers)} |",
            f"| the web app opening a new version (attach, check its tables) | {runs(switches)} |",
            "",
            f"`openpeel serve` with {CLIENTS} clients requesting {len(URLS)} addresses (the "
            "overview, a force, an indicator with a force's charts, and their JSON twins) "
            "without pause, after two rounds to warm up:",
            "",
            "| while | requests answered | seconds | statuses | median ms | 95th pct ms | "
            "slowest ms |",
            "|---|---:|---:|---|---:|---:|---:|",
            f"| nothing else runs | {idle.summary(idle_seconds)} |",
            f"| `indicators compute` ({loads['indicators compute']:.1f} s) then `forecast` "
            f"({loads['forecast']:.1f} s) run into the home | {busy.summary(busy_seconds)} |",
            "",
        ]
    )
    show_result(text, args.write)


if __name__ == "__main__":
    main()
