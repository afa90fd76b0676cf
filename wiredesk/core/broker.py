"""The embedded task broker: a kombu transport on one SQLite file whose deliveries survive a crash.

The one-machine default needs a broker without a server. kombu's SQLAlchemy transport was
the first choice and failed under ``kill -9`` (docs/architecture.md, "The embedded broker"):
it marks a message invisible when it hands it out and never makes it visible again, so a
task held by a worker that dies is lost for good whatever ``acks_late`` says, and its
session could be left in a state that killed the worker's main process. Here:

- a message is a row; handing it out marks it *claimed* by the consuming process (host, pid
  and the pid's start time, so a reused pid is not mistaken for it) and counts a delivery;
- an acknowledgement deletes the row; a reject with requeue, or a warm shutdown, puts the
  process's claims back in the queue;
- a claim whose process is gone (killed, out of memory, a power cut) is put back by whichever
  consumer looks next (every ``RECLAIM_EVERY`` seconds, and when a worker starts), in the
  order it was first queued;
- a message handed out ``MAX_DELIVERIES`` times without an acknowledgement (a task that
  kills its worker every time) goes to the ``dead`` table with its payload, and is logged,
  instead of killing workers for ever.

Every step is one SQLite transaction (WAL journal), so a process killed at any instruction
leaves each message either waiting, claimed or gone, never half-way. The transport is
registered as the ``sqlite://`` scheme; the path after it is the broker file.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
from pathlib import Path
from queue import Empty
from urllib.parse import unquote, urlsplit
from uuid import uuid4

from kombu.transport import TRANSPORT_ALIASES, virtual

from wiredesk.core.heartbeat import progress

log = logging.getLogger("wiredesk.broker")

SCHEME = "sqlite"
RECLAIM_EVERY = 2.0  # seconds between two looks for claims of dead processes, per consumer
VISIBILITY = 3600.0  # seconds: a claim this old is put back whoever holds it
MAX_DELIVERIES = 5  # handed out this often unacknowledged: moved to the dead table
HOST = socket.gethostname()

# Puts claimed messages back in the queue; the caller adds which ("owner = ?", "tag = ? AND owner = ?").
_RELEASE = ("UPDATE message SET owner = NULL, owner_host = NULL, owner_pid = NULL, owner_start = NULL, "
            "claimed_at = NULL WHERE ")

SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    tag TEXT NOT NULL,
    task_id TEXT,
    sent_at REAL NOT NULL,
    owner TEXT,
    owner_host TEXT,
    owner_pid INTEGER,
    owner_start TEXT,
    claimed_at REAL,
    deliveries INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS message_waiting ON message (queue, owner, id);
CREATE INDEX IF NOT EXISTS message_tag ON message (tag);
CREATE INDEX IF NOT EXISTS message_task ON message (task_id);
CREATE INDEX IF NOT EXISTS message_claimed ON message (owner) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS dead (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    task_id TEXT,
    sent_at REAL NOT NULL,
    deliveries INTEGER NOT NULL,
    died_at REAL NOT NULL
);
"""


def path_from_url(url: str) -> Path:
    """The broker file named by ``sqlite:///absolute/path`` (``sqlite:////absolute/path`` too)."""
    parts = urlsplit(url)
    if parts.scheme != SCHEME or parts.netloc not in ("", "localhost"):
        raise ValueError(f"not an embedded broker URL (sqlite:///path): {url!r}")
    path = unquote(parts.path)
    if path.startswith("//"):  # sqlite:////abs/path, SQLAlchemy's spelling
        path = path[1:]
    if not path or path == "/":
        raise ValueError(f"the embedded broker URL names no file: {url!r}")
    return Path(path)


def is_embedded(url: str) -> bool:
    return (url or "").startswith(f"{SCHEME}://")


def connect(path: Path, *, timeout: float = 20.0) -> sqlite3.Connection:
    """A connection in autocommit mode (each statement, or each BEGIN...COMMIT, is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # a committed task or acknowledgement survives a power cut
    db.executescript(SCHEMA)
    return db


# --- processes: who holds a claim, and is it still there -------------------------------------

def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


BOOT_ID = _boot_id()


class _Unknown(Exception):
    """/proc could not be read for a reason other than the process being gone."""


def _proc_stat(pid: int) -> list[str] | None:
    """The fields after the command name in /proc/PID/stat (state first), None if there is no
    such process; _Unknown when it cannot be told (out of file handles, /proc hidden)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _Unknown(str(exc)) from exc
    return raw.rsplit(b")", 1)[-1].decode("ascii", "replace").split()


def process_start(pid: int) -> str:
    """Which boot and when in it the process started: "BOOT_ID:TICKS" ("" without /proc)."""
    try:
        fields = _proc_stat(pid)
    except _Unknown:
        return ""
    return f"{BOOT_ID}:{fields[19]}" if fields and len(fields) > 19 else ""


def process_alive(pid: int, start: str) -> bool:
    """Whether process ``pid`` that started at ``start`` (process_start) is still running.

    A zombie, another boot's process and a reused pid are not it. Anything that cannot be
    told counts as alive: a claim put back while its process still runs would run twice.
    """
    if Path("/proc/self/stat").exists():
        try:
            fields = _proc_stat(pid)
        except _Unknown:
            return True
        if not fields or fields[0] in ("Z", "X"):
            return False
        if not start:
            return True
        boot, _, ticks = start.rpartition(":")
        return (not boot or boot == BOOT_ID) and len(fields) > 19 and fields[19] == ticks
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reclaim(db: sqlite3.Connection) -> int:
    """Put back the claims of processes that are gone; returns how many.

    Gone: a process of this host that no longer runs (or ran in another boot), a claim of
    another host (this broker is one machine's; the file was moved or the host renamed), or a
    claim older than ``VISIBILITY`` whatever holds it (a consumer channel of a live process
    that broke and was replaced: no task runs that long, the hard time limit sees to it).
    """
    stale_before = time.time() - VISIBILITY
    owners = db.execute(
        "SELECT owner, owner_pid, owner_start, owner_host, MIN(claimed_at) FROM message WHERE owner IS NOT NULL "
        "GROUP BY owner, owner_pid, owner_start, owner_host",
    ).fetchall()
    released = 0
    for owner, pid, start, host, claimed in owners:
        if host == HOST and pid is not None and process_alive(int(pid), start or "") \
                and (claimed or 0) >= stale_before:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            now = time.time()
            dead = db.execute(
                "INSERT INTO dead (queue, payload, task_id, sent_at, deliveries, died_at) "
                "SELECT queue, payload, task_id, sent_at, deliveries, ? FROM message "
                "WHERE owner = ? AND deliveries >= ?", (now, owner, MAX_DELIVERIES),
            ).rowcount
            db.execute("DELETE FROM message WHERE owner = ? AND deliveries >= ?", (owner, MAX_DELIVERIES))
            back = db.execute(
                _RELEASE + "owner = ?", (owner,),
            ).rowcount
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        released += back
        if back:
            log.warning("broker: %d task(s) held by process %s, which is gone, are queued again", back, pid)
        if dead:
            log.error("broker: %d task(s) were handed out %d times without finishing and are set aside "
                      "in the broker's dead table", dead, MAX_DELIVERIES)
    return released


def acknowledge_task(url: str, task_id: str) -> None:
    """Delete ``task_id``'s message from outside the consuming channel (a hard time limit)."""
    db = connect(path_from_url(url), timeout=5)
    try:
        db.execute("DELETE FROM message WHERE task_id = ?", (task_id,))
    finally:
        db.close()


def oldest_waiting(url: str, queue: str) -> dict | None:
    """The payload of the message that has waited longest in ``queue`` (read-only), or None."""
    try:
        db = sqlite3.connect(f"file:{path_from_url(url)}?mode=ro", uri=True, timeout=2)
    except (sqlite3.Error, ValueError):
        return None
    try:
        row = db.execute("SELECT payload FROM message WHERE queue = ? AND owner IS NULL ORDER BY id LIMIT 1",
                         (queue,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    try:
        return json.loads(row[0]) if row else None
    except ValueError:
        return None


def dead_count(url: str) -> int:
    """How many tasks were set aside for failing every delivery (the health page)."""
    try:
        db = sqlite3.connect(f"file:{path_from_url(url)}?mode=ro", uri=True, timeout=2)
    except (sqlite3.Error, ValueError):
        return 0
    try:
        return int(db.execute("SELECT COUNT(*) FROM dead").fetchone()[0])
    except sqlite3.Error:
        return 0
    finally:
        db.close()


# --- the kombu transport -----------------------------------------------------------------------

class QoS(virtual.QoS):
    """Acknowledgements and rejects go to the database, not only to this process's memory."""

    def ack(self, delivery_tag):
        self.channel._settle(delivery_tag, requeue=False)
        super().ack(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        self.channel._settle(delivery_tag, requeue=requeue)
        self._quick_ack(delivery_tag)

    def restore_unacked(self):
        """A warm shutdown (or a closed channel) puts back what this channel still holds."""
        self._flush()
        self._delivered.clear()
        try:
            self.channel._release_all()
        except (sqlite3.Error, OSError) as exc:  # the claims are put back by the next consumer
            return [(exc, None)]
        return []


class Channel(virtual.Channel):
    QoS = QoS
    do_restore = True

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        options = self.connection.client.transport_options or {}
        self._path = path_from_url(self.connection.client.hostname)
        self._timeout = float(options.get("timeout", 20.0))
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._db_pid = 0
        self._owner = ""
        self._start = ""
        self._no_ack: set[str] = set()
        self._reclaimed_at = 0.0

    # one connection per process (a fork must not share the parent's)
    def _conn(self) -> sqlite3.Connection:
        pid = os.getpid()
        if self._db is None or self._db_pid != pid:
            self._db = connect(self._path, timeout=self._timeout)
            self._db_pid = pid
            self._start = process_start(pid)
            self._owner = f"{HOST}:{pid}:{self._start}:{uuid4().hex[:12]}"
        return self._db

    def _put(self, queue, message, **kwargs):
        tag = message["properties"]["delivery_tag"]
        task_id = (message.get("headers") or {}).get("id")
        with self._lock:
            self._conn().execute(
                "INSERT INTO message (queue, payload, tag, task_id, sent_at) VALUES (?, ?, ?, ?, ?)",
                (queue, json.dumps(message), tag, task_id, time.time()),
            )

    def _take(self, queue, *, no_ack: bool):
        with self._lock:
            db = self._conn()
            now = time.monotonic()
            if now - self._reclaimed_at >= RECLAIM_EVERY:
                self._reclaimed_at = now
                reclaim(db)
            # An unlocked look first: an empty poll must not take the write lock.
            if db.execute("SELECT 1 FROM message WHERE queue = ? AND owner IS NULL LIMIT 1",
                          (queue,)).fetchone() is None:
                raise Empty()
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT id, payload, deliveries FROM message WHERE queue = ? AND owner IS NULL "
                    "ORDER BY id LIMIT 1", (queue,),
                ).fetchone()
                if row is not None:
                    if no_ack:
                        db.execute("DELETE FROM message WHERE id = ?", (row[0],))
                    else:
                        db.execute(
                            "UPDATE message SET owner = ?, owner_host = ?, owner_pid = ?, owner_start = ?, "
                            "claimed_at = ?, deliveries = deliveries + 1 WHERE id = ?",
                            (self._owner, HOST, os.getpid(), self._start, time.time(), row[0]),
                        )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        if row is None:
            raise Empty()
        payload = json.loads(row[1])
        if row[2] > 0:  # handed out before, to a process that did not finish it
            payload.setdefault("properties", {}).setdefault("delivery_info", {})["redelivered"] = True
            payload["redelivered"] = True
        return payload

    def _get(self, queue, timeout=None):
        progress()  # a worker that polls is not stuck (core.heartbeat; a no-op unless supervised)
        return self._take(queue, no_ack=queue in self._no_ack)

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        (self._no_ack.add if no_ack else self._no_ack.discard)(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        try:
            raw = self._take(queue, no_ack=no_ack)
        except Empty:
            return None
        message = self.Message(raw, channel=self)
        if not no_ack:
            self.qos.append(message, message.delivery_tag)
        return message

    def _settle(self, tag, *, requeue: bool) -> None:
        with self._lock:
            db = self._conn()
            if requeue:
                db.execute(
                    _RELEASE + "tag = ? AND owner = ?", (tag, self._owner),
                )
            else:
                db.execute("DELETE FROM message WHERE tag = ? AND owner = ?", (tag, self._owner))

    def _release_all(self) -> None:
        if self._db is None or self._db_pid != os.getpid():
            return
        with self._lock:
            self._db.execute(
                _RELEASE + "owner = ?", (self._owner,),
            )

    def _size(self, queue):
        with self._lock:
            return self._conn().execute(
                "SELECT COUNT(*) FROM message WHERE queue = ? AND owner IS NULL", (queue,)).fetchone()[0]

    def _purge(self, queue):
        with self._lock:
            return self._conn().execute("DELETE FROM message WHERE queue = ? AND owner IS NULL", (queue,)).rowcount

    def _delete(self, queue, *args, **kwargs):
        with self._lock:
            self._conn().execute("DELETE FROM message WHERE queue = ?", (queue,))

    def _new_queue(self, queue, **kwargs):
        pass

    def _has_queue(self, queue, **kwargs):
        return True

    def close(self):
        super().close()
        if self._db is not None and self._db_pid == os.getpid():
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None


class Transport(virtual.Transport):
    Channel = Channel
    can_parse_url = True
    # A locked, full or unreadable queue file is an outage, not a bug: the worker reconnects
    # and tries again rather than exit (its claims come back by VISIBILITY at the latest).
    connection_errors = virtual.Transport.connection_errors + (sqlite3.OperationalError,)
    channel_errors = virtual.Transport.channel_errors + (sqlite3.OperationalError,)
    polling_interval = 0.1  # one indexed SELECT on a small file; it caps how fast tasks start
    driver_type = "sqlite"
    driver_name = "sqlite3"

    def driver_version(self):
        return sqlite3.sqlite_version

    def as_uri(self, uri: str, include_password=False, mask="**") -> str:
        return uri


TRANSPORT_ALIASES.setdefault(SCHEME, "wiredesk.core.broker:Transport")


def adopt_old_queue(data_dir: Path, url: str) -> int:
    """Carry the tasks waiting in the previous embedded broker's file over to this one.

    Until this broker, the default was kombu's SQLAlchemy transport in ``broker.sqlite3``.
    Its waiting messages (a sign-up's confirmation email queued just before an upgrade) are
    put in this queue once, in their order, and the old file is renamed so that it is not
    read twice. Returns how many were carried over.
    """
    old = Path(data_dir) / "broker.sqlite3"
    if not old.is_file() or not is_embedded(url):
        return 0
    try:
        src = sqlite3.connect(f"file:{old}?mode=ro", uri=True, timeout=5)
        try:
            rows = src.execute(
                "SELECT q.name, m.payload FROM kombu_message m JOIN kombu_queue q ON q.id = m.queue_id "
                "WHERE m.visible = 1 ORDER BY m.id").fetchall()
        finally:
            src.close()
    except sqlite3.Error as exc:  # not kombu's file after all, or damaged: left alone, said once
        log.warning("broker: %s was not carried over: %s", old.name, exc)
        return 0
    db = connect(path_from_url(url))
    try:
        db.execute("BEGIN IMMEDIATE")
        for queue, payload in rows:
            try:
                message = json.loads(payload)
                tag = message["properties"]["delivery_tag"]
            except (ValueError, KeyError, TypeError):
                continue
            db.execute("INSERT INTO message (queue, payload, tag, task_id, sent_at) VALUES (?, ?, ?, ?, ?)",
                       (queue, payload, tag, (message.get("headers") or {}).get("id"), time.time()))
        db.execute("COMMIT")
    finally:
        db.close()
    old.rename(old.with_name("broker.sqlite3.carried-over"))
    log.warning("broker: %d waiting task(s) carried over from %s", len(rows), old.name)
    return len(rows)
