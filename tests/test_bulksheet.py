"""BulkSheet writes what xlsxwriter would: read back by openpyxl (values, types, formats,
merges, heights) and by LibreOffice (a file Excel-like programs open)."""

import datetime as dt
import re
import zipfile

import openpyxl
import xlsxwriter

from jnqh.write.bulksheet import DATE, NUMBER, TEXT, VALUE, BulkSheet
from lo import convert, requires_soffice

OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def _book(path):
    book = xlsxwriter.Workbook(str(path), OPTIONS)
    return book, book.add_worksheet("表", worksheet_class=BulkSheet)


def test_rows_keep_their_types_and_formats(tmp_path):
    path = tmp_path / "rows.xlsx"
    book, ws = _book(path)
    bold, money = book.add_format({"bold": True}), book.add_format({"num_format": "0.00"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    columns = [(TEXT, bold), (NUMBER, money), (DATE, day), (VALUE, book.add_format({}))]
    ws.write_string(0, 0, "标题（xlsxwriter 自己写）")
    ws.write_rows(1, [["=HYPERLINK(\"http://x\")", 1.5, "2024-04-30", dt.date(2024, 5, 6)],
                      ["+1+1", "不是数", None, 7],
                      [None, float("nan"), "2024-13-40", "文字"],
                      [12, True, dt.datetime(2024, 1, 2, 15, 0), ""]], columns, [None, 45, None, None])
    ws.write_string(5, 0, "合计（xlsxwriter 自己写）")
    book.close()

    sheet = openpyxl.load_workbook(path)["表"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=6, max_col=4)]
    assert values[0][0] == "标题（xlsxwriter 自己写）" and values[5][0] == "合计（xlsxwriter 自己写）"
    assert values[1] == ["=HYPERLINK(\"http://x\")", 1.5, dt.datetime(2024, 4, 30), 45418]  # a date's serial
    assert sheet["A2"].data_type == "s" and sheet["A3"].data_type == "s"  # text, never a formula
    assert values[2] == ["+1+1", "不是数", None, 7]
    assert values[3] == [None, "nan", "2024-13-40", "文字"]
    assert values[4] == ["12", "True", dt.datetime(2024, 1, 2), None]
    assert sheet["A2"].font.b and not sheet["B2"].font.b
    assert sheet["B2"].number_format == "0.00"
    assert sheet.row_dimensions[3].height == 45
    assert sheet.max_row == 6 and sheet.max_column == 4


def test_put_and_merge_lay_out_a_form(tmp_path):
    path = tmp_path / "form.xlsx"
    book, ws = _book(path)
    boxed = book.add_format({"border": 1})
    ws.merge_cells(0, 0, 0, 3, TEXT, "试点社区便民生活圈建设情况调查表", boxed)
    ws.height(0, 30)
    ws.settle()  # the first row is finished XML now; later rows still come in any order
    ws.put(1, 3, NUMBER, 2.37, boxed)  # written out of column order
    ws.put(1, 0, TEXT, "服务覆盖的居民数量（万人）", boxed)
    ws.merge_cells(2, 0, 4, 0, VALUE, "基本保障类", boxed)
    ws.put(5, 1, TEXT, "x" * 40000, boxed)
    book.close()

    sheet = openpyxl.load_workbook(path)["表"]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:D1", "A3:A5"]
    assert sheet["A1"].value == "试点社区便民生活圈建设情况调查表" and sheet["B1"].value is None
    with zipfile.ZipFile(path) as archive:  # covered cells carry the border too (openpyxl hides it)
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="D1" s="[1-9]\d*"/>', xml)
    assert sheet["A2"].value == "服务覆盖的居民数量（万人）" and sheet["D2"].value == 2.37
    assert sheet["A3"].value == "基本保障类"
    assert len(sheet["B6"].value) == 32767  # Excel's limit, as write_string truncates
    assert sheet.row_dimensions[1].height == 30


def test_bulk_rows_and_put_rows_keep_their_places(tmp_path):
    book, ws = _book(tmp_path / "x.xlsx")
    ws.write_rows(0, [["a"], ["b"]], [(TEXT, None)], [None, None])
    ws.put(4, 0, TEXT, "c", None)
    book.close()
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["表"]
    assert [sheet.cell(r, 1).value for r in range(1, 6)] == ["a", "b", None, None, "c"]


@requires_soffice
def test_libreoffice_opens_it(tmp_path):
    path = tmp_path / "lo.xlsx"
    book, ws = _book(path)
    ws.write_rows(0, [["县市区", 1], ["任城区", 2.5]], [(TEXT, None), (NUMBER, None)], [None, None])
    ws.merge_cells(3, 0, 3, 1, TEXT, "合并", None)
    book.close()
    copy = convert(path, tmp_path / "out", "xlsx")
    sheet = openpyxl.load_workbook(copy)["表"]
    assert [[c.value for c in row] for row in sheet.iter_rows(max_row=4, max_col=2)] == [
        ["县市区", 1], ["任城区", 2.5], [None, None], ["合并", None]]
