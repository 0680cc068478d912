"""The history store keeps runs and parsed files deflated, and still reads what jnqh 0.1 wrote."""

import json
import sqlite3

from jnqh.store.history import History, encode_report, encode_state, report_to_json
from jnqh.model import FileReport


def _report() -> FileReport:
    return FileReport(path="任城区/报送.xlsx", sha256="ab" * 32)


def test_state_and_reports_are_stored_deflated_and_read_back(tmp_path):
    state = {"circles": [{"name": "任城区某某一刻钟便民生活圈", "说明": "得 3.8 分" * 50}]}
    with History(tmp_path / "h.sqlite") as history:
        history.record_run(1, "2024-04-30", "2024-04-30T09:00:00", {"as_of": "2024-04-30"}, [], [],
                           encode_state(state), "fp")
        history.store_reports([("key", encode_report(_report()))])
        run_id = history.runs()[-1].id
        assert history.state_of(run_id) == state
        assert report_to_json(history.cached_report("key", "别处/报送.xlsx")) == report_to_json(
            FileReport(path="别处/报送.xlsx", sha256="ab" * 32))
    raw = sqlite3.connect(tmp_path / "h.sqlite").execute("SELECT state FROM runs").fetchone()[0]
    assert isinstance(raw, bytes) and len(raw) < len(json.dumps(state, ensure_ascii=False).encode())


def test_a_store_written_by_jnqh_0_1_still_reads(tmp_path):
    state = {"as_of": "2024-04-30", "circles": []}
    with History(tmp_path / "h.sqlite") as history:
        history.record_run(1, "2024-04-30", "2024-04-30T09:00:00", {}, [], [],
                           json.dumps(state, ensure_ascii=False), "fp")  # 0.1 kept JSON text
        history.store_reports([("key", json.dumps(report_to_json(_report()), ensure_ascii=False))])
        assert history.state_of(history.runs()[-1].id) == state
        assert history.cached_report("key", "任城区/报送.xlsx").sha256 == "ab" * 32
