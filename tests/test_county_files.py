"""Files as counties really make them (issue 14): what they type for "nothing", invisible
characters pasted from Word, percent-formatted cells, dates and numbers as people write
them, hidden sheets, archives and WPS files. Each cause is tested both ways: the values
come out right, and nothing typed right raises an error or warning."""

import datetime as dt
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from test_reader import FIXTURES, TODAY, _read, registry  # noqa: F401 (a fixture, shared)

SEED = FIXTURES / "seed_clean.xlsx"  # the seed's 附件5 as pasted from Word, filled right


def _variant(tmp_path, edits, name="variant.xlsx", prepare=None):
    """The seed fixture with some cells retyped (cell -> value), saved as a county would."""
    book = openpyxl.load_workbook(SEED)
    sheet = book.worksheets[0]
    for ref, value in edits.items():
        sheet[ref] = value
    if prepare:
        prepare(book)
    path = tmp_path / name
    book.save(path)
    return path


def _codes(report):
    return sorted((i.code, i.cell) for i in report.issues)


@pytest.fixture(scope="module")
def baseline(registry):
    report = _read(SEED, registry)
    assert report.status == "ok"
    return _codes(report)


# ---------------------------------------------------------------------------
# 1. Chinese placeholders for "nothing"
# ---------------------------------------------------------------------------


def test_placeholders_read_as_nothing_zero_or_blank_by_kind(tmp_path, registry, baseline):
    path = _variant(tmp_path, {
        "D8": "无",  # 智慧服务平台: no platform, not a platform named 无
        "D26": "无", "E26": "——", "F26": "/",  # 其他: no outlets; staff, chain not applicable
        "G21": "—",  # 照相文印店 satisfaction: nothing to report
        "H24": "暂无",  # 需求清单
        "D9": "0个",  # 社区商业中心
        "G26": "／", "H25": "-",
    })
    report = _read(path, registry)
    circle = report.circles[0].data
    assert circle["platform"] is None
    other = circle["categories"]["basic_other"]
    assert (other["outlets"], other["staff_10k"], other["chain"]) == (0, None, None)
    assert circle["categories"]["photo_print"]["satisfaction_pct"] is None
    assert circle["categories"]["postal_express"]["needs"] is None
    assert circle["centers"] == 0
    assert _codes(report) == baseline  # no 应为数字, no 选项无效


def test_none_words_in_the_other_kinds():
    from jnqh import forms
    from jnqh.normalize import parse_choice, parse_count, parse_date, parse_multi, parse_percent, parse_yesno

    assert parse_count("没有").value == 0 and parse_count("0家", unit="家").value == 0
    assert parse_percent("暂无").value is None and parse_percent("暂无").ok
    assert parse_date("无").ok and parse_date("——").value is None
    assert parse_yesno("没有").value is False
    assert parse_multi("无", forms.OPERATORS).value == [] and parse_multi("无", forms.OPERATORS).ok
    # A choice with a 无 option of its own takes it; one without reads 无 as nothing chosen.
    assert parse_choice("无", forms.ELDERLY_AREA_CHOICES).value == "none"
    assert parse_choice("无", forms.LAYOUTS).value is None and parse_choice("无", forms.LAYOUTS).ok
    # A number with a minus, a date with dashes: not placeholders.
    assert parse_count("-5").code == "V-NEGATIVE" and parse_date("2024-4-30").value == dt.date(2024, 4, 30)


def test_a_placeholder_in_a_required_field_is_still_missing(tmp_path, registry):
    report = _read(_variant(tmp_path, {"C7": "——"}), registry)
    found = {(i.code, i.cell) for i in report.issues}
    assert ("V-REQUIRED", "C7") in found and not any(i.code == "V-NUMBER" for i in report.issues)


# ---------------------------------------------------------------------------
# 2. Invisible characters pasted from Word and web pages
# ---------------------------------------------------------------------------


def test_invisible_characters_in_labels_and_values(tmp_path, registry, baseline):
    seed = openpyxl.load_workbook(SEED).worksheets[0]
    path = _variant(tmp_path, {
        "B4": "\ufeff" + seed["B4"].value.replace("截至", "截\u200b至"),
        "B7": "四至\u00ad范围", "F7": "\ufeff服务社区",
        "B8": "便民生活圈智慧\u200b服务平台（如有，请列出名称）",
        "E9": "生活圈服务覆盖的居民\u2060\n数量（万人）",
        "C14": "综合\u00ad超市", "D11": "商业网点\u200c\n（店铺）数量合计（个）",
        "C7": "东至\u200b共青团路，西至运河路，南至红星路，北至建设路",
        "G7": "古槐社区\u200b、运河社区，越河社区\ufeff", "D13": "6\u200b", "G9": "1.2\u00ad",
        "H25": "\u200b\u200b",  # shows nothing: blank
    })
    report = _read(path, registry)
    circle = report.circles[0].data
    assert circle["boundaries"] == "东至共青团路，西至运河路，南至红星路，北至建设路"
    assert circle["communities"] == ["古槐社区", "运河社区", "越河社区"]
    assert circle["platform"] == "济时通小程序"
    assert circle["as_of"] == "2024-04-30" and circle["residents_10k"] == pytest.approx(1.2)
    assert circle["categories"]["supermarket"]["outlets"] == 2
    assert circle["categories"]["convenience_store"]["outlets"] == 6
    assert circle["categories"]["recycling"]["needs"] is None
    assert _codes(report) == baseline


# ---------------------------------------------------------------------------
# 4. Percent cells formatted as percent
# ---------------------------------------------------------------------------


def _as_percent_cells(book, number_format="0%"):
    """What Excel stores for '96%' typed or pasted into a cell: 0.96 with a percent format."""
    sheet = book.worksheets[0]
    for row in range(12, 34):
        cell = sheet.cell(row, 7)  # the 居民满意度（%） column
        if isinstance(cell.value, (int, float)):
            cell.value = cell.value / 100
            cell.number_format = number_format
    sheet["G10"] = 0.12  # facility area, typed 12%
    sheet["G10"].number_format = number_format


@pytest.mark.parametrize("number_format", ["0%", "0.00%", '0.0"%"', "[Blue]0.0%;-0.0%"])
def test_percent_formatted_cells_are_the_percent_shown(tmp_path, registry, baseline, number_format):
    path = _variant(tmp_path, {}, prepare=lambda book: _as_percent_cells(book, number_format))
    report = _read(path, registry)
    circle = report.circles[0].data
    if number_format == '0.0"%"':  # a quoted % is literal text: 0.96 shows as 1.0%, no scaling
        assert circle["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
        assert any(i.code == "V-PERCENT-FRACTION" for i in report.issues)
        return
    assert circle["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
    assert circle["total"]["satisfaction_pct"] == pytest.approx(94.5)
    assert circle["facility_area_pct"] == pytest.approx(12)
    assert _codes(report) == baseline  # no V-PERCENT-FRACTION


def test_a_bare_fraction_without_percent_format_still_warns(tmp_path, registry):
    report = _read(_variant(tmp_path, {"G13": 0.96}), registry)
    assert report.circles[0].data["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
    assert [i.cell for i in report.issues if i.code == "V-PERCENT-FRACTION"] == ["G13"]


def test_a_percent_format_on_a_count_or_text_changes_nothing_else(tmp_path, registry, baseline):
    def prepare(book):
        sheet = book.worksheets[0]
        sheet["D13"].number_format = "0%"  # 6 outlets, shown 600%: still 6 in a count
        sheet["C7"].number_format = "0%"  # a text cell with a percent format
    report = _read(_variant(tmp_path, {}, prepare=prepare), registry)
    assert report.circles[0].data["categories"]["convenience_store"]["outlets"] == 6
    assert _codes(report) == baseline


@pytest.mark.libreoffice
def test_percent_cells_saved_by_libreoffice(tmp_path, registry, baseline):
    import lo

    source = _variant(tmp_path, {}, prepare=_as_percent_cells)
    out = tmp_path / "lo"
    resaved = lo.convert(source, out, "xlsx")
    report = _read(resaved, registry)
    assert report.circles[0].data["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
    assert _codes(report) == baseline
    resaved_xls = lo.convert(source, out, "xls")
    report = _read(resaved_xls, registry)
    assert report.circles[0].data["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
    assert _codes(report) == baseline


# ---------------------------------------------------------------------------
# 5. Dates and numbers as people type them
# ---------------------------------------------------------------------------

SEED_HEADER = "试点生活圈名称：任城区古槐街道一刻钟便民生活圈    所在县市区：任城区    截至日期：{}"


@pytest.mark.parametrize("typed", ["二〇二四年四月三十日", "二零二四年四月三十日", "45412", "2024年4月30号"])
def test_dates_as_people_type_them(tmp_path, registry, baseline, typed):
    report = _read(_variant(tmp_path, {"B4": SEED_HEADER.format(typed)}), registry)
    assert report.circles[0].data["as_of"] == "2024-04-30"
    assert _codes(report) == baseline


@pytest.mark.parametrize("typed", ["2024年4月", "二〇二四年二月三十日", "四月底"])
def test_an_unreadable_date_is_unreadable_not_also_empty(tmp_path, registry, baseline, typed):
    report = _read(_variant(tmp_path, {"B4": SEED_HEADER.format(typed)}), registry)
    assert report.circles[0].data["as_of"] is None
    assert _codes(report) == sorted([*baseline, ("V-DATE", "B4")])  # no V-REQUIRED beside it


def test_a_blank_date_is_still_missing(tmp_path, registry):
    report = _read(_variant(tmp_path, {"B4": SEED_HEADER.format("")}), registry)
    assert "V-REQUIRED" in {i.code for i in report.issues if i.field == "as_of"}


@pytest.mark.parametrize("typed, warned", [("约3.3万", True), ("约1.2万", True), ("3.3万人左右", True),
                                           ("1.2万人", False), ("3.3万", False)])
def test_residents_in_wan_as_people_write_them(tmp_path, registry, baseline, typed, warned):
    report = _read(_variant(tmp_path, {"G9": typed}), registry)
    assert report.circles[0].data["residents_10k"] == pytest.approx(float(typed.strip("约万人左右")))
    expected = sorted([*baseline, ("V-APPROXIMATE", "G9")]) if warned else baseline
    assert _codes(report) == expected
    if warned:
        issue = next(i for i in report.issues if i.code == "V-APPROXIMATE")
        assert typed in issue.message and "万人" in issue.message and issue.severity == "warning"


def test_a_count_is_counted_not_estimated(tmp_path, registry, baseline):
    # A 万人 figure may be an estimate; a number of shops is counted (as test_normalize has it).
    report = _read(_variant(tmp_path, {"D13": "约6个"}), registry)
    assert ("V-NUMBER", "D13") in _codes(report)


# ---------------------------------------------------------------------------
# 7. Hidden sheets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_copy_of_last_month_is_left_out_and_said_so(tmp_path, registry, baseline, state):
    def prepare(book):
        old = book.copy_worksheet(book.worksheets[0])
        old.title = "上月"
        old["B4"] = SEED_HEADER.format("2024年3月31日")
        old.sheet_state = state
        book.create_sheet("下拉列表").append(["任城区"])
        book["下拉列表"].sheet_state = state  # a hidden list of choices: nothing to say
    report = _read(_variant(tmp_path, {}, prepare=prepare), registry)
    assert [c.sheet for c in report.circles] == ["生活圈1"]
    assert report.circles[0].data["as_of"] == "2024-04-30"
    hidden = [i for i in report.issues if i.code == "R-HIDDEN-SHEET"]
    assert [(i.sheet, i.severity) for i in hidden] == [("上月", "warning")]
    assert "任城区古槐街道一刻钟便民生活圈" in hidden[0].message
    assert sorted((c, cell) for c, cell in _codes(report) if c != "R-HIDDEN-SHEET") == baseline


# ---------------------------------------------------------------------------
# 8. Archives
# ---------------------------------------------------------------------------


class _GbkInfo(zipfile.ZipInfo):
    """A member named as Windows' "send to compressed folder" names it: GBK, no UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_zip(path, members):
    """Write `members` (name -> bytes) into a .zip the way Windows Explorer does."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(_GbkInfo(name, date_time=(2024, 5, 1, 9, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_gbk_names_really_lack_the_utf8_flag(tmp_path):
    path = gbk_zip(tmp_path / "a.zip", {"任城区/古槐.xlsx": b"x"})
    info = zipfile.ZipFile(path).infolist()[0]
    assert not info.flag_bits & 0x800 and info.filename != "任城区/古槐.xlsx"  # cp437 mojibake


def test_check_reads_the_workbooks_inside_a_zip(tmp_path, registry, baseline):
    from jnqh.check.files import check_paths

    archive = gbk_zip(tmp_path / "任城区报送.zip", {
        "任城区/附件5 古槐.xlsx": SEED.read_bytes(),
        "任城区/说明.pdf": b"%PDF-1.4",
        "__MACOSX/任城区/._附件5 古槐.xlsx": b"junk",
        "损坏.xlsx": b"PK\x03\x04 not really",
    })
    result = check_paths([archive], registry=registry, today=TODAY)
    by_path = {f.path: f for f in result.files}
    good = by_path[f"{archive} › 任城区/附件5 古槐.xlsx"]
    assert good.status == "ok" and good.circles[0].data["communities"] == ["古槐社区", "运河社区", "越河社区"]
    assert sorted((i.code, i.cell) for i in good.issues) == baseline
    assert {i.code for i in by_path[f"{archive} › 损坏.xlsx"].issues} == {"F-CORRUPT"}
    assert result.ignored == [f"{archive} › 任城区/说明.pdf"]
    assert len(result.files) == 2


def test_an_archive_is_held_to_the_workbook_limits(tmp_path, registry):
    from jnqh.check.files import check_paths

    bomb = gbk_zip(tmp_path / "大.zip", {"表.xlsx": bytes(25 * 1024 * 1024)})  # 25 MB of zeros
    empty = gbk_zip(tmp_path / "空.zip", {"说明.pdf": b"%PDF-1.4"})
    rar = tmp_path / "报送.rar"
    rar.write_bytes(b"Rar!\x1a\x07\x00")
    result = check_paths([bomb, empty, rar], registry=registry, today=TODAY)
    codes = {f.path: [i.code for i in f.issues] for f in result.files}
    assert codes[str(bomb)] == ["F-BOMB"]
    assert codes[str(empty)] == ["F-ARCHIVE-EMPTY"]
    assert codes[str(rar)] == ["F-ARCHIVE-FORMAT"]
    message = next(f for f in result.files if f.path == str(rar)).issues[0].message
    assert ".rar" in message and ".zip" in message


def test_the_check_command_names_the_member(tmp_path):
    from click.testing import CliRunner
    from jnqh.cli import cli

    archive = gbk_zip(tmp_path / "报送.zip", {"古槐.xlsx": SEED.read_bytes()})
    result = CliRunner().invoke(cli, ["check", str(archive)])
    assert "报送.zip › 古槐.xlsx" in result.output and "不是 Excel" not in result.output
    assert result.exit_code == 0


def test_consolidate_counts_the_counties_inside_a_zip(tmp_path):
    import shutil

    from jnqh import samples
    from jnqh.demo import make_demo, registry_circles
    from test_consolidate import AS_OF, _run

    office = tmp_path / "办公室"
    make_demo(office, today=AS_OF)
    rng = random.Random(3)
    entries = [c for c in registry_circles() if c.county == "梁山县"][:2]
    members = {}
    for entry in entries:
        circle = samples.make_circle(rng, name=entry.name, county=entry.county, as_of=AS_OF, level=samples.LEVELS[0])
        one = tmp_path / "one.xlsx"
        samples.write_template_workbook(one, entry.county, [circle], [], today=AS_OF)
        members[f"梁山县/{entry.name}.xlsx"] = one.read_bytes()
    gbk_zip(office / "inbox" / "梁山县报送.zip", members)
    totals, steps = [], []
    run, _ = _run(office, on_total=totals.append, progress=steps.append)
    assert totals[0] == sum(steps)  # the progress bar counts the workbooks inside the .zip too
    assert "梁山县" not in run.missing_counties
    files = {f.path: f for f in run.files}
    for entry in entries:
        shown = f"梁山县报送.zip › 梁山县/{entry.name}.xlsx"
        assert files[shown].status != "unreadable"
        assert any(c.name == entry.name and c.file == shown for c in run.accepted)
    again, _ = _run(office)  # the rerun takes them from the history, by the archive's hash
    assert sorted(c.name for c in again.accepted) == sorted(c.name for c in run.accepted)
    shutil.rmtree(office)


# ---------------------------------------------------------------------------
# 9. WPS .et files: BIFF8 in OLE, the bytes of an .xls
# ---------------------------------------------------------------------------


def as_biff(source, target, percent_format=None):
    """Write an xlsx's sheets as a BIFF8 workbook (what WPS saves as .et), merges kept; with
    `percent_format`, numbers under that format in openpyxl are written with it too."""
    import xlwt

    book = openpyxl.load_workbook(source)
    out = xlwt.Workbook(encoding="utf-8")
    styles = {}
    for sheet in book.worksheets:
        biff = out.add_sheet(sheet.title)
        merged = {(m.min_row, m.min_col): m for m in sheet.merged_cells.ranges}
        covered = {(r, c) for m in merged.values() for r in range(m.min_row, m.max_row + 1)
                   for c in range(m.min_col, m.max_col + 1)} - set(merged)
        for row in sheet.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in covered or cell.value is None and (cell.row, cell.column) not in merged:
                    continue
                fmt = cell.number_format if percent_format and "%" in cell.number_format else None
                style = styles.setdefault(fmt, xlwt.easyxf(num_format_str=fmt) if fmt else xlwt.Style.default_style)
                m = merged.get((cell.row, cell.column))
                if m:
                    biff.write_merge(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1, cell.value, style)
                else:
                    biff.write(cell.row - 1, cell.column - 1, cell.value, style)
    out.save(str(target))
    return target


@pytest.mark.parametrize("name", ["古槐.et", "古槐.ett", "古槐.xls", "古槐(WPS另存).xlsx"])
def test_wps_et_files_are_read_like_xls(tmp_path, registry, baseline, name):
    path = as_biff(SEED, tmp_path / name)
    report = _read(path, registry)
    assert report.status == "ok"
    circle = report.circles[0].data
    assert circle["operators"] == ["private", "street_community"]
    assert circle["categories"]["postal_express"]["outlets"] == 2
    assert _codes(report) == baseline


def test_an_et_with_percent_cells(tmp_path, registry, baseline):
    source = _variant(tmp_path, {}, prepare=_as_percent_cells)
    report = _read(as_biff(source, tmp_path / "百分比.et", percent_format=True), registry)
    assert report.circles[0].data["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
    assert report.circles[0].data["facility_area_pct"] == pytest.approx(12)
    assert _codes(report) == baseline


def test_the_check_command_reads_an_et(tmp_path):
    from jnqh.check.files import check_paths

    result = check_paths([as_biff(SEED, tmp_path / "古槐.et")], today=TODAY)
    assert [f.status for f in result.files] == ["ok"]


def test_an_ooxml_workbook_with_its_parts_outside_xl(tmp_path, registry, baseline):
    """Some writers put the workbook's parts elsewhere than xl/; the package says where."""
    source = _variant(tmp_path, {}, prepare=_as_percent_cells)
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename.endswith(".rels") or info.filename == "[Content_Types].xml":
                data = data.replace(b"/xl/", b"/book/").replace(b'Target="xl/', b'Target="book/')
            new.writestr(info.filename.replace("xl/", "book/", 1) if info.filename.startswith("xl/")
                         else info.filename, data)
    report = _read(moved, registry)
    assert report.circles[0].data["categories"]["convenience_store"]["satisfaction_pct"] == pytest.approx(96)
    assert _codes(report) == baseline


_SHEET_KINDS = {  # relationship type, content type and root element of each extra sheet kind
    "macro": (b"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
              b"application/vnd.ms-excel.macrosheet+xml", b"xm:macrosheet"),
    "dialog": (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet",
               b"application/vnd.openxmlformats-officedocument.spreadsheetml.dialogsheet+xml", b"dialogsheet"),
}


def _with_extra_sheet(target, kind):
    """The seed fixture with an Excel 4 macro sheet or a dialog sheet added, as Excel declares them."""
    rel_type, content_type, root = _SHEET_KINDS[kind]
    with zipfile.ZipFile(SEED) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            data = {"xl/workbook.xml": lambda d: d.replace(b"</sheets>", b'<sheet name="Macro1" sheetId="9" r:id="rId99"/></sheets>'),
                    "xl/_rels/workbook.xml.rels": lambda d: d.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="'
                                                                      + rel_type + b'" Target="macrosheets/sheet1.xml"/></Relationships>'),
                    "[Content_Types].xml": lambda d: d.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="'
                                                               + content_type + b'"/></Types>'),
                    }.get(info.filename, lambda d: d)(data)
            new.writestr(info.filename, data)
        new.writestr("xl/macrosheets/sheet1.xml", b'<?xml version="1.0" encoding="UTF-8"?><' + root
                     + b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
                     + b'<sheetData><row r="1"><c r="A1"><f>HALT()</f></c></row></sheetData></' + root + b'>')
    return target


def test_a_macro_sheet_is_named_not_called_corrupt(tmp_path, registry, baseline):
    report = _read(_with_extra_sheet(tmp_path / "宏.xlsm", "macro"), registry)
    assert [i.code for i in report.issues] == ["F-MACRO-SHEET"]
    assert "宏表" in report.issues[0].message and "另存为" in report.issues[0].hint
    dialog = _read(_with_extra_sheet(tmp_path / "对话框.xlsx", "dialog"), registry)  # calamine reads these
    assert dialog.status == "ok" and _codes(dialog) == baseline


# ---------------------------------------------------------------------------
# 1 (issue's numbering). The Word table pasted into Excel: rows split, merges down
# ---------------------------------------------------------------------------


def _comparable(report):
    return ([c.data for c in report.circles], [p.data for p in report.projects])


@pytest.mark.parametrize("fixture", ["seed_clean.xlsx", "seed_messy.xlsx"])
def test_a_pasted_word_table_reads_as_the_table(tmp_path, registry, fixture):
    from pasted_word import paste_split

    original = _read(FIXTURES / fixture, registry)
    pasted = _read(paste_split(FIXTURES / fixture, tmp_path / f"pasted_{fixture}"), registry)
    assert _comparable(pasted) == _comparable(original)  # every value, every tick
    # The same findings (the rows moved down, so compare what and where by field).
    assert sorted((i.code, i.field) for i in pasted.issues) == sorted((i.code, i.field) for i in original.issues)


def test_the_pasted_seed_really_is_split(tmp_path):
    from pasted_word import paste_split

    sheet = openpyxl.load_workbook(paste_split(SEED, tmp_path / "p.xlsx")).worksheets[0]
    texts = {cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert {"商业网点", "（店铺）数量合计（个）", "邮政快递综合服", "务点（快件箱组）", "生活圈服务覆盖的居民"} <= texts
    assert "D27:D28" in {str(m) for m in sheet.merged_cells.ranges}  # the 邮政快递 numbers merged down


def _grid(rows, merged):
    from jnqh.read.workbook import Grid

    return Grid("表", [list(r) for r in rows], merged)


def test_rows_of_an_excel_layout_are_never_joined():
    from jnqh.read.pasted import rejoin_split_rows

    layouts = [
        # a group label over two categories, numbers not filled in yet
        ([["品质提升类", "运动健身", ""], ["", "特色餐饮店", ""]], [(0, 0, 1, 0)]),
        # options one per row beside a label merged down, ticks in their own cells
        ([["运营主体", "街道（社区）", "√"], ["", "专业运营商", "□"]], [(0, 0, 1, 0)]),
        # a two-row table head (附件2)
        ([["类别", "某某生活圈", ""], ["", "有/无", "数量（个）"]], [(0, 0, 1, 0), (0, 1, 0, 2)]),
        # numbers of their own in the rows
        ([["组", "早餐店", 3], ["", "药店", "2个"]], [(0, 0, 1, 0)]),
    ]
    for rows, merged in layouts:
        grid = _grid(rows, merged)
        rejoin_split_rows(grid)
        assert grid.rows == rows


def test_a_split_word_row_is_joined_into_its_top_row():
    from jnqh.read.pasted import rejoin_split_rows

    grid = _grid([["邮政快递综合服", 2, 0.0004], ["务点（快件箱组）", "", ""]], [(0, 1, 1, 1), (0, 2, 1, 2)])
    rejoin_split_rows(grid)
    assert grid.rows == [["邮政快递综合服\n务点（快件箱组）", 2, 0.0004], ["", "", ""]]


# ---------------------------------------------------------------------------
# 2 (issue's numbering). Ticks the reader did not see
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("operators, layout", [
    # √ typed after the box, the box left in
    ("街道（社区）□√  国企□  民营企业□√ \n\n专业运营商□   网点各自经营□", "集聚式为主□\n街坊式为主□√\n分布式为主□"),
    # Wingdings 2 R ☑ / £ □, Wingdings þ ☑ / ¨ □, as private-use code points
    ("街道（社区）\uf052  国企\uf0a3  民营企业\uf0fe \n\n专业运营商\uf0a8   网点各自经营\uf0a3",
     "集聚式为主\uf0a8\n街坊式为主\uf0fd\n分布式为主\uf0a8"),
])
def test_ticks_as_word_users_make_them(tmp_path, registry, baseline, operators, layout):
    report = _read(_variant(tmp_path, {"C5": operators, "G5": layout}), registry)
    circle = report.circles[0].data
    assert circle["operators"] == ["private", "street_community"]
    assert circle["layout"] == "neighborhood"
    assert _codes(report) == baseline


def test_an_unknown_symbol_in_an_options_box_is_named(tmp_path, registry, baseline):
    report = _read(_variant(tmp_path, {"C5": "街道（社区）\uf0b2  国企□  民营企业√ \n\n专业运营商□   网点各自经营□"}),
                   registry)
    assert report.circles[0].data["operators"] == ["private"]
    symbol = [i for i in report.issues if i.code == "V-SYMBOL"]
    assert [(i.cell, i.severity) for i in symbol] == [("C5", "warning")] and "U+F0B2" in symbol[0].message
    assert sorted((c, cell) for c, cell in _codes(report) if c != "V-SYMBOL") == baseline


def test_symbol_font_ticks_in_single_cells():
    from jnqh.normalize import parse_tick

    assert [parse_tick(t) for t in ("\uf052", "\uf0fe", "\uf078", "\uf0fd", "\uf0a3", "\uf0a8")] == [
        True, True, True, True, False, False]


def _rich_operators(book, tick="R", font="Wingdings 2"):
    """运营主体 as Word's Insert › Symbol leaves it pasted into Excel: letters in symbol-font runs."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    plain, symbol = InlineFont(rFont="宋体"), InlineFont(rFont=font)
    book.worksheets[0]["C5"] = CellRichText([
        TextBlock(plain, "街道（社区）"), TextBlock(symbol, tick), TextBlock(plain, "  国企"),
        TextBlock(symbol, "£" if font == "Wingdings 2" else "¨"), TextBlock(plain, "  民营企业"),
        TextBlock(InlineFont(rFont="Wingdings"), "þ"), TextBlock(plain, " \n\n专业运营商"),
        TextBlock(InlineFont(rFont="Wingdings 2"), "£"), TextBlock(plain, "   网点各自经营□")])


@pytest.mark.parametrize("tick, font", [("R", "Wingdings 2"), ("P", "Wingdings 2"), ("þ", "Wingdings"),
                                        ("ý", "Wingdings")])
def test_ticks_in_symbol_font_runs(tmp_path, registry, baseline, tick, font):
    path = _variant(tmp_path, {}, prepare=lambda book: _rich_operators(book, tick, font))
    report = _read(path, registry)
    assert report.circles[0].data["operators"] == ["private", "street_community"]
    assert _codes(report) == baseline


def test_an_unknown_letter_of_a_symbol_font_is_named(tmp_path, registry, baseline):
    report = _read(_variant(tmp_path, {}, prepare=lambda book: _rich_operators(book, "Q")), registry)
    assert report.circles[0].data["operators"] == ["private"]
    assert [(i.code, i.cell) for i in report.issues if i.code == "V-SYMBOL"] == [("V-SYMBOL", "C5")]
    assert "U+F051" in next(i.message for i in report.issues if i.code == "V-SYMBOL")


@pytest.mark.libreoffice
def test_symbol_font_runs_saved_by_libreoffice(tmp_path, registry, baseline):
    import lo

    source = _variant(tmp_path, {}, prepare=_rich_operators)
    report = _read(lo.convert(source, tmp_path / "lo", "xlsx"), registry)  # shared strings, not inline
    assert report.circles[0].data["operators"] == ["private", "street_community"]
    assert _codes(report) == baseline


# ---------------------------------------------------------------------------
# 10. The Word form itself
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture, symbols", [("seed_clean.xlsx", False), ("seed_clean.xlsx", True),
                                              ("seed_messy.xlsx", False)])
def test_the_word_form_reads_as_the_workbook(tmp_path, registry, fixture, symbols):
    from word_forms import word_form

    original = _read(FIXTURES / fixture, registry)
    form = _read(word_form(FIXTURES / fixture, tmp_path / "附件5.docx", symbols=symbols), registry)
    assert _comparable(form) == _comparable(original)
    assert sorted((i.code, i.field) for i in form.issues) == sorted((i.code, i.field) for i in original.issues)
    assert {c.sheet for c in form.circles} == {"表1"}


def test_a_word_value_is_shown_by_table_row_and_column(tmp_path, registry):
    from word_forms import word_form

    report = _read(word_form(FIXTURES / "seed_messy.xlsx", tmp_path / "附件5.docx"), registry)
    chain = next(i for i in report.issues if i.code == "V-CHAIN-GT-OUTLETS")
    assert chain.cell == "E12" and chain.where.endswith("附件5.docx › 表1 第12行第5列")
    assert report.circles[0].sources["categories.convenience_store.outlets"].sheet == "表1"


def test_a_word_letter_is_not_a_broken_file(tmp_path, registry):
    import docx
    from jnqh.check.files import check_paths
    from word_forms import word_form

    letter = docx.Document()
    letter.add_paragraph("关于报送一刻钟便民生活圈建设情况的函")
    letter.save(tmp_path / "报送函.docx")
    word_form(SEED, tmp_path / "附件5.docx")
    result = check_paths([tmp_path], registry=registry, today=TODAY)
    assert [f.path for f in result.files] == [str(tmp_path / "附件5.docx")]
    assert result.ignored == [str(tmp_path / "报送函.docx")] and not result.has_errors


def test_a_word_table_is_held_to_the_cell_budget(tmp_path, registry):
    from word_forms import word_form

    path = word_form(SEED, tmp_path / "附件5.docx")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(tmp_path / "大.docx", "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "word/document.xml":  # one cell claims two million grid columns
                data = data.replace(b"<w:tc><w:tcPr>", b'<w:tc><w:tcPr><w:gridSpan w:val="2000000"/>', 1)
            new.writestr(info, data)
    report = _read(tmp_path / "大.docx", registry)
    assert [i.code for i in report.issues] == ["F-CELLS"]  # too many cells has its own message


@pytest.mark.libreoffice
@pytest.mark.parametrize("symbols", [False, True])
def test_the_word_form_through_writer_html_and_calc(tmp_path, registry, symbols):
    """One road a county takes: the Word form opened as a web page and saved from the spreadsheet."""
    import lo
    from word_forms import word_form

    form = word_form(SEED, tmp_path / "附件5.docx", symbols=symbols)
    page = lo.convert(form, tmp_path / "html", "html")
    sheet = lo.convert(page, tmp_path / "calc", "xlsx", infilter="HTML (StarCalc)")
    original, read = _read(SEED, registry), _read(sheet, registry)
    assert _comparable(read) == _comparable(original)
    assert read.status == "ok"


def test_consolidate_reads_word_forms_and_sets_letters_aside(tmp_path):
    import docx
    from jnqh import samples
    from jnqh.demo import make_demo, registry_circles
    from test_consolidate import AS_OF, _run
    from word_forms import word_form

    office = tmp_path / "办公室"
    make_demo(office, today=AS_OF)
    entry = next(c for c in registry_circles() if c.county == "梁山县")
    circle = samples.make_circle(random.Random(5), name=entry.name, county=entry.county, as_of=AS_OF,
                                 level=samples.LEVELS[1])
    book = tmp_path / "梁山县.xlsx"
    samples.write_seed_workbook(book, entry.county, [circle], [])
    (office / "inbox" / "梁山县").mkdir()
    word_form(book, office / "inbox" / "梁山县" / "附件5.docx")
    letter = docx.Document()
    letter.add_paragraph("报送函")
    letter.save(office / "inbox" / "梁山县" / "报送函.docx")
    run, _ = _run(office)
    assert "梁山县" not in run.missing_counties
    assert any(c.name == entry.name and c.file == "梁山县/附件5.docx" for c in run.accepted)
    assert "梁山县/报送函.docx" in run.ignored and "梁山县/报送函.docx" not in {f.path for f in run.files}


def test_rows_of_an_excel_project_list_are_never_joined():
    from jnqh.read.pasted import rejoin_split_rows

    # one community merged over two projects typed as text, statuses or dates beside them
    for tail in (["在建", "已完成"], ["2024-03-01", "2024-05-01"]):
        rows = [["古槐社区", "快递柜建设", tail[0]], ["", "菜市场改造", tail[1]]]
        grid = _grid(rows, [(0, 0, 1, 0)])
        rejoin_split_rows(grid)
        assert grid.rows == rows


def test_a_letter_is_read_in_its_own_symbol_font(tmp_path, registry, baseline):
    """'R' is ☑ in Wingdings 2 but not in Wingdings: a Wingdings 'R' is named, never a tick."""
    report = _read(_variant(tmp_path, {}, prepare=lambda book: _rich_operators(book, "R", "Wingdings")), registry)
    assert report.circles[0].data["operators"] == ["private"]
    symbol = [i for i in report.issues if i.code == "V-SYMBOL"]
    assert [i.cell for i in symbol] == ["C5"] and "U+F052" in symbol[0].message


def test_a_word_symbol_is_read_in_its_own_font():
    from xml.etree import ElementTree

    from jnqh.read.wordform import W, _sym_text

    def sym(font, char):
        return ElementTree.fromstring(f'<w:sym xmlns:w="{W[1:-1]}" w:font="{font}" w:char="{char}"/>')

    assert _sym_text(sym("Wingdings 2", "F052")) == "☑"
    assert _sym_text(sym("Wingdings", "F0FE")) == "☑"
    assert _sym_text(sym("Wingdings", "F052")) != "☑"  # R is no tick in Wingdings
