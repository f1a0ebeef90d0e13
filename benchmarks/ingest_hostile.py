"""Hostile-input benchmark: peak memory and time of `openpeel ingest` on hostile files, each
beside a normal file of the same size measured in the same run.

The files are SYNTHETIC: the 446 real lines of the City of London's January 2016 street file
(bundled sample) repeated to the size wanted, with the hostile change made (fixed, no
randomness). Each ingest runs in its own process into a new home, so its peak resident memory
(ru_maxrss) is its own. Results are printed and, with --write, added to docs/benchmarks.md.

    .venv/bin/python benchmarks/ingest_hostile.py [--scale 1.0] [--write]

``--scale`` multiplies every size (0.1 for a quick look).
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from openpeel.sample import sample_path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import append_result, machine

CITY_JAN = sample_path() / "police_uk/2016-01/2016-01-city-of-london-street.csv.gz"
NAME = "2016-01-city-of-london-street.csv"
MB = 1024**2

HEADER, *ROWS = gzip.decompress(CITY_JAN.read_bytes()).decode("utf-8").splitlines()
BLOCK = ("\n".join(ROWS) + "\n").encode()

CHILD = """
import resource, sys, time
from openpeel.cli.app import app
start = time.perf_counter()
try:
    app(['ingest', sys.argv[1], '--home', sys.argv[2]])
except SystemExit:
    pass
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print('RESULT', seconds, peak)
"""


def write_normal(path: Path, size: int) -> None:
    with path.open("wb") as fh:
        fh.write(HEADER.encode() + b"\n")
        while fh.tell() < size:
            fh.write(BLOCK)


def write_long_line(path: Path, size: int) -> None:
    """Normal lines around one line of ``size`` bytes."""
    with path.open("wb") as fh:
        fh.write(HEADER.encode() + b"\n" + BLOCK)
        chunk = b"y" * MB
        for _ in range(size // MB):
            fh.write(chunk)
        fh.write(b"\n" + BLOCK)


def write_malformed(path: Path, size: int) -> None:
    """Every line malformed: one in three with a stray quote, the others with a field too many."""
    bad = [(r[:-3] + '"' + r[-3:]) if i % 3 == 0 else r + ",x" for i, r in enumerate(ROWS)]
    block = ("\n".join(bad) + "\n").encode()
    with path.open("wb") as fh:
        fh.write(HEADER.encode() + b"\n")
        while fh.tell() < size:
            fh.write(block)


def write_junk_zip(path: Path, size: int) -> None:
    """A street file of ``size`` bytes of junk lines, deflated into a small zip."""
    block = b"junk line\n" * (MB // 10)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open(NAME, "w", force_zip64=True) as member,
    ):
        member.write(HEADER.encode() + b"\n")
        for _ in range(size // len(block)):
            member.write(block)


def write_normal_zip(path: Path, size: int) -> None:
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open(NAME, "w", force_zip64=True) as member,
    ):
        member.write(HEADER.encode() + b"\n")
        for _ in range(size // len(BLOCK)):
            member.write(BLOCK)


#: (case, size in bytes at scale 1, writer of the hostile file, writer of the normal one)
CASES: list[tuple[str, int, Callable[[Path, int], None], Callable[[Path, int], None], str]] = [
    ("one 200 MB line", 200 * MB, write_long_line, write_normal, ".csv"),
    ("50 MB of malformed lines", 50 * MB, write_malformed, write_normal, ".csv"),
    ("1 GiB of junk lines in a zip", 1024 * MB, write_junk_zip, write_normal_zip, ".zip"),
]


def measure(path: Path, scratch: Path) -> tuple[float, float, str]:
    home = Path(tempfile.mkdtemp(dir=scratch))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(home)],
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak = done.stdout.rsplit("RESULT", 1)[1].split()
    summary = next((line for line in done.stdout.splitlines() if line.rstrip().endswith(".")), "")
    return float(seconds), float(peak) / MB, summary.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows: list[tuple[str, str, int, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        scratch = Path(tmp)
        for case, size, hostile, normal, suffix in CASES:
            size = int(size * args.scale)
            for label, writer in (("hostile", hostile), ("normal", normal)):
                folder = scratch / f"{label}-{len(rows)}"
                folder.mkdir()
                path = folder / (NAME.removesuffix(".csv") + suffix)
                writer(path, size)
                stored = path.stat().st_size
                seconds, peak, summary = measure(path, scratch)
                rows.append((case, label, stored, seconds, peak, summary))
                print(rows[-1], flush=True)
                path.unlink()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Ingest of hostile files — {now}",
        "",
        f"Machine: {machine()}",
        "",
        "`openpeel ingest` of each SYNTHETIC file (the 446 real lines of the City of London's "
        "January 2016 street file repeated, with the hostile change), each in its own process "
        "into a new home; beside it a normal file of the same size in the same run. Peak MB is "
        f"the process's peak resident memory. Scale {args.scale}.",
        "",
        "| case | file | size on disk (MB) | seconds | peak MB | outcome |",
        "|---|---|---:|---:|---:|---|",
    ]
    for case, label, stored, seconds, peak, summary in rows:
        lines.append(
            f"| {case} | {label} | {stored / MB:,.1f} | {seconds:,.1f} | {peak:,.0f} | {summary} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.write:
        append_result(text)


if __name__ == "__main__":
    main()
