"""Exactly one scheduler leader per deployment.

On PostgreSQL every process may run the scheduler; only the one holding a session-level
advisory lock does the scheduled work (queueing syncs, refreshing tokens), and another takes
over when it dies (its connection closes, the lock goes). Claiming sync runs needs no leader.
On SQLite the deployment is one process, which leads.
"""
import threading

from sqlalchemy import Engine, text

LEADER_LOCK_KEY = 0x7473756E  # "tsun"


class Leadership:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._conn = None
        self._lock = threading.Lock()

    def is_leader(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        with self._lock:
            if self._conn is not None:
                try:  # still connected: the lock is still ours
                    self._conn.execute(text("SELECT 1"))
                    return True
                except Exception:
                    self._drop()
            conn = self.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LEADER_LOCK_KEY}).scalar()
            conn.commit()
            if got:
                self._conn = conn
                return True
            conn.close()
            return False

    def _drop(self) -> None:
        # Invalidate, not close: a pooled connection would keep the session and the lock.
        try:
            self._conn.invalidate()
        except Exception:  # noqa: S110  (the connection is already gone; so is the lock)
            pass
        self._conn = None

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._drop()
