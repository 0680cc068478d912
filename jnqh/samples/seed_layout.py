"""附件5/附件6 as a county pastes them from the plan's Word file into Excel.

Not the project's template: the seed's own table, with Word's merged cells, labels broken
over lines exactly where the seed breaks them, ticks typed into the □ text, numbers typed
as text now and then, a leading empty row and column, and a 附件6 whose header sits under
title rows. Which quirks a circle gets is drawn from a ``random.Random`` seeded with its
name, so the same circles always give the same workbook.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from jnqh import forms
from jnqh.score.rubric import Rubric
from jnqh.samples.xlsx import Target, write_xlsx

# The seed's wording where it differs from the form definition (line breaks of the Word
# table, the quotes and the 打√ hint); everything else comes from jnqh.forms.
OPERATORS_LABEL = "运营主体（多选，打√）"
PLATFORM_LABEL = "便民生活圈智慧服务平台（如有，请列出名称）"
CENTERS_LABEL = "社区商业中心（邻里中心）数量（座）"
RESIDENTS_LABEL = "生活圈服务覆盖的居民\n数量（万人）"
FACILITY_LABEL = "社区商业和综合服务设施面积占社区总建筑面积的比例（％）"
TABLE_HEADERS = ("分类", "主要业态网点", "商业网点\n（店铺）数量合计（个）", "从业人数\n（万人）",
                 "其中：品\n牌连锁店数量（个）", "居民\n满意度（%）", "问需于民调查时\n居民反映还“缺什么”\n（需求清单）")
TOTAL_LABEL = "合 计"
BASIC_GROUP_LABEL = "基本\n保障类"
# Word wraps this row label in the seed; the others are as in forms.CATEGORIES.
CATEGORY_LABELS = {"postal_express": "邮政快递综合服\n务点（快件箱组）"}
OPERATOR_LINES = (("street_community", "soe", "private"), ("professional", "self_operated"))
TICKED, UNTICKED = "√", "□"
LAYOUT_TICK = "☑"
PROJECT_COLUMNS = ("community", "name", "kind", "investment_10k_yuan", "status", "planned_finish", "owner")
BLOCK_HEIGHT = 34  # rows of one 附件5 block, title to 说明


@dataclass(frozen=True)
class Styles:
    label: object
    value: object
    title: object
    date: object


def write_seed_workbook(target: Target, county: str, circles: list[dict], projects: list[dict], *,
                        one_sheet_per_circle: bool = True, header_as_one_cell: bool = False,
                        with_form2: bool = False, with_facts: bool = False) -> None:
    """The seed's 附件5 (one sheet per circle, or stacked on one), a 附件6 sheet, optionally the seed's
    附件2 checklist and (`with_facts`) the 附件3 facts and 促消费活动 in a table of the county's own."""
    quirks = random.Random("|".join(c["name"] for c in circles))
    sheet_names = _sheet_names(quirks, circles)

    def build(book) -> None:
        styles = _styles(book)
        if one_sheet_per_circle:
            for name, circle in zip(sheet_names, circles):
                sheet = _form_sheet(book, name)
                _write_block(sheet, styles, circle, 1, header_as_one_cell)
        else:
            sheet = _form_sheet(book, sheet_names[0])
            for index, circle in enumerate(circles):
                _write_block(sheet, styles, circle, 1 + index * (BLOCK_HEIGHT + 2), header_as_one_cell)
        if with_form2:
            for index, circle in enumerate(circles, start=1):
                _write_form2(book.add_worksheet(f"附件2-{index}"), styles, circle)
        if with_facts:
            _write_facts(book.add_worksheet("附件3指标"), styles, circles)
            _write_events(book.add_worksheet("促消费活动"), styles, circles)
        _write_projects(book.add_worksheet("附件6"), styles, county, projects)

    write_xlsx(target, build)


def _sheet_names(quirks: random.Random, circles: list[dict]) -> list[str]:
    style = quirks.choice(("Sheet", "生活圈", "short"))
    names = []
    for index, circle in enumerate(circles, start=1):
        if style == "Sheet":
            names.append(f"Sheet{index}")
        elif style == "生活圈":
            names.append(f"生活圈{index}")
        else:
            short = circle["name"].removeprefix(circle["county"]).removesuffix("一刻钟便民生活圈")
            names.append(f"{index}.{short}"[:31])
    return names


def _form_sheet(book, name: str):
    sheet = book.add_worksheet(name)
    sheet.set_column(0, 0, 2)  # the leading empty column
    sheet.set_column(1, 1, 9)
    sheet.set_column(2, 2, 18)
    sheet.set_column(3, 7, 14)
    return sheet


def _styles(book) -> Styles:
    box = {"border": 1, "text_wrap": True, "valign": "vcenter", "font_name": "仿宋_GB2312"}
    return Styles(
        label=book.add_format({**box, "align": "center"}),
        value=book.add_format(box),
        title=book.add_format({"bold": True, "font_size": 16, "align": "center", "font_name": "方正小标宋简体"}),
        date=book.add_format({**box, "num_format": "yyyy-mm-dd"}),
    )


def _cell(sheet, first_row: int, first_col: int, last_row: int, last_col: int, value, style) -> None:
    """A cell or, as Word's merged table cells become in Excel, a merged range."""
    if (first_row, first_col) == (last_row, last_col):
        sheet.write(first_row, first_col, value, style)
    else:
        sheet.merge_range(first_row, first_col, last_row, last_col, value, style)


# ---------------------------------------------------------------------------
# One 附件5 block (columns B..H; B = 分类, C = 业态, D..H = the five values)
# ---------------------------------------------------------------------------


def _write_block(sheet, styles: Styles, circle: dict, top: int, header_as_one_cell: bool) -> None:
    quirks = random.Random(circle["name"])
    sheet.write(top, 1, "附件5")
    sheet.merge_range(top + 1, 1, top + 1, 7, forms.FORM5_TITLE, styles.title)
    _header_line(sheet, styles, circle, top + 2, header_as_one_cell, quirks)
    _header_fields(sheet, styles, circle, top + 3, quirks)
    _outlet_table(sheet, styles, circle, top + 9, quirks)


def _date_text(value: str | None, quirks: random.Random) -> str:
    if not value:
        return ""
    day = dt.date.fromisoformat(value)
    return quirks.choice((f"{day.year}年{day.month}月{day.day}日", f"{day.year}.{day.month}.{day.day}"))


def _header_line(sheet, styles: Styles, circle: dict, row: int, one_cell: bool, quirks: random.Random) -> None:
    name, county, as_of = circle["name"] or "", circle["county"] or "", _date_text(circle["as_of"], quirks)
    if one_cell:
        text = f"试点生活圈名称：{name}    所在县市区：{county}    截至日期：{as_of}"
        sheet.merge_range(row, 1, row, 7, text, styles.value)
        return
    sheet.write(row, 1, "试点生活圈名称：", styles.value)
    sheet.merge_range(row, 2, row, 3, name, styles.value)
    sheet.write(row, 4, "所在县市区：", styles.value)
    sheet.write(row, 5, county, styles.value)
    sheet.write(row, 6, "截至日期：", styles.value)
    sheet.write(row, 7, as_of, styles.value)


def _ticks(options: tuple[forms.Option, ...], chosen: set[str], mark: str) -> dict[str, str]:
    return {o.id: f"{o.label}{mark if o.id in chosen else UNTICKED}" for o in options}


def _header_fields(sheet, styles: Styles, circle: dict, row: int, quirks: random.Random) -> None:
    label, value = styles.label, styles.value
    operators = _ticks(forms.OPERATORS, set(circle.get("operators") or ()), TICKED)
    lines = ["  ".join(operators[o] for o in line) for line in OPERATOR_LINES]
    layouts = _ticks(forms.LAYOUTS, {circle.get("layout")}, LAYOUT_TICK)
    _cell(sheet, row, 1, row + 1, 2, OPERATORS_LABEL, label)  # label cells span two rows
    _cell(sheet, row, 3, row + 1, 5, f"{lines[0]} \n{lines[1]}", value)
    _cell(sheet, row, 6, row + 1, 6, forms.CIRCLE_FIELD["layout"].label, label)
    _cell(sheet, row, 7, row + 1, 7, "\n".join(layouts.values()), value)
    _cell(sheet, row + 2, 1, row + 2, 2, forms.CIRCLE_FIELD["boundaries"].label, label)
    _cell(sheet, row + 2, 3, row + 2, 4, circle.get("boundaries") or "", value)
    _cell(sheet, row + 2, 5, row + 2, 5, forms.CIRCLE_FIELD["communities"].label, label)
    _cell(sheet, row + 2, 6, row + 2, 7, "、".join(circle.get("communities") or ()), value)
    _cell(sheet, row + 3, 1, row + 3, 4, PLATFORM_LABEL, label)
    _cell(sheet, row + 3, 5, row + 3, 7, circle.get("platform") or "", value)
    centers = _bracketed(CENTERS_LABEL, quirks)
    _cell(sheet, row + 4, 1, row + 4, 2, centers, label)
    _cell(sheet, row + 4, 3, row + 4, 3, _count(circle.get("centers"), quirks), value)
    _cell(sheet, row + 4, 4, row + 4, 6, RESIDENTS_LABEL, label)
    _cell(sheet, row + 4, 7, row + 4, 7, _residents(circle.get("residents_10k"), quirks), value)
    _cell(sheet, row + 5, 1, row + 5, 4, FACILITY_LABEL, label)
    _cell(sheet, row + 5, 5, row + 5, 7, _blank_none(circle.get("facility_area_pct")), value)


def _bracketed(label: str, quirks: random.Random) -> str:
    # Some copies carry half-width brackets (typed again in Excel rather than pasted).
    return label.replace("（", "(").replace("）", ")") if quirks.random() < 0.5 else label


def _blank_none(value):
    return "" if value is None else value


def _count(value, quirks: random.Random):
    """A count as a county types it: mostly a number, sometimes '12个' or full-width '１２'."""
    if value is None:
        return ""
    roll = quirks.random()
    if isinstance(value, int) and value > 0 and roll < 0.08:
        return f"{value}个"
    if isinstance(value, int) and value > 0 and roll < 0.14:
        return str(value).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return value


def _residents(value, quirks: random.Random):
    if isinstance(value, float) and quirks.random() < 0.3:
        return f"{value:g}万"
    return _blank_none(value)


def _outlet_table(sheet, styles: Styles, circle: dict, row: int, quirks: random.Random) -> None:
    for offset, header in enumerate(TABLE_HEADERS):
        text = _bracketed(header, quirks) if offset == 3 else header
        sheet.write(row, 1 + offset, text, styles.label)
    _cell(sheet, row + 1, 1, row + 1, 2, TOTAL_LABEL, styles.label)
    _outlet_values(sheet, styles, row + 1, circle["total"], quirks)
    first = row + 2
    for group, label in (("basic", BASIC_GROUP_LABEL), ("quality", "")):
        categories = [c for c in forms.CATEGORIES if c.group == group]
        # the seed prints no group label for the second block (品质提升类)
        _cell(sheet, first, 1, first + len(categories) - 1, 1, label, styles.label)
        for offset, category in enumerate(categories):
            sheet.write(first + offset, 2, CATEGORY_LABELS.get(category.id, category.label), styles.label)
            _outlet_values(sheet, styles, first + offset, circle["categories"][category.id], quirks)
        first += len(categories)
    _cell(sheet, first, 1, first, 2, forms.CIRCLE_FIELD["notes"].label, styles.label)
    _cell(sheet, first, 3, first, 7, circle.get("notes") or "", styles.value)


def _outlet_values(sheet, styles: Styles, row: int, values: dict, quirks: random.Random) -> None:
    satisfaction = values.get("satisfaction_pct")
    if isinstance(satisfaction, (int, float)) and satisfaction <= 100 and quirks.random() < 0.15:
        satisfaction = f"{satisfaction:g}%"
    cells = (_count(values.get("outlets"), quirks), _blank_none(values.get("staff_10k")),
             _count(values.get("chain"), quirks), _blank_none(satisfaction), values.get("needs") or "")
    for offset, value in enumerate(cells):
        sheet.write(row, 3 + offset, value, styles.value)


# ---------------------------------------------------------------------------
# 附件6: title rows, then the header (only some of the design columns)
# ---------------------------------------------------------------------------


def _write_projects(sheet, styles: Styles, county: str, projects: list[dict]) -> None:
    fields = [forms.PROJECT_FIELD[f] for f in PROJECT_COLUMNS]
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, len(fields), 16)
    sheet.write(0, 0, "附件6：")
    sheet.merge_range(1, 0, 1, len(fields), forms.FORM6_TITLE, styles.title)
    sheet.write(2, 0, f"填报单位：{county}商务局（盖章）")
    header = 3
    sheet.write(header, 0, "序号", styles.label)
    for offset, spec in enumerate(fields, start=1):
        sheet.write(header, offset, spec.label, styles.label)
    for number, project in enumerate(projects, start=1):
        row = header + number
        sheet.write(row, 0, number, styles.value)
        for offset, spec in enumerate(fields, start=1):
            _project_value(sheet, styles, row, offset, spec, project.get(spec.id))


def _project_value(sheet, styles: Styles, row: int, col: int, spec: forms.Field, value) -> None:
    if value is None:
        sheet.write_blank(row, col, None, styles.value)
    elif spec.kind == forms.DATE:
        sheet.write_datetime(row, col, dt.datetime.fromisoformat(value), styles.date)
    else:
        sheet.write(row, col, value, styles.value)


# ---------------------------------------------------------------------------
# 附件2 as the seed's checklist: ticks typed into the □ text, a 自评得分 column
# ---------------------------------------------------------------------------

FORM2_HEADERS = ("评价指标", "评价内容", "分值", "评价标准", forms.SELF_SCORE_LABEL)
FORM2_INTRO = {
    "basic": "在“家门口”步行 5-10分钟范围内，配齐基本保障类业态，主要有：",
    "quality": "在“家周边”步行15分钟范围内，因地制宜发展品质提升类业态， 主要有：",
}
FORM2_RULES = {
    "basic": "共列出居民日常生活所需的20种基本保障类业态，各地可结合本地实际，确定15种作为必备业态。\n"
             "达到15项得60分。\n不足15项得0分。",
    "quality": "共列出居民文体娱康等30种品质提升类业态，各地可结合本地、本社区实际，选择引进有关业态。\n"
               "每具有一个业态得1.5分。\n最高不超过40分。",
}
# The seed lists a few types with their explanation in brackets.
FORM2_LONG = {"repair": "小修小补点（修表、修鞋、修家电、修自行车、开锁配钥匙、改衣服、修电子产品、家具维修、箱包维修等）",
              "elderly_care": "社区养老服务机构（含社区养老院、为老服务中心、日间照料中心等）"}


def form2_text(presence: dict, group: str) -> str:
    """'☑便利店 □综合超市 …' for one group, as a county ticks the seed's list."""
    items = [f"{'☑' if presence.get(t.id) else '□'}{FORM2_LONG.get(t.id, t.label)}"
             for t in forms.PRESENCE_TYPES if t.group == group]
    return f"{FORM2_INTRO[group]}\n{' '.join(items)} □其他： "


def _write_form2(sheet, styles: Styles, circle: dict) -> None:
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 4, 12)
    sheet.write(0, 0, "附件2")
    sheet.merge_range(1, 0, 1, 4, f"{circle['name']}业态“有没有”分型自评", styles.title)
    for col, header in enumerate(FORM2_HEADERS):
        sheet.write(2, col, header, styles.label)
    basic, quality = _presence_points(circle.get("presence") or {})
    rows = (("基本保障类业态", "basic", 60, basic), ("品质提升类业态", "quality", 40, quality))
    for offset, (label, group, points, mine) in enumerate(rows, start=3):
        sheet.write(offset, 0, label, styles.label)
        sheet.write(offset, 1, form2_text(circle.get("presence") or {}, group), styles.value)
        sheet.write(offset, 2, points, styles.label)
        sheet.write(offset, 3, FORM2_RULES[group], styles.value)
        sheet.write(offset, 4, mine, styles.label)
    sheet.write(5, 0, "分值总计", styles.label)
    sheet.write(5, 2, 100, styles.label)
    sheet.write(5, 4, basic + quality, styles.label)


def _presence_points(presence: dict) -> tuple[float, float]:
    """The county's own 附件2 arithmetic (60 for 15 basic types, 1.5 a quality type up to 40)."""
    rubric = Rubric()
    basic = sum(1 for t in forms.BASIC_TYPES if presence.get(t.id))
    quality = sum(1 for t in forms.QUALITY_TYPES if presence.get(t.id))
    basic_points = float(rubric.basic_points) if basic >= rubric.basic_required else 0.0
    quality_points = min(float(rubric.quality_each) * quality, float(rubric.quality_cap))
    return basic_points, quality_points


# ---------------------------------------------------------------------------
# 附件3 facts and 促消费活动 in a county's own table: 指标 | one column per circle
# ---------------------------------------------------------------------------


def fact_text(fact: forms.Field, value) -> object:
    """A 附件3 fact as a county types it into one cell (是/否, lists joined with 、)."""
    if value is None or value == [] or value == {}:
        return ""
    if fact.kind == forms.YESNO:
        return forms.YES_NO[0] if value else forms.YES_NO[1]
    if fact.id == "elderly_area_ok":
        return fact.option_by_id({True: "yes", False: "no", "none": "none"}[value]).label
    if fact.id == "terminals":
        return "、".join(f"{fact.option_by_id(kind).label}{count}台" for kind, count in value.items())
    if fact.kind == forms.MULTI:
        return "、".join(value)
    if fact.kind == forms.NUMBER_LIST:
        return "、".join(f"{n:g}" for n in value)
    return value


def _write_facts(sheet, styles: Styles, circles: list[dict]) -> None:
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, len(circles), 24)
    sheet.write(0, 0, "附件3 服务“好不好”评价指标（各生活圈情况）", styles.title)
    sheet.write(1, 0, forms.FORM3_HEADERS[1], styles.label)
    for col, circle in enumerate(circles, start=1):
        sheet.write(1, col, circle["name"], styles.label)
    for row, fact in enumerate(forms.SERVICE_FACTS, start=2):
        sheet.write(row, 0, fact.label, styles.value)
        for col, circle in enumerate(circles, start=1):
            sheet.write(row, col, fact_text(fact, (circle.get("service") or {}).get(fact.id)), styles.value)


def _write_events(sheet, styles: Styles, circles: list[dict]) -> None:
    sheet.set_column(0, 1, 36)
    sheet.set_column(2, 2, 14)
    sheet.write(0, 0, "本年度促消费活动开展情况", styles.title)
    for col, column in enumerate(forms.EVENT_COLUMNS):
        sheet.write(1, col, column.label, styles.label)
    row = 2
    for circle in circles:
        for event in (circle.get("service") or {}).get("events") or ():
            sheet.write(row, 0, circle["name"], styles.value)
            sheet.write(row, 1, event["name"], styles.value)
            sheet.write_datetime(row, 2, dt.datetime.fromisoformat(event["date"]), styles.date)
            row += 1
