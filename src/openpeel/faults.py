"""Fault points for the crash tests: ``OPENPEEL_FAULT_KILL_AT`` names one, and the process kills
itself there with a real SIGKILL, so a test can check what a kill at that moment leaves."""

from __future__ import annotations

import os
import signal

from openpeel.settings import setting


def fault_point(name: str) -> None:
    """SIGKILL this process if the crash tests asked for a kill at ``name``."""
    if setting("fault_kill_at") != name:
        return
    os.kill(os.getpid(), signal.SIGKILL)
