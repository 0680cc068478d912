"""`jnqh consolidate`: the weekly run, steps 1–6 of workflow.md, as one function.

read the inbox → match to the registry → resolve resubmissions → score → summarise →
write every output atomically into ``outbox/<as_of>/`` → record the run in the history.
One run at a time per outbox (a lock); the inbox is never written.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from jnqh.config import Settings
from jnqh.consolidate.listing import Listing, list_inbox, registry_fingerprint
from jnqh.consolidate.lock import remove_leftovers, run_lock
from jnqh.store.history import History

if TYPE_CHECKING:
    from jnqh.consolidate.model import Run
    from jnqh.read.registry import Registry


@dataclass(frozen=True)
class Options:
    inbox: Path
    outbox: Path
    as_of: dt.date
    workers: int = 2
    progress: Callable[[int], None] | None = None  # called with the number of files done
    on_total: Callable[[int], None] | None = None  # told how many files there are


class InboxMissing(Exception):
    """The inbox folder does not exist (a usage error)."""


class RegistryUnreadable(Exception):
    """The registry the settings name cannot be read (a usage error); args: the reason's code
    and its detail (the catalogue's message says it in Chinese)."""


@dataclass
class Outcome:
    """What a weekly run did: its summary (the content of ``run.json``), how many files came
    from earlier parses, and whether it only confirmed an unchanged earlier run. The Run
    itself is at hand after a new run; after a confirmation it is loaded from the history
    store when asked for (the command itself needs only the summary)."""

    summary: dict
    reused_files: int
    confirmed: bool
    _load: Callable[[], Run]

    @functools.cached_property
    def run(self) -> Run:
        return self._load()

    @property
    def has_errors(self) -> bool:
        """Errors in the files in use, or a file that could not be read (exit code 1)."""
        issues = self.summary["issues"]
        return issues["errors"] > 0 or issues.get("unreadable_files", 0) > 0


def consolidate(settings: Settings, registry: Registry | None, options: Options) -> Outcome:
    """The weekly run. `registry` None: the one the settings name, loaded only if files must be
    read (RegistryUnreadable when it cannot be)."""
    if not options.inbox.is_dir():
        raise InboxMissing(f"收件箱文件夹 {options.inbox} 不存在。请先建立它并放入各县市区报来的文件，或用 --inbox 指定")
    with run_lock(options.outbox), History(settings.history_path) as history:
        remove_leftovers(options.outbox, options.inbox)  # of a run that crashed while writing
        listing = list_inbox(options.inbox)
        if options.on_total:
            options.on_total(listing.workload)
        fingerprint = listing.fingerprint(*_settings_fingerprint(settings, options))
        confirmed = _unchanged_run(history, settings, options, fingerprint)
        if confirmed is not None:
            if options.progress:
                options.progress(listing.workload)
            return confirmed
        run, summary, state = _new_run(listing, registry, settings, options, history)
        _record(history, run, summary, state, fingerprint, _output_hashes(options.outbox, summary))
    return Outcome(summary, sum(1 for f in run.files if f.reused), False, lambda: run)


def _new_run(listing: Listing, registry: Registry | None, settings: Settings, options: Options,
             history: History) -> tuple[Run, dict, bytes]:
    """Read, match, score and write: the run itself. Its stages are imported here, not at the
    top, so that an unchanged rerun (which stops before this) starts without them."""
    from jnqh.consolidate.build import build_run
    from jnqh.consolidate.intake import read_inbox
    from jnqh.consolidate.outputs import write_outputs
    from jnqh.read.registry import load_registry
    from jnqh.read.workbook import Unreadable

    if registry is None:
        try:
            registry = load_registry(settings.registry)
        except Unreadable as err:
            raise RegistryUnreadable(err.code, err.detail) from err
    intake = read_inbox(listing, registry=registry, registry_path=settings.registry, today=options.as_of,
                        history=history, workers=options.workers, progress=options.progress)
    run = build_run(intake, registry, settings, options.as_of, history)
    # The parsed files are in the Run now; freed before the output workers start, so that
    # they do not inherit them (at 5,000 circles a third of the process).
    del intake
    summary, state = write_outputs(run, settings, options.outbox, workers=options.workers)
    return run, summary, state


def _settings_fingerprint(settings: Settings, options: Options) -> tuple[str, ...]:
    templates = settings.report_templates
    template_files = sorted(templates.rglob("*")) if templates and templates.is_dir() else []
    return (options.as_of.isoformat(), repr(settings.rubric), repr(settings.targets), str(settings.reply_days),
            repr(settings.bulletin),
            registry_fingerprint(settings.registry),
            str(options.outbox.resolve()),
            *(f"{p.name}|{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in template_files if p.is_file()))


def _unchanged_run(history: History, settings: Settings, options: Options, fingerprint: str) -> Outcome | None:
    """The previous run for this date, when nothing it was made from has changed and its
    outputs are all still there as it wrote them (their hashes): the rerun then only
    confirms it (no parsing, no writing)."""
    row = history.run_for(options.as_of.isoformat())
    if row is None or history.fingerprint_of(row.id) != fingerprint:
        return None
    recorded = history.output_hashes(row.id)
    # Every output as the run wrote it: a crashed later run may have replaced one.
    if not recorded or _output_hashes(options.outbox, row.summary) != recorded:
        return None
    return Outcome(row.summary, row.summary["files"]["read"], True,
                   lambda: _stored_run(settings.history_path, row.id))


def _output_hashes(outbox: Path, summary: dict) -> dict[str, str | None]:
    """path → sha256 of each output the summary names (None for a file that is missing)."""
    hashes: dict[str, str | None] = {}
    for path in summary["outputs"].values():
        try:
            with (outbox / path).open("rb") as handle:
                hashes[path] = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            hashes[path] = None
    return hashes


def _stored_run(history_path: Path, run_id: int) -> Run:
    """A confirmed run as the history store keeps it, every file marked as reused."""
    from jnqh.consolidate.state import run_from_state

    with History(history_path) as history:
        run = run_from_state(history.state_of(run_id))
    for entry in run.files:
        entry.reused = True
    return run


def _record(history: History, run: Run, summary: dict, state: bytes, fingerprint: str,
            outputs: dict[str, str | None]) -> None:
    files = [(f.path, f.sha256, f.status, f.county, len(f.circles), f.errors, f.warnings) for f in run.files]
    issue_counts: dict[str, int] = {}
    for issue in run.issues:
        issue_counts[issue.file] = issue_counts.get(issue.file, 0) + 1
    circles = [(c.county, c.name, c.status, c.file, c.score.get("presence", {}).get("total"),
                c.score.get("service", {}).get("total"), c.score.get("service", {}).get("grade"),
                c.final_type, issue_counts.get(c.file, 0)) for c in run.circles]
    history.record_run(run.number, run.as_of.isoformat(), dt.datetime.now().isoformat(timespec="seconds"),
                       summary, files, circles, state, fingerprint,
                       {path: digest for path, digest in outputs.items() if digest})
