"""A finished run taken back from the history store: for `jnqh report` and `jnqh mail`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jnqh.config import Settings
from jnqh.consolidate.model import Run
from jnqh.consolidate.outputs import run_dir
from jnqh.consolidate.state import run_from_state
from jnqh.store.history import History


class RunNotFound(Exception):
    """No such run (a usage error with a Chinese message)."""


@dataclass
class StoredRun:
    run: Run
    folder: Path  # outbox/<as_of>


def load_run(settings: Settings, which: str | None = None) -> StoredRun:
    """The latest run, or the one named by date (2024-04-30) or number (3, 第3期)."""
    if not settings.history_path.exists():
        raise RunNotFound(f"还没有汇总记录（{settings.history_path} 不存在），请先运行 jnqh consolidate")
    with History(settings.history_path) as history:
        row = history.find_run(which)
        state = history.state_of(row.id) if row else None
        known = [f"第{r.number}期（{r.as_of}）" for r in history.runs()]
    if row is None or state is None:
        listed = "、".join(known[-5:]) or "无"
        raise RunNotFound(f"找不到汇总“{which or '最新'}”。已有：{listed}。用截至日期或期数指定，如 2024-04-30 或 3")
    run = run_from_state(state)
    return StoredRun(run, run_dir(settings.outbox, run.as_of))


def rerender_bulletin(settings: Settings, which: str | None = None) -> dict[str, Path]:
    from jnqh.write.bulletin import write_bulletin

    stored = load_run(settings, which)
    return write_bulletin(stored.run, stored.folder, settings.report_templates, settings.bulletin)
