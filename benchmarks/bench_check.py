"""How fast `jnqh check` reads county workbooks, against python-calamine merely reading them.

Builds, in a temporary folder, a realistic ten-circle county workbook (in the project's
template and in the seed's pasted-from-Word layout, each with a project list) and an
inbox of 120 one-circle files, then prints for each:
- the baseline: python-calamine reading every cell of every sheet;
- `jnqh` in-process: load + read + validate (what `jnqh check` does per file);
- the cold command `jnqh check FILE` as a new process (imports included).
In-process figures are CPU time (time.process_time), medians over rounds, so that another
busy process on the machine disturbs them less. In each round calamine and jnqh are timed
back to back on the same files (after one untimed run of each: caches warm on both sides);
a process's ratio is the median of its rounds' ratios, so that a busy spell weighs on both
sides of it alike. The rounds run in fresh processes (MEASURE_PROCESSES of them), not in the
one that wrote the files: one process's figures move by some 5% with its hash seed and heap,
so the median of the processes is printed and, in brackets, their lowest and highest ratio.
The cold command shows wall time and, in brackets, the CPU time of the child process.
Targets (issue 2): a ten-circle workbook checked cold in ≤ 1 s; in-process ≤ 4× calamine.
Prints figures; asserts nothing. Run: python benchmarks/bench_check.py
"""

from __future__ import annotations

import compileall
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import python_calamine

import jnqh
from jnqh import samples
from jnqh.demo import registry_circles
from jnqh.check.files import check_file
from jnqh.read.registry import load_registry

AS_OF = dt.date(2024, 4, 30)
ROUNDS_ONE_FILE = 41  # a round takes some 20 ms here
ROUNDS_MANY_FILES = 7  # ... and some 1.2 s
MEASURE_PROCESSES = 3
TEMPLATE_FILE, SEED_FILE, INBOX = "county_template.xlsx", "county_seed.xlsx", "inbox"


def calamine_read(path: Path) -> None:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def cpu_time(fn, paths: list[Path]) -> float:
    """The CPU time to run `fn` on every path (seconds)."""
    start = time.process_time()
    for path in paths:
        fn(path)
    return time.process_time() - start


def paired_rounds(base, ours, paths: list[Path], rounds: int) -> tuple[float, float, float]:
    """(median CPU time of `base`, of `ours`, median of their ratio per round) on every path.

    Each round times both on the whole set, back to back, in alternating order, after one
    untimed run of each: a busy spell of this shared machine then weighs on both halves of a
    round alike, and the median over rounds drops the spells that hit one half only.
    """
    cpu_time(base, paths)
    cpu_time(ours, paths)
    times = []
    for i in range(rounds):
        if i % 2:
            o = cpu_time(ours, paths)
            b = cpu_time(base, paths)
        else:
            b = cpu_time(base, paths)
            o = cpu_time(ours, paths)
        times.append((b, o))
    return (statistics.median(b for b, _ in times), statistics.median(o for _, o in times),
            statistics.median(o / b for b, o in times))


def make_files(folder: Path) -> dict[str, list[Path]]:
    """Write the three file sets into `folder`; returns them by label (see file_sets)."""
    rng = random.Random(7)
    registered = registry_circles()
    county = "任城区"
    names = [c.name for c in registered if c.county == county][:10]
    circles = [samples.make_circle(rng, name=n, county=county, as_of=AS_OF, level=rng.choice(samples.LEVELS))
               for n in names]
    projects = [p for c in circles for p in samples.make_projects(rng, c, AS_OF)]
    samples.write_template_workbook(folder / TEMPLATE_FILE, county, circles, projects, today=AS_OF)
    samples.write_seed_workbook(folder / SEED_FILE, county, circles, projects, with_form2=True, with_facts=True)
    (folder / INBOX).mkdir(exist_ok=True)
    for i, entry in enumerate(registered):
        circle = samples.make_circle(rng, name=entry.name, county=entry.county, as_of=AS_OF,
                                     level=rng.choice(samples.LEVELS))
        writer = samples.write_template_workbook if i % 2 else samples.write_seed_workbook
        writer(folder / INBOX / f"{i:03d}.xlsx", entry.county, [circle], samples.make_projects(rng, circle, AS_OF))
    return file_sets(folder)


def file_sets(folder: Path) -> dict[str, list[Path]]:
    """The file sets make_files wrote into `folder`, by the label printed for each."""
    return {"10 个生活圈（模板）": [folder / TEMPLATE_FILE], "10 个生活圈（照抄Word版式）": [folder / SEED_FILE],
            "120 个单生活圈文件": sorted((folder / INBOX).glob("*.xlsx"))}


def cold_check(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of `jnqh check FILE` run as a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jnqh", "check", str(path)], capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(folder: Path) -> dict[str, tuple[float, float, float]]:
    """(calamine, jnqh, ratio) of each file set in `folder`, timed in this process."""
    registry = load_registry()
    figures = {}
    for label, paths in file_sets(folder).items():
        rounds = ROUNDS_ONE_FILE if len(paths) == 1 else ROUNDS_MANY_FILES
        figures[label] = paired_rounds(calamine_read, lambda p: check_file(p, registry=registry, today=AS_OF),
                                       paths, rounds)
    return figures


def measured_in_fresh_processes(folder: Path) -> list[dict[str, list[float]]]:
    runs = []
    for _ in range(MEASURE_PROCESSES):
        child = subprocess.run([sys.executable, __file__, "--measure", str(folder)], capture_output=True,
                               text=True, encoding="utf-8", check=True)
        runs.append(json.loads(child.stdout))
    return runs


def main() -> None:
    # Compiled once, as pip does when it installs the package: a cold command loads .pyc files.
    compileall.compile_dir(Path(jnqh.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        print("生成测试文件……", flush=True)
        sets = make_files(Path(tmp))
        print(f"在 {MEASURE_PROCESSES} 个新进程中计时……", flush=True)
        runs = measured_in_fresh_processes(Path(tmp))
        print(f"{'文件集':<22}{'calamine 读取':>14}{'jnqh 检查':>12}{'倍数（最低–最高）':>18}{'冷启动命令（CPU）':>20}")
        for label, paths in sets.items():
            base, ours = (statistics.median(run[label][i] for run in runs) for i in (0, 1))
            ratios = [run[label][2] for run in runs]
            ratio_text = f"{statistics.median(ratios):.1f}×（{min(ratios):.1f}–{max(ratios):.1f}）"
            cold_text = "—"
            if len(paths) == 1:
                colds = [cold_check(paths[0]) for _ in range(3)]
                wall, cpu = (statistics.median(cold[i] for cold in colds) for i in (0, 1))
                cold_text = f"{wall:.2f} s（{cpu:.2f} s）"
            print(f"{label:<22}{base * 1000:>11.1f} ms{ours * 1000:>9.1f} ms{ratio_text:>16}{cold_text:>20}")
        print("进程内为 CPU 时间：每个进程取各轮中位数，倍数为每轮 jnqh ÷ calamine 的中位数（两者在同一轮内先后计时）；")
        print(f"表中为 {MEASURE_PROCESSES} 个新进程的中位数，括号内为各进程倍数的最低与最高值。")
        print("目标：10 个生活圈的工作簿冷启动检查 ≤ 1 s；进程内检查 ≤ 4× calamine 读取时间。")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:  # a child of main(): time the sets, print them as JSON
        print(json.dumps(measure(Path(sys.argv[2])), ensure_ascii=False))
    else:
        main()
