"""Reading in workers whose death is one file's problem, not the run's.

The byte checks of jnqh/workbook.py refuse every hostile file we know of before calamine
sees it, but calamine aborts the whole process on an allocation it cannot make, and any
route the checks miss would end the weekly run with no outputs. So the files are read in a
process pool, a few at a time, and when a worker dies (an abort, the memory cap) or a file
takes longer than FILE_SECONDS, the files it may have been reading are read again one by
one, each alone in a fresh worker: the one that breaks its worker again is reported as
unreadable (F-CRASH), and the run goes on in a new pool. On Linux each worker may grow its
address space by WORKER_MEMORY at most; Windows has no such limit (the byte checks' budgets hold
there), and its workers are spawned, so a break costs a new pool of about a second.
"""

from __future__ import annotations

import concurrent.futures as futures
import faulthandler
import os
from collections import deque
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Sequence

from jnqh.consolidate.lock import leave_with_parent

FILE_SECONDS = 300.0  # a county workbook reads in well under a second
WORKER_MEMORY = 2 * 1024 ** 3  # address space a worker may add to what it starts with (POSIX)
IN_FLIGHT_PER_WORKER = 2  # files handed out at once: keeps workers busy, bounds the suspects


def read_isolated(jobs: Sequence, work: Callable, crashed: Callable, *, workers: int,
                  initializer: Callable, initargs: tuple, done: Callable[[], None] | None = None) -> list:
    """``work(job)`` for every job, in order, in worker processes; a job whose worker died or
    overran gives ``crashed(job, reason)`` instead (reason: Chinese). `done` is called once
    per job finished.

    Jobs go out in chunks (one pickle per chunk shares the strings its results repeat: at
    1,000 files, 50 MB less in the main process); the chunks in flight when a pool breaks
    are read again a job at a time, and the jobs in flight then, each alone."""
    run = _Run(jobs, work, crashed, [None] * len(jobs), (initializer, initargs), done)
    _read(run, list(range(len(jobs))), max(1, len(jobs) // (workers * 8)), workers)
    return run.results


class _Run:
    def __init__(self, jobs, work, crashed, results, pool_args, done):
        self.jobs, self.work, self.crashed, self.results = jobs, work, crashed, results
        self.pool_args, self.done = pool_args, done

    def finished(self, index: int, result) -> None:
        self.results[index] = result
        if self.done:
            self.done()


def _read(run: _Run, indexes: list[int], chunk: int, workers: int) -> None:
    todo = deque(indexes[i:i + chunk] for i in range(0, len(indexes), chunk))
    while todo:
        suspects = _run_pool(run, todo, workers)
        if chunk > 1:
            _read(run, suspects, 1, workers)
        else:
            for index in suspects:
                run.finished(index, _run_alone(run, run.jobs[index]))


def _run_pool(run: _Run, todo: deque, workers: int) -> list[int]:
    """Work through the chunks of `todo` in one pool; the jobs in flight when it broke or
    stalled (to be read again more carefully), or [] when all went through."""
    pool = _pool(workers, run.pool_args)
    in_flight: dict[futures.Future, list[int]] = {}
    broken = True
    try:
        while todo or in_flight:
            while todo and len(in_flight) < workers * IN_FLIGHT_PER_WORKER:
                batch = todo.popleft()
                in_flight[pool.submit(_work_batch, run.work, [run.jobs[i] for i in batch])] = batch
            finished, _ = futures.wait(in_flight, timeout=FILE_SECONDS, return_when=futures.FIRST_COMPLETED)
            if not finished or any(_broke(f) for f in finished):
                # Stalled or broken: who did it is not known; the rest go to a new pool.
                return sorted(i for batch in in_flight.values() for i in batch)
            for future in finished:
                for index, outcome in zip(in_flight.pop(future), future.result()):
                    run.finished(index, _outcome(outcome, run.jobs[index], run.crashed))
        broken = False
        return []
    finally:
        _stop(pool, kill=broken)


def _run_alone(run: _Run, job):
    pool = _pool(1, run.pool_args)
    try:
        future = pool.submit(_work_batch, run.work, [job])
        finished, _ = futures.wait([future], timeout=FILE_SECONDS)
        if not finished:
            return run.crashed(job, f"超过 {FILE_SECONDS:.0f} 秒仍未读完")
        if _broke(future):
            return run.crashed(job, "程序意外退出，文件可能异常或过大")
        return _outcome(future.result()[0], job, run.crashed)
    finally:
        _stop(pool, kill=True)


def read_in_process(jobs: Sequence, work: Callable, crashed: Callable, done: Callable[[], None] | None = None) -> list:
    """``work(job)`` for every job here, for a handful of files where workers would cost more
    than they save: an exception is still that job's alone (``crashed(job, reason)``)."""
    results = []
    for job in jobs:
        results.append(_outcome(_work_batch(work, [job])[0], job, crashed))
        if done:
            done()
    return results


def _work_batch(work: Callable, batch: list) -> list[tuple[bool, object]]:
    """In a worker: (True, result) or (False, the exception) for each job of a chunk."""
    outcomes = []
    for job in batch:
        try:
            outcomes.append((True, work(job)))
        except Exception as error:  # MemoryError under the cap, or a bug: this job's alone
            outcomes.append((False, error))
    return outcomes


def _outcome(outcome: tuple[bool, object], job, crashed):
    """The job's result, or its failure when it raised (never the run's)."""
    ok, value = outcome
    if ok:
        return value
    # the exception's class is for a developer, not the office: the sentence stays Chinese
    reason = "内存不足，文件可能过大" if isinstance(value, MemoryError) else "读取时程序出错"
    return crashed(job, reason)


def _broke(future: futures.Future) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


def _pool(workers: int, pool_args) -> ProcessPoolExecutor:
    initializer, initargs = pool_args
    return ProcessPoolExecutor(max_workers=workers, initializer=_start_worker,
                               initargs=(initializer, initargs))


def _start_worker(initializer: Callable, initargs: tuple) -> None:
    leave_with_parent()
    _cap_memory()
    _quiet_stderr()
    initializer(*initargs)


def _quiet_stderr() -> None:
    # A worker has nothing to tell the user: its file's fate comes back as data. An abort
    # would otherwise print a Rust backtrace on the office's screen.
    faulthandler.disable()  # a dump of its own, on a copy of stderr (pytest enables one)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _cap_memory() -> None:
    """Cap the worker's address space at what it inherited plus WORKER_MEMORY: a forked worker
    starts with its parent's mappings, which may be large, and must still be able to work."""
    try:
        import resource
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (ImportError, OSError, ValueError, IndexError):  # Windows, or no /proc: no cap
        return
    limit = pages * os.sysconf("SC_PAGE_SIZE") + WORKER_MEMORY
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _stop(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut a pool down; after a break or a stall, without waiting on a worker that hangs."""
    if not kill:
        pool.shutdown(wait=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)
