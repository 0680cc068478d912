"""附件2 presence, 附件3 facts, 促消费活动 and self-scores, attached to the circles of a workbook.

Grids are built in code: the project's own template (written by ``jnqh.write.template`` and
filled in memory, as Excel or WPS would save it) and the seed's Word tables pasted into
cells. ``read_extras`` is called with circles made here, so these tests do not depend on
the 附件5 reader; one test goes through ``read_book`` (and the check stage) for the wiring.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from jnqh import forms
from jnqh.model import CircleRecord, Source
from jnqh.check.files import check_report
from jnqh.read import read_book
from jnqh.read.context import ReadContext
from jnqh.read.extras import read_extras
from jnqh.read.locate import SheetIndex
from jnqh.write.template import write_template
from jnqh.read.workbook import Grid, load_book

GUHUAI, NANYUAN, XIANGYUN = "古槐生活圈", "南苑生活圈", "祥云生活圈"
TODAY = dt.date(2024, 6, 30)


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------


def make_grid(name: str, rows: list[list], merged: list[tuple[int, int, int, int]] = ()) -> Grid:
    width = max(len(row) for row in rows)
    return Grid(name, [list(row) + [""] * (width - len(row)) for row in rows], list(merged))


def make_circle(name: str, sheet: str | None = None, name_cell: str = "B2") -> CircleRecord:
    sheet = sheet or name
    return CircleRecord(data={"name": name}, sheet=sheet, sources={"name": Source(sheet, name_cell)})


def run(grids: list[Grid], circles: list[CircleRecord], form_sheets: set[str] | None = None) -> ReadContext:
    ctx = ReadContext(file="县.xlsx", today=TODAY)
    sheets = form_sheets if form_sheets is not None else {c.sheet for c in circles}
    read_extras([SheetIndex(g) for g in grids], circles, ctx, sheets)
    return ctx


def put(grid: Grid, ref: str, value: object) -> None:
    """Type a value into a loaded grid, as a county would before saving."""
    r, c = _cell(ref)
    while len(grid.rows) <= r:
        grid.rows.append([])
    row = grid.rows[r]
    row.extend([""] * (c + 1 - len(row)))
    row[c] = value


def _cell(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters):]) - 1, col - 1


@pytest.fixture
def template_book(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, county="任城区", circles=[GUHUAI, NANYUAN, XIANGYUN])
    return load_book(path)


def sheet_of(book, prefix: str) -> Grid:
    return next(g for g in book.sheets if g.name.startswith(prefix))


def row_of(grid: Grid, label: str, col: int = 1) -> int:
    """1-based row whose label cell (full-width indent stripped) reads `label`."""
    for r, row in enumerate(grid.rows):
        if col < len(row) and str(row[col]).strip("\u3000 ") == label:
            return r + 1
    raise AssertionError(f"no row {label!r} in {grid.name}")


def codes(ctx: ReadContext) -> list[tuple[str, str | None, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell, i.field) for i in ctx.found]


# ---------------------------------------------------------------------------
# 附件2, the template layout
# ---------------------------------------------------------------------------


def test_template_presence_reads_each_circle_column(template_book):
    grid = sheet_of(template_book, "附件2")
    store, market, breakfast = (row_of(grid, label) for label in ("便利店", "综合超市", "早餐店"))
    put(grid, f"C{store}", "有")
    put(grid, f"D{store}", 3)
    put(grid, f"C{market}", "无")
    put(grid, f"D{breakfast}", "2个")  # a count alone answers the row
    score_row = row_of(grid, forms.SELF_SCORE_LABEL, col=0)
    put(grid, f"C{score_row}", 75)
    circles = [make_circle(GUHUAI), make_circle(NANYUAN), make_circle(XIANGYUN)]

    ctx = run(template_book.sheets, circles)

    guhuai, nanyuan, _ = circles
    presence = guhuai.data["presence"]
    assert set(presence) == {t.id for t in forms.PRESENCE_TYPES}
    assert presence["convenience_store"] is True
    assert presence["supermarket"] is False
    assert presence["breakfast"] is True
    assert presence["pharmacy"] is False  # blank in an answered column is 无
    assert guhuai.data["presence_counts"] == {"convenience_store": 3, "breakfast": 2}
    assert guhuai.data["self_score"] == {"presence": 75}
    assert guhuai.sources["presence.convenience_store"] == Source(grid.name, f"C{store}")
    assert guhuai.sources["self_score.presence"] == Source(grid.name, f"C{score_row}")
    assert "presence" not in nanyuan.data  # an empty column stays missing for the scorer
    assert ctx.found == []


def test_template_presence_columns_follow_header_names_not_order():
    header = ["类别", "业态", NANYUAN, "", "古槐", ""]
    grid = make_grid("附件2", [
        ["一刻钟便民生活圈业态“有没有”分型表"],
        header,
        ["", "", "有/无", "数量（个）", "有/无", "数量（个）"],
        ["基本保障类", "便利店", "√", 1, "无", ""],
        ["", "综合超市", "", "", "有", "两个"],
        ["", "早餐店", "可能", "", "", ""],
        ["自评得分", "", 60, "", "", ""],
    ], merged=[(1, 2, 1, 3), (1, 4, 1, 5), (6, 0, 6, 1)])
    guhuai, nanyuan = make_circle(GUHUAI), make_circle(NANYUAN)

    ctx = run([grid], [guhuai, nanyuan])

    assert nanyuan.data["presence"]["convenience_store"] is True
    assert nanyuan.data["presence"]["supermarket"] is False
    assert guhuai.data["presence"]["convenience_store"] is False
    assert guhuai.data["presence"]["supermarket"] is True
    assert nanyuan.data["self_score"]["presence"] == 60
    assert ("V-CHOICE", "附件2", "C6", "presence.breakfast") in codes(ctx)
    assert ("V-NUMBER", "附件2", "F5", "presence_counts.supermarket") in codes(ctx)


def test_template_presence_column_of_unknown_circle_is_unassigned():
    grid = make_grid("附件2", [
        ["类别", "业态", "某某生活圈", ""],
        ["", "", "有/无", "数量（个）"],
        ["", "便利店", "有", ""],
        ["", "药店", "有", ""],
    ])
    ctx = run([grid], [make_circle(GUHUAI), make_circle(NANYUAN)])
    unassigned = [i for i in ctx.found if i.code == "R-UNASSIGNED"]
    assert len(unassigned) == 1
    assert (unassigned[0].sheet, unassigned[0].cell) == ("附件2", "C2")
    assert "附件2" in unassigned[0].message and "第3列" in unassigned[0].message


# ---------------------------------------------------------------------------
# 附件2, the seed's layout pasted from Word
# ---------------------------------------------------------------------------

BASIC_LIST = (
    "在“家门口”步行 5-10分钟范围内，配齐基本保障类业态，主要有：\n"
    "☑便利店 □综合超市 √菜市场（菜店） □生鲜超市 ■早餐店 □大众餐饮店（有外卖服务） □主食厨房 "
    "□理发店 □洗衣店 ☑药店 □照相文印店 □五金杂货店 □家政服务点√小修小补点（修表、修鞋、修家电、"
    "修自行车、开锁配钥匙、改衣服、修电子产品、家具维修、箱包维修等） □物业服务点 □再生资源回收点 "
    "□邮政快递综合服务场所或智能快件（信包）箱 □移动售卖点（报刊亭等） □自助取水机 □银行网点（含取款机）\n"
    "□其他： "
)
QUALITY_LIST = (
    "在“家周边”步行15分钟范围内，因地制宜发展品质提升类业态， 主要有：\n"
    "□社区养老服务机构（含社区养老院、为老服务中心、日间照料中心等） ☑托育机构（含托育点） □儿童娱乐中心 "
    "□邻里中心（商业服务中心） □艺术培训点 □特色餐饮店 □茶饮咖啡店\n□蛋糕房 □新式书店 □花店 □眼镜店 "
    "□文具店 □体育用品店 □专卖店 □生活馆 □健身场地 □电影院 □文娱演出场所\n□棋牌室 □保健理疗店 "
    "□美容美体店 □沐浴店 □住宿酒店 □洗车行 □汽车维修店 □宠物服务店 □社区食堂 □\n智慧商店 □自助寄存仓 "
    "☑自动贩卖机 ☑其他：社区食堂"
)


def seed_form2(name: str, basic: str = BASIC_LIST, quality: str = QUALITY_LIST,
               scores: tuple = (60, 4.5), title: str = "") -> Grid:
    return make_grid(name, [
        ["附件2"],
        [title or "一刻钟便民生活圈业态“有没有”分型表（试行）"],
        ["评价指标", "评价内容", "分值", "评价标准", "自评得分"],
        ["基本保障类业态", basic, 60, "达到15项得60分。", scores[0]],
        ["品质提升类业态", quality, 40, "每具有一个业态得1.5分。", scores[1]],
        ["分值总计", "", 100, "", ""],
    ])


def test_seed_tick_text_gives_presence_and_self_score():
    grid = seed_form2("附件2")
    circle = make_circle(GUHUAI)

    ctx = run([grid], [circle])

    presence = circle.data["presence"]
    ticked = sorted(t for t, v in presence.items() if v)
    assert ticked == sorted(["convenience_store", "wet_market", "breakfast", "pharmacy", "repair",
                             "childcare", "vending_machine"])
    assert len(presence) == len(forms.PRESENCE_TYPES)
    # the boxes of the repair kinds and the ticked 其他 name no type of their own
    assert presence["community_canteen"] is False
    assert circle.data["self_score"]["presence"] == 64.5
    assert circle.sources["presence.convenience_store"] == Source("附件2", "B4")
    assert circle.sources["presence.childcare"] == Source("附件2", "B5")
    assert "presence_counts" not in circle.data
    assert ctx.found == []


def test_seed_checklist_without_ticks_stays_missing():
    grid = seed_form2("附件2", BASIC_LIST.replace("☑", "□").replace("√", "□").replace("■", "□"),
                      QUALITY_LIST.replace("☑", "□"), scores=("", ""))
    circle = make_circle(GUHUAI)
    run([grid], [circle])
    assert "presence" not in circle.data
    assert "self_score" not in circle.data


def test_seed_block_goes_to_the_circle_on_its_sheet_or_named_by_it():
    # (a) the same sheet as one 附件5 block; (b) a sheet named after a circle
    on_form = seed_form2(GUHUAI)
    named = seed_form2("南苑附件2", QUALITY_LIST.replace("☑", "□"), BASIC_LIST, scores=(0, 0))
    guhuai, nanyuan = make_circle(GUHUAI), make_circle(NANYUAN)

    ctx = run([on_form, named], [guhuai, nanyuan])

    assert guhuai.data["presence"]["childcare"] is True
    assert nanyuan.data["presence"]["childcare"] is False
    assert nanyuan.data["presence"]["convenience_store"] is True
    assert ctx.found == []


def test_seed_block_named_in_its_title():
    grid = seed_form2("Sheet3", title="一刻钟便民生活圈业态“有没有”分型表（南苑）")
    guhuai, nanyuan = make_circle(GUHUAI), make_circle(NANYUAN)
    run([grid], [guhuai, nanyuan])
    assert nanyuan.data["presence"]["pharmacy"] is True
    assert "presence" not in guhuai.data


def test_sheet_that_names_no_circle_is_unassigned():
    grid = seed_form2("Sheet3")
    guhuai, nanyuan = make_circle(GUHUAI), make_circle(NANYUAN)

    ctx = run([grid], [guhuai, nanyuan])

    assert "presence" not in guhuai.data and "presence" not in nanyuan.data
    assert [(i.code, i.sheet, i.cell) for i in ctx.found] == [("R-UNASSIGNED", "Sheet3", "B4")]


# ---------------------------------------------------------------------------
# 附件3, the template layout
# ---------------------------------------------------------------------------


def fill_form3(grid: Grid, column: str, values: dict[str, object]) -> None:
    for label, value in values.items():
        put(grid, f"{column}{row_of(grid, label)}", value)


def test_template_service_facts(template_book):
    grid = sheet_of(template_book, "附件3")  # its header row carries the circle names
    fill_form3(grid, "D", {
        "已建立需求清单": "是", "已建立项目清单": "√", "已落实相关建设内容": "否",
        "满意度调查有效样本数（份）": 1200, "业态满意度（%）": "95%", "服务满意度（%）": "９２％",
        "打印复印": "√", "代扣代缴": "√", "快递代收": "是", "鲜花预订": "否",
        "24小时便利店数量（家）": "2家", "早餐品类数（主食+汤粥类）": 9,
        "有配送到家的早餐网点": "是", "有配送到家的零售网点": "否",
        "菜市场（生鲜超市）总建筑面积（㎡）": 2100, "各处菜市场面积（㎡，多处用、分隔）": "800、1300",
        "药残快速检测": "√", "公平秤": "√",
        "养老服务场所面积达标": "达标", "生活照料": "√",
        "托育场所面积（㎡）": 220,
        "主要消费场所有扫码结算和智能监控": "是",
        "智能快递柜": 3, "自助售货机": "2台", "自助取水机": 0,
        "生活圈导视图符合要求": "是", "生活圈商户总数（户）": 180,
        "入驻智慧服务平台商户数（户）": 130, "平台注册居民数（人）": 5200, "商居和谐": "基本符合",
        "1 问需于民": 8, "4 “一店一早”服务": 7.5, "10 商居和谐": 4, "合计": 82,
    })
    fill_form3(grid, "E", {"业态满意度（%）": 0.95, "养老服务场所面积达标": "不达标"})
    fill_form3(grid, "F", {"养老服务场所面积达标": "无养老场所"})
    circles = [make_circle(GUHUAI), make_circle(NANYUAN), make_circle(XIANGYUN)]

    ctx = run(template_book.sheets, circles)

    service = circles[0].data["service"]
    assert set(service) == {f.id for f in forms.SERVICE_FACTS} | {"events"}
    assert service["needs_list"] is True and service["project_list"] is True
    assert service["projects_done"] is False
    assert service["survey_sample"] == 1200
    assert service["business_satisfaction_pct"] == 95
    assert service["service_satisfaction_pct"] == 92
    assert service["store_services"] == sorted(["打印复印", "代扣代缴", "快递代收"])
    assert service["stores_24h"] == 2 and service["breakfast_kinds"] == 9
    assert service["breakfast_delivery"] is True and service["retail_delivery"] is False
    assert service["market_area_m2"] == 2100
    assert service["market_sites_m2"] == [800, 1300]
    assert service["market_services"] == sorted(["药残快速检测", "公平秤"])
    assert service["repair_kinds"] is None  # no option row answered
    assert service["elderly_area_ok"] is True
    assert service["elderly_services"] == ["生活照料"]
    assert service["childcare_area_m2"] == 220 and service["childcare_services"] is None
    assert service["terminals"] == {"express_locker": 3, "vending_machine": 2, "water_dispenser": 0}
    assert service["harmony"] == "基本符合"
    assert service["events"] is None
    assert circles[0].data["self_score"] == {"service": {"1": 8, "4": 7.5, "10": 4}, "service_total": 82}
    assert circles[0].sources["service.store_services"] == Source(grid.name, f"D{row_of(grid, '打印复印')}")
    assert circles[0].sources["service.stores_24h"] == Source(grid.name, f"D{row_of(grid, '24小时便利店数量（家）')}")

    assert circles[1].data["service"]["business_satisfaction_pct"] == 95
    assert circles[1].data["service"]["elderly_area_ok"] is False
    assert circles[2].data["service"]["elderly_area_ok"] == "none"
    fraction_cell = f"E{row_of(grid, '业态满意度（%）')}"
    assert codes(ctx) == [("V-PERCENT-FRACTION", grid.name, fraction_cell, "service.business_satisfaction_pct")]


def test_template_service_multi_typed_as_text():
    grid = make_grid("附件3", [
        ["序号", "指标", "填报说明", GUHUAI],
        ["4", "便利店叠加便民服务（多选）", "", "打印复印、代扣代缴，充值缴费"],
        ["", "\u3000\u3000打印复印", "", ""],
        ["", "\u3000\u3000代扣代缴", "", ""],
        ["5", "小修小补业态（多选）", "", "√修表 □修鞋 √改衣服 □修家电"],
        ["9", "智能终端设备（台）", "", "智能快递柜3台、自助售货机：2"],
        ["9", "\u3000\u3000智能快递柜", "", ""],
        ["9", "生活圈导视图符合要求", "", "是"],
    ])
    circle = make_circle(GUHUAI)
    ctx = run([grid], [circle])
    service = circle.data["service"]
    assert service["store_services"] == sorted(["打印复印", "代扣代缴", "充值缴费"])
    assert service["repair_kinds"] == sorted(["修表", "改衣服"])
    assert service["terminals"] == {"express_locker": 3, "vending_machine": 2}
    assert circle.sources["service.store_services"] == Source("附件3", "D2")
    assert ctx.found == []


def test_template_service_bad_values_are_reported_at_their_cells():
    grid = make_grid("附件3", [
        ["序号", "指标", "填报说明", ""],
        ["4", "24小时便利店数量（家）", "", "两家"],
        ["4", "便利店叠加便民服务（多选）", "", ""],
        ["", "\u3000\u3000打印复印", "", "可能有"],
        ["", "\u3000\u3000代扣代缴", "", "√"],
        ["9", "智能终端设备（台）", "", ""],
        ["", "\u3000\u3000智能快递柜", "", "√"],
        ["10", "商居和谐", "", "很好"],
        ["6", "养老服务场所面积达标", "", "差不多"],
    ])
    circle = make_circle(GUHUAI)  # one circle, one value column, header left blank

    ctx = run([grid], [circle])

    assert circle.data["service"]["store_services"] == ["代扣代缴"]
    assert circle.data["service"]["stores_24h"] is None
    assert sorted(codes(ctx)) == sorted([
        ("V-NUMBER", "附件3", "D2", "service.stores_24h"),
        ("V-CHOICE", "附件3", "D4", "service.store_services"),
        ("V-NUMBER", "附件3", "D7", "service.terminals"),
        ("V-CHOICE", "附件3", "D8", "service.harmony"),
        ("V-CHOICE", "附件3", "D9", "service.elderly_area_ok"),
    ])


def test_template_service_column_matching_no_circle_is_unassigned_once():
    grid = make_grid("附件3", [
        ["序号", "指标", "填报说明", "古槐", "外县生活圈", "备用"],
        ["1", "已建立需求清单", "", "是", "是", ""],
        ["1", "已建立项目清单", "", "是", "否", ""],
        ["4", "24小时便利店数量（家）", "", 1, 2, ""],
    ])
    guhuai, nanyuan = make_circle(GUHUAI), make_circle(NANYUAN)

    ctx = run([grid], [guhuai, nanyuan])

    assert guhuai.data["service"]["stores_24h"] == 1
    assert "service" not in nanyuan.data
    assert [(i.code, i.cell) for i in ctx.found] == [("R-UNASSIGNED", "E1")]
    assert "附件3 服务指标 第5列" in ctx.found[0].message


# ---------------------------------------------------------------------------
# 附件3, the seed's rubric table: self-scores only
# ---------------------------------------------------------------------------


def test_seed_rubric_self_scores():
    rows = [["附件3"], ["一刻钟便民生活圈服务“好不好”评价表（试行）"],
            ["序号", "评价类别", "评价指标", "评价内容", "分值", "评分标准", "自评\n得分"]]
    scores = [8, 16, 10, 6, "", 5.4, 6, "", 8.4, 4]
    for no, (name, score) in enumerate(zip(forms.SERVICE_ITEM_NAMES, scores), 1):
        rows.append([no, "一、人民满意（40分）" if no == 1 else "", name, "……", 8, "……", score])
    rows += [["总分", "", "", "", 100, "", 63.8], ["说明", "按照目标导向进行设计……"]]
    grid = make_grid(GUHUAI, rows)
    circle = make_circle(GUHUAI)

    ctx = run([grid], [circle])

    assert circle.data["self_score"] == {
        "service": {"1": 8, "2": 16, "3": 10, "4": 6, "6": 5.4, "7": 6, "9": 8.4, "10": 4},
        "service_total": 63.8,
    }
    assert "service" not in circle.data  # the rubric holds no facts
    assert circle.sources["self_score.service.4"] == Source(GUHUAI, "G7")
    assert ctx.found == []


def test_seed_form2_and_form3_on_one_sheet_keep_their_own_scores():
    form2 = seed_form2(GUHUAI)
    rows = [list(r) for r in form2.rows]
    rows.append(["序号", "评价类别", "评价指标", "评价内容", "分值", "评分标准", "自评得分"])
    rows.append([1, "", "问需于民", "", 8, "", 4])
    rows.append(["总分", "", "", "", 100, "", 4])
    grid = make_grid(GUHUAI, rows)
    circle = make_circle(GUHUAI)
    run([grid], [circle])
    assert circle.data["self_score"] == {"presence": 64.5, "service": {"1": 4}, "service_total": 4}


# ---------------------------------------------------------------------------
# 促消费活动
# ---------------------------------------------------------------------------


def test_events_sheet_assigns_rows_parses_dates_and_reports_problems():
    grid = make_grid("促消费活动", [
        ["促消费活动"],
        ["生活圈名称", "活动名称", "活动日期", "自查提示"],
        [GUHUAI, "邻里节", dt.datetime(2024, 3, 1), ""],
        ["古槐", "美食节", "2024/5/1", ""],
        [NANYUAN, "团购节", "2024年6月1日", ""],
        [GUHUAI, "家电节", "下个月", ""],
        ["", "", "", ""],
        ["外县生活圈", "家政节", "2024.4.30", ""],
        [NANYUAN, "夜市", 45383, ""],  # an Excel serial number without a date format
    ])
    guhuai, nanyuan, xiangyun = make_circle(GUHUAI), make_circle(NANYUAN), make_circle(XIANGYUN)

    ctx = run([grid], [guhuai, nanyuan, xiangyun])

    assert guhuai.data["service"]["events"] == [
        {"name": "邻里节", "date": "2024-03-01"}, {"name": "美食节", "date": "2024-05-01"},
        {"name": "家电节", "date": None},
    ]
    assert nanyuan.data["service"]["events"] == [
        {"name": "团购节", "date": "2024-06-01"}, {"name": "夜市", "date": "2024-04-01"},
    ]
    assert xiangyun.data["service"]["events"] == []  # the filled sheet lists none for it
    assert guhuai.sources["service.events"] == Source("促消费活动", "B3")
    assert codes(ctx) == [("V-DATE", "促消费活动", "C6", "service.events"),
                          ("R-UNASSIGNED", "促消费活动", "A8", None)]
    assert "家政节" in ctx.found[1].message


def test_events_without_circle_column_go_to_the_only_circle():
    grid = make_grid("活动", [["活动名称", "开展日期"], ["邻里节", "2024-03-01"], ["", ""]])
    circle = make_circle(GUHUAI)
    run([grid], [circle])
    assert circle.data["service"]["events"] == [{"name": "邻里节", "date": "2024-03-01"}]
    assert circle.data["service"]["needs_list"] is None


def test_events_rows_without_a_circle_in_a_many_circle_book_are_unassigned():
    grid = make_grid("活动", [["生活圈名称", "活动名称", "活动日期"], ["", "邻里节", "2024-03-01"]])
    guhuai, nanyuan = make_circle(GUHUAI), make_circle(NANYUAN)
    ctx = run([grid], [guhuai, nanyuan])
    assert codes(ctx) == [("R-UNASSIGNED", "活动", "B2", None)]
    assert guhuai.data["service"]["events"] == []


# ---------------------------------------------------------------------------
# Blank template, and the workbook-level reader
# ---------------------------------------------------------------------------


def test_blank_template_adds_nothing(template_book):
    circles = [make_circle(GUHUAI), make_circle(NANYUAN), make_circle(XIANGYUN)]
    ctx = run(template_book.sheets, circles)
    assert ctx.found == []
    for circle in circles:
        assert not {"presence", "presence_counts", "service", "self_score"} & set(circle.data)


FORM5_ROWS = (["试点生活圈名称", GUHUAI, "所在县市区", "任城区"], ["四至范围", "东至…"], ["服务社区", "古槐社区"],
              ["分类", "主要业态网点", "商业网点（店铺）数量合计（个）"], ["基本保障类", "便利店", 3])


def read_made_book(folder, sheets: dict[str, tuple[list, ...]]):
    """Save a workbook of the given sheets (name → rows) and read it whole."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path = folder / "古槐.xlsx"
    wb.save(path)
    report = read_book(load_book(path), ReadContext(file=path.name, today=TODAY), None)
    check_report(report, None, TODAY)  # read, then check, as jnqh check does
    return report


def test_read_book_attaches_extras_to_the_circle(tmp_path):
    report = read_made_book(tmp_path, {
        "附件5": FORM5_ROWS,
        "附件3服务指标": (["序号", "指标", "填报说明", "古槐"], ["1", "已建立需求清单", "", "是"],
                       ["1", "已建立项目清单", "", "否"], ["4", "24小时便利店数量（家）", "", 2]),
        "附件2": ([None, None, "古槐"], ["类别", "业态", "有/无", "数量（个）"], ["", "便利店", "有", 3]),
    })

    (circle,) = report.circles
    assert circle.data["service"]["needs_list"] is True
    assert circle.data["service"]["stores_24h"] == 2
    assert circle.data["presence"]["convenience_store"] is True
    assert circle.data["presence_counts"] == {"convenience_store": 3}
    assert not [i for i in report.issues if i.code == "R-UNASSIGNED"]


def test_form2_answers_that_contradict_form5_outlets_are_reported_at_the_form2_cell(tmp_path):
    report = read_made_book(tmp_path, {
        "附件5": (*FORM5_ROWS, ["", "综合超市", 0], ["", "菜市场", 1]),
        "附件2": ([None, None, "古槐"], ["类别", "业态", "有/无", "数量（个）"], ["", "便利店", "无", None],
                 ["", "综合超市", "有", 1], ["", "菜市场（菜店）", "有", 1]),
    })

    found = {(i.code, i.sheet, i.cell, i.field) for i in report.issues if i.code.startswith("X-")}
    assert found == {("X-PRESENCE-NO-OUTLETS", "附件2", "C3", "presence.convenience_store"),
                     ("X-OUTLETS-NO-PRESENCE", "附件2", "C4", "presence.supermarket")}
    (no_outlets,) = [i for i in report.issues if i.code == "X-PRESENCE-NO-OUTLETS"]
    assert "便利店" in no_outlets.message and "3" in no_outlets.message
