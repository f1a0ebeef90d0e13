"""The assessment store on SQLite and PostgreSQL: the workflow, bad input, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from openpeel.assess import audit, service
from openpeel.assess.bulk import BulkError, load_yaml
from openpeel.assess.models import Assessment, AuditEntry, Base, Finding, Judgement
from openpeel.assess.store import Store
from openpeel.errors import OpenPeelError, UnknownCodeError
from openpeel.sample import assessments_path
from openpeel.warehouse.db import Warehouse

HAMPSHIRE = "E23000030"
VULNERABLE = "effectiveness/protecting-vulnerable-people"


def test_migrations_create_exactly_the_models(assessments: Store) -> None:
    with assessments.engine.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), Base.metadata)
    assert diff == []


def test_worked_example_grades_and_compares_with_2015(assessments: Store, wh: Warehouse) -> None:
    path = assessments_path() / "hampshire-2016.yaml"
    with assessments.session() as s:
        loaded = load_yaml(s, wh, path, "tester")
        assert (loaded.findings, loaded.evidence, loaded.grades) == (11, 6, 4)
    with assessments.session() as s:
        a = service.get_assessment(s, "Hampshire", "2016")
        grades = {(j.level, j.target_id): j for j in a.judgements}
        pillar = grades[("pillar", "effectiveness")]
        assert pillar.confirmed_grade == "requires improvement"
        assert "cause of concern" in " ".join(pillar.proposed_reasons or [])
        vulnerable = grades[("question", VULNERABLE)]
        assert vulnerable.proposed_grade == "requires improvement"
        assert grades[("question", "effectiveness/investigating-crime")].proposed_grade is None
        # the arrests evidence is frozen with its benchmarks and period
        arrests = [e for e in a.evidence if e.indicator_id == "arrests_per_1000"]
        assert {e.period for e in arrests} == {"2015/16", "2016/17"}
        frozen = arrests[1].frozen or {}
        assert frozen["force_code"] == HAMPSHIRE
        assert frozen["ew_value"] == arrests[1].ew_value
        assert any("fall" in s["text"] for s in arrests[1].signals or [])
        # responses are expected 56 days after publication
        assert {r.due_on for r in a.responses} == {date(2017, 4, 27)}
        rec = a.findings[1].recommendations[0]
        assert rec.status == "complete"
        assert len(rec.updates) == 2
        assert audit.verify(s).ok


def _assessment(assessments: Store) -> int:
    with assessments.session() as s:
        return service.create_assessment(s, "Hampshire", "2016", "tester").id


def _count(assessments: Store, model: type[Base]) -> int:
    with assessments.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_bad_input_is_refused_and_nothing_is_stored(assessments: Store, wh: Warehouse) -> None:
    _assessment(assessments)
    before = _count(assessments, AuditEntry)
    cases: list[tuple[Callable[[Session, Assessment], object], str]] = [
        (
            lambda s, a: service.add_finding(
                s, a, "cause_of_concern", "x", "t", question=VULNERABLE
            ),
            "needs at least one recommendation",
        ),
        (
            lambda s, a: service.add_finding(s, a, "strength", "x", "t", question="victims"),
            "unknown question of PEEL 2016",
        ),
        (
            lambda s, a: service.add_finding(s, a, "praise", "x", "t", question=VULNERABLE),
            "unknown finding kind",
        ),
        (
            lambda s, a: service.confirm(
                s, a, "question", VULNERABLE, "t", grade="adequate", rationale="r"
            ),
            "unknown grade on the four-point scale",
        ),
        (
            lambda s, a: service.add_indicator_evidence(
                s, wh, a, "arrests_per_1000", "2030/31", "t"
            ),
            "no values of arrests_per_1000",
        ),
        (
            lambda s, a: service.confirm(
                s, a, "question", "effectiveness/specialist-capabilities", "t", grade="good"
            ),
            "not graded in PEEL 2016",
        ),
    ]
    for action, message in cases:
        with pytest.raises(OpenPeelError, match=message), assessments.session() as s:
            action(s, service.get_assessment(s, "Hampshire", "2016"))
    assert _count(assessments, AuditEntry) == before
    assert _count(assessments, Finding) == 0
    with (
        pytest.raises(UnknownCodeError, match=r"unknown force"),
        assessments.session() as s,
    ):
        service.create_assessment(s, "Police Scotland", "2016", "t")


def test_an_override_needs_a_rationale_and_is_logged(assessments: Store) -> None:
    _assessment(assessments)
    with assessments.session() as s:
        a = service.get_assessment(s, "Hampshire", "2016")
        service.add_finding(
            s,
            a,
            "strength",
            "Good neighbourhood policing",
            "t",
            question="effectiveness/preventing-crime",
        )
        service.propose(s, a, "t")

    def confirm_without_rationale() -> None:
        with assessments.session() as s:
            a = service.get_assessment(s, "Hampshire", "2016")
            service.confirm(
                s, a, "question", "effectiveness/preventing-crime", "t", grade="outstanding"
            )

    with pytest.raises(OpenPeelError, match="needs a rationale"):
        confirm_without_rationale()
    with assessments.session() as s:
        a = service.get_assessment(s, "Hampshire", "2016")
        j = service.confirm(
            s,
            a,
            "question",
            "effectiveness/preventing-crime",
            "inspector",
            grade="outstanding",
            rationale="Innovative work seen on site",
        )
        assert j.is_override
        assert j.confirmed_grade == "outstanding"
    with assessments.session() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        assert (last.action, last.actor, last.reason) == (
            "override",
            "inspector",
            "Innovative work seen on site",
        )
        assert '"proposed":"good"' in last.detail
        assert '"to":"outstanding"' in last.detail


def _logged(assessments: Store) -> None:
    _assessment(assessments)
    with assessments.session() as s:
        a = service.get_assessment(s, "Hampshire", "2016")
        for text_ in ("one", "two", "three"):
            service.add_finding(
                s, a, "strength", text_, "t", question="effectiveness/preventing-crime"
            )


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit_log SET detail = replace(detail, 'two', 'TWO') WHERE seq = 3", "was edited"),
        ("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1", "was edited"),
        ("DELETE FROM audit_log WHERE seq = 2", "missing"),
        (
            "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
            "removed from the end",
        ),
    ],
)
def test_audit_verify_detects_edits_and_deletions(
    assessments: Store, tamper: str, problem: str
) -> None:
    _logged(assessments)
    with assessments.session() as s:
        assert audit.verify(s).ok
    with assessments.engine.begin() as con:
        con.execute(text(tamper))
    with assessments.session() as s:
        result = audit.verify(s)
    assert not result.ok
    assert any(problem in p for p in result.problems), result.problems


def test_a_bulk_file_with_an_error_stores_nothing_and_names_the_line(
    assessments: Store, wh: Warehouse, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "force: Hampshire\nedition: '2016'\nfindings:\n"
        "  - question: effectiveness/preventing-crime\n    kind: strength\n    text: fine\n"
        "  - question: effectiveness/protecting-vulnerable-people\n    kind: cause_of_concern\n"
        "    text: no recommendation given\n",
        encoding="utf-8",
    )
    with (
        pytest.raises(BulkError, match=r"bad.yaml, line 7: a cause of concern needs"),
        assessments.session() as s,
    ):
        load_yaml(s, wh, bad, "t")
    assert _count(assessments, Judgement) == 0
    with assessments.session() as s:
        assert service.find_assessment(s, HAMPSHIRE, "2016") is None


def test_concurrent_writers_keep_one_unbroken_chain(assessments: Store) -> None:
    """Two writers adding findings at once: every change is logged once, in one chain."""
    if assessments.engine.dialect.name == "sqlite":
        pytest.skip("SQLite allows one writer at a time; concurrency is tested on PostgreSQL")
    import threading

    assessment_id = _assessment(assessments)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(15):
                with assessments.session() as s:
                    a = s.get(Assessment, assessment_id)
                    assert a is not None
                    service.add_finding(
                        s, a, "strength", f"{name} finding {i}", name, question=VULNERABLE
                    )
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("ann", "ivy")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(assessments, Finding) == 30
    with assessments.session() as s:
        result = audit.verify(s)
        assert result.ok, result.problems
        assert result.entries == 31
        seqs = list(s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        assert seqs == list(range(1, 32))
