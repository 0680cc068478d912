"""The reader on the messy ways counties fill 附件5/附件6 (golden fixtures in tests/fixtures)."""

import datetime as dt
import json
from pathlib import Path

import lo
import openpyxl
import pytest

from jnqh.check.files import check_file
from jnqh.read.registry import load_registry

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2024, 5, 10)


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _read(path, registry):
    return check_file(path, registry=registry, today=TODAY)


@pytest.mark.parametrize("name", ["seed_clean.xlsx", "seed_messy.xlsx"])
def test_golden_fixtures(name, registry):
    """What the reader makes of each fixture is exactly what was reviewed into the JSON."""
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    report = _read(FIXTURES / name, registry).to_json()
    report.pop("sha256")
    report["issues"] = [{k: i[k] for k in ("code", "sheet", "cell", "field")} for i in report["issues"]]
    assert json.loads(json.dumps(report, sort_keys=True)) == expected


def test_seed_layout_pasted_from_word_reads_clean(registry):
    report = _read(FIXTURES / "seed_clean.xlsx", registry)
    assert report.status == "ok"
    circle = report.circles[0].data
    assert circle["name"] == "任城区古槐街道一刻钟便民生活圈"
    assert circle["county"] == "任城区" and circle["as_of"] == "2024-04-30"
    assert circle["operators"] == ["private", "street_community"]  # ticks typed into the □ text
    assert circle["layout"] == "neighborhood"
    assert circle["communities"] == ["古槐社区", "运河社区", "越河社区"]
    assert circle["categories"]["postal_express"]["outlets"] == 2  # label broken over two lines
    # The two 其他 rows are told apart by the block they stand in (the quality label is blank).
    assert circle["categories"]["basic_other"]["outlets"] == 0
    assert circle["categories"]["quality_other"]["outlets"] == 1
    assert circle["total"] == {"outlets": 55, "staff_10k": pytest.approx(0.0166), "chain": 17,
                               "satisfaction_pct": 94.5, "needs": None}


def test_every_value_keeps_its_cell(registry):
    report = _read(FIXTURES / "seed_clean.xlsx", registry)
    sources = report.circles[0].sources
    assert (sources["name"].sheet, sources["name"].cell) == ("生活圈1", "B4")  # the one-line header
    assert sources["residents_10k"].cell == "G9"
    assert sources["categories.convenience_store.outlets"].cell == "D13"
    assert report.projects[0].sources["investment_10k_yuan"].cell == "D5"


def test_stacked_circles_text_numbers_and_mistakes(registry):
    report = _read(FIXTURES / "seed_messy.xlsx", registry)
    first, second = (c.data for c in report.circles)
    assert first["county"] == "任城区"  # typed 任城
    assert first["centers"] == 2 and first["residents_10k"] == pytest.approx(1.2)  # '2座', '１.２'
    assert first["categories"]["convenience_store"]["outlets"] == 3  # '3个'
    assert second["name"] == "任城区南池生活圈" and second["operators"] == []
    found = {(i.code, i.cell) for i in report.issues}
    assert ("V-CHAIN-GT-OUTLETS", "E12") in found
    assert ("V-TOTAL-MISMATCH", "C11") in found
    assert ("V-DATE-FUTURE", "A39") in found and ("V-REQUIRED", "B40") in found
    assert report.projects[0].data["circle"] == "任城区越河街道生活圈"  # by its community


def _form_sheet(ws, top=1, left=1, name="任城区古槐街道一刻钟便民生活圈", options_in_cells=False):
    """A minimal 附件5 laid out label | value, as a county might make it by hand."""
    cells = [("试点生活圈名称", name), ("所在县市区", "任城"), ("截至日期", "2024.4.30"),
             ("四至范围", "东至…"), ("服务社区", "古槐社区"), ("生活圈服务覆盖的居民数量（万人）", "15000")]
    for i, (label, value) in enumerate(cells):
        ws.cell(top + i, left, label)
        ws.cell(top + i, left + 1, value)
    row = top + len(cells)
    ws.cell(row, left, "运营主体")
    if options_in_cells:
        ws.cell(row, left + 1, "国企"), ws.cell(row, left + 2, "√"), ws.cell(row, left + 3, "民营企业")
    else:
        ws.cell(row, left + 1, "国企√ 民营企业□")
    ws.cell(row + 1, left, "发展形态"), ws.cell(row + 1, left + 1, "分布式为主")
    header = ["分类", "主要业态网点", "商业网点数量合计", "从业人数(万人)", "品牌连锁店数量", "满意度", "缺什么"]
    for c, value in enumerate(header):
        ws.cell(row + 2, left + c, value)
    ws.cell(row + 3, left + 1, "便利店"), ws.cell(row + 3, left + 2, 4), ws.cell(row + 3, left + 4, 1)
    return row + 3


def test_a_layout_never_seen_that_keeps_the_labels(tmp_path, registry):
    wb = openpyxl.Workbook()
    _form_sheet(wb.active, top=5, left=3, options_in_cells=True)
    path = tmp_path / "自制.xlsx"
    wb.save(path)
    report = _read(path, registry)
    circle = report.circles[0].data
    assert circle["operators"] == ["soe"] and circle["layout"] == "distributed"
    assert circle["categories"]["convenience_store"]["outlets"] == 4
    codes = {i.code for i in report.issues}
    assert "V-RESIDENTS-PEOPLE" in codes  # 15000 typed as people
    people = next(i for i in report.issues if i.code == "V-RESIDENTS-PEOPLE")
    assert "1.5" in people.hint and people.cell == "D10"


def test_sheet_order_and_names_do_not_matter(tmp_path, registry):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "本表说明"
    _form_sheet(wb.create_sheet("第二个"), name="任城区济阳街道一刻钟便民生活圈")
    _form_sheet(wb.create_sheet("第一个"))
    path = tmp_path / "两个生活圈.xlsx"
    wb.save(path)
    names = [c.name for c in _read(path, registry).circles]
    assert names == ["任城区济阳街道一刻钟便民生活圈", "任城区古槐街道一刻钟便民生活圈"]


def test_circles_of_one_layout_each_read_their_own_cells(tmp_path, registry):
    """Where a header value may stand is worked out once per layout; what stands there is
    read per circle, and a label moved makes a layout of its own."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets = {}
    for title, name in (("古槐", "任城区古槐街道一刻钟便民生活圈"), ("济阳", "任城区济阳街道一刻钟便民生活圈"),
                        ("南苑", "任城区南苑街道一刻钟便民生活圈")):
        sheets[title] = ws = wb.create_sheet(title)
        _form_sheet(ws, name=name)
        ws["E1"] = "附件5"  # the same width on every sheet
    sheets["济阳"]["B4"], sheets["济阳"]["D4"] = None, "东至济阳路"  # typed two cells further right
    sheets["南苑"]["B4"], sheets["南苑"]["C4"], sheets["南苑"]["D4"] = None, "服务社区", "南苑社区"
    path = tmp_path / "三个生活圈.xlsx"
    wb.save(path)

    guhuai, jiyang, nanyuan = _read(path, registry).circles

    assert (guhuai.data["boundaries"], guhuai.sources["boundaries"].cell) == ("东至…", "B4")
    assert (jiyang.data["boundaries"], jiyang.sources["boundaries"].cell) == ("东至济阳路", "D4")
    # A label between: the value right of it is that label's, not 四至范围's.
    assert nanyuan.data["boundaries"] is None and nanyuan.sources["boundaries"].cell == "B4"


def test_xls_files_are_read_too(tmp_path, registry):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("附件5")
    wb = openpyxl.Workbook()
    last = _form_sheet(wb.active)
    for row in wb.active.iter_rows(min_row=1, max_row=last):
        for cell in row:
            if cell.value is not None:
                sheet.write(cell.row - 1, cell.column - 1, cell.value)
    path = tmp_path / "老格式.xls"
    book.save(str(path))
    report = _read(path, registry)
    assert report.circles[0].data["categories"]["convenience_store"]["outlets"] == 4


def test_a_workbook_without_any_form(tmp_path, registry):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "会议纪要"
    path = tmp_path / "纪要.xlsx"
    wb.save(path)
    report = _read(path, registry)
    assert report.status == "unreadable" and [i.code for i in report.issues] == ["F-NO-FORM"]


def test_the_blank_official_template_says_it_is_blank(registry):
    template = Path(__file__).parent.parent / "templates_xlsx" / "济宁市一刻钟便民生活圈填报模板.xlsx"
    report = _read(template, registry)
    assert [i.code for i in report.issues] == ["F-BLANK"]


def test_reading_never_changes_the_input(tmp_path, registry):
    path = FIXTURES / "seed_messy.xlsx"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    _read(path, registry)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


@pytest.mark.libreoffice
@pytest.mark.parametrize("target", ["xlsx", "xls"])
def test_files_saved_by_libreoffice_read_the_same(tmp_path, registry, target):
    """A county that opens the form in LibreOffice (or WPS) and saves it sends the same data."""
    if lo.soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    saved = lo.convert(FIXTURES / "seed_clean.xlsx", tmp_path, target)
    original = _read(FIXTURES / "seed_clean.xlsx", registry).circles[0].data
    again = _read(saved, registry)
    assert again.status == "ok", [i.message for i in again.issues]
    assert again.circles[0].data == original


def test_text_kinds_class_every_text_of_a_sheet_for_the_readers():
    from jnqh.read import circle, extras, locate
    from jnqh.read.workbook import Grid
    index = locate.SheetIndex(Grid("s", [["试点生活圈名称：古槐", "☑便利店 □综合超市 □菜市场", "甲"],
                                         ["试点生活圈名称", "", "乙"]]))
    assert index.texts_of_kind(circle.NAME_LABEL) == ["试点生活圈名称:古槐", "试点生活圈名称"]
    assert index.texts_of_kind(extras.CHECKLIST) == ["☑便利店□综合超市□菜市场"]
    assert index.texts_of_kind(extras.EVENT_NAME_LABEL) == []
    with pytest.raises(KeyError):
        index.texts_of_kind("没有这种")
    # A kind registered after the sheet was indexed still finds its texts.
    name = "测试：乙"
    try:
        assert locate.text_kind(name, "乙".__eq__) == name
        assert index.texts_of_kind(name) == ["乙"]
        with pytest.raises(ValueError):
            locate.text_kind(name, "甲".__eq__)
    finally:
        del locate._TEXT_KINDS[name]
        locate._kinds_of.cache_clear()


def test_reading_says_what_the_file_holds_and_the_rules_run_after(registry):
    """Read, then check: the reader reports only what it could not read; the rules (a chain
    count over the outlets, here) are the check stage's, on the same records."""
    from jnqh.check.files import check_report
    from jnqh.read import read_file

    read = read_file(FIXTURES / "seed_messy.xlsx", registry=registry, today=TODAY)
    assert "V-CHAIN-GT-OUTLETS" not in {i.code for i in read.issues}
    check_report(read, registry, TODAY)
    assert "V-CHAIN-GT-OUTLETS" in {i.code for i in read.issues}
    assert read.to_json() == check_file(FIXTURES / "seed_messy.xlsx", registry=registry, today=TODAY).to_json()
