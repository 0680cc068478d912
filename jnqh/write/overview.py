"""总览 and 历次 of the consolidated workbook: the one page the leadership reads, and the trend.

总览 prints on exactly one A4 page: the targets with their progress and deadline, the county
ranking (with the type mix in its 合计 row), what arrived — files and circles counted apart
— and two native charts: built against target per county, and the trend across periods (the
type mix while there is only one period). Every number comes from the figures stage.
"""

from __future__ import annotations

from typing import Any

from jnqh.consolidate import figures
from jnqh.write import bulksheet
from jnqh.write.bulksheet import BulkSheet, as_date
from jnqh.consolidate.model import Run
from jnqh.write.workbooks import (
    DATE, FLAG, INT, PCT, RED, SCORE, SERIES_COLOURS, TEXT, TYPE_COLOURS, TYPE_ORDER, Col, _Book, _lines,
    _merged, _print_setup, _row_height, _write_table,
)
from jnqh.issues import ERROR, SEVERITY_LABEL

# Columns A–J; the charts stand from column L.
WIDTHS = (24, 7, 8, 8, 11, 9, 7, 7, 7, 7)
CHART_COL = len(WIDTHS) + 1
TARGET_HEADERS = ("指标", "目标", "当前", "单位", "期限", "较上期", "进展")
STANDING_FIRST, STANDING_LAST = 6, 9  # 进展 spans G:J
RANK_HEADERS = ("县市区", "排名", "目标数", "建成数", "建成率（%）", "服务均分", *TYPE_ORDER)
TREND_COLUMNS = (Col("期数"), Col("截至日期", DATE), Col("建成数（个）", INT), Col("其中主城区（个）", INT),
                 Col("居民满意度（%）", PCT), Col("基本保障型占比（%）", PCT), Col("已报送（个）", INT))
TREND_KEYS = ("circles", "main_city", "satisfaction", "basic_share", "submitted")


def write_overview(book: _Book, run: Run, name: str, counties_sheet: str, trend_sheet: str) -> None:
    ws = book.sheet(name)
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width)
    ws.height(0, 28)
    ws.put(0, 0, bulksheet.TEXT, book.title, book.fmt("title"))
    ws.put(1, 0, bulksheet.TEXT, _subtitle(run), book.fmt("subtitle"))
    r = _targets(book, ws, run, 3)
    rank_top = r + 1
    r = _ranking(book, ws, run, rank_top)
    _arrivals(book, ws, run, r + 1)
    ws.insert_chart(2, CHART_COL, _progress_chart(book, run, counties_sheet), {"x_offset": 4, "y_offset": 4})
    second = (_trend_chart(book, run, trend_sheet, small=True) if len(run.trend) > 1
              else _type_chart(book, name, rank_top + 1, rank_top + 2 + len(figures.ranked(run))))
    ws.insert_chart(27, CHART_COL, second, {"x_offset": 4, "y_offset": 4})
    ws.freeze_panes(2, 0)
    _print_setup(ws, book.title, fit=(1, 1))


def _subtitle(run: Run) -> str:
    text = f"第{run.number}期　截至日期：{run.as_of.isoformat()}　生成日期：{run.generated}"
    if run.changes.previous_as_of:
        text += f"　上期：第{run.changes.previous_no}期（截至 {run.changes.previous_as_of}）"
    return text


def _headers(book: _Book, ws: BulkSheet, r: int, headers) -> None:
    for c, header in enumerate(headers):
        ws.put(r, c, bulksheet.TEXT, header, book.fmt("header"))


def _targets(book: _Book, ws: BulkSheet, run: Run, r: int) -> int:
    ws.put(r, 0, bulksheet.TEXT, "目标完成情况", book.fmt("section"))
    _headers(book, ws, r + 1, TARGET_HEADERS[:-1])
    _merged(ws, r + 1, STANDING_FIRST, r + 1, STANDING_LAST, TARGET_HEADERS[-1], book.fmt("header"))
    r += 2
    standing_width = sum(WIDTHS[STANDING_FIRST:STANDING_LAST + 1])
    for t in run.targets:
        kind = INT if t.unit == "个" else PCT
        standing = figures.target_standing(t)
        ws.height(r, _row_height(max(_lines(standing, standing_width), _lines(t.label, WIDTHS[0]))))
        ws.put(r, 0, bulksheet.TEXT, t.label, book.fmt(TEXT))
        for c, value in ((1, t.target), (2, t.actual)):
            ws.put(r, c, bulksheet.NUMBER, value, book.fmt(kind))
        ws.put(r, 3, bulksheet.TEXT, t.unit, book.fmt(FLAG))
        ws.put(r, 4, bulksheet.DATE, as_date(t.deadline), book.fmt(DATE))
        change = "+0;-0;0" if kind == INT else "+0.0;-0.0;0.0"
        ws.put(r, 5, bulksheet.NUMBER, t.change, book.fmt(kind, num_format=change))
        style = book.fmt(TEXT) if t.met else book.fmt(TEXT, bold=True, font_color=RED["font_color"])
        _merged(ws, r, STANDING_FIRST, r, STANDING_LAST, standing, style)
        r += 1
    for t in run.targets:
        if t.note:
            ws.put(r, 0, bulksheet.TEXT, f"注：{t.label}{t.note}。", book.fmt("note"))
            r += 1
    return r


def _ranking(book: _Book, ws: BulkSheet, run: Run, r: int) -> int:
    """The counties by rank (the 通报's order), the city's 合计 last."""
    ws.put(r, 0, bulksheet.TEXT, "各县市区排名（按建成率、服务均分）", book.fmt("section"))
    _headers(book, ws, r + 1, RANK_HEADERS)
    r += 2
    rows = [*figures.ranked(run), run.city]
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        values: list[tuple[str, Any, str]] = [
            (bulksheet.TEXT, row.county, TEXT), (bulksheet.NUMBER, None if last else row.rank, INT),
            (bulksheet.NUMBER, row.target, INT), (bulksheet.NUMBER, row.built, INT),
            (bulksheet.NUMBER, row.built_pct, PCT), (bulksheet.NUMBER, row.service_mean, SCORE),
            *((bulksheet.NUMBER, row.by_type.get(t, 0), INT) for t in TYPE_ORDER)]
        for c, (kind, value, fmt) in enumerate(values):
            ws.put(r, c, kind, value, book.fmt(fmt, bold=last))
        r += 1
    return r


def _arrivals(book: _Book, ws: BulkSheet, run: Run, r: int) -> int:
    ws.put(r, 0, bulksheet.TEXT, "报送与问题", book.fmt("section"))
    _headers(book, ws, r + 1, ("项目", "数量"))
    r += 2
    for label, value in arrival_counts(run):
        ws.put(r, 0, bulksheet.TEXT, label, book.fmt(TEXT))
        ws.put(r, 1, bulksheet.VALUE, value, book.fmt("value"))
        r += 1
    return r


def arrival_counts(run: Run) -> list[tuple[str, Any]]:
    """Files and circles counted apart, each labelled with what it counts."""
    counts = figures.run_counts(run)
    return [
        ("收到的表格文件（个）", counts["files"]),
        ("　其中已采用的文件（个）", counts["files_accepted"]),
        ("　已被新报送替代的文件（个）", counts["files_superseded"]),
        ("　无法读取或需另存的文件（个）", counts["files_broken"]),
        ("　满意度问卷等其他文件（个）", counts["files_other"]),
        ("已采用的生活圈（个）", counts["circles_accepted"]),
        ("被新报送替代的生活圈（个）", counts["circles_superseded"]),
        ("名册外的生活圈（个，未计入）", counts["circles_unmatched"]),
        ("有误数值未计入的生活圈（个）", counts["circles_flagged"]),
        (f"问题：{SEVERITY_LABEL[ERROR]}（处，采用的文件中）", counts["errors"]),
        (f"问题：{SEVERITY_LABEL['warning']}（处，采用的文件中）", counts["warnings"]),
        ("逾期项目（个）", counts["overdue"]),
        ("未报送的县市区", "、".join(run.missing_counties) or "无"),
    ]


def write_trend(book: _Book, run: Run, name: str) -> None:
    """历次: one row per period, with a native line chart of the built circles."""
    rows = [[f"第{row['number']}期", as_date(row["as_of"]), *(row.get(k) for k in TREND_KEYS)] for row in run.trend]
    ws = _write_table(book, name, TREND_COLUMNS, rows, freeze_cols=1)
    ws.insert_chart(len(rows) + 2, 0, _trend_chart(book, run, name, small=False), {"x_offset": 4, "y_offset": 8})


def _trend_chart(book: _Book, run: Run, sheet: str, *, small: bool):
    """建成数 and 主城区 by period, over the 历次 sheet."""
    chart = book.wb.add_chart({"type": "line"})
    last = len(run.trend)
    for col, colour in zip((2, 3), SERIES_COLOURS):
        chart.add_series({"name": [sheet, 0, col], "categories": [sheet, 1, 0, last, 0],
                          "values": [sheet, 1, col, last, col], "line": {"color": colour, "width": 2.25},
                          "marker": {"type": "circle", "size": 6, "fill": {"color": colour},
                                     "border": {"color": colour}},
                          "data_labels": {"value": True, "position": "above", "font": {"size": 8}}})
    chart.set_title({"name": "历次建成情况", "name_font": {"size": 12, "bold": True}})
    chart.set_y_axis({"min": 0, "num_font": {"size": 8}, "major_gridlines": {"visible": True,
                                                                            "line": {"color": "#D9D9D9"}}})
    chart.set_x_axis({"num_font": {"size": 9}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 600, "height": 300 if small else 360})
    return chart


def _progress_chart(book: _Book, run: Run, sheet: str):
    """Built vs target per county, a horizontal bar chart over 县市区汇总."""
    from jnqh.write.workbooks import BUILT_COL, COUNTY_COL, TARGET_COL

    chart = book.wb.add_chart({"type": "bar"})
    last = max(len(run.counties), 1)
    for col, colour in zip((BUILT_COL, TARGET_COL), SERIES_COLOURS):
        chart.add_series({"name": [sheet, 0, col], "categories": [sheet, 1, COUNTY_COL, last, COUNTY_COL],
                          "values": [sheet, 1, col, last, col], "fill": {"color": colour},
                          "data_labels": {"value": True, "font": {"size": 8}}, "gap": 60})
    chart.set_title({"name": "各县市区生活圈建成进度（建成数／目标数）", "name_font": {"size": 12, "bold": True}})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 9}})
    most = max((max(row.target, row.built) for row in run.counties), default=1)
    chart.set_x_axis({"major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                      "num_font": {"size": 8}, "min": 0, "major_unit": max(1, -(-most // 8))})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 600, "height": 440})
    return chart


def _type_chart(book: _Book, sheet: str, header_row: int, total_row: int):
    """The final-type mix of accepted circles, a pie over the ranking's 合计 row."""
    chart = book.wb.add_chart({"type": "pie"})
    first = len(RANK_HEADERS) - len(TYPE_ORDER)
    last = first + len(TYPE_ORDER) - 1
    chart.add_series({
        "name": "最终类型分布", "categories": [sheet, header_row, first, header_row, last],
        "values": [sheet, total_row, first, total_row, last],
        "points": [{"fill": {"color": colour}} for colour in TYPE_COLOURS],
        "data_labels": {"value": True, "category": True, "percentage": True, "separator": "\n",
                        "position": "best_fit", "font": {"size": 9}},
    })
    chart.set_title({"name": "最终类型分布（已采用的生活圈）", "name_font": {"size": 12, "bold": True}})
    chart.set_legend({"position": "right"})
    chart.set_size({"width": 600, "height": 300})
    return chart
