"""The bundled sample: a small slice of real published data (Open Government Licence v3.0)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from openpeel.errors import OpenPeelError
from openpeel.settings import setting


def sample_path() -> Path:
    """The folder of the bundled sample (or the one named by OPENPEEL_SAMPLE)."""
    override = setting("sample")
    path = (
        Path(override) if override else Path(str(resources.files("openpeel") / "sample" / "data"))
    )
    if not path.is_dir():
        raise OpenPeelError(
            f"the sample folder {path} does not exist",
            hint="reinstall OpenPEEL, or unset OPENPEEL_SAMPLE",
        )
    return path


def assessments_path() -> Path:
    """The folder of the bundled worked-example assessments (YAML)."""
    return Path(str(resources.files("openpeel") / "sample" / "assessments"))
