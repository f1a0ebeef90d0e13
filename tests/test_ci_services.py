"""A test that needs a service CI provides (tests/conftest.py's CI_SERVICES) skips where the
service is missing, and fails under CI=true, so that a broken CI set-up cannot pass."""

from __future__ import annotations

import pytest

from tests.conftest import CI_SERVICES, need

#: a test file of its own, run by pytester, whose every test needs a missing service
NEEDY = """
import pytest
from tests.conftest import CI_SERVICES, need

@pytest.mark.parametrize("service", sorted(CI_SERVICES))
def test_needs(service):
    need(service, "it is missing here")
"""


@pytest.mark.parametrize(
    ("ci", "skipped", "failed"),
    [(None, len(CI_SERVICES), 0), ("false", len(CI_SERVICES), 0), ("true", 0, len(CI_SERVICES))],
)
def test_a_missing_service_skips_except_under_ci(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    ci: str | None,
    skipped: int,
    failed: int,
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_needy=NEEDY)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rfs")
    result.assert_outcomes(skipped=skipped, failed=failed)
    # each says what is missing and how to provide it
    output = result.stdout.str()
    for service, remedy in CI_SERVICES.items():
        said = f"it is missing here (to provide it: {remedy})"
        assert (f"CI=true and CI provides {service}, but {said}" in output) == bool(failed)
        assert said in output


def test_an_unknown_service_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown service 'oracle': one of postgresql"):
        need("oracle", "no Oracle here")
