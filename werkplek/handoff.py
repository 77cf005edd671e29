"""Hand-offs to the broker from one background thread, so a request never waits on a slow or
dead broker: the outbox hands its rows over this way, kpis its roll-ups.

A hand-off that fails is dropped, with everything queued behind it (the broker is down: each
try would cost seconds more). Whoever hands work over keeps a safety net that does not rely
on it: the outbox's sweep, the nightly roll-up of everything.
"""

import logging
import queue
import threading
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)


class _Publisher:
    def __init__(self):
        self._jobs = queue.SimpleQueue()
        self._thread = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None], *, what: str) -> None:
        """Run `job` (a publish with `retry=False`, perhaps recording that it went out) in the
        background thread; `what` names it in the log when it cannot be handed over."""
        self._jobs.put((job, what))
        with self._lock:
            # After a fork (a worker process) the parent's thread does not run here.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="handoff", daemon=True)
                self._thread.start()

    def run(self, job: Callable[[], None], *, what: str) -> None:
        """One hand-off, here and now; on failure the queued ones behind it are dropped."""
        try:
            job()
        except Exception as error:  # the broker is down or hangs: the safety nets take over
            dropped = 0
            while not self._jobs.empty():
                self._jobs.get_nowait()
                dropped += 1
            logger.warning(
                "broker unreachable (%s): %s and %d more hand-off(s) dropped", error, what, dropped
            )

    def _run(self) -> None:
        while True:
            job, what = self._jobs.get()
            self.run(job, what=what)
            if self._jobs.empty():
                # A job may have used the database: an idle thread holds no connection.
                connections.close_all()


publisher = _Publisher()
