"""As a user would: `openpeel serve` answers over HTTP; without a warehouse it says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tests.web.test_browser import _free_port


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
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "openpeel", "serve", "--home", str(built_home), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/forces", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
        assert "Hampshire Constabulary" in body
    finally:
        server.terminate()
        server.communicate(timeout=20)  # and its pipes closed
