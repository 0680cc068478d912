"""How fast and how lean `jnqh consolidate` is, against python-calamine merely reading the inbox.

For N = 120, 1,000 and 5,000 circles it builds a working folder: a registry of N circles
and an inbox of N one-circle workbooks, every other one in the official template and the
rest in the seed's pasted-from-Word layout (with its 附件2 checklist and 附件3 facts) — the
shape of the 120-file inbox of bench_check.py and of the 5,000 workbooks measured in
excel-io-facts.md. `--per-file K` puts K circles in each workbook instead (county
workbooks, all in the seed layout). Then it runs, as a new process each time:
- the cold run `jnqh consolidate` (imports, reading on both cores, scoring, every output);
- the rerun on the unchanged inbox;
and prints wall time, files per second and the peak memory of the largest process, next
to the baseline measured in the same run: python-calamine reading every cell of every file.
Targets (issue 4): 120 circles ≤ 3 s cold; 5,000 ≤ 60 s, ≤ 1 GB and ≤ 4× the raw read;
an unchanged rerun ≤ 10 % of the cold run. Prints figures; asserts nothing.

Run: python benchmarks/bench_consolidate.py [N ...] [--per-file K] [--keep DIR]
(`--keep DIR` keeps the generated working folders under DIR and reuses them on the next run.)
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import shutil
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import python_calamine

import jnqh
from jnqh import forms, samples
from jnqh.config import DEFAULT_CONFIG
from jnqh.demo import write_registry
from jnqh.read.registry import Contact, RegisteredCircle

AS_OF = dt.date(2024, 4, 30)


def make_office(folder: Path, n: int, per_file: int) -> int:
    """A registry of `n` circles and an inbox holding all of them; returns the file count."""
    circles = [RegisteredCircle(county=forms.COUNTIES[i % len(forms.COUNTIES)],
                                name=f"{forms.COUNTIES[i % len(forms.COUNTIES)]}第{i + 1}号一刻钟便民生活圈",
                                main_city=forms.COUNTIES[i % len(forms.COUNTIES)] in forms.MAIN_CITY_COUNTIES)
               for i in range(n)]
    contacts = [Contact(c, "联系人", f"c{i}@example.cn", None) for i, c in enumerate(forms.COUNTIES)]
    folder.mkdir(parents=True)
    write_registry(folder / "生活圈名册.xlsx", circles, contacts)
    (folder / "jnqh.toml").write_text(DEFAULT_CONFIG, encoding="utf-8")
    jobs = [(folder / "inbox", start, circles[start:start + per_file], per_file)
            for start in range(0, n, per_file)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_write_file, jobs, chunksize=16))
    return len(jobs)


def _write_file(job: tuple[Path, int, list[RegisteredCircle], int]) -> None:
    inbox, start, group, per_file = job
    rng = random.Random(start)
    data = [samples.make_circle(rng, name=c.name, county=c.county, as_of=AS_OF, level=rng.choice(samples.LEVELS))
            for c in group]
    projects = [p for c in data for p in samples.make_projects(rng, c, AS_OF)]
    target = inbox / group[0].county / f"{start:05d}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    if per_file == 1 and start % 2:
        samples.write_template_workbook(target, group[0].county, data, projects, today=AS_OF)
    else:
        samples.write_seed_workbook(target, group[0].county, data, projects, with_form2=True, with_facts=True)


def raw_read(inbox: Path) -> float:
    start = time.perf_counter()
    for path in sorted(inbox.rglob("*.xlsx")):
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    return time.perf_counter() - start


# As installed in the office, Python keeps compiled .pyc files; this sandbox sets
# PYTHONDONTWRITEBYTECODE, which would make every cold command recompile the package.
COMMAND_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# The command runs under a small wrapper process, so the peak covers exactly the run's own
# process tree (the command and its worker processes), not the processes that built the
# inbox; the wrapper times the command itself, so its own start-up is not counted.
WRAPPER = ("import resource, subprocess, sys, time; start = time.perf_counter(); "
           "subprocess.run(sys.argv[1:], capture_output=True); "
           "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run_command(folder: Path) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MB) of the largest process of one `jnqh consolidate`."""
    command = [sys.executable, "-m", "jnqh", "consolidate", "--config", str(folder / "jnqh.toml"),
               "--as-of", AS_OF.isoformat(), "--format", "json"]
    done = subprocess.run([sys.executable, "-c", WRAPPER, *command], capture_output=True, text=True,
                          check=True, env=COMMAND_ENV)
    wall, peak = done.stdout.split()[-2:]
    return float(wall), int(peak) / 1024  # Linux reports KiB


def office(root: Path, n: int, per_file: int) -> tuple[Path, int]:
    """The working folder for `n` circles under `root`, made unless a finished one is there."""
    folder = root / f"office-{n}-{per_file}"
    done = folder / "ready"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        files = make_office(folder, n, per_file)
        done.write_text(str(files))
    shutil.rmtree(folder / "outbox", ignore_errors=True)  # every measured run starts cold
    return folder, int(done.read_text())


def main(sizes: list[int], per_file: int, keep: Path | None) -> None:
    print(f"每个文件 {per_file} 个生活圈")
    print(f"{'生活圈':>7}{'文件':>6}{'calamine 读取':>14}{'首次汇总':>10}{'倍数':>7}{'文件/秒':>9}"
          f"{'峰值内存':>10}{'再次汇总':>10}{'占首次':>8}")
    # Compile the whole package once, as pip does when it installs it, so cold runs measure
    # the work, not compiling the modules a run imports late.
    compileall.compile_dir(Path(jnqh.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder, files = office(keep or Path(tmp), n, per_file)
            base = raw_read(folder / "inbox")
            cold, peak = run_command(folder)
            rerun, _ = run_command(folder)
            print(f"{n:>7}{files:>6}{base:>12.2f} s{cold:>8.2f} s{cold / base:>6.1f}×{files / cold:>9.1f}"
                  f"{peak:>8.0f} MB{rerun:>8.2f} s{100 * rerun / cold:>7.0f}%", flush=True)
    print("目标：120 个 ≤ 3 s；5000 个 ≤ 60 s、≤ 1 GB、≤ 4× 纯读取；未变化的重跑 ≤ 首次的 10%。")
    print("（峰值内存为最大的单个进程；用两个核时另有一个工作进程。）")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[120, 1000, 5000])
    parser.add_argument("--per-file", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    main(args.sizes, args.per_file, args.keep)
