"""The one clock that decides what an embargo has released: the real time, or ``OPENPEEL_NOW``.

Publishing code never calls ``datetime.now`` itself; it takes ``now`` from here (or from its
caller, in tests), so that the embargo can be checked before, at and after its time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
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


def uk_day(value: date | datetime | str | None) -> str:
    """A day as UK readers write it: '27 April 2017' (a time counts on its UK day; ISO 8601
    text is read first)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(UK).date() if value.tzinfo else value.date()
    return f"{value.day} {value:%B %Y}"
