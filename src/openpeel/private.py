"""Files only their owner may read: the assessment store, the session key and the audit key.

``private_file`` makes such a file with mode 0600 (never readable by others, even for a moment)
or, when it exists already with looser permissions (a home made by an older OpenPEEL, or copied
without care), takes them back to 0600 and says so; where that is not allowed (the file belongs
to someone else) it warns with the command that fixes it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("openpeel.private")

MODE = 0o600


def private_file(path: Path, content: str | None = None) -> bool:
    """Make ``path`` readable and writable by its owner only; create it (with ``content``, or
    empty) if it is missing. Whether it was created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    except FileExistsError:
        tighten(path)
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        if content is not None:
            f.write(content)
    return True


def tighten(path: Path) -> None:
    """Take an existing file's permissions back to 0600 (or warn how to)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o077:
        return
    try:
        path.chmod(MODE)
    except PermissionError:
        log.warning(
            "%s can be read by other users (mode %o); make it private: chmod 600 %s",
            path,
            mode,
            path,
        )
        return
    log.warning("%s could be read by other users (mode %o); it is now 0600", path, mode)
