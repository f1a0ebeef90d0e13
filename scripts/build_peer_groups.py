"""(Re)build src/openpeel/reference/data/peer_groups.csv from the bundled sample.

Loads the bundled sample of real data (``openpeel.sample.sample_path()``) into a temporary
OpenPEEL home, computes the peer groups (``openpeel.indicators.peers``) and writes the file.
Deterministic: the same sample gives a byte-identical file. Run:

    .venv/bin/python scripts/build_peer_groups.py [--out PATH] [--report]

``--report`` also prints, as Markdown, the characteristic values and z-scores of every force, the
comparison with the published lists and two sensitivity checks (the tables of
docs/peer-groups.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Collection, Sequence
from pathlib import Path

from openpeel.indicators import peers
from openpeel.indicators.peer_characteristics import CHARACTERISTICS
from openpeel.ingest.run import ingest
from openpeel.reference import forces
from openpeel.sample import sample_path
from openpeel.warehouse.db import Warehouse

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "openpeel" / "reference" / "data" / peers.PEER_GROUPS_FILE


def _name(code: str) -> str:
    return forces().get(code).short_name


def report(wh: Warehouse, rows: Sequence[peers.PeerRow]) -> str:
    """Markdown tables: characteristic values and z-scores, and the published comparison."""
    values = peers.characteristic_values(wh)
    z = peers.standardise(values, CHARACTERISTICS)
    ids = [c.id for c in CHARACTERISTICS]
    # values as computed, before the transform (density per km², not its log); z-score in brackets
    out = ["| force | code | " + " | ".join(ids) + " |", "|---|---|" + "---|" * len(ids)]
    for code in sorted(z):
        cells = [f"{values[i][code]:.4g} ({zi:+.2f})" for i, zi in zip(ids, z[code], strict=True)]
        out.append(f"| {_name(code)} | {code} | " + " | ".join(cells) + " |")
    out += ["", "| force | computed group (nearest first; distance) |", "|---|---|"]
    for code in sorted(z):
        group = sorted(
            (r for r in rows if r.force_code == code and r.kind == "computed"),
            key=lambda r: r.rank or 0,
        )
        members = ", ".join(f"{_name(r.member_code)} ({r.distance or 0:.2f})" for r in group)
        out.append(f"| {_name(code)} | {members} |")
    out += [
        "",
        "| list | published members | computed group (nearest first) | in both | Jaccard |",
        "|---|---|---|---|---|",
    ]
    for o in peers.compare_with_published(rows):
        out.append(
            f"| {_name(o.force_code)} {o.vintage} ({o.method}) "
            f"| {', '.join(sorted(_name(c) for c in o.published))} "
            f"| {', '.join(_name(c) for c in o.computed)} "
            f"| {len(o.common)} of {len(o.published)}: {', '.join(_name(c) for c in o.common)} "
            f"| {o.jaccard:.2f} |"
        )
    return "\n".join(out)


#: sensitivity check only (not a characteristic of the method): ONS crime severity score, total
#: recorded crime, year ending March 2020 (the last year before the pandemic). Suppressed for
#: City of London, so the check leaves the City out.
CSS_YEAR = "2019/20"
CSS = peers.Characteristic(
    id="crime_severity_score",
    description=f"Crime severity score, total recorded crime, {CSS_YEAR}",
    computation="as published",
    source_views=("core_ons__crime_severity_score",),
    vintage=CSS_YEAR,
    relevance="sensitivity check",
    sql=f"""
        SELECT force_code, severity_score FROM core_ons__crime_severity_score
        WHERE offence_group = 'Total recorded crime' AND financial_year = '{CSS_YEAR}'
          AND force_code IS NOT NULL AND severity_score IS NOT NULL
    """,
)


def _groups(
    values: dict[str, dict[str, float]],
    chars: Sequence[peers.Characteristic],
    scale_on: Collection[str] | None = None,
) -> dict[str, set[str]]:
    z = peers.standardise(values, chars, scale_on)
    near = peers.nearest(z, [c.weight for c in chars])
    return {code: {m for m, _ in members} for code, members in near.items()}


def sensitivity(wh: Warehouse) -> str:
    """How many memberships change, and the published overlaps, under two variants."""
    values = peers.characteristic_values(wh)
    default = _groups(values, CHARACTERISTICS)
    no_city = [c for c in sorted(default) if c != peers.CITY_OF_LONDON]
    css = {r[0]: float(r[1]) for r in wh.rows(CSS.sql)}
    with_css = {k: {c: v[c] for c in no_city} for k, v in values.items()}
    with_css[CSS.id] = {c: css[c] for c in no_city}
    variants = {
        "default (z-scores across the 43 forces)": default,
        "z-scores scaled on the 42 forces other than City of London": _groups(
            values, CHARACTERISTICS, no_city
        ),
        f"+ crime severity score {CSS_YEAR} (42 forces, City left out)": _groups(
            with_css, (*CHARACTERISTICS, CSS)
        ),
    }
    published = peers.compare_with_published(peers.published_rows(wh))
    head = " | ".join(f"{_name(o.force_code)} {o.vintage}" for o in published)
    out = [f"| variant | memberships changed (of 42 × 7) | {head} |"]
    out.append("|---|---|" + "---|" * len(published))
    for label, groups in variants.items():
        changed = sum(len(groups[c] - default[c]) for c in no_city)
        cells = " | ".join(f"{len(groups[o.force_code] & set(o.published))}" for o in published)
        out.append(f"| {label} | {changed} | {cells} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="file to write")
    parser.add_argument("--report", action="store_true", help="print the Markdown tables")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openpeel-peers-") as tmp:
        wh = Warehouse(Path(tmp) / "home")
        try:
            refused = [r for r in ingest(wh, [sample_path()]) if r.status == "refused"]
            if refused:
                sys.exit(f"the sample did not load: {refused}")
            rows = peers.compute_peer_groups(wh)
            peers.write_peer_groups(rows, args.out)
            if args.report:
                print(report(wh, rows))
                print()
                print(sensitivity(wh))
        finally:
            wh.close()
    print(f"wrote {len(rows)} rows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
