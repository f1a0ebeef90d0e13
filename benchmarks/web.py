"""The dashboard on publication day: many readers at once, against a static file of the same
server as the floor.

Serves a demo home (`openpeel demo --no-serve`, built once into benchmarks/results/web-home
unless --home is given) with `openpeel serve --workers N` on 127.0.0.1, asks each address once
to warm it up, then runs ApacheBench (`ab`, Debian's apache2-utils) with 50 concurrent
keep-alive connections for --duration seconds against each address in turn: a static file (the
floor), the force page, the indicator page and the overview, HTML and JSON. Two rounds; the
server's memory (every worker's RSS, summed) after each.

Target (issue 17): each page at least half the floor's requests/s, p99 under 50 ms, no errors,
memory flat across the rounds.

    .venv/bin/python benchmarks/web.py [--duration 60] [--workers 2] [--home H] [--write]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, show_result

DEMO_HOME = WORK / "web-home"
CONNECTIONS = 50
ROUNDS = 2
#: the floor: a file the same server sends from its static folder
STATIC = "/static/openpeel.css"
PAGES = (
    "/forces/hampshire",
    "/indicators/arrests_per_1000",
    "/",
)
HTML = {"Accept": "text/html"}
#: where ab says how many answers had another length than the first
LENGTH_FAILURES = r"Receive: \d+, Length: (\d+)"


def twin(path: str) -> str:
    return "/api/overview" if path == "/" else "/api" + path


#: (what, address, whether it is a page to meet the target)
TARGETS = (
    ("static file (the floor)", STATIC, False),
    *((f"`{p}` HTML", p, True) for p in PAGES),
    *((f"`{twin(p)}` JSON", twin(p), True) for p in PAGES),
)


@dataclass(frozen=True)
class Result:
    what: str
    address: str
    page: bool
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    complete: int
    failed: int  # ab could not connect, receive, or the client failed
    length_changes: int  # answers of another length than the first (ab counts them as failed)
    non_2xx: int
    bytes_each: int


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    return {**env, "CI": "true"}


def openpeel() -> list[str]:
    return [sys.executable, "-m", "openpeel"]


def build(home: Path) -> None:
    if (home / "warehouse.duckdb").exists():
        return
    print(f"building the demo home in {home} (not timed)", flush=True)
    subprocess.run(
        [*openpeel(), "demo", "--no-serve", "--home", str(home)],
        env=environment(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(home: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [*openpeel(), "serve", "--home", str(home), "--port", str(port), "--workers", str(workers)],
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(address + STATIC, timeout=5):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the server did not answer") from None
            time.sleep(0.2)
    return server, address


def warm(address: str) -> None:
    """Every worker builds each page once (many asks each, as the kernel spreads them)."""
    for _ in range(24):
        for _, path, _ in TARGETS:
            request = urllib.request.Request(address + path, headers=HTML)
            with urllib.request.urlopen(request, timeout=300) as r:
                r.read()


def rss_mb(server: subprocess.Popen[bytes]) -> float:
    """The resident memory of the server and every process it started (Linux /proc)."""
    total_kb, todo = 0, [server.pid]
    while todo:
        pid = todo.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kb += int(found.group(1)) if found else 0
        todo += [int(c) for c in children]
    return total_kb / 1024


def ab(address: str, what: str, path: str, page: bool, seconds: int) -> Result:
    out = subprocess.run(
        [
            "ab",
            "-q",
            "-k",
            "-c",
            str(CONNECTIONS),
            "-t",
            str(seconds),
            "-n",
            "100000000",
            "-H",
            "Accept: text/html",
            address + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def number(pattern: str, default: str | None = None) -> float:
        found = re.search(pattern, out, re.MULTILINE)
        if found is None:
            if default is None:
                raise SystemExit(f"ab said nothing of {pattern!r}:\n{out}")
            return float(default)
        return float(found.group(1))

    return Result(
        what,
        path,
        page,
        number(r"^Requests per second:\s+([\d.]+)"),
        number(r"^\s+50%\s+(\d+)"),
        number(r"^\s+99%\s+(\d+)"),
        int(number(r"^Complete requests:\s+(\d+)")),
        int(number(r"^Failed requests:\s+(\d+)")) - int(number(LENGTH_FAILURES, "0")),
        int(number(LENGTH_FAILURES, "0")),
        int(number(r"^Non-2xx responses:\s+(\d+)", "0")),
        int(number(r"^Document Length:\s+(\d+)")),
    )


def verdict(result: Result, floor: Result) -> str:
    if not result.page:
        return "(floor)"
    good = (
        result.requests_per_s >= floor.requests_per_s / 2
        and result.p99_ms < 50
        and result.failed == 0
        and result.length_changes == 0
        and result.non_2xx == 0
    )
    return "meets" if good else "misses"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds per address (60)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument("--home", type=Path, default=None, help="a built home (default: demo)")
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    if shutil.which("ab") is None:
        raise SystemExit("ApacheBench is not installed: apt-get install apache2-utils")
    home: Path = args.home or DEMO_HOME
    WORK.mkdir(parents=True, exist_ok=True)
    build(home)
    load_average = os.getloadavg()[0]
    server, address = serve(home, args.workers)
    rounds: list[tuple[list[Result], float]] = []
    try:
        warm(address)
        started_mb = rss_mb(server)
        for n in range(ROUNDS):
            results = []
            for what, path, page in TARGETS:
                print(f"round {n + 1}: {what}", flush=True)
                results.append(ab(address, what, path, page, args.duration))
            rounds.append((results, rss_mb(server)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [
        f"### The dashboard under load — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}; load average {load_average:.1f} at the start (other work "
        "shares the machine, and `ab` runs on the same cores as the server).",
        "",
        f"`openpeel serve --workers {args.workers}` (uvicorn, httptools, uvloop) on the demo "
        f"home; ApacheBench with {CONNECTIONS} concurrent keep-alive connections for "
        f"{args.duration} s per address on 127.0.0.1, each address warmed up first. Target: "
        "each page at least half the static file's requests/s, p99 under 50 ms, no errors.",
        "",
        "| round | address | bytes | requests/s | p50 ms | p99 ms | failed | other length | "
        "non-2xx | target |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, (results, _) in enumerate(rounds, start=1):
        floor = results[0]
        for r in results:
            lines.append(
                f"| {n} | {r.what} | {r.bytes_each:,} | {r.requests_per_s:,.0f} | "
                f"{r.p50_ms:.0f} | {r.p99_ms:.0f} | {r.failed} | {r.length_changes} | "
                f"{r.non_2xx} | "
                f"{verdict(r, floor)} |"
            )
    memory = ", ".join(f"{mb:.0f} MB after round {n}" for n, (_, mb) in enumerate(rounds, 1))
    lines += [
        "",
        f"Server memory (every worker's RSS): {started_mb:.0f} MB warmed up, {memory}.",
        "",
    ]
    show_result("\n".join(lines), args.write)


if __name__ == "__main__":
    main()
