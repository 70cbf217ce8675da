"""Timers survive restarts: the worker is killed (SIGKILL) at random moments while timers come due, and
restarted; every breach still fires exactly once, within a minute of its deadline.

The tick runs every 10 s here (an admin override of the 30 s default) to keep the test short.
Runs on a file SQLite database, or on a fresh PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.routing.fresh_database import ROOT, fresh_database, run_script

HERE = Path(__file__).parent
TIMERS, FIRST_DUE_S, SPREAD_S = 30, 5.0, 16.0
_OVERRIDE = ("from tandem.operations.models import JobSetting; "
             "JobSetting.objects.create(job='sla.tick', every_seconds=10, enabled=True)")


def _worker(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tandem.cli", "worker", "--interval", "0.2",
                             "--schedule-interval", "1"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def test_every_breach_fires_once_within_a_minute_although_the_worker_is_killed_at_random():
    rng = random.Random(4)
    with fresh_database() as env:
        subprocess.run([sys.executable, "-m", "tandem.cli", "shell", "-c", _OVERRIDE], env=env, cwd=ROOT, check=True,
                       timeout=60)
        run_script(env, HERE / "make_timers.py", str(TIMERS), str(FIRST_DUE_S), str(SPREAD_S))
        deadline = time.monotonic() + FIRST_DUE_S + SPREAD_S + 4
        kills = 0
        with open(Path(env["TANDEM_HOME"]) / "worker.log", "w") as log:
            while time.monotonic() < deadline:
                worker = _worker(env, log)
                time.sleep(rng.uniform(1.0, 6.0))
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                kills += 1
                time.sleep(rng.uniform(0.0, 1.5))
            worker = _worker(env, log)  # left running until the last slot has been processed
            time.sleep(12)
            worker.terminate()
            worker.wait(timeout=20)
        outcome = run_script(env, HERE / "outcome.py")
    assert kills >= 3
    assert outcome["timers"] == outcome["breached"] == outcome["breach_rows"] == TIMERS
    assert outcome["duplicate_breaches"] == outcome["duplicate_notifications"] == 0
    assert outcome["breach_notifications"] == 2 * TIMERS
    assert 0 < outcome["min_late_s"] and outcome["max_late_s"] <= 60
