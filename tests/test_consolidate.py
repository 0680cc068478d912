"""The weekly run end to end on the demo office: safe, complete, the same every time."""

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jnqh.cli import cli
from test_score_cli import expected_final_type
from jnqh.config import load_settings
from jnqh.consolidate.lock import Busy, run_lock
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.consolidate.runjson import run_summary
from jnqh.store.history import History
from jnqh.read.registry import load_registry

AS_OF = dt.date(2024, 5, 6)


@pytest.fixture(scope="module")
def office(demo_office):
    return demo_office


@pytest.fixture
def fresh(fresh_office):
    return fresh_office


@pytest.fixture(scope="module")
def ran(office, tmp_path_factory):
    """One run on a copy of the demo office, shared by the tests that only look at it."""
    copy = tmp_path_factory.mktemp("ran") / "办公室"
    shutil.copytree(office, copy)
    before = _tree(copy / "inbox")
    run, settings = _run(copy)
    return copy, run, settings, before


def _run(folder: Path, **options):
    settings = load_settings(folder / "jnqh.toml")
    registry = load_registry(settings.registry)
    opts = Options(inbox=settings.inbox, outbox=settings.outbox, as_of=AS_OF, **options)
    return consolidate(settings, registry, opts).run, settings


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _cells(path: Path) -> dict:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_inbox_is_never_touched(ran):
    folder, _, _, before = ran
    assert _tree(folder / "inbox") == before


def test_every_output_is_written(ran):
    _, run, settings, _ = ran
    folder = settings.outbox / "2024-05-06"
    for name in ("济宁市一刻钟便民生活圈汇总_20240506.xlsx", "济宁市_附件5_附件6_20240506.xlsx",
                 "通报_20240506.docx", "通报_20240506.html", "run.json"):
        assert (folder / name).stat().st_size > 0, name
    assert len(list((folder / "反馈").glob("*_反馈_20240506.xlsx"))) == 14
    assert not list(folder.rglob("*.part"))  # no temporary file left behind
    summary = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert summary == json.loads(json.dumps(run_summary(run)))
    for key in ("as_of", "files", "circles", "types", "counties", "outputs"):
        assert key in summary
    assert summary["circles"]["expected"] == 120 and summary["circles"]["main_city"]["expected"] == 80


def test_broken_files_are_listed_and_the_run_goes_on(ran):
    run = ran[1]
    statuses = {f.path: f.status for f in run.files}
    assert any(s == "unreadable" for s in statuses.values())
    # The WPS .et is read by its bytes (it holds a title and no form), not refused by its name.
    assert [s for p, s in statuses.items() if p.endswith(".et")] == ["unreadable"]
    assert any(i.code == "F-NO-FORM" and i.file.endswith(".et") for i in run.issues)
    assert len(run.accepted) > 100
    assert any(p.endswith(".pdf") for p in run.ignored)
    assert any("~$" in p for p in run.locks)


def test_resubmission_supersedes_and_unknown_names_are_listed(ran):
    run = ran[1]
    superseded = [c for c in run.circles if c.status == "superseded"]
    assert superseded and all(c.superseded_by for c in superseded)
    for old in superseded:
        new = next(c for c in run.accepted if c.name == old.name)
        assert (new.data["as_of"], new.file) >= (old.data["as_of"], old.file)
    unmatched = [c for c in run.circles if c.status == "unmatched"]
    assert unmatched and unmatched[0].nearest  # with the nearest registry name


def test_every_accepted_circle_is_scored(ran):
    run = ran[1]
    for circle in run.accepted:
        assert circle.final_type == expected_final_type(circle.score), circle.name
        assert len(circle.score["service"]["items"]) == 10
    assert sum(run.type_counts.values()) == len(run.accepted)


def test_a_county_that_sent_nothing_is_named(ran):
    run = ran[1]
    assert run.missing_counties == ["梁山县"]


def test_rerun_is_identical_and_incremental(fresh):
    first, settings = _run(fresh)
    folder = settings.outbox / "2024-05-06"
    consolidated = folder / "济宁市一刻钟便民生活圈汇总_20240506.xlsx"
    before_json = (folder / "run.json").read_text(encoding="utf-8")
    before_cells = _cells(consolidated)
    second, _ = _run(fresh)
    assert (folder / "run.json").read_text(encoding="utf-8") == before_json
    assert _cells(consolidated) == before_cells
    assert all(f.reused for f in second.files if f.status not in ("convert",) and not f.path.endswith(".xls")
               and "满意度问卷" not in f.path)
    assert second.number == first.number  # a rerun for the same date keeps its 期数


def test_history_records_runs_and_the_next_issue_number(fresh):
    _run(fresh)
    settings = load_settings(fresh / "jnqh.toml")
    registry = load_registry(settings.registry)
    later = Options(inbox=settings.inbox, outbox=settings.outbox, as_of=AS_OF + dt.timedelta(days=7))
    run = consolidate(settings, registry, later).run
    assert run.number == 2 and run.changes.previous_no == 1
    with History(settings.history_path) as history:
        assert [r.number for r in history.runs()] == [1, 2]


def test_a_second_run_at_the_same_time_is_refused(fresh):
    settings = load_settings(fresh / "jnqh.toml")
    with run_lock(settings.outbox):
        with pytest.raises(Busy, match="另一个 jnqh"):
            with run_lock(settings.outbox, wait_seconds=0.2):
                pass


def test_formula_looking_text_stays_text(ran):
    book = openpyxl.load_workbook(next((ran[0] / "outbox").rglob("济宁市一刻钟便民生活圈汇总_*.xlsx")))
    texts = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("=HYPERLINK", "+1+1"))]
    assert texts and all(c.data_type == "s" for c in texts)


def test_feedback_holds_only_its_county(ran):
    _, run, settings, _ = ran
    others = {c.name: c.county for c in run.circles}
    for row in run.counties:
        path = settings.outbox / run.outputs[f"feedback:{row.county}"]
        text = json.dumps(_cells(path), ensure_ascii=False, default=str)
        foreign = [n for n, county in others.items() if county != row.county and n in text]
        assert not foreign, (row.county, foreign[:3])


def test_the_command_prints_a_chinese_summary_and_json(fresh):
    runner = CliRunner()
    result = runner.invoke(cli, ["consolidate", "--config", str(fresh / "jnqh.toml"), "--as-of", "2024-05-06"])
    assert result.exit_code == 1  # the demo carries mistakes
    assert "汇总完成" in result.output and "未报送的县市区：梁山县" in result.output
    result_text = result.output
    result = runner.invoke(cli, ["consolidate", "--config", str(fresh / "jnqh.toml"), "--as-of", "2024-05-06",
                                 "--format", "json"])
    payload = json.loads(result.output)
    assert payload["as_of"] == "2024-05-06" and payload["number"] == 1
    # That second call only confirmed the first run: it prints what run.json holds, and the
    # text says the run was kept, with the same figures and exit code.
    run_json = fresh / "outbox" / "2024-05-06" / "run.json"
    assert payload == json.loads(run_json.read_text(encoding="utf-8")) and result.exit_code == 1
    again = runner.invoke(cli, ["consolidate", "--config", str(fresh / "jnqh.toml"), "--as-of", "2024-05-06"])
    assert again.exit_code == 1 and "沿用上次汇总" in again.output and "未报送的县市区：梁山县" in again.output
    assert again.output.splitlines()[1:] == [
        line.replace(f"读取 {payload['files']['read']} 个，", f"读取 {payload['files']['read']} 个（其中 "
                     f"{payload['files']['read']} 个未变化，沿用上次结果），")
        for line in result_text.splitlines()[1:]]


def test_missing_inbox_is_a_usage_error(tmp_path):
    (tmp_path / "jnqh.toml").write_text('inbox = "没有"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["consolidate", "--config", str(tmp_path / "jnqh.toml")])
    assert result.exit_code == 2 and "收件箱" in result.output


def test_unreadable_registry_is_a_usage_error_and_nothing_is_written(fresh):
    (fresh / "生活圈名册.xlsx").write_text("不是表格", encoding="utf-8")
    result = CliRunner().invoke(cli, ["consolidate", "--config", str(fresh / "jnqh.toml"), "--as-of", "2024-05-06"])
    assert result.exit_code == 2 and "生活圈名册" in result.output and "registry" in result.output
    assert "Traceback" not in result.output
    assert not (fresh / "outbox" / "2024-05-06").exists()


def test_report_and_mail_rerender_a_stored_run(fresh):
    _run(fresh)
    runner = CliRunner()
    config = str(fresh / "jnqh.toml")
    result = runner.invoke(cli, ["report", "2024-05-06", "--config", config])
    assert result.exit_code == 0 and "通报_20240506.docx" in result.output
    result = runner.invoke(cli, ["mail", "--config", config])
    assert "微山县" in result.output  # the county without an address is reported
    assert len(list((fresh / "outbox" / "2024-05-06" / "邮件").glob("*.eml"))) >= 12
    result = runner.invoke(cli, ["mail", "--config", config, "--format", "json"])
    payload = json.loads(result.output)
    assert result.exit_code == 1 and len(payload["messages"]) >= 12
    assert any(p["code"] == "M-NO-ADDRESS" and "微山县" in p["message"] for p in payload["problems"])
    result = runner.invoke(cli, ["report", "第9期", "--config", config])
    assert result.exit_code == 2 and "找不到汇总" in result.output
