"""The declarative base every table of the store is declared on (``openpeel.assess.models``,
``account_tables``, ``publication_tables``): one metadata, one set of migrations."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}
