"""The one clock that decides what an embargo has released: the real time, or ``OPENPEEL_NOW``.

Publishing code never calls ``datetime.now`` itself; it takes ``now`` from here (or from its
caller, in tests), so that the embargo can be checked before, at and after its time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from openpeel.errors import OpenPeelError
from openpeel.settings import setting

UK = ZoneInfo("Europe/London")


def now() -> datetime:
    """``OPENPEEL_NOW`` if set, else the current time; always timezone-aware (UTC)."""
    fixed = setting("now")
    if fixed:
        return parse_uk_time(fixed, "OPENPEEL_NOW")
    return datetime.now(UTC)


def parse_uk_time(text: str, what: str = "time") -> datetime:
    """An ISO 8601 date and time; without an offset it is UK time (GMT or BST, as on that day)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise OpenPeelError(
            f"{what} {text!r} is not a date and time",
            hint="write it as YYYY-MM-DD HH:MM (UK time), or with an offset such as +00:00",
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UK)
    return value.astimezone(UTC)


def uk(value: datetime) -> str:
    """A time as UK readers see it: '2 March 2017, 00:01 GMT'."""
    local = value.astimezone(UK)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"
