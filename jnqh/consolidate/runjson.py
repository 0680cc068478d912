"""`run.json`: the run summary other tools read, and what the history store keeps."""

from __future__ import annotations

from jnqh.consolidate.model import CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, Run
from jnqh.consolidate.figures import run_counts, target_standing
from jnqh.consolidate.state import shallow


def run_summary(run: Run) -> dict:
    counts = run_counts(run)
    return {
        "as_of": run.as_of.isoformat(),
        "number": run.number,
        "files": {
            "read": len(run.files),
            "by_status": _count(f.status for f in run.files),
            "ignored": run.ignored,
            "lock_files": run.locks,
            # `reused` is left out: a rerun must write the same summary as the first run.
            "list": [{k: v for k, v in shallow(f).items() if k != "reused"} for f in run.files],
        },
        "circles": _circle_counts(run),
        "types": run.type_counts,
        "targets": [dict(shallow(t), met=t.met, change=t.change, standing=target_standing(t)) for t in run.targets],
        "counties": [shallow(row) for row in run.counties],
        "city": shallow(run.city) if run.city else None,
        "missing_counties": run.missing_counties,
        "changes": shallow(run.changes),
        # the problems of the files in use; unreadable files are counted as files (figures.py)
        "issues": {"errors": counts["errors"], "warnings": counts["warnings"],
                   "unreadable_files": counts["files_broken"]},
        "pending": run.pending,
        "trend": run.trend,
        "outputs": dict(sorted(run.outputs.items())),
    }


def _circle_counts(run: Run) -> dict:
    def block(circles, expected: int) -> dict:
        circles = list(circles)
        return {
            "expected": expected,
            # registry circles with any submission: the sum of the county rows' 已报送
            "submitted": len({c.name for c in circles if c.status in (CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED)}),
            "accepted": sum(1 for c in circles if c.status == CIRCLE_ACCEPTED),
            "superseded": sum(1 for c in circles if c.status == CIRCLE_SUPERSEDED),
            "unmatched": sum(1 for c in circles if c.status == CIRCLE_UNMATCHED),
        }

    overall = block(run.circles, sum(row.target for row in run.counties))
    main = block((c for c in run.circles if c.main_city), sum(row.target for row in run.counties if row.main_city))
    return dict(overall, main_city=main,
                unmatched_list=[{"name": c.name, "county": c.county, "file": c.file, "nearest": c.nearest}
                                for c in run.circles if c.status == CIRCLE_UNMATCHED])


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))
