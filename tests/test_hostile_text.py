"""Control characters as Excel stores them (`_x0008_`) never stop a writer: they are dropped
when a text is normalised, and every writer drops what still reaches it (a file name)."""

import datetime as dt
import io
import re
import time
from pathlib import Path

import docx
import openpyxl
import pytest
import xlwt
from click.testing import CliRunner

from jnqh.write import bulletin
from jnqh.write.annotate import annotate_file
from jnqh.write.bulletin_docx import bulletin_docx
from jnqh.cli import cli
from jnqh.config import load_settings
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.issues import make
from jnqh.normalize import clean_text, drop_controls, fold, split_list
from jnqh.read.registry import load_registry
from jnqh.read.workbook import load_book
from tests import badfiles
from tests.conftest import copy_office

AS_OF = dt.date(2024, 5, 6)
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f]")


def test_normalising_drops_c0_controls_but_tab_and_newline():
    assert clean_text("利民里\x08老年\x1b助餐点") == "利民里老年助餐点"
    assert clean_text("第一行\n第二行") == "第一行\n第二行"
    assert clean_text("\x07\x08") is None
    assert fold("ＡＢ\x00\x1f") == "AB"
    assert split_list("甲\x0b、乙\x1c") == ["甲", "乙"]
    assert drop_controls("a\tb\nc\rd\ufffe") == "a\tb\ncd"


@pytest.fixture(scope="module")
def office(demo_office, tmp_path_factory):
    folder = copy_office(demo_office, tmp_path_factory.mktemp("hostile"))
    inbox = folder / "inbox"
    source = next(inbox.glob("鱼台县*.xlsx"))
    book = load_book(source)
    circle, project = book.sheet("附件5-3").text(2, 1), book.sheet("附件6项目清单").text(2, 3)
    assert circle.endswith("一刻钟便民生活圈") and len(project) > 3  # the template's places
    moved = source.with_name("原件.xlsx")
    source.rename(moved)
    hostile = {circle: f"{circle[:5]}_x0007_{circle[5:-8]}X{circle[-8:]}",  # not in the registry
               project: f"{project[:2]}_x0008_{project[2:]}_x001B_"}
    badfiles.with_text_replaced(source, moved, hostile)
    moved.unlink()
    return folder, source, circle.replace("一刻钟", "X一刻钟"), project


def test_consolidate_writes_every_output_from_a_file_with_control_characters(office):
    folder, _, circle, project = office
    settings = load_settings(folder / "jnqh.toml")
    consolidate(settings, load_registry(settings.registry),
                Options(inbox=settings.inbox, outbox=settings.outbox, as_of=AS_OF))
    day = settings.outbox / "2024-05-06"
    text = "\n".join(p.text for p in docx.Document(day / "通报_20240506.docx").paragraphs)
    assert text and not CONTROLS.search(text)
    feedback = _texts(next((day / "反馈").glob("鱼台县_反馈_*.xlsx")))
    assert any(circle in c for c in feedback)
    everything = _texts(day / "济宁市_附件5_附件6_20240506.xlsx")
    assert project in everything
    assert not any(CONTROLS.search(c) or "_x00" in c for c in feedback + everything)


def _texts(path: Path) -> list[str]:
    return [c for ws in openpyxl.load_workbook(path).worksheets
            for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]


def test_annotate_marks_a_file_with_control_characters(office, tmp_path):
    _, source, circle, _ = office
    out = tmp_path / "标注"
    result = CliRunner().invoke(cli, ["check", "--annotate", str(out), str(source)])
    assert "Traceback" not in result.output and result.exit_code in (0, 1), result.output
    copy_path = next(out.glob("*_标注.xlsx"))
    book = openpyxl.load_workbook(copy_path)
    comments = [c.comment.text for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any(circle in t for t in comments)
    assert not any(CONTROLS.search(t) for t in comments)


def test_annotating_an_xls_drops_control_characters(tmp_path):
    source = tmp_path / "旧表.xls"
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("表一").write(0, 0, "名称\x08有退格")
    book.save(str(source))
    issue = make("V-NUMBER", file="旧表.xls\x07", sheet="表一", cell="A1", value="名称\x08有退格")
    target = tmp_path / "标注.xlsx"
    annotate_file(source, [issue], target)
    sheet = openpyxl.load_workbook(target)["表一"]
    assert sheet["A1"].value == "名称有退格" and "\x08" not in sheet["A1"].comment.text


def test_the_docx_writer_takes_any_text(tmp_path):
    blocks, meta = bulletin.parse_blocks("# 通报\n\n未能读取：坏\x07文件.xlsx\x1b\n")
    report = bulletin.Bulletin(context={}, text="", blocks=blocks, meta=meta)
    document = docx.Document(io.BytesIO(bulletin_docx(report, AS_OF)))
    assert "未能读取：坏文件.xlsx" in "\n".join(p.text for p in document.paragraphs)


def test_annotate_refuses_a_huge_workbook_in_seconds(office, tmp_path):
    _, source, _, _ = office
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c></row>' for r in range(1, 200_001))
    huge = badfiles.custom_sheet_xlsx(tmp_path / "大表.xlsx", source, rows)  # 填报说明 sheet, now 200,000 rows
    out = tmp_path / "标注"
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["check", "--annotate", str(out), str(huge), str(source)])
    assert time.monotonic() - started < 30, "annotate took too long"
    assert "大表.xlsx 表格内容太多，没有生成标注副本" in result.output and "已写出 1 个标注副本" in result.output
    assert [p.name for p in out.iterdir()] == [f"{source.stem}_标注.xlsx"]
