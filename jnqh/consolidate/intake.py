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
from jnqh.read.archive import list_archive, shown_member
from jnqh.check.files import failed_report, failed_archive, read_archived, read_submission
from jnqh.consolidate.listing import Listing, registry_fingerprint, shown_path
from jnqh.consolidate.isolated import read_in_process, read_isolated
from jnqh.read.discover import is_word_without_form
from jnqh.store.history import History, encode_report
from jnqh.issues import make
from jnqh.model import FileReport
from jnqh.read.registry import Registry, load_registry
from jnqh.read.survey import SurveyFile
from jnqh.read.workbook import Unreadable

# Below this many files a process pool costs more than it saves.
PARALLEL_FROM = 24


@dataclass
class Arrival:
    """One spreadsheet of the inbox (or of a .zip in it) and what reading it gave."""

    path: Path  # the file in the inbox (for a member of a .zip, the .zip)
    shown: str  # inbox-relative, '/' separators; 'archive.zip › member.xlsx' for a member
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
    pending: list[tuple[Path, str, str, str | None]] = []  # path, shown, cache key, member
    for path, shown, member in _submissions(listing, intake):
        digest = listing.hashes[path] + (f":{member}" if member else "")
        key = f"{digest}:{__version__}:{fingerprint}:{today.isoformat()}"
        cached = history.cached_report(key, shown)
        if cached is not None:
            intake.arrivals.append(Arrival(path, shown, cached, reused=True))
            if progress:
                progress(1)
        else:
            pending.append((path, shown, key, member))
    fresh = _read_all(pending, registry, registry_path, today, workers, progress)
    history.store_reports([(key, arrival.cache_entry) for (_, _, key, _), arrival in zip(pending, fresh)
                           if arrival.cache_entry is not None])
    for arrival in fresh:
        arrival.cache_entry = None  # stored; at 5,000 files they would hold tens of MB
    intake.arrivals += fresh
    letters = [a for a in intake.arrivals if is_word_without_form(a.shown, [i.code for i in a.report.issues])]
    intake.arrivals = [a for a in intake.arrivals if a not in letters]  # a cover letter, not a form
    intake.ignored = sorted(intake.ignored + [a.shown for a in letters])
    intake.arrivals.sort(key=lambda a: a.shown)
    return intake


def _submissions(listing: Listing, intake: Intake):
    """(path, shown, member or None) of every workbook to read: the inbox's spreadsheets and the
    workbooks inside its .zip files. Archives that give nothing to read arrive as their report."""
    inbox, found = listing.inbox, listing.found
    for path in found.spreadsheets:
        yield path, shown_path(path, inbox), None
    for path in found.foreign_archives:
        shown = shown_path(path, inbox)
        intake.arrivals.append(Arrival(path, shown, failed_report(shown, "F-ARCHIVE-FORMAT", ext=path.suffix)))
    for path in found.archives:
        shown = shown_path(path, inbox)
        try:
            contents = list_archive(path)
        except Unreadable as failure:
            intake.arrivals.append(Arrival(path, shown, failed_archive(shown, failure)))
            continue
        intake.convert += [shown_member(shown, name) for name in contents.convert]
        intake.ignored += [shown_member(shown, name) for name in contents.ignored]
        if not contents.spreadsheets and not contents.convert:
            intake.arrivals.append(Arrival(path, shown, failed_report(shown, "F-ARCHIVE-EMPTY")))
        for name in contents.spreadsheets:
            yield path, shown_member(shown, name), name


def _read_all(pending, registry, registry_path, today, workers, progress) -> list[Arrival]:
    jobs = [(path, shown, member) for path, shown, _, member in pending]
    done = (lambda: progress(1)) if progress else None
    if workers <= 1 or len(jobs) < PARALLEL_FROM:
        # a bug or a failure reading one file is that file's F-CRASH, not the run's end
        return read_in_process(jobs, lambda job: _read_one(*job, registry, today), _crashed, done)
    return read_isolated(jobs, _worker_read, _crashed, workers=workers, initializer=_init_worker,
                         initargs=(registry_path, today), done=done)


_WORKER: dict = {}


def _init_worker(registry_path: Path | None, today: dt.date) -> None:
    # Each worker loads the registry once, not once per file.
    _WORKER["registry"] = load_registry(registry_path)
    _WORKER["today"] = today


def _crashed(job: tuple[Path, str, str | None], reason: str) -> Arrival:
    """A file whose reading killed its worker: unreadable, and not kept in the parse cache."""
    path, shown, _ = job
    issue = make("F-CRASH", file=shown, reason=reason)
    return Arrival(path, shown, FileReport(path=shown, sha256=None, issues=[issue], unreadable=True))


def _worker_read(job: tuple[Path, str, str | None]) -> Arrival:
    path, shown, member = job
    return _read_one(path, shown, member, _WORKER["registry"], _WORKER["today"])


def _read_one(path: Path, shown: str, member: str | None, registry: Registry, today: dt.date) -> Arrival:
    if member is not None:  # a workbook inside a .zip
        report, survey = read_archived(path, member, shown_as=shown, registry=registry, today=today)
    else:
        report, survey = read_submission(path, shown_as=shown, registry=registry, today=today)
    return Arrival(path, shown, report, survey=survey, cache_entry=None if survey else encode_report(report))
