"""A run saved whole, so `jnqh report` and `jnqh mail` re-render exactly what was consolidated.

The history store keeps each run's state as JSON (not the inbox as it is today, which may
have moved on); this module turns a :class:`Run` into that JSON and back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from jnqh.consolidate.model import Changes, CircleEntry, CountyRow, FileEntry, Run, Target
from jnqh.issues import Issue


def shallow(record) -> dict:
    """A dataclass's fields as a dict, without copying what they hold.

    ``dataclasses.asdict`` deep-copies every circle's data; for a run of thousands of
    circles that took seconds, and the values are only serialised, never changed.
    """
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def run_to_state(run: Run) -> dict:
    state = shallow(run)
    state["as_of"] = run.as_of.isoformat()
    for key in ("files", "circles", "issues", "counties", "targets"):
        state[key] = [shallow(item) for item in state[key]]
    state["changes"] = shallow(run.changes)
    state["city"] = shallow(run.city) if run.city else None
    return state


def run_from_state(state: dict) -> Run:
    changes = state.get("changes") or {}
    return Run(
        as_of=dt.date.fromisoformat(state["as_of"]),
        number=state["number"],
        generated=state["generated"],
        files=[FileEntry(**f) for f in state.get("files", [])],
        ignored=list(state.get("ignored", [])),
        locks=list(state.get("locks", [])),
        circles=[CircleEntry(**c) for c in state.get("circles", [])],
        projects=list(state.get("projects", [])),
        issues=[Issue(**i) for i in state.get("issues", [])],
        counties=[CountyRow(**c) for c in state.get("counties", [])],
        targets=[Target(**t) for t in state.get("targets", [])],
        type_counts=dict(state.get("type_counts", {})),
        changes=Changes(**{k: [tuple(x) if isinstance(x, list) else x for x in v] if isinstance(v, list) else v
                           for k, v in changes.items()}),
        missing_counties=list(state.get("missing_counties", [])),
        city=CountyRow(**state["city"]) if state.get("city") else None,
        city_form5=dict(state.get("city_form5") or {}),
        pending=list(state.get("pending") or []),
        trend=list(state.get("trend") or []),
        reply_by=state.get("reply_by"),
        outputs=dict(state.get("outputs", {})),
    )
