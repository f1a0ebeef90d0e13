"""Publishing benchmark: all 43 force reports of a PEEL year, HTML and PDF (target < 60 s on
2 cores), as `openpeel publish draft --all` makes them (with summaries and press releases), on
every core and on one, side by side with a baseline in the same run: WeasyPrint alone turning
the finished report HTMLs into PDF on one core (the floor any HTML-to-PDF report pays).

The warehouse is the bundled sample with every indicator. The 43 assessments are SYNTHETIC
(seed 20161), labelled so in their text: findings and a cause of concern per force, indicator
evidence from the sample, grades proposed and confirmed. Building them is not timed.

    .venv/bin/python benchmarks/publishing.py [--write]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, machine, show_result

HOME = WORK / "publishing-home"
BUILT = datetime(2017, 2, 20, 9, 0, tzinfo=UTC)
QUESTIONS = [
    "effectiveness/preventing-crime",
    "effectiveness/protecting-vulnerable-people",
    "effectiveness/serious-organised-crime",
]


def build() -> None:
    """The sample warehouse with every indicator, and 43 SYNTHETIC graded assessments."""
    from openpeel.assess import service
    from openpeel.assess.store import Store
    from openpeel.indicators.run import compute, store
    from openpeel.ingest.run import ingest
    from openpeel.sample import sample_path
    from openpeel.warehouse.db import Warehouse

    if (HOME / "assessments.sqlite").exists():
        return
    with Warehouse(HOME) as wh:
        ingest(wh, [sample_path()])
        store(wh, compute(wh))
    rng = random.Random(20161)
    st = Store.open(HOME)
    with Warehouse(HOME, read_only=True) as wh, st.session() as s:
        codes = [c for (c,) in wh.rows("SELECT force_code FROM ref_force WHERE is_territorial")]
        for code in sorted(codes):
            a = service.create_assessment(s, code, "2016", "bench", published_on=BUILT.date())
            for n, q in enumerate(QUESTIONS):
                service.add_finding(
                    s, a, "strength", f"SYNTHETIC strength {n}.", "bench", question=q
                )
            if rng.random() < 0.4:
                service.add_finding(
                    s,
                    a,
                    "cause_of_concern",
                    "SYNTHETIC cause of concern.",
                    "bench",
                    question=QUESTIONS[1],
                    recommendations=[{"text": "SYNTHETIC recommendation."}],
                )
            service.add_indicator_evidence(
                s, wh, a, "arrests_per_1000", "2016/17", "bench", question=QUESTIONS[1]
            )
            service.propose(s, a, "bench")
            service.confirm(s, a, "pillar", "effectiveness", "bench", rationale="SYNTHETIC")
    st.close()


def draft_all(jobs: int, out: Path) -> tuple[float, int]:
    """What `openpeel publish draft --all --edition 2016 --jobs N` does, rolled back after:
    seconds and the number of files written."""
    from openpeel.assess.store import Store
    from openpeel.publishing import workflow
    from openpeel.publishing.outputs import write_many
    from openpeel.warehouse.db import Warehouse

    if out.exists():
        shutil.rmtree(out)
    st = Store.open(HOME)
    with Warehouse(HOME, read_only=True) as wh, st.session() as s:
        t = time.perf_counter()
        drafts = workflow.draft_edition(s, wh, "2016", "bench", BUILT)
        written = write_many(((p, out / p.slug) for p in drafts), jobs)
        seconds = time.perf_counter() - t
        s.rollback()
    st.close()
    return seconds, sum(len(w.files) for w in written)


def baseline(out: Path) -> tuple[float, int]:
    """WeasyPrint alone, one process, turning each finished report HTML into an untagged PDF."""
    import weasyprint

    reports = sorted(out.glob("*/report.html"))
    t = time.perf_counter()
    for path in reports:
        weasyprint.HTML(filename=str(path)).write_pdf()
    return time.perf_counter() - t, len(reports)


def run() -> dict[str, float]:
    cores = os.cpu_count() or 1
    out = WORK / "publishing-out"
    parallel, files = draft_all(cores, out)
    serial, _ = draft_all(1, out)
    alone, reports = baseline(out)
    from weasyprint.text.ffi import harfbuzz_subset

    return {
        "harfbuzz_subset": harfbuzz_subset is not None,
        "cores": cores,
        "parallel": parallel,
        "serial": serial,
        "files": files,
        "baseline": alone,
        "reports": reports,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    print("building the sample warehouse and 43 SYNTHETIC assessments (not timed) ...", flush=True)
    build()
    r = run()
    n = f"{r['reports']:.0f}"
    text = "\n".join(
        [
            f"### Publishing — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Machine: {machine()}; WeasyPrint subsets fonts with "
            + (
                "HarfBuzz (Debian's libharfbuzz-subset0)"
                if r["harfbuzz_subset"]
                else "fontTools (libharfbuzz-subset0 absent: slower)"
            ),
            "",
            f"`openpeel publish draft --all --edition 2016`: the {n} force reports of PEEL 2016 "
            "(bundled sample warehouse; SYNTHETIC assessments, seed 20161), each report, "
            "summary and press release built (grades, figures, sentences, funnel, ranked and "
            f"trend charts as SVG), frozen and written as HTML, tagged PDF (PDF/UA-1), Markdown "
            f"and JSON: {r['files']:.0f} files.",
            "",
            "| run | seconds |",
            "|---|---:|",
            f"| OpenPEEL, {r['cores']:.0f} rendering processes (the default) | "
            f"{r['parallel']:.1f} |",
            f"| OpenPEEL, 1 process (`--jobs 1`) | {r['serial']:.1f} |",
            f"| baseline: WeasyPrint alone, 1 process, on the {n} finished report HTMLs "
            f"(untagged; no context, no summary or press release) | {r['baseline']:.1f} |",
            "",
            f"All {n} reports with their summaries and press releases, HTML and PDF: "
            f"{r['parallel']:.1f} s (target under 60 s: "
            f"{'met' if r['parallel'] < 60 else 'not met'}); "
            f"{r['serial'] / r['parallel']:.2f}× faster than one process.",
            "",
        ]
    )
    show_result(text, args.write)


if __name__ == "__main__":
    main()
