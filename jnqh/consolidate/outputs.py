"""Step 5 of the weekly run: every output of a Run, written atomically, on both cores.

The consolidated workbook, the upward report, one feedback workbook per county and the
通报 are independent renderings of the same Run, so they are written by a small process
pool (the Run is sent to each worker once); ``run.json`` is written last.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from jnqh.atomic import quiet_abandoned_zips, write_text
from jnqh.config import Settings
from jnqh.consolidate.lock import leave_with_parent
from jnqh.consolidate.model import Run
from jnqh.consolidate.runjson import run_summary
from jnqh.consolidate.state import run_to_state
from jnqh.store.history import encode_state
from jnqh.names import file_part

CONSOLIDATED = "济宁市一刻钟便民生活圈汇总_{tag}.xlsx"
UPWARD = "济宁市_附件5_附件6_{tag}.xlsx"
FEEDBACK = "反馈/{county}_反馈_{tag}.xlsx"
RUN_JSON = "run.json"
STATE = "state"  # not a file: the run as the history store keeps it
# Fewer outputs than this are written in-process: a pool would cost more than it saves.
PARALLEL_FROM = 6


def run_dir(outbox: Path, as_of: dt.date) -> Path:
    return outbox / as_of.isoformat()


def plan_outputs(run: Run, outbox: Path) -> list[tuple[str, str | None]]:
    """Name every output in `run.outputs` (paths relative to the outbox); the jobs to write them."""
    from jnqh.write.bulletin import file_name

    folder = run_dir(outbox, run.as_of).relative_to(outbox)
    tag = run.date_tag
    run.outputs["consolidated"] = (folder / CONSOLIDATED.format(tag=tag)).as_posix()
    run.outputs["upward"] = (folder / UPWARD.format(tag=tag)).as_posix()
    for row in run.counties:
        run.outputs[f"feedback:{row.county}"] = (folder / FEEDBACK.format(county=file_part(row.county), tag=tag)).as_posix()
    for kind in ("docx", "html"):
        run.outputs[f"bulletin_{kind}"] = (folder / file_name(run, f".{kind}")).as_posix()
    run.outputs["run_json"] = (folder / RUN_JSON).as_posix()
    # Longest first, so the two workers finish together.
    jobs = [("consolidated", None), ("upward", None), ("bulletin", None)]
    return jobs + [("feedback", row.county) for row in run.counties]


def write_outputs(run: Run, settings: Settings, outbox: Path, *, workers: int = 2) -> tuple[dict, bytes]:
    """Write every output of `run`; return the run summary written to ``run.json`` and the
    run's state for the history store (encoded by whichever worker is free first)."""
    jobs = [*plan_outputs(run, outbox), (STATE, None)]
    context = (run, outbox, settings.report_templates, settings.bulletin)
    if workers <= 1 or len(jobs) < PARALLEL_FROM:
        _init_worker(*context)
        results = [_write(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=context) as pool:
            results = list(pool.map(_write, jobs))  # list(): re-raise the first failure here
    summary = run_summary(run)
    write_text(outbox / run.outputs["run_json"], json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return summary, results[-1]


_CONTEXT: dict = {}


def _init_worker(run: Run, outbox: Path, templates: Path | None, office=None) -> None:
    leave_with_parent()
    quiet_abandoned_zips()  # a full disk is reported once, by the main process
    _CONTEXT.update(run=run, outbox=outbox, templates=templates, office=office)


def _write(job: tuple[str, str | None]) -> bytes | None:
    from jnqh.write.bulletin import write_bulletin
    from jnqh.write.feedback import write_feedback
    from jnqh.write.workbooks import write_consolidated, write_upward

    run, outbox = _CONTEXT["run"], _CONTEXT["outbox"]
    kind, county = job
    if kind == STATE:
        return encode_state(run_to_state(run))
    if kind == "bulletin":
        write_bulletin(run, run_dir(outbox, run.as_of), _CONTEXT["templates"], _CONTEXT["office"])
    elif kind == "consolidated":
        write_consolidated(run, outbox / run.outputs["consolidated"])
    elif kind == "upward":
        write_upward(run, outbox / run.outputs["upward"])
    else:
        write_feedback(run, county, outbox / run.outputs[f"feedback:{county}"])
    return None
