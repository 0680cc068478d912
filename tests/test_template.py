"""The official template: sheets, labels, validations, the committed copy, the live self-check."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries, get_column_letter

import lo
from jnqh import forms
from jnqh.write import template
from jnqh.score.rubric import SERVICE_ITEMS
from jnqh.write.template import FORM5, form3_rows, seed_label

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "templates_xlsx" / template.template_filename()
TODAY = date(2024, 5, 6)
BLANK_SHEETS = ["填报说明", "附件5-1", "附件5-2", "附件5-3", "附件2业态清单", "附件3服务指标",
                "促消费活动", "附件6项目清单", "自查"]


def build(tmp_path: Path, name: str = "t.xlsx", **options) -> Path:
    path = tmp_path / name
    template.write_template(path, today=TODAY, **options)
    return path


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(build(tmp_path_factory.mktemp("blank")))


def strings(book: openpyxl.Workbook) -> set[str]:
    return {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


def validations(ws) -> dict[str, object]:
    """Cell → its DataValidation (ranges expanded)."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cells in str(dv.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(cells)
            for row in range(min_row, max_row + 1):
                for col in range(min_col, max_col + 1):
                    found[f"{get_column_letter(col)}{row}"] = dv
    return found


def list_items(dv) -> list[str]:
    return dv.formula1.strip('"').split(",")


# ---------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------


def test_sheets_in_order(blank):
    assert blank.sheetnames == BLANK_SHEETS


def test_template_filename():
    assert template.template_filename() == "济宁市一刻钟便民生活圈填报模板.xlsx"
    assert template.template_filename("任城区") == "任城区_一刻钟便民生活圈填报模板.xlsx"
    assert template.template_filename("任城") == "任城区_一刻钟便民生活圈填报模板.xlsx"


def test_every_forms_label_appears(blank):
    seen = strings(blank)
    expected = {
        forms.FORM5_TITLE, forms.FORM2_TITLE, forms.FORM3_TITLE, forms.FORM6_TITLE, forms.TOTAL_LABEL,
        forms.SELF_SCORE_LABEL, forms.SELF_CHECK_HEADER, *forms.FORM5_TABLE_HEADERS, *forms.FORM2_HEADERS,
        *forms.FORM3_HEADERS, *forms.PRESENCE_COLUMNS, *forms.GROUP_LABELS.values(),
        *(seed_label(f) for f in forms.CIRCLE_FIELDS if f.id != "notes"), forms.CIRCLE_FIELD["notes"].label,
        *(o.label for f in forms.CIRCLE_FIELDS for o in f.options),
        *(c.label for c in forms.OUTLET_COLUMNS), *(c.label for c in forms.CATEGORIES),
        *(t.label for t in forms.PRESENCE_TYPES), *(seed_label(f) for f in forms.SERVICE_FACTS),
        *(template.INDENT + o.label for f in forms.SERVICE_FACTS if f.kind == forms.MULTI for o in f.options),
        *(f"{item.no} {item.name}" for item in SERVICE_ITEMS),
        *(f.label for f in forms.PROJECT_FIELDS), *(c.label for c in forms.EVENT_COLUMNS),
    }
    assert expected - seen == set()


def test_instructions_stamp_versions(blank):
    import jnqh

    text = "\n".join(c.value for row in blank["填报说明"].iter_rows() for c in row if isinstance(c.value, str))
    assert f"jnqh {jnqh.__version__}" in text
    assert forms.FORMS_VERSION in text
    assert TODAY.isoformat() in text
    for words in ("√", "万人", "万元", "2024-04-30", "自查", "移动或复制", "Excel 或 WPS", "保存为 .xlsx"):
        assert words in text
    # a county lead has Excel or WPS, not this tool: the template never asks them to run a command
    assert "jnqh check" not in text


def test_form5_each_label_sits_left_of_its_value(blank):
    ws = blank["附件5-1"]
    for field_id, cell in FORM5.cells.items():
        item = forms.CIRCLE_FIELD[field_id]
        left = _left_of(ws, cell)
        assert left.value == (item.label if field_id == "notes" else seed_label(item)), field_id
    for field_id, ticks in FORM5.ticks.items():
        for option in forms.CIRCLE_FIELD[field_id].options:
            assert _left_of(ws, ticks[option.id]).value == option.label


def _left_of(ws, cell: str):
    """The cell left of `cell`, or the top-left of the merged range it falls in."""
    col, row = range_boundaries(cell)[:2]
    target = ws.cell(row, col - 1)
    for merged in ws.merged_cells.ranges:
        if target.coordinate in merged:
            return ws.cell(merged.min_row, merged.min_col)
    return target


def test_form5_outlet_table_as_the_seed(blank):
    ws = blank["附件5-1"]
    head = [ws.cell(FORM5.table_header_row, col).value for col in range(1, 8)]
    assert head == [*forms.FORM5_TABLE_HEADERS, *(c.label for c in forms.OUTLET_COLUMNS)]
    assert ws[f"A{FORM5.total_row}"].value == forms.TOTAL_LABEL
    for category in forms.CATEGORIES:
        assert ws[f"B{FORM5.category_rows[category.id]}"].value == category.label
    groups = {str(r): ws.cell(r.min_row, 1).value for r in ws.merged_cells.ranges if r.min_col == r.max_col == 1}
    basic = [FORM5.category_rows[c.id] for c in forms.CATEGORIES if c.group == "basic"]
    quality = [FORM5.category_rows[c.id] for c in forms.CATEGORIES if c.group == "quality"]
    assert groups[f"A{min(basic)}:A{max(basic)}"] == "基本保障类"
    assert groups[f"A{min(quality)}:A{max(quality)}"] == "品质提升类"


def test_sheets_protected_without_password_and_inputs_unlocked(blank):
    for ws in blank.worksheets:
        assert ws.protection.sheet, ws.title
        assert not ws.protection.password, ws.title
    ws = blank["附件5-1"]
    assert ws[FORM5.cells["name"]].protection.locked is False
    assert ws[f"A{FORM5.total_row}"].protection.locked is True
    assert ws.freeze_panes == "A3"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0  # width 1 by default
    assert blank["附件6项目清单"].page_setup.orientation == "landscape"
    assert blank["附件6项目清单"].auto_filter.ref


def test_every_input_cell_is_validated_with_a_chinese_prompt(blank):
    for ws in blank.worksheets:
        covered = validations(ws)
        hidden = {c for r in ws.merged_cells.ranges for c in _cells(r) if c != r.start_cell.coordinate}
        inputs = [c.coordinate for row in ws.iter_rows() for c in row
                  if c.protection.locked is False and c.coordinate not in hidden]
        missing = [cell for cell in inputs if cell not in covered]
        assert not missing, f"{ws.title}: {missing[:5]}"
        for cell in inputs:
            dv = covered[cell]
            assert dv.prompt and re.search(r"[\u4e00-\u9fff]", dv.prompt), f"{ws.title}!{cell}"
            assert dv.type in (None, "any") or re.search(r"[\u4e00-\u9fff]", dv.error or ""), f"{ws.title}!{cell}"


def _cells(merged) -> list[str]:
    return [f"{get_column_letter(c)}{r}" for r in range(merged.min_row, merged.max_row + 1)
            for c in range(merged.min_col, merged.max_col + 1)]


def test_form5_validations(blank):
    dv = validations(blank["附件5-1"])
    assert list_items(dv[FORM5.cells["county"]]) == list(forms.COUNTIES)
    as_of = dv[FORM5.cells["as_of"]]
    assert as_of.type == "date" and "TODAY()" in as_of.formula2
    for ticks in FORM5.ticks.values():
        for cell in ticks.values():
            assert list_items(dv[cell]) == [template.TICK]
    residents = dv[FORM5.cells["residents_10k"]]
    assert (residents.type, residents.operator, residents.formula1) == ("decimal", "greaterThan", "0")
    percent = dv[FORM5.cells["facility_area_pct"]]
    assert (percent.type, percent.formula1, percent.formula2) == ("decimal", "0", "100")
    assert dv[FORM5.cells["centers"]].type == "whole"
    for category in (None, "breakfast"):
        assert dv[FORM5.outlet_cell(category, "outlets")].type == "whole"
        assert dv[FORM5.outlet_cell(category, "chain")].operator == "greaterThanOrEqual"
        assert dv[FORM5.outlet_cell(category, "staff_10k")].type == "decimal"
        assert dv[FORM5.outlet_cell(category, "satisfaction_pct")].formula2 == "100"


def test_form5_checks_and_red_formats(blank):
    ws = blank["附件5-1"]
    assert ws["H2"].value == forms.SELF_CHECK_HEADER
    assert ws[FORM5.used_cell].value.startswith("=COUNTA(")
    for row in [FORM5.total_row, *FORM5.category_rows.values()]:
        assert ws[f"H{row}"].value.startswith("="), row
    rules = [(str(r.sqref), rule) for r in ws.conditional_formatting for rule in r.rules]
    red = [(sqref, rule.formula[0]) for sqref, rule in rules if rule.dxf.fill.fgColor.rgb.endswith("FFC7CE")
           or rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")]
    chain = FORM5.outlet_cell("convenience_store", "chain")
    assert any(sqref.startswith(chain + ":") and ">" in formula for sqref, formula in red)
    assert any(sqref == FORM5.outlet_cell(None, "outlets") and "SUM(" in formula for sqref, formula in red)
    assert any(sqref == FORM5.cells["as_of"] and "TODAY()" in formula for sqref, formula in red)
    functions = set(re.findall(r"([A-Z]+)\(", "".join(f for _, f in red)))
    # functions every Excel since 2003 and every WPS has (no TEXTJOIN, no IFS)
    assert functions <= {"AND", "OR", "NOT", "IF", "LEN", "TRIM", "ISNUMBER", "INT", "ABS", "SUM", "TODAY",
                         "COUNTA", "ROUND", "COUNT", "COUNTIF", "SUMPRODUCT"}


def test_form2_layout_and_dropdowns(blank):
    ws = blank["附件2业态清单"]
    assert ws["A1"].value == forms.FORM2_TITLE
    assert (ws["A2"].value, ws["B2"].value) == forms.FORM2_HEADERS
    assert ws["C2"].value == "='附件5-1'!$B$3&\"\""
    assert ws["G2"].value == "='附件5-3'!$B$3&\"\""
    assert (ws["C3"].value, ws["D3"].value) == forms.PRESENCE_COLUMNS
    labels = [ws.cell(4 + i, 2).value for i in range(len(forms.PRESENCE_TYPES))]
    assert labels == [t.label for t in forms.PRESENCE_TYPES]
    score_row = 4 + len(forms.PRESENCE_TYPES)
    assert ws[f"A{score_row}"].value == forms.SELF_SCORE_LABEL
    dv = validations(ws)
    assert list_items(dv["C4"]) == [forms.PRESENT, forms.ABSENT]
    assert dv[f"H{score_row - 1}"].type == "whole"
    assert dv[f"E{score_row}"].formula2 == "100"
    amber = [r for r in ws.conditional_formatting for rule in r.rules if forms.PRESENT in rule.formula[0]]
    assert amber


def test_form3_rows_and_validations(blank):
    ws = blank["附件3服务指标"]
    assert [ws.cell(2, c).value for c in (1, 2, 3)] == list(forms.FORM3_HEADERS)
    assert ws["D2"].value == "='附件5-1'!$B$3&\"\""
    rows = {ws.cell(r, 2).value: r for r in range(3, ws.max_row + 1)}
    dv = validations(ws)
    assert list_items(dv[f"D{rows[seed_label(forms.SERVICE_FACT['needs_list'])]}"]) == list(forms.YES_NO)
    assert list_items(dv[f"E{rows['商居和谐']}"]) == list(forms.HARMONY_LEVELS)
    assert ws.cell(rows["　　打印复印"], 4).protection.locked is False
    assert list_items(dv[f"F{rows['　　打印复印']}"]) == [template.TICK]
    assert dv[f"D{rows['　　智能快递柜']}"].type == "whole"
    assert dv[f"D{rows[seed_label(forms.SERVICE_FACT['business_satisfaction_pct'])]}"].formula2 == "100"
    assert ws.cell(rows[seed_label(forms.SERVICE_FACT["survey_sample"])], 1).value == "2、3"
    assert forms.SELF_SCORE_LABEL in rows and "1 问需于民" in rows
    assert dv[f"D{rows['2 业态满意']}"].formula2 == "16"
    assert dv[f"D{rows[forms.TOTAL_LABEL]}"].formula2 == "100"
    assert len(form3_rows()) == ws.max_row - 2


def test_events_and_form6_validations(blank):
    events = validations(blank["促消费活动"])
    assert events["A3"].type == "list" and "附件3服务指标" in events["A3"].formula1
    assert events["C62"].type == "date"
    ws = blank["附件6项目清单"]
    assert [ws.cell(2, i + 1).value for i in range(len(forms.PROJECT_FIELDS))] == [
        f.label for f in forms.PROJECT_FIELDS]
    dv = validations(ws)
    column = {f.id: get_column_letter(i + 1) for i, f in enumerate(forms.PROJECT_FIELDS)}
    assert list_items(dv[f"{column['county']}202"]) == list(forms.COUNTIES)
    assert list_items(dv[f"{column['kind']}3"]) == list(forms.PROJECT_KINDS)
    assert list_items(dv[f"{column['status']}3"]) == list(forms.PROJECT_STATUSES)
    assert dv[f"{column['start']}3"].type == "date"
    assert dv[f"{column['investment_10k_yuan']}3"].type == "decimal"
    assert "附件2业态清单" in dv[f"{column['category']}3"].formula1
    check = get_column_letter(len(forms.PROJECT_FIELDS) + 1)
    assert ws[f"{check}2"].value == forms.SELF_CHECK_HEADER
    assert ws[f"{check}202"].value.startswith("=")
    assert ws.freeze_panes == "A3"


def test_summary_counts_every_checked_sheet(blank):
    ws = blank["自查"]
    sheets = [ws.cell(r, 1).value for r in range(3, 8)]
    assert sheets == ["附件5-1", "附件5-2", "附件5-3", "促消费活动", "附件6项目清单"]
    assert ws["D3"].value == "=COUNTIF('附件5-1'!H3:H36,\"?*\")"
    assert "未发现问题" in ws["B8"].value


# ---------------------------------------------------------------------------
# Prefilled for a county
# ---------------------------------------------------------------------------


def test_prefilled_county_has_a_sheet_per_circle(tmp_path):
    circles = ["古槐街道生活圈", "济阳街道[东]生活圈:一期", "古槐街道生活圈"]
    path = build(tmp_path, county="任城", circles=circles)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[1:4] == ["古槐街道生活圈", "济阳街道东生活圈一期", "古槐街道生活圈（2）"]
    for sheet, name in zip(book.sheetnames[1:4], circles):
        assert book[sheet][FORM5.cells["name"]].value == name
        assert book[sheet][FORM5.cells["county"]].value == "任城区"
    assert book["附件2业态清单"]["C2"].value == "='古槐街道生活圈'!$B$3&\"\""
    cached = openpyxl.load_workbook(path, data_only=True)
    assert cached["附件2业态清单"]["E2"].value == circles[1]
    assert cached["附件3服务指标"]["F2"].value == circles[2]
    assert "任城区" in "".join(c.value for r in book["填报说明"].iter_rows() for c in r if isinstance(c.value, str))


def test_sheet_names_are_legal():
    long = "一" * 40
    assert template.sheet_name_for(long) == "一" * 31
    assert template.sheet_name_for("a/b\\c?d*e[f]g:h") == "abcdefgh"
    assert template.sheet_name_for("附件2业态清单", {"附件2业态清单"}) == "附件2业态清单（2）"
    assert len(template.sheet_name_for(long, {"一" * 31})) == 31


def test_same_inputs_same_bytes_and_file_objects(tmp_path):
    first, second = build(tmp_path, "a.xlsx"), build(tmp_path, "b.xlsx")
    assert first.read_bytes() == second.read_bytes()
    buffer = io.BytesIO()
    template.write_template(buffer, today=TODAY)
    assert buffer.getvalue() == first.read_bytes()
    assert openpyxl.load_workbook(first).properties.created == datetime(2024, 5, 6)


def test_write_templates_writes_blank_and_county_books(tmp_path):
    paths = template.write_templates(tmp_path, {"兖州区": ["兴隆生活圈"]}, today=TODAY)
    assert [p.name for p in paths] == [template.template_filename(), template.template_filename("兖州区")]
    assert all(p.exists() for p in paths) and not list(tmp_path.glob(".*"))


def test_problem_texts_have_no_spaces():
    with pytest.raises(ValueError):
        template.problem_text("F-NOT-EXCEL")


# ---------------------------------------------------------------------------
# The committed template is current
# ---------------------------------------------------------------------------


def snapshot(path: Path) -> dict:
    """What a user sees and what the checks rely on: values, formulas, merges, rules."""
    book = openpyxl.load_workbook(path)
    shot = {"sheets": book.sheetnames}
    for ws in book.worksheets:
        shot[ws.title] = {
            "cells": {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.prompt,
                                   dv.error) for dv in ws.data_validations.dataValidation),
            "conditional": sorted((str(r.sqref), tuple(rule.formula)) for r in ws.conditional_formatting
                                  for rule in r.rules),
            "freeze": ws.freeze_panes,
        }
    return shot


def test_committed_template_is_current(tmp_path):
    assert COMMITTED.exists(), f"{COMMITTED} 不存在：请运行 jnqh template --out templates_xlsx"
    made = openpyxl.load_workbook(COMMITTED).properties.created.date()
    fresh = template.regenerate(tmp_path, today=made)
    old, new = snapshot(COMMITTED), snapshot(fresh)
    stale = [key for key in new if old.get(key) != new[key]]
    assert not stale, (f"templates_xlsx/{COMMITTED.name} is stale (sheets differing: {stale}); "
                       "run `jnqh template --out templates_xlsx` and commit the result")


def test_cli_template_writes_what_regenerate_writes(tmp_path):
    # the stale message tells people to run this command: it must write the same template
    from click.testing import CliRunner

    from jnqh.cli import cli

    result = CliRunner().invoke(cli, ["template", "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "cli" / template.template_filename()
    made = openpyxl.load_workbook(written).properties.created.date()
    assert snapshot(written) == snapshot(template.regenerate(tmp_path / "lib", today=made))


# ---------------------------------------------------------------------------
# The live self-check, recalculated by a real spreadsheet program (LibreOffice)
# ---------------------------------------------------------------------------


def fill_good_circle(ws) -> None:
    """A complete, correct circle on a 附件5 sheet."""
    cells = FORM5.cells
    values = {"name": "古槐街道一刻钟便民生活圈", "county": "任城区", "as_of": date(2024, 4, 30),
              "boundaries": "东至太白楼路，西至古槐路，南至运河，北至红星路", "communities": "古槐社区、南池社区",
              "platform": "济宁智慧社区", "centers": 2, "residents_10k": 1.2, "facility_area_pct": 12,
              "notes": ""}
    for field_id, value in values.items():
        ws[cells[field_id]] = value
    ws[FORM5.ticks["operators"]["street_community"]] = "√"
    ws[FORM5.ticks["operators"]["private"]] = "√"
    ws[FORM5.ticks["layout"]["neighborhood"]] = "√"
    for i, category in enumerate(forms.CATEGORIES):
        row = {"outlets": 3 + i % 4, "staff_10k": 0.0012, "chain": 1, "satisfaction_pct": 95, "needs": "无"}
        for column_id, value in row.items():
            ws[FORM5.outlet_cell(category.id, column_id)] = value
    fill_totals(ws)


def fill_totals(ws) -> None:
    for column_id in forms.OUTLET_NUMERIC:
        parts = [ws[FORM5.outlet_cell(c.id, column_id)].value for c in forms.CATEGORIES]
        ws[FORM5.outlet_cell(None, column_id)] = round(sum(parts), 6)
    ws[FORM5.outlet_cell(None, "satisfaction_pct")] = 95


def fill_project(ws, row: int, **changes) -> None:
    values = {"county": "任城区", "circle": "古槐街道一刻钟便民生活圈", "community": "古槐社区",
              "name": "古槐菜市场改造", "kind": "改造提升", "category": "菜市场（菜店）", "content": "改造摊位",
              "investment_10k_yuan": 120, "invested_10k_yuan": 120, "start": date(2024, 1, 10),
              "planned_finish": date(2024, 3, 31), "status": "已完成", "finished": date(2024, 3, 28),
              "owner": "任城区商务局", "contact": "张三 0537-1234567", "notes": "", **changes}
    for i, item in enumerate(forms.PROJECT_FIELDS):
        ws.cell(row, i + 1, values[item.id])


def recalculated(tmp_path: Path, fill) -> openpyxl.Workbook:
    source = build(tmp_path, "source.xlsx")
    book = openpyxl.load_workbook(source)
    fill(book)
    book.save(tmp_path / "filled.xlsx")
    return openpyxl.load_workbook(lo.recalc(tmp_path / "filled.xlsx", tmp_path / "out"), data_only=True)


def row_of(cell: str) -> int:
    return range_boundaries(cell)[1]


def problems(ws, column: str, first: int, last: int) -> dict[int, str]:
    return {row: ws[f"{column}{row}"].value for row in range(first, last + 1) if ws[f"{column}{row}"].value}


def summary(book) -> tuple[dict[str, int], str]:
    ws = book["自查"]
    counts = {ws.cell(r, 1).value: ws.cell(r, 4).value for r in range(3, 8)}
    return counts, ws["B8"].value


@pytest.mark.libreoffice
@lo.requires_soffice
def test_blank_template_reports_nothing_filled(tmp_path):
    book = recalculated(tmp_path, lambda book: None)
    counts, verdict = summary(book)
    assert set(counts.values()) == {0}
    assert verdict == template.NO_CIRCLE_VERDICT


@pytest.mark.libreoffice
@lo.requires_soffice
def test_correct_circle_shows_no_problems(tmp_path):
    def fill(book):
        fill_good_circle(book["附件5-1"])
        fill_project(book["附件6项目清单"], 3)
        events = book["促消费活动"]
        events["A3"], events["B3"], events["C3"] = "古槐街道一刻钟便民生活圈", "社区邻里节", date(2024, 4, 20)

    book = recalculated(tmp_path, fill)
    assert problems(book["附件5-1"], "H", 3, FORM5.notes_row) == {}
    counts, verdict = summary(book)
    assert counts == {"附件5-1": 0, "附件5-2": 0, "附件5-3": 0, "促消费活动": 0, "附件6项目清单": 0}
    assert verdict == "未发现问题"
    assert book["附件2业态清单"]["C2"].value == "古槐街道一刻钟便民生活圈"
    assert book["自查"]["C3"].value == template.USED and book["自查"]["C4"].value == template.UNUSED


@pytest.mark.libreoffice
@lo.requires_soffice
def test_wrong_values_are_named_in_chinese(tmp_path):
    future = date.today() + timedelta(days=30)

    def fill(book):
        ws = book["附件5-1"]
        fill_good_circle(ws)
        ws[FORM5.cells["as_of"]] = future
        ws[FORM5.cells["facility_area_pct"]] = 120
        ws[FORM5.outlet_cell("convenience_store", "chain")] = 5  # 3 outlets
        fill_totals(ws)
        ws[FORM5.outlet_cell(None, "outlets")] = 99
        ws[FORM5.ticks["layout"]["clustered"]] = "√"  # a second layout
        ws[FORM5.cells["residents_10k"]] = 12000
        projects = book["附件6项目清单"]
        fill_project(projects, 3, invested_10k_yuan=150)
        fill_project(projects, 4, name="南池早餐店", status="在建", finished=None, planned_finish=date(2024, 3, 31))

    book = recalculated(tmp_path, fill)
    ws = book["附件5-1"]
    outlets = sum(3 + i % 4 for i in range(len(forms.CATEGORIES)))
    layout_row = row_of(FORM5.ticks["layout"]["clustered"])
    assert problems(ws, "H", 3, FORM5.notes_row) == {
        3: "截至日期：日期晚于今天",
        layout_row: "发展形态：只能选一项",
        row_of(FORM5.cells["residents_10k"]): "居民数单位有误（填的12000像是人数，约合1.2万人）",
        row_of(FORM5.cells["facility_area_pct"]): "社区商业和综合服务设施面积占社区总建筑面积的比例：百分比超出范围",
        FORM5.total_row: f"商业网点数量合计：合计与分项不符（合计99，分项之和{outlets}）",
        FORM5.category_rows["convenience_store"]: "连锁店多于网点",
    }
    check = get_column_letter(len(forms.PROJECT_FIELDS) + 1)
    assert problems(book["附件6项目清单"], check, 3, 202) == {3: "完成投资超过总投资", 4: "项目逾期"}
    counts, verdict = summary(book)
    assert counts == {"附件5-1": 6, "附件5-2": 0, "附件5-3": 0, "促消费活动": 0, "附件6项目清单": 2}
    assert verdict == "发现 8 处问题，请查看各表红色单元格"


@pytest.mark.libreoffice
@lo.requires_soffice
def test_several_problems_in_one_row_and_required_blanks(tmp_path):
    def fill(book):
        ws = book["附件5-2"]
        ws[FORM5.cells["name"]] = "南池生活圈"
        ws[FORM5.outlet_cell("breakfast", "outlets")] = 2
        ws[FORM5.outlet_cell("breakfast", "chain")] = 3
        ws[FORM5.outlet_cell("breakfast", "satisfaction_pct")] = -5
        ws[FORM5.outlet_cell("breakfast", "staff_10k")] = 30

    ws = recalculated(tmp_path, fill)["附件5-2"]
    found = problems(ws, "H", 3, FORM5.notes_row)
    assert found[3] == "所在县市区：必填项为空；截至日期：必填项为空"
    assert found[row_of(FORM5.ticks["operators"]["soe"])] == "运营主体：必填项为空"
    assert found[FORM5.category_rows["breakfast"]] == "居民满意度：百分比超出范围；连锁店多于网点；从业人数单位可疑"


@pytest.mark.libreoffice
@lo.requires_soffice
def test_template_prints_on_a4(tmp_path):
    pdf = lo.to_pdf(build(tmp_path, county="任城区", circles=["古槐街道生活圈"]), tmp_path / "pdf")
    sizes = lo.page_sizes(pdf)
    assert sizes and set(sizes) <= {(595, 842), (842, 595)}  # A4, portrait or landscape
    (tmp_path / "png").mkdir()
    pages = lo.pdf_to_png(pdf, tmp_path / "png" / "page")
    assert len(pages) >= len(openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames)
