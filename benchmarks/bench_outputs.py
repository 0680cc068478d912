"""How long the run's workbooks take to write for many circles, and how much memory.

    python benchmarks/bench_outputs.py [--circles 5000] [--base 120]

Builds a Run of `--base` generated circles (spread over the 14 counties, scored by the
project's scorer, with projects and issues) replicated up to `--circles`, then writes the
consolidated workbook, the upward report and every county's feedback. Each job runs in a
fresh process, so its peak memory is its own growth of the process's peak RSS (measured
without tracemalloc, which would double the times). The baseline is xlsxwriter writing as
many cells as the consolidated workbook holds, as plain values on one sheet, in the same
run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_workbooks import (  # noqa: E402  (the fixture run's builders, shared with the tests)
    AS_OF, accepted_circles, finish_run, fixture_files, fixture_issues, registry_for,
)

from jnqh import forms  # noqa: E402
from jnqh.consolidate.model import CircleEntry, Run  # noqa: E402
from jnqh.write.feedback import write_feedback  # noqa: E402
from jnqh.write.workbooks import WORKBOOK_OPTIONS, write_consolidated, write_upward  # noqa: E402
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


def measure(job: str, circles: int, base: int, folder: str) -> tuple[float, float, int]:
    """(seconds, extra peak RSS in MB, cells written) of one job, run in a fresh process."""
    run = big_run(circles, base) if job != "baseline" else None
    out = Path(folder)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    paths = JOBS[job](run, out)
    seconds = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # Linux: KiB
    return seconds, grown, sum(cell_count(path) for path in paths)


def _consolidated(run: Run, out: Path) -> list[Path]:
    write_consolidated(run, out / "consolidated.xlsx")
    return [out / "consolidated.xlsx"]


def _upward(run: Run, out: Path) -> list[Path]:
    write_upward(run, out / "upward.xlsx")
    return [out / "upward.xlsx"]


def _feedback(run: Run, out: Path) -> list[Path]:
    paths = [out / f"feedback_{row.county}.xlsx" for row in run.counties]
    for row, path in zip(run.counties, paths):
        write_feedback(run, row.county, path)
    return paths


def _baseline(_: None, out: Path) -> list[Path]:
    cells = cell_count(out / "consolidated.xlsx")
    baseline(out / "baseline.xlsx", cells)
    return [out / "baseline.xlsx"]


JOBS = {"consolidated": _consolidated, "upward": _upward, "feedback (every county)": _feedback, "baseline": _baseline}


def cell_count(path: Path) -> int:
    book = CalamineWorkbook.from_path(str(path))
    return sum(sum(1 for row in book.get_sheet_by_name(name).to_python() for v in row if v != "")
               for name in book.sheet_names)


def baseline(path: Path, cells: int, width: int = 10) -> None:
    """xlsxwriter writing `cells` plain values (short text and numbers), nothing else,
    with the options the outputs use."""
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
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
    print(f"\n{'workbook':<34}{'seconds':>9}{'+peak MB':>10}{'cells':>12}{'µs/cell':>9}")
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder, spawn.Pool(1, maxtasksperchild=1) as pool:
        for job in JOBS:  # the baseline last: it writes as many cells as the consolidated workbook
            seconds, grown, cells = pool.apply(measure, (job, args.circles, args.base, folder))
            label = "baseline: same cells, plain values" if job == "baseline" else job
            print(f"{label:<34}{seconds:>9.2f}{grown:>10.0f}{cells:>12,}{1e6 * seconds / cells:>9.2f}")


if __name__ == "__main__":
    main()
