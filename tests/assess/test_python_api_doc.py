"""docs/python-api.md's example runs as written against the bundled sample."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from openpeel.warehouse.db import WAREHOUSE_FILE

DOC = Path(__file__).parents[2] / "docs" / "python-api.md"


def test_the_python_api_example_runs(
    sample_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1
    home = tmp_path / "openpeel-home"
    home.mkdir()
    shutil.copy(sample_home / WAREHOUSE_FILE, home / WAREHOUSE_FILE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENPEEL_DATABASE_URL", raising=False)
    exec(compile(blocks[0], str(DOC), "exec"), {})  # noqa: S102  (runs the doc's own example)
    printed = capsys.readouterr().out
    assert "pillar effectiveness requires improvement" in printed
    # Dorset's published 2016 effectiveness grade, and the national counts for 2016
    assert "2016 effectiveness None good" in printed
    assert "'good': 28" in printed
