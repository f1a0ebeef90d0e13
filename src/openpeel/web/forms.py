"""Forms the GOV.UK way: a form that fails is shown again with an error summary at the top, the
message by its field and what was typed kept; an action that succeeds returns to its page with
a success banner (post/redirect/get, the message carried in the session).

The words the web uses for what went wrong are declared in ``messages.toml``: one message per
kind of field error, a label per field, and the service's errors (whose messages and hints are
written for the command line) in the web's words.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from openpeel.errors import OpenPeelError

#: the session key of the message shown once on the next page
FLASH = "flash"
#: the hidden field that names a form on its page (pages show many forms)
FORM_ID = "form_id"
#: fields a form posts that are not what was typed
NOT_KEPT = ("csrf_token", FORM_ID)


@dataclass(frozen=True)
class FieldError:
    field: str  # the input's name ("" for the form as a whole)
    text: str


@dataclass(frozen=True)
class FormState:
    """A form posted and refused: which form, what was typed, and what is wrong."""

    id: str
    values: dict[str, str]
    errors: list[FieldError] = field(default_factory=list)

    def error(self, name: str) -> str | None:
        return next((e.text for e in self.errors if e.field == name), None)

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)


@cache
def messages() -> dict[str, Any]:
    path = resources.files("openpeel.web") / "messages.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _label(form: str, name: str) -> str:
    labels = messages()["labels"]
    own: dict[str, str] = labels.get(form, {})
    return own.get(name) or str(labels["default"].get(name, name.replace("_", " ")))


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def field_errors(exc: ValidationError, form: str) -> list[FieldError]:
    """Pydantic's errors in the web's words, one per field, in the form's order."""
    words: dict[str, str] = messages()["field_errors"]
    out: dict[str, FieldError] = {}
    for e in exc.errors():
        name = str(e["loc"][0]) if e.get("loc") else ""
        if name in out:
            continue
        context = {k: v for k, v in (e.get("ctx") or {}).items() if not isinstance(v, Exception)}
        kind = str(e["type"])
        if kind == "string_too_short" and int(context.get("min_length", 1)) > 1:
            kind = "string_too_short_many"
        template = words.get(kind, words["other"])
        out[name] = FieldError(
            name, _sentence(template.format(label=_label(form, name), **context))
        )
    return list(out.values())


def service_error(exc: OpenPeelError) -> FieldError:
    """An error the service raised, in the web's words and by the field it is about: as
    declared in ``messages.toml``, or else its message without command-line advice."""
    for known in messages()["service_errors"]:
        found = re.search(known["match"], exc.message)
        if found:
            return FieldError(known.get("field", ""), str(known["text"]).format(*found.groups()))
    return FieldError("", _sentence(exc.message) + ".")


def web_hint(hint: str | None) -> str | None:
    """A hint fit for a web page: one that tells how to do it on the command line is not."""
    if hint is None:
        return None
    for known in messages()["hints"]:
        if re.search(known["match"], hint):
            return str(known["text"]) if known["text"] else None
    if "`" in hint or re.search(r"(^|\s)--\w", hint):
        return None
    return _sentence(hint)


async def posted(request: Request) -> dict[str, str]:
    """What a form posted, as text (read once: the CSRF check has read it already)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def refused(values: dict[str, str], errors: list[FieldError]) -> FormState:
    kept = {k: v for k, v in values.items() if k not in NOT_KEPT}
    return FormState(values.get(FORM_ID, ""), kept, errors)


def flash(request: Request, text: str) -> None:
    """A message for the next page the user sees (once)."""
    request.session[FLASH] = text


def take_flash(request: Request) -> str | None:
    if "session" not in request.scope:
        return None
    found = request.session.pop(FLASH, None)
    return str(found) if found else None
