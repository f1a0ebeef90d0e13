"""The assessment API: create an assessment, add findings and evidence, propose and confirm
grades, track recommendations and responses. Every change is written to the audit log in the
same transaction. Bad input raises ``AssessmentError`` (or ``UnknownCodeError``) naming what is
wrong and what would be accepted; nothing is stored then.

It is kept in three rooms, and named here whole:

- ``records``: the assessment, its findings, recommendations and responses, and the checks
  every change shares;
- ``evidence``: indicator values frozen with their benchmark context, and documents;
- ``judgement``: the grades the rules propose and the grades inspectors confirm.
"""

from __future__ import annotations

from openpeel.assess.evidence import add_document_evidence, add_indicator_evidence
from openpeel.assess.judgement import confirm, propose
from openpeel.assess.records import (
    LINK_SCHEMES,
    RESPONSE_DAYS,
    AssessmentError,
    accept_progress,
    add_finding,
    add_recommendation,
    checked_link,
    create_assessment,
    current_actor,
    edit_finding,
    edition_of,
    find_assessment,
    get_assessment,
    record_response,
    update_recommendation,
)

__all__ = [
    "LINK_SCHEMES",
    "RESPONSE_DAYS",
    "AssessmentError",
    "accept_progress",
    "add_document_evidence",
    "add_finding",
    "add_indicator_evidence",
    "add_recommendation",
    "checked_link",
    "confirm",
    "create_assessment",
    "current_actor",
    "edit_finding",
    "edition_of",
    "find_assessment",
    "get_assessment",
    "propose",
    "record_response",
    "update_recommendation",
]
