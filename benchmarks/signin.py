"""A sign-in flood on loopback: the server's memory and a page's latency while 50 clients send
wrong passwords as fast as they can, beside a baseline with no flood, measured in one run.

Serves a fresh home with one account (the app under uvicorn, one process, as `openpeel serve`
does) and, for each case, requests /forces every 0.25 s for DURATION seconds while sampling the
server's resident memory (VmRSS) every 0.1 s:

- baseline: no flood;
- flood from one address: 50 clients, each signing in with wrong passwords as one name, all
  from 127.0.0.1, as a guessing script would (the throttle answers 429 once the address has had
  its free failures);
- flood from many addresses: the same, but each attempt through a trusted proxy naming another
  client address and another account name, so that throttling never applies and every attempt
  needs a password check (the hash slots alone keep the memory bound).

    .venv/bin/python benchmarks/signin.py [--seconds 20] [--clients 50] [--write]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, show_result

HOME = WORK / "signin-home"
PAGE = "/forces"
PASSWORD = "benchmark account password"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[bytes]:
    from openpeel.assess.store import Store
    from openpeel.assess.users import add_user

    HOME.mkdir(parents=True, exist_ok=True)
    store = Store.open(HOME)
    with store.session() as s:
        from sqlalchemy import select

        from openpeel.assess.models import User

        if s.scalars(select(User).where(User.name == "pat")).first() is None:
            add_user(s, "pat", "inspector", PASSWORD, "benchmark")
    store.close()
    code = (
        "import uvicorn; from pathlib import Path; from openpeel.web.app import create_app; "
        f"uvicorn.run(create_app(Path({str(HOME)!r})), host='127.0.0.1', port={port}, "
        "log_level='error', proxy_headers=False)"
    )
    env = {**os.environ, "OPENPEEL_TRUSTED_PROXIES": "127.0.0.1", "OPENPEEL_DATABASE_URL": ""}
    server = subprocess.Popen([sys.executable, "-c", code], env=env)
    for _ in range(200):
        try:
            if Client(f"http://127.0.0.1:{port}").request(PAGE)[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


class Client:
    """A browser enough for the benchmark: cookies kept, statuses returned (errors too)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else 0.0


def _flood(base: str, stop: threading.Event, spread: bool, n: int, codes: Counter[int]) -> None:
    client = Client(base)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.request("/login")[1])
    assert token is not None
    i = 0
    while not stop.is_set():
        i += 1
        headers = {"Accept": "text/html"}
        name = "pat"
        if spread:
            headers["X-Forwarded-For"] = f"10.{n}.{i // 250 % 250}.{i % 250 + 1}"
            name = f"user{n}-{i}"
        status, _ = client.request(
            "/login",
            {"username": name, "password": "wrong guess", "csrf_token": token.group(1)},
            headers,
        )
        codes[status] += 1


def _case(port: int, pid: int, seconds: float, clients: int, mode: str) -> dict[str, object]:
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    codes: Counter[int] = Counter()
    flood = [
        threading.Thread(target=_flood, args=(base, stop, mode == "many", n, codes))
        for n in range(clients if mode != "none" else 0)
    ]
    for t in flood:
        t.start()
    peak, latencies, page_codes = _rss_mib(pid), [], Counter[int]()
    end = time.monotonic() + seconds
    next_probe = 0.0
    probe = Client(base)
    while time.monotonic() < end:
        peak = max(peak, _rss_mib(pid))
        if time.monotonic() >= next_probe:
            start = time.perf_counter()
            page_codes[probe.request(PAGE)[0]] += 1
            latencies.append(time.perf_counter() - start)
            next_probe = time.monotonic() + 0.25
        time.sleep(0.1)
    stop.set()
    for t in flood:
        t.join()
    latencies.sort()
    return {
        "mode": mode,
        "peak_rss_mib": peak,
        "pages": len(latencies),
        "page_codes": dict(page_codes),
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "sign_ins": sum(codes.values()),
        "sign_in_codes": dict(sorted(codes.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--write", action="store_true", help="add the results to the docs")
    args = parser.parse_args()
    port = _port()
    server = _serve(port)
    try:
        start_rss = _rss_mib(server.pid)
        rows = [
            _case(port, server.pid, args.seconds, args.clients, mode)
            for mode in ("none", "one", "many")
        ]
    finally:
        server.terminate()
        server.wait()
    labels = {
        "none": "baseline: no flood",
        "one": f"{args.clients} clients, one address",
        "many": f"{args.clients} clients, a new address and name each",
    }
    lines = [
        f"### Sign-in flood ({datetime.now(UTC):%Y-%m-%d}, {machine()})",
        "",
        f"`benchmarks/signin.py --seconds {args.seconds:g} --clients {args.clients}`: the app "
        f"under uvicorn on loopback (one process; {start_rss:.0f} MiB after start), {PAGE} "
        f"requested every 0.25 s for {args.seconds:g} s in each case; memory is the server's "
        "peak VmRSS, sampled every 0.1 s.",
        "",
        "| case | peak RSS (MiB) | page median (ms) | page p95 (ms) | page statuses | "
        "sign-ins sent | sign-in statuses |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {labels[str(r['mode'])]} | {r['peak_rss_mib']:.0f} | {r['median_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['page_codes']} | {r['sign_ins']} | {r['sign_in_codes']} |"
        )
    show_result("\n".join(lines) + "\n", args.write)


if __name__ == "__main__":
    main()
