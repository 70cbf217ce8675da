"""Many threads run the SLA tick at the same instant on the same timers. Prints RESULT=<json>.

python tests/sla/tick_concurrently.py THREADS
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import timedelta

import django


def main(n_threads: int) -> dict:
    django.setup()
    from django.db import close_old_connections

    from tandem import clock
    from tandem.sla.services import sla_tick

    at = clock.now() + timedelta(hours=1)
    barrier, reports, errors = threading.Barrier(n_threads), [], []

    def ticker() -> None:
        barrier.wait()
        try:
            reports.append(sla_tick(now=at))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(f"{type(exc).__name__}: {exc}")
        close_old_connections()

    threads = [threading.Thread(target=ticker) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"breached_per_tick": [len(r.breached) for r in reports], "errors": errors}


if __name__ == "__main__":
    print("RESULT=" + json.dumps(main(int(sys.argv[1]))))
