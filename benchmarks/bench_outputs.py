"""How long the run's workbooks take to write for many circles, and how much memory.

    python benchmarks/bench_outputs.py [--circles 5000] [--base 120]

Builds a Run of `--base` generated circles (spread over the 14 counties, scored by the
project's scorer, with projects and issues) replicated up to `--circles`, then writes the
consolidated workbook, the upward report and every county's feedback. Each is timed
without tracing, then written again under tracemalloc for its peak Python memory. The
baseline is xlsxwriter writing the same number of cells as plain values (one sheet,
constant_memory), measured in the same run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_workbooks import (  # noqa: E402  (the fixture run's builders, shared with the tests)
    AS_OF, accepted_circles, build_run, finish_run, fixture_files, fixture_issues, registry_for,
)

from jnqh import forms  # noqa: E402
from jnqh.consolidate.model import CircleEntry, Run  # noqa: E402
from jnqh.consolidate.workbooks import write_consolidated, write_feedback, write_upward  # noqa: E402
from jnqh.samples.circles import LEVELS  # noqa: E402
from jnqh.samples.texts import AREAS, STREETS  # noqa: E402


def base_plan(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """`count` (county, name, level) triples, round-robin over the counties."""
    plan, taken = [], set()
    counties = list(forms.COUNTIES)
    while len(plan) < count:
        county = counties[len(plan) % len(counties)]
        name = f"{rng.choice(STREETS[county])}{rng.choice(AREAS)}一刻钟便民生活圈"
        if name not in taken:
            taken.add(name)
            plan.append((county, name, rng.choice(LEVELS)))
    return plan


def copy_circle(entry: CircleEntry, k: int) -> CircleEntry:
    name = f"{entry.name}{k:04d}"
    return dataclasses.replace(entry, name=name, data={**entry.data, "name": name})


def big_run(total: int, base: int) -> Run:
    rng = random.Random(2024)
    plan = base_plan(base, rng)
    circles, projects = accepted_circles(plan, rng, AS_OF)
    grown = [copy_circle(c, k) for k in range(total // base + 1) for c in circles][:total]
    by_name = {c.name: c for c in circles}
    grown_projects = [{**p, "circle": c.name} for c in grown for p in projects
                      if p["circle"] == by_name[c.name[:-4]].name]
    issues = fixture_issues(grown_projects)
    run = Run(as_of=AS_OF, number=1, generated=AS_OF.isoformat(), circles=grown, projects=grown_projects,
              issues=issues, files=fixture_files(grown, grown_projects, issues))
    listed = [(c.county, c.name, "") for c in grown]
    return finish_run(run, registry_for(listed, extra=()))


def timed(write: Callable[[], None]) -> tuple[float, float]:
    """(seconds untraced, peak MB under tracemalloc)."""
    start = time.perf_counter()
    write()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    write()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def cell_count(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(sum(1 for row in book.get_sheet_by_name(name).to_python() for v in row if v != "")
               for name in book.sheet_names)


def baseline(path: Path, cells: int, width: int = 10) -> None:
    """xlsxwriter writing `cells` plain values (short text and numbers), nothing else."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("data")
    for r in range(cells // width):
        for c in range(width):
            if c % 2:
                sheet.write_number(r, c, r * c + 0.5)
            else:
                sheet.write_string(r, c, f"任城区生活圈{r}")
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circles", type=int, default=5000)
    parser.add_argument("--base", type=int, default=120)
    args = parser.parse_args()
    started = time.perf_counter()
    run = big_run(args.circles, args.base)
    print(f"Run: {len(run.accepted)} circles, {len(run.projects)} projects, {len(run.issues)} issues, "
          f"{len(run.counties)} counties (built in {time.perf_counter() - started:.1f} s)")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        report(out, run)
    small = build_run()
    with tempfile.TemporaryDirectory() as folder:
        seconds, peak = timed(lambda: write_consolidated(small, Path(folder) / "s.xlsx"))
        print(f"\nfor scale: the 7-circle test run's consolidated workbook: {seconds:.2f} s, {peak:.1f} MB")


def report(out: Path, run: Run) -> None:
    jobs = {
        "consolidated": lambda: write_consolidated(run, out / "consolidated.xlsx"),
        "upward": lambda: write_upward(run, out / "upward.xlsx"),
        "feedback (all counties)": lambda: [write_feedback(run, row.county, out / f"fb_{row.county}.xlsx")
                                            for row in run.counties],
    }
    print(f"\n{'workbook':<26}{'seconds':>9}{'peak MB':>10}{'cells':>11}{'µs/cell':>9}")
    for name, job in jobs.items():
        seconds, peak = timed(job)
        target = {"consolidated": "consolidated.xlsx", "upward": "upward.xlsx"}.get(name)
        cells = cell_count(out / target) if target else sum(cell_count(p) for p in out.glob("fb_*.xlsx"))
        print(f"{name:<26}{seconds:>9.2f}{peak:>10.1f}{cells:>11,}{1e6 * seconds / cells:>9.2f}")
        if name == "consolidated":
            base_cells = cells
    seconds, peak = timed(lambda: baseline(out / "baseline.xlsx", base_cells))
    print(f"{'baseline (plain values)':<26}{seconds:>9.2f}{peak:>10.1f}{base_cells:>11,}"
          f"{1e6 * seconds / base_cells:>9.2f}")


if __name__ == "__main__":
    main()
