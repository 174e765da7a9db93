"""The worker process: rounds of jobs every WORKER_POLL_SECONDS, a heartbeat thread, a clean stop on SIGTERM."""

import signal
import threading

from kabinet.extensions import db
from kabinet.worker import holders
from kabinet.worker.jobs import run_round


class Worker:
    """One worker process; run() returns after one round (once) or when SIGTERM or SIGINT asks it to stop."""

    def __init__(self, app):
        self.app = app
        self.holder = holders.me()
        self.stopped = threading.Event()

    def run(self, once: bool = False) -> None:
        """Run rounds until stopped; the heartbeat goes on in a thread of its own while a round sends or sweeps."""
        config = self.app.config
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stopped.set())
            threading.Thread(target=self._beat, name="kabinet-heartbeat", daemon=True).start()
        with self.app.app_context():
            self.app.logger.info("Worker %s started", self.holder)
            while True:
                try:
                    run_round(self.holder)
                except Exception:  # noqa: BLE001 -- a database that is away for a moment must not end the worker
                    db.session.rollback()
                    self.app.logger.exception("Worker round failed")
                if once or self.stopped.wait(config["WORKER_POLL_SECONDS"]):
                    break
            holders.beat(self.holder, stopped=True, once=once)  # a --once run's stop is no outage: the page says so
            self.app.logger.info("Worker %s stopped", self.holder)

    def _beat(self) -> None:
        """Heartbeat every WORKER_HEARTBEAT_SECONDS, however long the round in the main thread takes."""
        while not self.stopped.wait(self.app.config["WORKER_HEARTBEAT_SECONDS"]):
            with self.app.app_context():
                try:
                    holders.beat(self.holder)
                except Exception:  # noqa: BLE001 -- the next beat tries again
                    self.app.logger.exception("Worker heartbeat failed")
                finally:
                    db.session.remove()
