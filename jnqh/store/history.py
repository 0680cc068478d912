"""The history store: a SQLite file that remembers every run, every parsed file, every e-mail.

It lets the next 通报 say what changed (第N期, circles new or retyped), makes reruns
incremental (a file whose bytes, jnqh version, registry and run date are unchanged is not
parsed again) and keeps ``jnqh mail --send`` from sending the same message twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from jnqh.model import FileReport

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL,
    as_of TEXT NOT NULL,
    generated TEXT NOT NULL,
    summary TEXT NOT NULL,           -- run.json
    state BLOB,                      -- the whole Run (JSON, deflated), for re-rendering and reruns
    fingerprint TEXT                 -- inputs + settings: an unchanged rerun is skipped
);
CREATE TABLE IF NOT EXISTS run_files (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    path TEXT NOT NULL, sha256 TEXT, status TEXT NOT NULL, county TEXT,
    circles INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS run_circles (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    county TEXT, name TEXT NOT NULL, status TEXT NOT NULL, file TEXT NOT NULL,
    presence_total REAL, service_total REAL, grade TEXT, final_type TEXT, issues INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS parsed (
    cache_key TEXT PRIMARY KEY,      -- sha256 + jnqh version + registry + run date
    report BLOB NOT NULL             -- the FileReport (JSON, deflated)
);
CREATE TABLE IF NOT EXISTS sent (
    message_key TEXT PRIMARY KEY,    -- run + recipient group + content hash
    run_number INTEGER NOT NULL,
    recipients TEXT NOT NULL, subject TEXT NOT NULL, sent_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_outputs (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    path TEXT NOT NULL,              -- relative to the outbox, as in run.json
    sha256 TEXT NOT NULL             -- of the file as the run wrote it
);
CREATE TABLE IF NOT EXISTS unknown (
    message_key TEXT PRIMARY KEY,    -- as in sent: the whole message went out, no reply came
    run_number INTEGER NOT NULL,
    recipients TEXT NOT NULL, subject TEXT NOT NULL, sent_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class RunRow:
    id: int
    number: int
    as_of: str
    generated: str
    summary: dict


def encode_report(report: FileReport) -> bytes:
    """A file's report as the parse cache keeps it (made where the file was read, on any core)."""
    return _pack(report_to_json(report))


def encode_state(state: dict) -> bytes:
    """A run's state as the store keeps it."""
    return _pack(state)


def _pack(value: dict) -> bytes:
    # Deflated at the fastest level: a run's state at 5,000 circles is 70 MB of JSON and 9 MB
    # packed, and a weekly store keeps one per run.
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 1)


def _unpack(stored: bytes | str) -> dict:
    """What `_pack` made; or plain JSON text, as stores written by jnqh 0.1 kept it."""
    return json.loads(zlib.decompress(stored) if isinstance(stored, bytes) else stored)


SQLITE_HEADER = b"SQLite format 3\x00"
SET_ASIDE = "{name}.损坏-{time}"  # where a corrupt store is kept when a new one is started


class HistoryFault(Exception):
    """The store cannot be used: `kind` is 'corrupt', 'full', 'readonly', 'locked' or 'open';
    `reason` what the check found (Chinese) or SQLite's words."""

    def __init__(self, path: Path, kind: str, reason: str):
        super().__init__(path, kind, reason)
        self.path, self.kind, self.reason = path, kind, reason


def fault_of(path: Path, error: sqlite3.Error) -> HistoryFault:
    """What an SQLite error means for the user of the store at `path`."""
    text = str(error)
    for words, kind in (("full", "full"), ("readonly", "readonly"), ("read-only", "readonly"),
                        ("locked", "locked"), ("unable to open", "open")):
        if words in text:
            return HistoryFault(path, kind, text)
    return HistoryFault(path, "corrupt" if isinstance(error, sqlite3.DatabaseError) else "open", text)


class History:
    """One open store. Use as a context manager; every write is committed at once.

    A store that exists but is not an SQLite database (a 0-byte file counts: the record of
    every run and every mail sent is gone) raises HistoryFault('corrupt') and is left as it
    is: a new store is started only by :func:`start_new`, on the user's word. SQLite errors
    inside the ``with`` block leave it as HistoryFault too, naming the store."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        _check_header(path)
        try:
            self.db = sqlite3.connect(path, timeout=30)
            self.db.executescript(SCHEMA)
        except sqlite3.Error as err:
            with contextlib.suppress(Exception):
                self.db.close()
            raise fault_of(path, err) from None

    def __enter__(self) -> History:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.db.close()
        if isinstance(error, sqlite3.Error):
            raise fault_of(self.path, error) from None

    # -- runs ----------------------------------------------------------------------
    def runs(self) -> list[RunRow]:
        rows = self.db.execute("SELECT id, number, as_of, generated, summary FROM runs ORDER BY id")
        return [RunRow(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def latest(self, before_as_of: str | None = None) -> RunRow | None:
        """The newest run (or the newest one for an earlier date than `before_as_of`)."""
        runs = self.runs()
        if before_as_of is not None:
            runs = [r for r in runs if r.as_of < before_as_of]
        return runs[-1] if runs else None

    def run_for(self, as_of: str) -> RunRow | None:
        matching = [r for r in self.runs() if r.as_of == as_of]
        return matching[-1] if matching else None

    def next_number(self, as_of: str) -> int:
        """第N期: a rerun for the same date keeps its number; a new date gets the next."""
        same = self.run_for(as_of)
        if same is not None:
            return same.number
        earlier = [r.number for r in self.runs() if r.as_of < as_of]
        return max(earlier, default=0) + 1

    def fingerprint_of(self, run_id: int) -> str | None:
        row = self.db.execute("SELECT fingerprint FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row[0] if row else None

    def state_of(self, run_id: int) -> dict | None:
        row = self.db.execute("SELECT state FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _unpack(row[0]) if row and row[0] else None

    def find_run(self, which: str | None) -> RunRow | None:
        """A run named by its date (2024-04-30), its number (3 or 第3期), or the latest."""
        runs = self.runs()
        if not which:
            return runs[-1] if runs else None
        number = which.strip().removeprefix("第").removesuffix("期")
        matching = [r for r in runs if r.as_of == which.strip() or (number.isdigit() and r.number == int(number))]
        return matching[-1] if matching else None

    def circles_of_run(self, run_id: int) -> list[dict]:
        rows = self.db.execute(
            "SELECT county, name, status, final_type, presence_total, service_total FROM run_circles "
            "WHERE run_id = ? ORDER BY county, name", (run_id,))
        keys = ("county", "name", "status", "final_type", "presence_total", "service_total")
        return [dict(zip(keys, row)) for row in rows]

    def record_run(self, number: int, as_of: str, generated: str, summary: dict,
                   files: list[tuple], circles: list[tuple], state: bytes | None = None,
                   fingerprint: str | None = None, outputs: dict[str, str] | None = None) -> int:
        """`state`: the whole Run as `encode_state` gives it (kept for re-rendering and reruns);
        `outputs`: path → sha256 of every file the run wrote."""
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO runs (number, as_of, generated, summary, state, fingerprint) VALUES (?, ?, ?, ?, ?, ?)",
                (number, as_of, generated, json.dumps(summary, ensure_ascii=False),
                 state, fingerprint))
            run_id = cursor.lastrowid
            self.db.executemany("INSERT INTO run_files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [(run_id, *row) for row in files])
            self.db.executemany("INSERT INTO run_circles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [(run_id, *row) for row in circles])
            self.db.executemany("INSERT INTO run_outputs VALUES (?, ?, ?)",
                                [(run_id, path, digest) for path, digest in (outputs or {}).items()])
        return run_id

    def output_hashes(self, run_id: int) -> dict[str, str]:
        rows = self.db.execute("SELECT path, sha256 FROM run_outputs WHERE run_id = ?", (run_id,))
        return dict(rows.fetchall())

    # -- the parse cache -----------------------------------------------------------
    def cached_report(self, key: str, shown_as: str) -> FileReport | None:
        row = self.db.execute("SELECT report FROM parsed WHERE cache_key = ?", (key,)).fetchone()
        return None if row is None else report_from_json(_unpack(row[0]), shown_as)

    def store_reports(self, entries: list[tuple[str, bytes]]) -> None:
        """Keep parsed files: (cache key, the report as `encode_report` gives it)."""
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO parsed (cache_key, report) VALUES (?, ?)", entries)

    # -- sent e-mail ----------------------------------------------------------------
    def was_sent(self, message_key: str) -> bool:
        row = self.db.execute("SELECT 1 FROM sent WHERE message_key = ?", (message_key,)).fetchone()
        return row is not None

    def record_sent(self, message_key: str, run_number: int, recipients: list[str], subject: str,
                    sent_at: str) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO sent VALUES (?, ?, ?, ?, ?)",
                            (message_key, run_number, ", ".join(recipients), subject, sent_at))
            self.db.execute("DELETE FROM unknown WHERE message_key = ?", (message_key,))

    def was_unknown(self, message_key: str) -> bool:
        """Sent once without a reply: the server may have it (never sent again unasked)."""
        row = self.db.execute("SELECT 1 FROM unknown WHERE message_key = ?", (message_key,)).fetchone()
        return row is not None

    def record_unknown(self, message_key: str, run_number: int, recipients: list[str], subject: str,
                       sent_at: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO unknown VALUES (?, ?, ?, ?, ?)",
                            (message_key, run_number, ", ".join(recipients), subject, sent_at))

    def sent_rows(self, run_number: int | None = None) -> list[dict]:
        query = "SELECT message_key, run_number, recipients, subject, sent_at FROM sent"
        args: tuple = ()
        if run_number is not None:
            query, args = query + " WHERE run_number = ?", (run_number,)
        keys = ("message_key", "run_number", "recipients", "subject", "sent_at")
        return [dict(zip(keys, row)) for row in self.db.execute(query + " ORDER BY sent_at", args)]


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return  # a new store
    if head != SQLITE_HEADER:
        raise HistoryFault(path, "corrupt", "文件是空的（0 字节）" if not head else "不是 SQLite 数据库文件")


def start_new(path: Path, now: dt.datetime) -> Path | None:
    """Keep a corrupt store aside as ``<name>.损坏-<time>`` and start an empty one; the path
    it was kept at, or None when the store is sound (then nothing is changed)."""
    try:
        History(path).db.close()
        return None
    except HistoryFault as fault:
        if fault.kind != "corrupt":
            raise
    aside = path.with_name(SET_ASIDE.format(name=path.name, time=now.strftime("%Y%m%d-%H%M%S")))
    path.replace(aside)
    for suffix in ("-journal", "-wal", "-shm"):  # SQLite's companions belong to the old file
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    History(path).db.close()
    return aside


@contextlib.contextmanager
def open_history(path: Path) -> Iterator[History]:
    store = History(path)
    try:
        yield store
    finally:
        store.db.close()


# -- FileReport <-> JSON (the cache keeps sources and issues, not just the contract) --

def report_to_json(report: FileReport) -> dict:
    def sources(record) -> dict:
        return {k: [s.sheet, s.cell] for k, s in record.sources.items()}

    return {
        "sha256": report.sha256, "unreadable": report.unreadable,
        "circles": [{"data": c.data, "sheet": c.sheet, "sources": sources(c)} for c in report.circles],
        "projects": [{"data": p.data, "sheet": p.sheet, "row": p.row, "sources": sources(p)}
                     for p in report.projects],
        "issues": [{k: getattr(i, k) for k in ("code", "severity", "sheet", "cell", "field", "message",
                                                 "hint", "value", "circle")} for i in report.issues],
    }


def report_from_json(payload: dict, shown_as: str) -> FileReport:
    # Imported here: an unchanged rerun opens the store without loading the record types.
    from jnqh.issues import Issue
    from jnqh.model import CircleRecord, FileReport, ProjectRecord, Source

    def sources(raw: dict) -> dict:
        return {k: Source(*v) for k, v in raw.items()}

    return FileReport(
        path=shown_as, sha256=payload["sha256"], unreadable=payload["unreadable"],
        circles=[CircleRecord(c["data"], c["sheet"], sources(c["sources"])) for c in payload["circles"]],
        projects=[ProjectRecord(p["data"], p["sheet"], p["row"], sources(p["sources"]))
                  for p in payload["projects"]],
        issues=[Issue(file=shown_as, **i) for i in payload["issues"]],
    )
