"""A run killed with -9 leaves nothing that blocks the next: the outbox lock dies with its
process (its pool workers never hold it, and they leave too), leftover temporary files
are removed by the next run, and a rerun confirms the stored run only if every output is
still the file that run wrote."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jnqh.config import load_settings
from jnqh.consolidate.lock import Busy, remove_leftovers, run_lock
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.read.registry import load_registry
from tests.conftest import DEMO_DAY

REPO = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is missing


def _run(office: Path, **options):
    settings = load_settings(office / "jnqh.toml")
    opts = Options(inbox=settings.inbox, outbox=settings.outbox, as_of=DEMO_DAY, **options)
    return consolidate(settings, load_registry(settings.registry), opts)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the workers")
def test_kill_9_of_the_main_process_frees_the_outbox_and_ends_its_workers(fresh_office):
    inbox = fresh_office / "inbox"
    for n in range(3):  # a longer read, so that the workers are caught at work
        shutil.copytree(inbox, fresh_office / f"副本{n}", ignore=shutil.ignore_patterns("~$*"))
        shutil.move(str(fresh_office / f"副本{n}"), str(inbox / f"副本{n}"))
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    main = subprocess.Popen([sys.executable, "-m", "jnqh", "consolidate", "--config", str(fresh_office / "jnqh.toml"),
                             "--as-of", DEMO_DAY.isoformat()], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline, workers = time.monotonic() + 60, []
    while not workers and main.poll() is None and time.monotonic() < deadline:
        workers = _children(main.pid)
        time.sleep(0.01)
    assert workers, "the run ended before its workers were seen"
    time.sleep(0.3)  # the workers are reading
    main.send_signal(signal.SIGKILL)
    main.wait(timeout=10)
    settings = load_settings(fresh_office / "jnqh.toml")
    with run_lock(settings.outbox, wait_seconds=1):  # free at once, not held by the orphans
        pass
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "the workers outlived their run"
    assert _run(fresh_office).summary["circles"]["accepted"] > 0


def test_the_lock_refuses_a_second_holder_in_the_same_process(tmp_path):
    with run_lock(tmp_path):
        with pytest.raises(Busy):
            with run_lock(tmp_path, wait_seconds=0.2):
                pass
    with run_lock(tmp_path, wait_seconds=0.2):  # released
        pass


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_parent(tmp_path):
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    script = (
        "import os, signal, sys, time\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from jnqh.consolidate.lock import run_lock\n"
        f"with run_lock(Path({str(tmp_path)!r})):\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(4)\n"  # the child lives on, as a pool worker would
        "        os._exit(0)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert killed.returncode == -signal.SIGKILL
    with run_lock(tmp_path, wait_seconds=1):  # free although the child still runs
        pass


def test_leftover_temporary_files_are_removed_by_the_next_run(fresh_office):
    settings = load_settings(fresh_office / "jnqh.toml")
    day = settings.outbox / DEMO_DAY.isoformat()
    (day / "反馈").mkdir(parents=True)
    left = [day / ".济宁市一刻钟便民生活圈汇总_20240506.k3j2h1.part", day / "反馈" / ".任城区_反馈.x9.part"]
    for path in left:
        path.write_bytes(b"half a workbook")
    keep = day / "备注.part"  # not a name jnqh gives its temporary files
    keep.write_bytes(b"the office's own")
    _run(fresh_office)
    assert not any(p.exists() for p in left) and keep.exists()


def test_an_inbox_inside_the_outbox_is_left_alone(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    theirs = inbox / ".草稿.part"
    theirs.write_bytes(b"a county's")
    ours = tmp_path / ".run.json.abc.part"
    ours.write_bytes(b"{")
    assert remove_leftovers(tmp_path, inbox) == [ours] and theirs.exists()


def test_a_rerun_confirms_only_outputs_that_are_the_run_s_own(fresh_office):
    first = _run(fresh_office)
    assert not first.confirmed and _run(fresh_office).confirmed
    settings = load_settings(fresh_office / "jnqh.toml")
    workbook = settings.outbox / first.summary["outputs"]["consolidated"]
    original = workbook.read_bytes()
    workbook.write_bytes(original[: len(original) // 2])  # what a crashed writer could leave
    again = _run(fresh_office)
    assert not again.confirmed and workbook.read_bytes() != original[: len(original) // 2]
    assert _run(fresh_office).confirmed
