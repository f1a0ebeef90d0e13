"""Every setting is documented, and every environment variable the code reads is a setting."""

from __future__ import annotations

import re
from pathlib import Path

from openpeel.settings import SETTINGS, render_settings

SRC = Path(__file__).resolve().parents[1] / "src" / "openpeel"


def test_every_setting_has_help_and_an_openpeel_variable() -> None:
    for s in SETTINGS:
        assert s.help.strip(), s.name
        assert s.env == "OPENPEEL_" + s.name.upper()
        assert f"`{s.env}`" in render_settings()


def test_every_variable_the_code_reads_is_a_setting() -> None:
    declared = {s.env for s in SETTINGS}
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        used |= set(re.findall(r"OPENPEEL_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert used <= declared, used - declared
