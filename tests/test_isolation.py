"""One hostile file fails alone: a worker that dies reading it (calamine's abort) or a file
that never finishes becomes F-CRASH for that file, and the weekly run writes everything else."""

from __future__ import annotations

import time

import pytest

from jnqh.config import load_settings
from jnqh.consolidate import intake, isolated
from jnqh.consolidate.model import FILE_UNREADABLE
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.read.registry import load_registry
from tests import badfiles
from tests.conftest import DEMO_DAY

pytestmark = pytest.mark.skipif(not hasattr(__import__("os"), "fork"),
                                reason="the patches below reach the workers through fork")


def _run(office):
    settings = load_settings(office / "jnqh.toml")
    return consolidate(settings, load_registry(settings.registry),
                       Options(inbox=settings.inbox, outbox=settings.outbox, as_of=DEMO_DAY)).run


def _entry(run, name):
    return next(f for f in run.files if f.path.endswith(name))


def test_a_file_that_aborts_its_worker_fails_alone(fresh_office, monkeypatch):
    # A route past the byte checks (simulated by switching the .xls check off): calamine
    # asks for 171 GB, the worker aborts; the run must not.
    monkeypatch.setattr("jnqh.read.workbook._check_biff", lambda stream: None)
    badfiles.xls_hidden_substream(fresh_office / "inbox" / "任城区_隐藏表.xls")
    run = _run(fresh_office)
    entry = _entry(run, "任城区_隐藏表.xls")
    assert entry.status == FILE_UNREADABLE and "中断" in entry.reason
    assert [i.code for i in run.issues if i.file.endswith("任城区_隐藏表.xls")] == ["F-CRASH"]
    assert sum(1 for f in run.files if f.status == FILE_UNREADABLE) >= 2  # the demo's broken file too
    assert run.outputs and all((load_settings(fresh_office / "jnqh.toml").outbox / p).is_file()
                               for p in run.outputs.values())
    assert sum(1 for c in run.circles if c.status == "accepted") > 100


def test_a_file_that_never_finishes_fails_alone(fresh_office, monkeypatch):
    monkeypatch.setattr(isolated, "FILE_SECONDS", 3.0)
    real = intake._read_one

    def slow(path, shown, member, registry, today):
        if path.name == "泗水县生活圈调查表.xlsx":
            time.sleep(60)
        return real(path, shown, member, registry, today)

    monkeypatch.setattr(intake, "_read_one", slow)
    started = time.monotonic()
    run = _run(fresh_office)
    assert time.monotonic() - started < 45
    entry = _entry(run, "泗水县生活圈调查表.xlsx")
    assert entry.status == FILE_UNREADABLE and "秒" in entry.reason
    assert sum(1 for c in run.circles if c.status == "accepted") > 100


def test_results_keep_their_order_and_exceptions_stay_with_their_job():
    got = isolated.read_isolated(list(range(10)), _square_or_fail, lambda job, why: ("crashed", job, why),
                                 workers=2, initializer=_nothing, initargs=())
    assert got[:3] == [0, 1, 4] and got[3][:2] == ("crashed", 3) and got[9] == 81


def _square_or_fail(n: int) -> int:
    if n == 3:
        raise ValueError("a bug")
    return n * n


def _nothing() -> None:
    pass


def test_an_unexpected_failure_reading_one_file_in_process_fails_that_file_alone(fresh_office, monkeypatch):
    """Without workers (a small inbox, or --workers 1), a bug met reading one file is that
    file's F-CRASH with a plain reason; the other files are read and every output written."""
    real = intake._read_one

    def broken(path, shown, member, registry, today):
        if path.name == "泗水县生活圈调查表.xlsx":
            raise KeyError("意外")
        return real(path, shown, member, registry, today)

    monkeypatch.setattr(intake, "_read_one", broken)
    settings = load_settings(fresh_office / "jnqh.toml")
    run = consolidate(settings, load_registry(settings.registry),
                      Options(inbox=settings.inbox, outbox=settings.outbox, as_of=DEMO_DAY, workers=1)).run
    entry = _entry(run, "泗水县生活圈调查表.xlsx")
    assert entry.status == FILE_UNREADABLE and "读取时程序出错" in entry.reason and "KeyError" not in entry.reason
    assert [i.code for i in run.issues if i.file.endswith("泗水县生活圈调查表.xlsx")] == ["F-CRASH"]
    assert sum(1 for c in run.circles if c.status == "accepted") > 100 and run.outputs
