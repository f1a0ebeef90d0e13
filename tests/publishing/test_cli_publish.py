"""As a user would: `openpeel demo --no-serve` publishes the worked example and the national
overview; `openpeel publish` shows, exports, rebuilds and refuses before the embargo time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.publishing.test_public_text import AS_OF, _dates_after


def _openpeel(*args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}
    env["OPENPEEL_USER"] = "cli-test"
    if now:
        env["OPENPEEL_NOW"] = now
    return subprocess.run(
        [sys.executable, "-m", "openpeel", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_demo_publishes_the_worked_example_and_the_cli_drives_the_embargo(
    tmp_path: Path,
) -> None:
    home = str(tmp_path / "home")
    built = _openpeel("demo", "--no-serve", "--home", home)
    assert built.returncode == 0, built.stderr
    assert "Publication hampshire-2016: published" in built.stdout
    assert "Publication national-2016: published" in built.stdout
    # the demo sign-ins, without serving too
    assert "sign in as force: hampshire / demo-hampshire-password" in built.stdout
    public = tmp_path / "home" / "public"
    names = {p.relative_to(public).as_posix() for p in public.rglob("*.*")}
    for output in ("report", "summary", "press-release"):
        for fmt in ("html", "pdf", "md", "json"):
            assert f"hampshire-2016/{output}.{fmt}" in names
    assert "national-2016/overview.pdf" in names

    summary = _openpeel("publish", "show", "hampshire-2016", "--output", "summary", "--home", home)
    assert summary.returncode == 0, summary.stderr
    assert "I am satisfied with most aspects of Hampshire Constabulary" in summary.stdout

    # the press release as released: the public rendition, without the embargo line, in the
    # export and to every reader; the press rendition (with it) only to staff, to check it
    exported = (public / "hampshire-2016" / "press-release.md").read_text(encoding="utf-8")
    assert "Embargoed" not in exported
    press = ("publish", "show", "hampshire-2016", "--output", "press-release", "--home", home)
    released = _openpeel(*press)
    assert released.returncode == 0, released.stderr
    assert "Embargoed" not in released.stdout
    assert "Hampshire Constabulary: effectiveness downgraded" in released.stdout
    refused = _openpeel(*press, "--rendition", "press")
    assert refused.returncode != 0
    assert "pre-release readers only" in refused.stderr
    kept = _openpeel(*press, "--rendition", "press", "--user", "admin")
    assert kept.returncode == 0, kept.stderr
    assert "Embargoed until 00:01 Thursday 2 March 2017" in kept.stdout

    # as of its date (issue 16 points 1 and 9, on the demo's own report, which has forecasts):
    # no output names a later period or date, except the report's forecasts, made from the data
    # published by then, whose horizon is later by nature and is said to be expected
    for output in ("summary", "press-release"):
        text = (public / "hampshire-2016" / f"{output}.md").read_text(encoding="utf-8")
        assert _dates_after(text, AS_OF) == [], output
    report = (public / "hampshire-2016" / "report.md").read_text(encoding="utf-8")
    demand, annex = report.index("## Demand: forecasts"), report.index("## Annex")
    assert _dates_after(report[:demand] + report[annex:], AS_OF) == []
    forecast_lines = [ln for ln in report[demand:annex].splitlines() if _dates_after(ln, AS_OF)]
    assert forecast_lines  # the demo's report forecasts from the data published by its date
    for line in forecast_lines:
        assert " expected in " in line, line

    rebuilt = _openpeel("publish", "rebuild", "hampshire-2016", "--home", home)
    assert rebuilt.returncode == 0, rebuilt.stdout
    assert "byte for byte" in rebuilt.stdout

    # a minute before 00:01 on 2 March 2017 (GMT), the public is refused, and it is logged
    early = _openpeel("publish", "show", "hampshire-2016", "--home", home, now="2017-03-02 00:00")
    assert early.returncode == 2
    assert "embargoed until 2 March 2017, 00:01 GMT" in early.stderr
    status = _openpeel(
        "publish", "status", "--format", "json", "--home", home, now="2017-03-02 00:00"
    )
    assert {r["publication"]: r["state"] for r in json.loads(status.stdout)} == {
        "hampshire-2016": "embargoed",
        "national-2016": "embargoed",
    }
    log = _openpeel("publish", "access-log", "hampshire-2016", "--format", "json", "--home", home)
    # the public's refused read is counted in memory, not written to the store
    assert json.loads(log.stdout) == []

    again = _openpeel("demo", "--no-serve", "--home", home)
    assert again.returncode == 0, again.stderr
    assert "Publication hampshire-2016: already published" in again.stdout
