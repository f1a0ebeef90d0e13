"""Publishing benchmark: all 43 force reports of a PEEL year, HTML and PDF (target < 60 s on
2 cores), side by side with a baseline in the same run: WeasyPrint alone turning the same
finished HTML into PDF (the floor any HTML-to-PDF report pays).

The warehouse is the bundled sample with every indicator. The 43 assessments are SYNTHETIC
(seed 20161), labelled so in their text: findings and a cause of concern per force, indicator
evidence from the sample, grades proposed and confirmed. Building them is not timed.

    .venv/bin/python benchmarks/publishing.py [--write]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import WORK, append_result, machine

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


def run() -> dict[str, float]:
    import weasyprint

    from openpeel.assess.store import Store
    from openpeel.publishing import workflow
    from openpeel.publishing.render import render
    from openpeel.warehouse.db import Warehouse

    st = Store.open(HOME)
    times = {"contexts": 0.0, "html": 0.0, "pdf": 0.0, "baseline_pdf": 0.0}
    pages = 0
    with Warehouse(HOME, read_only=True) as wh, st.session() as s:
        from sqlalchemy import select

        from openpeel.assess.models import Assessment

        assessments = list(s.scalars(select(Assessment).order_by(Assessment.force_code)))
        for a in assessments:
            t = time.perf_counter()
            pub = workflow.draft(s, wh, a.force_code, "2016", "bench", BUILT)
            times["contexts"] += time.perf_counter() - t
            report = pub.context["report"]
            t = time.perf_counter()
            html = render(report, "html")
            times["html"] += time.perf_counter() - t
            t = time.perf_counter()
            pdf = render(report, "pdf")
            times["pdf"] += time.perf_counter() - t
            pages += pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
            t = time.perf_counter()
            weasyprint.HTML(string=html.decode()).write_pdf()
            times["baseline_pdf"] += time.perf_counter() - t
        s.rollback()
    st.close()
    times["reports"] = len(assessments)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    print("building the sample warehouse and 43 SYNTHETIC assessments (not timed) ...", flush=True)
    build()
    r = run()
    total = r["contexts"] + r["html"] + r["pdf"]
    text = "\n".join(
        [
            f"### Publishing — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"Machine: {machine()}",
            "",
            f"{r['reports']:.0f} force reports of PEEL 2016 (bundled sample warehouse; SYNTHETIC "
            "assessments, seed 20161), each with its charts, HTML and tagged PDF (PDF/UA-1).",
            "",
            "| step | seconds (all reports) |",
            "|---|---:|",
            f"| contexts (grades, figures, sentences, SVG charts), frozen | {r['contexts']:.1f} |",
            f"| HTML (Jinja2) | {r['html']:.1f} |",
            f"| tagged PDF (WeasyPrint, PDF/UA-1) | {r['pdf']:.1f} |",
            f"| **OpenPEEL total** | **{total:.1f}** |",
            f"| baseline: WeasyPrint alone on the same finished HTML, untagged | "
            f"{r['baseline_pdf']:.1f} |",
            "",
            f"All {r['reports']:.0f} reports, HTML and PDF: {total:.1f} s (target under 60 s: "
            f"{'met' if total < 60 else 'not met'}); the PDF step costs "
            f"{r['pdf'] / r['baseline_pdf']:.2f}× the untagged baseline.",
            "",
        ]
    )
    print(text)
    if args.write:
        append_result(text)


if __name__ == "__main__":
    main()
