"""The listen cache: a web process answers its hottest reads from memory, and forgets them
when the database says they changed: the signed-in member (every request) and the home
page's sync-status poll (every second per open page). On PostgreSQL each of those reads is
a round trip that costs the web process and the database more than the rest of the
request; on SQLite, under a busy server's threads, about half a millisecond. (Not the API's
change feed of statements, services/statement_feed.py.)

PostgreSQL tells what changed:

Triggers (migration 0017) send a notice on channel `tsunagu_change` at the commit of any
change to what those reads return: "o:<office>" (an account's sync figures, its runs),
"u:<user>" (the user, their memberships), "f:<office>" (the office's settings). Each web
process listens on a connection of its own, on a thread started by its first read (so
after gunicorn forks), and forgets what a notice names.

Nothing read from memory is older than the last notice received:
- memory answers only while the process listens; a lost connection empties it, and reads
  go to the database until LISTEN runs again (notices sent in between are not delivered).
  A connection lost without a word (the network) is found out by TCP keepalives within
  about half a minute, which bounds how stale memory can get then;
- a value is kept only when no notice for its topic arrived while it was read (each topic
  has a generation), so a value read just before a commit is not kept after its notice.
What remains is the notice's delay, a few milliseconds after the commit; the one read that
must not lag, the session version after a logout in this browser, is read again from the
database when it does not match (auth._load_user).

SQLite sends no notices, but it counts commits: `PRAGMA data_version` on a connection
changes whenever another connection, of this process or another, committed to the file. The
cache keeps a connection of its own that never writes and asks it (a few microseconds) before
every read; anything committed since memory was filled, and all of memory goes. So no answer
is older than the last commit, and there is no delay to allow for. A database in memory has
no second connection to ask: there every read goes to the database.
"""
import logging
import os
import select
import sqlite3
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import Engine, event
from tenacity import Retrying, retry_if_not_exception_type, wait_exponential

from .private_files import sqlite_path

log = logging.getLogger(__name__)

CHANNEL = "tsunagu_change"
MAX_TOPICS = 10_000  # topics kept at most; past it memory starts empty again
_IDLE_CHECK = 15.0   # seconds without a notice before the connection is checked
# libpq: probe an idle connection after 10 s, every 5 s, give up after 3 unanswered; a
# write unacknowledged for 20 s fails; a connect gives up after 10 s (then tenacity waits).
_CONNECTION = {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 10,
               "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 20_000}

T = TypeVar("T")
Topic = tuple[str, int]


def topic_of(payload: str) -> Topic | None:
    """ "o:12" → ("o", 12); anything else (a notice from a newer release) → None."""
    kind, _, key = payload.partition(":")
    return (kind, int(key)) if kind and key.isdigit() else None


class _Stopped(Exception):
    pass


class ListenCache:
    """One per engine. `read(topic, key, load)` answers from memory or calls `load`."""

    def __init__(self, engine: Engine | None):
        self._engine = engine if engine is not None and engine.dialect.name == "postgresql" else None
        self._file = _sqlite_file(engine)  # SQLite: the file whose data_version is watched
        self._watch: sqlite3.Connection | None = None
        self._inherited: sqlite3.Connection | None = None
        self._version: int | None = None
        self._lock = threading.Lock()
        self._values: dict[Topic, dict[Hashable, object]] = {}
        self._generations: dict[Topic, int] = {}
        self._epoch = 0  # raised when everything is forgotten at once
        self._listening = False
        self._pid: int | None = None
        self._stop = threading.Event()
        self._wake_w = -1
        self.thread: threading.Thread | None = None
        if self._engine is not None or self._file is not None:
            event.listen(engine, "engine_disposed", lambda _engine: self.stop())

    @property
    def listening(self) -> bool:
        return self._listening

    def read(self, topic: Topic, key: Hashable, load: Callable[[], T]) -> T:
        if not self._ready():
            return load()
        with self._lock:
            found = self._values.get(topic, {}).get(key, _MISSING)
            seen = (self._epoch, self._generations.get(topic, 0))
        if found is not _MISSING:
            return found
        value = load()
        if value is not None:
            with self._lock:
                if self._listening and seen == (self._epoch, self._generations.get(topic, 0)):
                    if topic not in self._values and len(self._values) >= MAX_TOPICS:
                        self._values.clear()
                    self._values.setdefault(topic, {})[key] = value
        return value

    def forget(self, topic: Topic) -> None:
        """A notice for `topic`: its values go, and a read of it under way keeps nothing."""
        with self._lock:
            self._values.pop(topic, None)
            if len(self._generations) >= MAX_TOPICS:
                self._generations.clear()
                self._epoch += 1
            self._generations[topic] = self._generations.get(topic, 0) + 1

    def forget_kind(self, kind: str) -> None:
        with self._lock:
            for topic in [t for t in self._values if t[0] == kind]:
                del self._values[topic]
            self._epoch += 1

    def _forget_all(self, listening: bool) -> None:
        with self._lock:
            self._values.clear()
            self._generations.clear()
            self._epoch += 1
            self._listening = listening

    def told(self, payload: str) -> None:
        topic = topic_of(payload)
        if topic is None:
            self._forget_all(self._listening)
        elif topic[0] == "f":  # an office's settings: part of every member's answer
            self.forget_kind("u")
        else:
            self.forget(topic)

    # -- when memory may answer ---------------------------------------------------------------

    def _ready(self) -> bool:
        """Whether memory may answer in this process. SQLite: nothing committed since it was
        filled. PostgreSQL: listening; the first call in a process starts the thread (a
        forked child has none of its parent's: it starts its own)."""
        if self._file is not None:
            return self._unchanged_file()
        if self._engine is None:
            return False
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._start()
        return self._listening

    def _start(self) -> None:
        self._pid = os.getpid()
        self._values, self._generations, self._listening = {}, {}, False
        self._stop = threading.Event()
        wake, self._wake_w = os.pipe()
        self.thread = threading.Thread(target=self._run, args=(self._stop, wake), daemon=True,
                                       name="listen-cache")
        self.thread.start()

    def stop(self) -> None:
        """The engine is disposed (or the process ends): stop listening, forget everything."""
        if self._file is not None:
            self._stop_watching()
            return
        if self._pid != os.getpid() or self._stop.is_set():
            return
        self._stop.set()
        self._forget_all(False)
        os.close(self._wake_w)  # the thread's select sees the pipe end: it stops at once

    # -- SQLite: the file's data_version ----------------------------------------------------

    def _unchanged_file(self) -> bool:
        """Ask the watching connection (this process's own, opened at its first read) whether
        anyone committed since memory was filled; if so forget it all. False while the
        file cannot be asked: reads go to the database then."""
        with self._lock:
            if self._stop.is_set():
                return False
            if self._pid != os.getpid():  # a forked child gets a connection of its own
                # The parent's stays referenced, never closed here: SQLite's connections
                # are not to be used across a fork, closing included.
                self._inherited, self._watch = self._watch, None
                self._pid, self._version = os.getpid(), None
            try:
                if self._watch is None:
                    # Autocommit: no read transaction stays open to pin an old snapshot.
                    self._watch = sqlite3.connect(self._file, isolation_level=None,
                                                  check_same_thread=False)
                version = self._watch.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error as error:
                if self._listening:  # said once, not on every read while it lasts
                    log.warning("cache: cannot ask %s for its data version (%s); reads go to "
                                "the database", self._file, error)
                version = None
            if version is None or version != self._version:
                self._values.clear()
                self._generations.clear()
                self._epoch += 1
                self._version = version
            self._listening = version is not None
            return self._listening

    def _stop_watching(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                # Not this process's to stop: a forked child drops its parent's pooled
                # connections (gunicorn's post_fork disposes the engine) and then watches
                # with a connection of its own.
                return
            self._stop.set()
            self._values.clear()
            self._epoch += 1
            self._listening = False
            if self._watch is not None:
                self._watch.close()
            self._watch = None

    # -- PostgreSQL: the listening thread ----------------------------------------------------

    def _run(self, stop: threading.Event, wake: int) -> None:
        retrying = Retrying(retry=retry_if_not_exception_type(_Stopped),
                            stop=lambda _state: stop.is_set(), sleep=stop.wait,
                            wait=wait_exponential(multiplier=0.2, max=30),
                            before_sleep=_tell_lost, reraise=True)
        try:
            retrying(self._listen, stop, wake)
        except _Stopped:
            pass
        except Exception:
            log.exception("listen cache stopped")
        finally:  # memory was emptied as each connection ended (_listen)
            os.close(wake)

    def _listen(self, stop: threading.Event, wake: int) -> None:
        """LISTEN on a connection of the cache's own, and forget what each notice names,
        until stopped or the connection fails (then memory is emptied, and tenacity tries
        again after a pause)."""
        if stop.is_set():
            raise _Stopped
        import psycopg  # the postgres extra: only a PostgreSQL engine gets here

        args, params = self._engine.dialect.create_connect_args(self._engine.url)
        # The cache's own connection, never handed to a request, with keepalives: a silently
        # dead one (a lost network) fails within about half a minute instead of the
        # system's TCP timeout, and memory is emptied then.
        conn = psycopg.connect(*args, **{**params, **_CONNECTION}, autocommit=True)
        try:
            conn.execute(f"LISTEN {CHANNEL}")
            self._forget_all(True)  # from here on every change is told
            while not stop.is_set():
                readable, _, _ = select.select([conn.fileno(), wake], [], [], _IDLE_CHECK)
                if wake in readable:
                    raise _Stopped
                if not readable:
                    conn.execute("SELECT 1")  # a silent connection may be a dead one
                for notice in conn.notifies(timeout=0):
                    self.told(notice.payload)
            raise _Stopped
        finally:
            self._forget_all(False)
            conn.close()


_MISSING = object()


def _sqlite_file(engine: Engine | None) -> str | None:
    """The database file of an SQLite engine; None for another database or one in memory."""
    if engine is None or engine.dialect.name != "sqlite":
        return None
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    return str(path) if path is not None else None


def _tell_lost(state) -> None:
    error = state.outcome.exception()
    log.warning("listen cache: connection lost (%s: %s); reads go to the database until it is back",
                type(error).__name__, error)
