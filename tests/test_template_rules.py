"""The template's live self-check and `jnqh check` apply the same rules, cell by cell.

Template copies are filled with good values and with one fault each, recalculated by a real
LibreOffice, and read as a county would send them. For every row, the problems the 自查提示
column names must be the errors `jnqh check` reports on that row — no more, no fewer.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import lo
from jnqh import forms, issues
from jnqh.check.files import check_file
from jnqh.write.template import FORM5
from test_template import fill_good_circle, fill_project, fill_totals, recalculated

TODAY = date.today()
TITLE_CODE = {kind.title: kind.code for kind in issues.CATALOGUE}
CIRCLE_SHEETS = ("附件5-1", "附件5-2", "附件5-3")
PROJECTS = "附件6项目清单"
CHECK_COLUMN = FORM5.check_column


def _cell(category: str | None, column: str) -> str:
    return FORM5.outlet_cell(category, column)


# Each fault: the cells it changes on a good circle (FORM5 coordinates), applied after 合计.
FAULTS = {
    "percent over 100": {_cell("breakfast", "satisfaction_pct"): 120},
    "negative count": {_cell("supermarket", "outlets"): -2},
    "fractional count": {_cell("wet_market", "outlets"): 2.5},
    "text in a number": {FORM5.cells["residents_10k"]: "约一万"},
    "chain over outlets": {_cell("convenience_store", "chain"): 9},
    "total off by one": {_cell(None, "outlets"): "total+1"},
    "future date": {FORM5.cells["as_of"]: TODAY + timedelta(days=40)},
    "facility over 100": {FORM5.cells["facility_area_pct"]: 130},
    "boundaries blank": {FORM5.cells["boundaries"]: None},
}


def _fill(ws, name: str, fault: dict) -> None:
    fill_good_circle(ws)
    ws[FORM5.cells["name"]] = name
    for cell, value in fault.items():
        if value == "total+1":
            value = ws[cell].value + 1
        ws[cell] = value
    if not any(cell.startswith(tuple("CDEF")) and int(cell[1:]) > FORM5.total_row for cell in fault):
        return
    if "total+1" not in fault.values():
        fill_totals(ws)  # a changed row keeps its 合计 right, so that only the fault shows


def _template_codes(ws) -> dict[int, set[str]]:
    found = {}
    for row in range(3, FORM5.notes_row + 1):  # H1 counts the filled cells; rows 1–2 are titles
        text = ws[f"{CHECK_COLUMN}{row}"].value
        if isinstance(text, str) and text:
            found[row] = {TITLE_CODE[part.split("：")[-1].split("（")[0]] for part in text.split("；")}
    return found


# What the template checks live: every code its 自查提示 can name.
TEMPLATE_CODES = {"V-REQUIRED", "V-NUMBER", "V-NEGATIVE", "V-INTEGER", "V-PERCENT-RANGE", "V-DATE", "V-DATE-FUTURE",
                  "V-CHAIN-GT-OUTLETS", "V-STAFF-PEOPLE", "V-TOTAL-MISMATCH", "P-INVESTED-GT-TOTAL",
                  "P-FINISH-BEFORE-START", "P-DONE-NO-DATE", "P-OVERDUE"}


def _checker_codes(report, sheet: str) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for issue in report.issues:
        if issue.sheet == sheet and issue.cell and issue.code in TEMPLATE_CODES:
            found.setdefault(int(issue.cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), set()).add(issue.code)
    return found


@pytest.mark.parametrize("batch", [list(FAULTS)[i:i + 3] for i in range(0, len(FAULTS), 3)],
                         ids=lambda names: ",".join(names))
@lo.requires_soffice
def test_template_and_checker_name_the_same_problems(tmp_path, batch):
    def fill(book):
        for sheet, name in zip(CIRCLE_SHEETS, batch):
            _fill(book[sheet], f"{sheet[-1]}号街道一刻钟便民生活圈", FAULTS[name])

    book = recalculated(tmp_path, fill)
    saved = tmp_path / "out" / "filled.xlsx"
    report = check_file(saved, today=TODAY)
    for sheet, name in zip(CIRCLE_SHEETS, batch):
        shown, checked = _template_codes(book[sheet]), _checker_codes(report, sheet)
        assert shown, f"{name}: the template shows nothing"
        assert shown == checked, f"{name}: template {shown} ≠ jnqh check {checked}"


@lo.requires_soffice
def test_overdue_is_judged_against_the_sheets_as_of_in_both(tmp_path):
    """A project due after the circle's 截至日期 is not overdue, however late today is."""
    as_of = date(2024, 4, 30)

    def fill(book):
        fill_good_circle(book["附件5-1"])
        projects = book[PROJECTS]
        fill_project(projects, 3, planned_finish=date(2024, 3, 31), status="在建", finished=None)  # overdue
        fill_project(projects, 4, name="古槐早餐店改造", planned_finish=date(2024, 6, 30), status="在建",
                     finished=None)  # due after 2024-04-30: not overdue, though it is past today

    book = recalculated(tmp_path, fill)
    report = check_file(tmp_path / "out" / "filled.xlsx", today=TODAY)
    overdue_rows = {int(i.cell[1:]) for i in report.issues if i.code == "P-OVERDUE" and i.sheet == PROJECTS}
    ws = book[PROJECTS]
    check = next(c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "自查提示")
    shown = {r for r in (3, 4) if "项目逾期" in str(ws.cell(r, check).value or "")}
    assert overdue_rows == shown == {3}
    assert book["附件5-1"][FORM5.cells["as_of"]].value.date() == as_of
