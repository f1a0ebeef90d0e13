"""As a user would: `openpeel serve` answers over HTTP; without a warehouse it says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.web.serving import serving


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OPENPEEL_")}


def test_serve_without_a_warehouse_says_what_to_do(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "openpeel", "serve", "--home", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "there is no warehouse" in done.stderr
    assert "openpeel ingest" in done.stderr


@pytest.mark.slow
def test_serve_answers_over_http(built_home: Path) -> None:
    with serving(built_home) as server:
        status, body, _ = server.get("/forces")
    assert status == 200
    assert "Hampshire Constabulary" in body
