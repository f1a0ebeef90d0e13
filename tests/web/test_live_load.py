"""Loads while the dashboard serves: `openpeel serve` keeps answering every request from the
last complete state while `ingest`, `indicators compute` and `forecast` run into its home, shows
the new state when each commits (no restart), and a killed load leaves it answering as before.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from tests.web.serving import (
    HELD_BACK,
    OUTCOMES_INDICATOR,
    Crowd,
    Server,
    build_held_back_home,
    copy_home,
    openpeel,
    run,
    serving,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def held_back_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("held-back") / "home"
    build_held_back_home(home)
    return home


def _periods(server: Server) -> list[str]:
    return list(server.json(f"/api/indicators/{OUTCOMES_INDICATOR}")["periods"])


def _forecast_series(server: Server) -> int:
    return len(server.json("/api/forces/hampshire/forecasts")["series"])


def _crimes_months(server: Server) -> list[str]:
    return list(server.json("/api/indicators/policeuk_crimes_per_1000")["periods"])


def _check(crowd: Crowd, at_least: int) -> None:
    assert crowd.errors == []
    assert crowd.failures == []
    assert crowd.leaks == []
    assert crowd.answered >= at_least, crowd.statuses


def test_loads_while_serving_answer_every_request_and_show_the_new_state(
    held_back_home: Path, tmp_path: Path
) -> None:
    home = copy_home(held_back_home, tmp_path / "home")
    with serving(home) as server:
        assert "2018/19" not in _periods(server)
        assert "2019-02" not in _crimes_months(server)  # Hampshire's is the only February
        assert _forecast_series(server) == 0
        with Crowd(server).running() as crowd:
            time.sleep(2)
            before = crowd.answered
            ingest = run("ingest", *map(str, HELD_BACK), "--home", str(home))
            assert ingest.returncode == 0, ingest.stderr
            assert "2 loaded" in ingest.stdout
            after_ingest = crowd.answered
            compute = run("indicators", "compute", "--home", str(home))
            assert compute.returncode == 0, compute.stderr
            # the new state shows at once, with the crowd still at it
            assert "2018/19" in _periods(server)
            assert "2019-02" in _crimes_months(server)  # a new month
            forecast = run("forecast", "--force", "Hampshire", "--home", str(home))
            assert forecast.returncode == 0, forecast.stderr
            assert _forecast_series(server) > 0
            during = crowd.answered - before
        _check(crowd, at_least=30)
        assert after_ingest > before  # answered while the ingest ran
        assert server.process.poll() is None  # the same server, never restarted
        print(f"{during} requests answered during the loads, {dict(crowd.statuses)}")  # noqa: T201  (reported with -s)


@pytest.mark.parametrize("point", ["copied", "inserted", "before-commit", "swapping"])
def test_a_killed_load_leaves_the_server_answering_the_old_state(
    held_back_home: Path, tmp_path: Path, point: str
) -> None:
    home = copy_home(held_back_home, tmp_path / "home")
    with serving(home) as server:
        old = server.json(f"/api/indicators/{OUTCOMES_INDICATOR}")
        with Crowd(server).running() as crowd:
            killed = run(
                "ingest", *map(str, HELD_BACK), "--home", str(home), OPENPEEL_FAULT_KILL_AT=point
            )
            assert killed.returncode == -signal.SIGKILL
            killed_compute = openpeel("indicators", "compute", "--home", str(home))
            time.sleep(1.5)
            killed_compute.send_signal(signal.SIGKILL)
            killed_compute.communicate(timeout=60)
            assert server.json(f"/api/indicators/{OUTCOMES_INDICATOR}") == old
            again = run("ingest", *map(str, HELD_BACK), "--home", str(home))
            assert again.returncode == 0, again.stderr
            compute = run("indicators", "compute", "--home", str(home))
            assert compute.returncode == 0, compute.stderr
        _check(crowd, at_least=10)
        assert "2018/19" in _periods(server)
