"""Step 1–2 of the weekly run: find and read every file of the inbox, on both cores.

A file whose bytes, jnqh version, registry and run date are unchanged since a previous
run comes from the history store instead of being parsed again. A file that is not a
form but a questionnaire export (附件4) is read as one. The inbox is only ever read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from jnqh import __version__
from jnqh.check import read_submission
from jnqh.consolidate.listing import Listing, registry_fingerprint, shown_path
from jnqh.consolidate.isolated import read_isolated
from jnqh.history import History, encode_report
from jnqh.issues import make
from jnqh.model import FileReport
from jnqh.registry import Registry, load_registry
from jnqh.survey import SurveyFile

# Below this many files a process pool costs more than it saves.
PARALLEL_FROM = 24


@dataclass
class Arrival:
    """One spreadsheet of the inbox and what reading it gave."""

    path: Path
    shown: str  # inbox-relative, '/' separators
    report: FileReport
    survey: SurveyFile | None = None
    reused: bool = False
    cache_entry: bytes | None = None  # the report for the parse cache (not for survey exports)


@dataclass
class Intake:
    arrivals: list[Arrival] = field(default_factory=list)
    convert: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    locks: list[str] = field(default_factory=list)


def read_inbox(listing: Listing, *, registry: Registry, registry_path: Path | None, today: dt.date,
               history: History, workers: int = 2,
               progress: Callable[[int], None] | None = None) -> Intake:
    inbox, found = listing.inbox, listing.found
    intake = Intake(convert=[shown_path(p, inbox) for p in found.convert],
                    ignored=[shown_path(p, inbox) for p in found.ignored],
                    locks=[shown_path(p, inbox) for p in found.locks])
    fingerprint = registry_fingerprint(registry_path)
    pending: list[tuple[Path, str, str]] = []
    for path in found.spreadsheets:
        shown = shown_path(path, inbox)
        key = f"{listing.hashes[path]}:{__version__}:{fingerprint}:{today.isoformat()}"
        cached = history.cached_report(key, shown)
        if cached is not None:
            intake.arrivals.append(Arrival(path, shown, cached, reused=True))
            if progress:
                progress(1)
        else:
            pending.append((path, shown, key))
    fresh = _read_all(pending, registry, registry_path, today, workers, progress)
    history.store_reports([(key, arrival.cache_entry) for (_, _, key), arrival in zip(pending, fresh)
                           if arrival.cache_entry is not None])
    for arrival in fresh:
        arrival.cache_entry = None  # stored; at 5,000 files they would hold tens of MB
    intake.arrivals += fresh
    intake.arrivals.sort(key=lambda a: a.shown)
    return intake


def _read_all(pending, registry, registry_path, today, workers, progress) -> list[Arrival]:
    jobs = [(path, shown) for path, shown, _ in pending]
    if workers <= 1 or len(jobs) < PARALLEL_FROM:
        results = []
        for path, shown in jobs:
            results.append(_read_one(path, shown, registry, today))
            if progress:
                progress(1)
        return results
    return read_isolated(jobs, _worker_read, _crashed, workers=workers, initializer=_init_worker,
                         initargs=(registry_path, today), done=(lambda: progress(1)) if progress else None)


_WORKER: dict = {}


def _init_worker(registry_path: Path | None, today: dt.date) -> None:
    # Each worker loads the registry once, not once per file.
    _WORKER["registry"] = load_registry(registry_path)
    _WORKER["today"] = today


def _crashed(job: tuple[Path, str], reason: str) -> Arrival:
    """A file whose reading killed its worker: unreadable, and not kept in the parse cache."""
    path, shown = job
    issue = make("F-CRASH", file=shown, reason=reason)
    return Arrival(path, shown, FileReport(path=shown, sha256=None, issues=[issue], unreadable=True))


def _worker_read(job: tuple[Path, str]) -> Arrival:
    path, shown = job
    return _read_one(path, shown, _WORKER["registry"], _WORKER["today"])


def _read_one(path: Path, shown: str, registry: Registry, today: dt.date) -> Arrival:
    report, survey = read_submission(path, shown_as=shown, registry=registry, today=today)
    return Arrival(path, shown, report, survey=survey, cache_entry=None if survey else encode_report(report))
