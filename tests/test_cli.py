"""The commands' wiring: exit codes, text lines, JSON equal to the library, annotated copies."""

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jnqh.check.files import check_paths
from jnqh.cli import cli, main
from jnqh.read.registry import load_registry

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def inbox(tmp_path):
    """A folder as counties fill it: good, bad, broken, and things that are not workbooks."""
    folder = tmp_path / "收件箱"
    (folder / "任城区").mkdir(parents=True)
    shutil.copy(FIXTURES / "seed_clean.xlsx", folder / "任城区" / "古槐.xlsx")
    shutil.copy(FIXTURES / "seed_messy.xlsx", folder / "越河.xlsx")
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "其实是文本.xlsx").write_text("这不是表格", encoding="utf-8")
    (folder / "导出.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "~$古槐.xlsx").write_bytes(b"\x00lock")
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4\n")
    return folder


def _tree_hash(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_clean_file_exits_zero_with_a_verdict():
    result = CliRunner().invoke(cli, ["check", str(FIXTURES / "seed_clean.xlsx")])
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.output and "可以报送" in result.output.splitlines()[-1]


def test_problems_are_one_line_each_with_file_sheet_cell_and_fix():
    path = FIXTURES / "seed_messy.xlsx"
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if "!E12" in l)
    assert line.strip() == (f"{path} › Sheet1!E12 — [错误] 便利店：品牌连锁店 5 个，多于网点合计 3 个 — "
                            "品牌连锁店是网点的一部分，不能多于网点合计")
    assert result.output.splitlines()[-1].startswith("结论：检查了 1 个文件，发现 ")


def test_json_equals_what_the_library_returns(inbox):
    result = CliRunner().invoke(cli, ["check", str(inbox), "--format", "json"])
    assert result.exit_code == 1
    library = check_paths([inbox], registry=load_registry(), today=dt.date.today()).to_json()
    assert json.loads(result.output) == json.loads(json.dumps(library))


def test_json_shape_of_the_contract(inbox):
    payload = json.loads(CliRunner().invoke(cli, ["check", str(inbox), "--format", "json"]).output)
    by_name = {Path(f["path"]).name: f for f in payload["files"]}
    assert set(by_name) == {"古槐.xlsx", "越河.xlsx", "坏文件.xlsx", "其实是文本.xlsx", "导出.csv"}
    good = by_name["古槐.xlsx"]
    assert good["status"] == "ok" and len(good["sha256"]) == 64
    circle = good["circles"][0]
    assert set(circle["categories"]) >= {"convenience_store", "basic_other", "quality_other"}
    assert set(circle["total"]) == {"outlets", "staff_10k", "chain", "satisfaction_pct", "needs"}
    assert good["projects"][0]["start"] == "2024-01-10"
    assert by_name["坏文件.xlsx"]["status"] == "unreadable"
    assert by_name["其实是文本.xlsx"]["issues"][0]["code"] == "F-NOT-EXCEL"
    assert by_name["导出.csv"]["issues"][0]["code"] == "F-CONVERT"
    issue = by_name["越河.xlsx"]["issues"][0]
    assert set(issue) >= {"severity", "code", "sheet", "cell", "field", "message", "value"}


def test_folders_skip_lock_files_and_list_other_files(inbox):
    result = CliRunner().invoke(cli, ["check", str(inbox)])
    assert "已跳过 1 个 Excel 临时锁文件" in result.output
    assert "说明.pdf" in result.output
    assert "Traceback" not in result.output


def test_annotate_writes_marked_copies_and_leaves_inputs_alone(inbox, tmp_path):
    before = _tree_hash(inbox)
    out = tmp_path / "标注"
    result = CliRunner().invoke(cli, ["check", str(inbox), "--annotate", str(out)])
    assert result.exit_code == 1
    assert _tree_hash(inbox) == before
    copy = openpyxl.load_workbook(out / "越河_标注.xlsx")
    assert copy.sheetnames[0] == "问题清单"
    cell = copy["Sheet1"]["E12"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "多于网点合计" in cell.comment.text and "怎么改" in cell.comment.text
    problems = copy["问题清单"]
    assert problems["A1"].value.startswith("自查问题清单：") and "个错误" in problems["A1"].value
    assert [c.value for c in problems[2]] == ["级别", "工作表", "单元格", "问题", "怎么改", "代码"]
    listed = [(row[2].value, row[3].value) for row in problems.iter_rows(min_row=3)]
    assert any(c == "E12" and "多于网点合计" in t for c, t in listed)
    # printable: fitted to the page width, header row repeated, the message beside its cell
    assert problems.page_setup.fitToWidth == 1 and problems.print_title_rows == "$2:$2"
    assert all(row[3].alignment.wrap_text and row[3].border.left.style == "thin"
               for row in problems.iter_rows(min_row=3))


def test_usage_errors_exit_two_in_chinese(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "xml", "a.xlsx"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "用法错误" in err and "--format" in err


def test_missing_path_is_a_data_error_not_a_crash(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "没有这个文件.xlsx")])
    assert result.exit_code == 1 and "找不到这个文件" in result.output


def test_template_command_writes_the_official_workbook(tmp_path):
    result = CliRunner().invoke(cli, ["template", "--out", str(tmp_path), "--county", "任城"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "任城区_一刻钟便民生活圈填报模板.xlsx"
    names = openpyxl.load_workbook(written, read_only=True).sheetnames
    assert any("古槐街道" in n for n in names)


def test_template_for_an_unknown_county_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["template", "--out", str(tmp_path), "--county", "北京"])
    assert result.exit_code == 2 and "不是县市区名称" in result.output


@pytest.mark.parametrize("command", ["template", "check", "score", "survey", "consolidate", "report", "mail",
                                     "demo", "history"])
def test_every_command_has_chinese_help(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "显示本帮助后退出" in result.output
    summary = result.output.split("\n\n")[1]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in summary)


def test_a_questionnaire_export_is_recognised_not_called_broken(tmp_path):
    import random

    from jnqh import samples

    circle = {"name": "任城区古槐街道一刻钟便民生活圈", "county": "任城区", "as_of": "2024-04-30",
              "residents_10k": 0.1, "communities": ["古槐社区"]}
    samples.write_survey_export(tmp_path / "问卷.xlsx", samples.make_survey_rows(random.Random(1), circle, 30, 90))
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 0 and "附件4 满意度问卷，30 份答卷" in result.output


def test_a_registry_whose_tables_are_not_recognised_is_a_chinese_message(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "名单"
    book.active.append(["区县", "名字"])  # neither 县市区 nor 生活圈名称
    book.active.append(["任城区", "古槐街道一刻钟便民生活圈"])
    book.save(tmp_path / "名册.xlsx")
    (tmp_path / "jnqh.toml").write_text('registry = "名册.xlsx"\n', encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    result = CliRunner().invoke(cli, ["consolidate", "--config", str(tmp_path / "jnqh.toml")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "没有找到生活圈表" in result.output and "名单" in result.output and "县市区" in result.output
