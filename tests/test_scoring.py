"""The rubrics of scoring.md, pinned at every boundary, with their explanations."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from jnqh import forms
from jnqh.score.rubric import GRADES, SERVICE_ITEMS, TYPES, Rubric
from jnqh.score.items import final_type, fmt, score_circle, score_many, to_number

RUBRIC = Rubric()


def perfect_circle() -> dict:
    """A circle that earns every point of both rubrics (the tests take points away)."""
    return {
        "name": "古槐生活圈", "county": "任城区", "as_of": "2024-06-30",
        "operators": ["street_community"], "layout": "clustered", "boundaries": "东至共青团路",
        "communities": ["古槐社区", "南池社区"], "platform": "任城惠生活", "centers": 1,
        "residents_10k": 1.2, "facility_area_pct": 12, "notes": None,
        "categories": {
            "convenience_store": {"outlets": 40, "staff_10k": 0.01, "chain": 12, "satisfaction_pct": 95,
                                  "needs": None},
            "supermarket": {"outlets": 60, "staff_10k": 0.02, "chain": 10, "satisfaction_pct": 92,
                            "needs": "缺生鲜"},
        },
        "total": {"outlets": 100, "staff_10k": 0.03, "chain": 22, "satisfaction_pct": 93, "needs": None},
        "presence": {t.id: True for t in forms.PRESENCE_TYPES},
        "service": {
            "needs_list": True, "project_list": True, "projects_done": True, "survey_sample": 1300,
            "business_satisfaction_pct": 95, "service_satisfaction_pct": 96.5,
            "store_services": ["打印复印", "代扣代缴", "代收代发", "家政预约", "洗衣预约", "充值缴费", "快递代收"],
            "stores_24h": 2, "breakfast_kinds": 8, "breakfast_delivery": True, "retail_delivery": True,
            "market_area_m2": 1500, "market_sites_m2": [800, 700],
            "market_services": ["药残快速检测", "价格公示", "公平秤", "明码标价", "定期消毒"],
            "repair_kinds": ["修表", "修鞋", "修家电", "修自行车", "开锁配钥匙", "改衣服", "修电子产品", "家具维修"],
            "elderly_area_ok": True, "elderly_services": ["生活照料", "紧急救援", "健康管理", "康复护理", "精神慰藉"],
            "childcare_area_m2": 260, "childcare_services": ["全日托", "半日托", "临时托", "计时托", "营养餐"],
            "events": [{"name": f"活动{n}", "date": f"2024-0{n}-15"} for n in range(1, 7)],
            "scan_pay_monitoring": True,
            "terminals": {"express_locker": 4, "vending_machine": 3, "smart_sports": 2, "water_dispenser": 2,
                          "recycling_machine": 2},
            "wayfinding_map": True, "merchants_total": 100, "merchants_on_platform": 70,
            "residents_registered": 4800, "harmony": "符合",
        },
    }


def with_service(**facts) -> dict:
    circle = perfect_circle()
    circle["service"].update(facts)
    return circle


def item(result: dict, no: int) -> dict:
    return result["service"]["items"][no - 1]


def score(circle: dict, rubric: Rubric = RUBRIC, **kwargs) -> dict:
    return score_circle(circle, rubric, **kwargs)


def points(circle: dict, no: int, rubric: Rubric = RUBRIC, **kwargs) -> int | float:
    return item(score(circle, rubric, **kwargs), no)["points"]


def presence_with(basic: int, quality: int) -> dict:
    circle = perfect_circle()
    circle["presence"] = {t.id: False for t in forms.PRESENCE_TYPES}
    for t in forms.BASIC_TYPES[:basic] + forms.QUALITY_TYPES[:quality]:
        circle["presence"][t.id] = True
    return circle


# ---------------------------------------------------------------------------
# The whole record
# ---------------------------------------------------------------------------


def test_perfect_circle_scores_full_marks_and_is_quality_type():
    result = score(perfect_circle())
    assert result["presence"]["total"] == 100
    assert result["service"]["total"] == 100
    assert result["service"]["grade"] == "优秀"
    assert result["final_type"] == "品质型"
    assert result["missing"] == []
    assert result["self_score_differences"] == []
    assert [i["points"] for i in result["service"]["items"]] == [i["max"] for i in result["service"]["items"]]


def test_record_has_the_contract_shape_and_is_json():
    result = score(perfect_circle())
    assert {"presence", "service", "final_type", "explanation", "missing", "self_score_differences"} <= set(result)
    assert {"total", "basic", "quality", "type", "basic_count", "quality_count", "explanation"} <= set(
        result["presence"])
    assert {"total", "grade", "items"} <= set(result["service"])
    for entry in result["service"]["items"]:
        assert {"no", "name", "points", "max", "explanation", "missing", "self_score", "differs"} <= set(entry)
    assert [i["no"] for i in result["service"]["items"]] == list(range(1, 11))
    assert [i["name"] for i in result["service"]["items"]] == list(forms.SERVICE_ITEM_NAMES)
    assert json.loads(json.dumps(result, ensure_ascii=False)) == result


def test_points_are_ints_when_whole_and_short_floats_otherwise():
    result = score(with_service(repair_kinds=["修表"] * 1 + ["修鞋", "修家电", "修自行车", "开锁配钥匙", "改衣服"]))
    assert item(result, 5)["points"] == 8.8
    assert isinstance(item(result, 5)["points"], float)
    assert isinstance(item(result, 1)["points"], int)
    assert to_number(Decimal("3.0")) == 3 and isinstance(to_number(Decimal("3.0")), int)
    assert to_number(Decimal("2.345")) == 2.35


def test_scoring_does_not_change_its_input():
    circle = perfect_circle()
    before = copy.deepcopy(circle)
    score(circle, projects=[{"status": "已完成", "planned_finish": "2024-01-01"}],
          survey={"answers": 9, "business_pct": 1.0, "service_pct": 2.0})
    assert circle == before


@pytest.mark.parametrize("value, text", [
    (Decimal("3.80"), "3.8"), (Decimal("4.0"), "4"), (Decimal("100"), "100"), (Decimal("0.00"), "0"),
    (Decimal("-0"), "0"), (3, "3"), (92.5, "92.5"), (Decimal("1E+2"), "100"),
])
def test_numbers_in_explanations_have_no_trailing_zeros(value, text):
    assert fmt(value) == text


# ---------------------------------------------------------------------------
# 附件2 业态“有没有”
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("basic, expected", [(14, 0), (15, 60), (20, 60), (0, 0)])
def test_basic_types_all_or_nothing_at_15(basic, expected):
    result = score(presence_with(basic, 0))["presence"]
    assert result["basic"] == expected
    assert result["basic_count"] == basic
    assert f"基本保障类业态 {basic} 类" in result["explanation"]


@pytest.mark.parametrize("quality, expected", [(0, 0), (1, 1.5), (26, 39), (27, 40), (30, 40)])
def test_quality_types_one_and_a_half_each_capped_at_40(quality, expected):
    result = score(presence_with(15, quality))["presence"]
    assert result["quality"] == expected
    assert result["quality_count"] == quality


def test_quality_cap_is_explained():
    text = score(presence_with(15, 27))["presence"]["explanation"]
    assert "计 40.5 分" in text and "上限 40 分" in text


@pytest.mark.parametrize("basic, quality, total, kind", [
    (15, 20, 90, "品质型"), (15, 19, 88.5, "提升型"), (15, 14, 81, "提升型"),
    (15, 13, 79.5, "基础型"), (15, 7, 70.5, "基础型"), (15, 6, 69, "未达标"), (14, 27, 40, "未达标"),
])
def test_initial_type_from_presence_total(basic, quality, total, kind):
    result = score(presence_with(basic, quality))["presence"]
    assert (result["total"], result["type"]) == (total, kind)


@pytest.mark.parametrize("total, kind", [
    ("100", "品质型"), ("90", "品质型"), ("89.99", "提升型"), ("80", "提升型"), ("79.99", "基础型"),
    ("70", "基础型"), ("69.99", "未达标"), ("0", "未达标"),
])
def test_type_cuts_compare_unrounded(total, kind):
    assert RUBRIC.initial_type(Decimal(total)) == kind


@pytest.mark.parametrize("total, grade", [
    ("100", "优秀"), ("90", "优秀"), ("89.99", "良好"), ("80", "良好"), ("79.99", "合格"),
    ("70", "合格"), ("69.99", "不合格"), ("0", "不合格"),
])
def test_grade_cuts_compare_unrounded(total, grade):
    assert RUBRIC.grade(Decimal(total)) == grade


def test_presence_not_filled_is_missing_not_silently_zero():
    circle = perfect_circle()
    circle["presence"] = None
    result = score(circle)
    assert result["presence"]["total"] == 0
    assert result["presence"]["type"] == "未达标"
    assert "未填报" in result["presence"]["explanation"]
    assert "presence" in result["missing"]
    del circle["presence"]
    assert score(circle)["presence"]["missing"] == ["presence"]


def test_presence_types_left_blank_are_listed_as_missing():
    circle = perfect_circle()
    circle["presence"]["bank"] = None
    result = score(circle)["presence"]
    assert result["missing"] == ["presence.bank"]
    assert "银行网点" in result["explanation"]
    assert result["basic_count"] == 19


def test_required_basic_types_must_all_be_present():
    required = tuple(t.id for t in forms.BASIC_TYPES[:15])
    rubric = Rubric.from_mapping({"required_basic_types": list(required)})
    circle = presence_with(20, 0)
    assert score(circle, rubric)["presence"]["basic"] == 60
    circle["presence"][required[0]] = False  # 19 present, but not a required one
    result = score(circle, rubric)["presence"]
    assert result["basic"] == 0
    assert forms.PRESENCE[required[0]].label in result["explanation"]
    assert score(circle)["presence"]["basic"] == 60  # without the list, any 15 will do


def test_required_basic_types_still_need_the_count():
    rubric = Rubric.from_mapping({"required_basic_types": ["convenience_store", "breakfast"]})
    assert score(presence_with(14, 0), rubric)["presence"]["basic"] == 0
    assert score(presence_with(15, 0), rubric)["presence"]["basic"] == 60


# ---------------------------------------------------------------------------
# Item 1 问需于民
# ---------------------------------------------------------------------------


def test_needs_lists_and_done_give_four_each():
    assert points(with_service(needs_list=True, project_list=False, projects_done=True), 1) == 4
    assert points(with_service(needs_list=True, project_list=True, projects_done=False), 1) == 4
    assert points(with_service(needs_list=False, project_list=False, projects_done=False), 1) == 0


def test_projects_done_derived_from_projects_when_blank():
    circle = with_service(projects_done=None)
    done = [{"status": "已完成", "planned_finish": "2024-05-01"},
            {"status": "在建", "planned_finish": "2024-12-01"}]  # not due by as_of
    result = item(score(circle, projects=done), 1)
    assert result["points"] == 8
    assert "按附件6项目清单推算" in result["explanation"] and "已完成 1 个" in result["explanation"]
    assert result["missing"] == []
    late = done + [{"status": "在建", "planned_finish": "2024-06-30"}]  # due on as_of itself
    assert points(circle, 1, projects=late) == 4


def test_projects_done_blank_without_projects_is_missing():
    result = item(score(with_service(projects_done=None)), 1)
    assert result["points"] == 4
    assert result["missing"] == ["service.projects_done"]
    assert "未填报「已落实相关建设内容」" in result["explanation"]
    assert points(with_service(projects_done=None), 1, projects=[]) == 4  # no project at all


# ---------------------------------------------------------------------------
# Items 2 and 3: satisfaction and its sample
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("pct, expected", [(100, 16), (90, 16), (89.99, 10), (80, 10), (79.99, 0), (0, 0)])
def test_satisfaction_bands(pct, expected):
    assert points(with_service(business_satisfaction_pct=pct), 2) == expected
    assert points(with_service(service_satisfaction_pct=pct), 3) == expected


def test_sample_one_short_of_ten_percent_scores_nothing():
    # 1.2 万人 → 10 % is 1200
    assert points(with_service(survey_sample=1200), 2) == 16
    result = item(score(with_service(survey_sample=1199)), 2)
    assert result["points"] == 0
    assert "1199" in result["explanation"] and "1200" in result["explanation"]
    assert "样本不符合要求" in result["explanation"]


def test_fractional_sample_requirement_rounds_up():
    circle = with_service(survey_sample=1235)
    circle["residents_10k"] = 1.2345  # 10 % = 1234.5 people
    assert points(circle, 2) == 16
    circle["service"]["survey_sample"] = 1234
    assert points(circle, 2) == 0


def test_survey_used_when_satisfaction_not_filed():
    circle = with_service(business_satisfaction_pct=None, service_satisfaction_pct=None, survey_sample=None)
    survey = {"answers": 1250, "business_pct": 91.2, "service_pct": 84.0}
    result = score(circle, survey=survey)
    assert (item(result, 2)["points"], item(result, 2)["source"]) == (16, "附件4问卷")
    assert (item(result, 3)["points"], item(result, 3)["source"]) == (10, "附件4问卷")
    assert "1250" in item(result, 2)["explanation"] and "91.2%" in item(result, 2)["explanation"]
    assert result["missing"] == []
    short = {"answers": 1199, "business_pct": 99.0, "service_pct": 99.0}
    assert points(circle, 2, survey=short) == 0


def test_filed_satisfaction_wins_over_the_survey():
    result = score(perfect_circle(), survey={"answers": 10, "business_pct": 10.0, "service_pct": 10.0})
    assert (item(result, 2)["points"], item(result, 2)["source"]) == (16, "填报")


def test_missing_satisfaction_and_residents_are_reported():
    circle = with_service(business_satisfaction_pct=None)
    circle["residents_10k"] = None
    result = score(circle)
    assert item(result, 2)["points"] == 0
    assert set(item(result, 2)["missing"]) == {"service.business_satisfaction_pct", "residents_10k"}
    assert "未填报「业态满意度」" in item(result, 2)["explanation"]
    assert item(result, 3)["missing"] == ["residents_10k"]


# ---------------------------------------------------------------------------
# Item 4 一店一早
# ---------------------------------------------------------------------------

STORE = ["打印复印", "代扣代缴", "代收代发", "家政预约", "洗衣预约", "充值缴费", "快递代收", "药品代购"]


@pytest.mark.parametrize("kinds, open_24h, expected", [
    (7, 2, 4), (8, 3, 4), (7, 1, 2), (6, 2, 2), (5, 1, 2), (4, 2, 0), (5, 0, 0), (0, 0, 0),
])
def test_store_services_and_24h_stores(kinds, open_24h, expected):
    circle = with_service(store_services=STORE[:kinds], stores_24h=open_24h)
    assert points(circle, 4) == 6 + expected


@pytest.mark.parametrize("kinds, expected", [(9, 4), (8, 4), (7, 2), (5, 2), (4, 0), (0, 0)])
def test_breakfast_kinds(kinds, expected):
    assert points(with_service(breakfast_kinds=kinds), 4) == 6 + expected


def test_deliveries_one_point_each_and_duplicates_count_once():
    assert points(with_service(breakfast_delivery=False, retail_delivery=False), 4) == 8
    assert points(with_service(store_services=STORE[:6] + STORE[:6]), 4) == 8  # 6 distinct kinds
    result = item(score(with_service(retail_delivery=None)), 4)
    assert result["points"] == 9 and result["missing"] == ["service.retail_delivery"]


# ---------------------------------------------------------------------------
# Item 5 一菜一修
# ---------------------------------------------------------------------------

REPAIR = ["修表", "修鞋", "修家电", "修自行车", "开锁配钥匙", "改衣服", "修电子产品", "家具维修", "箱包维修"]


@pytest.mark.parametrize("kinds, expected", [(9, 5), (8, 5), (7, 4.4), (5, 3.2), (3, 2), (1, 0.8), (0, 0)])
def test_repair_kinds(kinds, expected):
    assert points(with_service(repair_kinds=REPAIR[:kinds]), 5) == 5 + expected


def test_repair_explanation_names_the_count_and_the_deduction():
    text = item(score(with_service(repair_kinds=REPAIR[:6])), 5)["explanation"]
    assert "小修小补 6 类，少于 8 类 2 类，扣 1.2 分，得 3.8 分" in text


def test_repair_floor_at_zero():
    rubric = Rubric.from_mapping({"repair_step": 1})
    assert points(with_service(repair_kinds=[]), 5, rubric) == 5


def test_market_area_per_thousand_residents():
    # 1.2 万人 = 12 千人 × 50 ㎡ = 600 ㎡
    assert points(with_service(market_area_m2=600), 5) == 10
    result = item(score(with_service(market_area_m2=599.9)), 5)
    assert result["points"] == 9
    assert "599.9㎡" in result["explanation"] and "600㎡" in result["explanation"]


def test_market_services_one_point_each_and_floor_at_zero():
    assert points(with_service(market_services=["公平秤", "明码标价"]), 5) == 7
    circle = with_service(market_area_m2=100, market_services=[])
    assert points(circle, 5) == 5  # 5 − 1 − 5 → floor 0, plus repair 5


def test_no_market_scores_zero_for_the_market_part():
    assert points(with_service(market_area_m2=0, market_sites_m2=[]), 5) == 5


def test_market_area_from_sites_when_total_blank():
    result = item(score(with_service(market_area_m2=None, market_sites_m2=[300, 350])), 5)
    assert result["points"] == 10 and result["missing"] == []
    assert "650㎡" in result["explanation"]


def test_market_area_blank_is_missing_and_costs_the_area_point():
    circle = with_service(market_area_m2=None, market_sites_m2=None)
    result = item(score(circle), 5)
    assert result["points"] == 9 and result["missing"] == ["service.market_area_m2"]
    circle["service"]["market_services"] = None
    circle["categories"] = {}
    circle["total"] = None
    result = item(score(circle), 5)
    assert result["points"] == 5  # nothing tells that a market exists
    assert set(result["missing"]) == {"service.market_area_m2"}


# ---------------------------------------------------------------------------
# Item 6 一老一小
# ---------------------------------------------------------------------------

ELDERLY = ["生活照料", "紧急救援", "健康管理", "康复护理", "精神慰藉"]
CHILDCARE = ["全日托", "半日托", "临时托", "计时托", "营养餐"]


def test_five_deductions_of_point_six_are_exactly_three():
    circle = with_service(elderly_area_ok=True, elderly_services=[], childcare_area_m2=None, childcare_services=[])
    result = item(score(circle), 6)
    assert result["points"] == 2 and isinstance(result["points"], int)
    assert "扣 3 分" in result["explanation"]
    circle["service"]["elderly_area_ok"] = False
    assert item(score(circle), 6)["points"] == 1


@pytest.mark.parametrize("area_ok, services, expected", [
    (True, ELDERLY, 5), (False, ELDERLY, 4), (True, ELDERLY[:3], 3.8), (False, ELDERLY[:1], 1.6),
    ("none", ELDERLY, 0), ("yes", ELDERLY[:4], 4.4), ("no", ELDERLY, 4),
])
def test_elderly_part(area_ok, services, expected):
    assert points(with_service(elderly_area_ok=area_ok, elderly_services=services), 6) == 5 + expected


def test_elderly_area_blank():
    result = item(score(with_service(elderly_area_ok=None)), 6)
    assert result["points"] == 9 and result["missing"] == ["service.elderly_area_ok"]
    result = item(score(with_service(elderly_area_ok=None, elderly_services=[])), 6)
    assert result["points"] == 5 and result["missing"] == ["service.elderly_area_ok"]


@pytest.mark.parametrize("area, services, expected", [
    (200, CHILDCARE, 5), (199, CHILDCARE, 4), (199.99, CHILDCARE, 4), (260, CHILDCARE[:2], 3.2),
    (None, [], 0), (None, None, 0), (0, [], 0),
])
def test_childcare_part(area, services, expected):
    assert points(with_service(childcare_area_m2=area, childcare_services=services), 6) == 5 + expected


def test_childcare_area_blank_with_services_is_missing():
    result = item(score(with_service(childcare_area_m2=None)), 6)
    assert result["points"] == 9 and result["missing"] == ["service.childcare_area_m2"]
    assert "未填报「托育场所面积」" in result["explanation"]
    assert item(score(with_service(childcare_area_m2=None, childcare_services=[])), 6)["missing"] == []


def test_care_floor_at_zero():
    rubric = Rubric.from_mapping({"care_service_step": 2})
    circle = with_service(elderly_area_ok=False, elderly_services=[], childcare_area_m2=10, childcare_services=[])
    assert points(circle, 6, rubric) == 0


# ---------------------------------------------------------------------------
# Item 7 品质质量
# ---------------------------------------------------------------------------


def chain_circle(chain, outlets) -> dict:
    circle = perfect_circle()
    circle["total"].update(chain=chain, outlets=outlets)
    return circle


@pytest.mark.parametrize("chain, outlets, expected", [(200, 1000, 6), (199, 1000, 0), (1, 5, 6), (0, 0, 0)])
def test_chain_share_against_twenty_percent(chain, outlets, expected):
    assert points(chain_circle(chain, outlets), 7) == expected


def test_chain_explanation_shows_share_and_threshold():
    text = item(score(chain_circle(199, 1000)), 7)["explanation"]
    assert "199" in text and "1000" in text and "19.9%" in text and "20%" in text


def test_chain_share_just_under_never_reads_as_the_threshold():
    text = item(score(chain_circle(19999, 100000)), 7)["explanation"]
    assert "19.99%" in text and "低于" in text


def test_city_tier_changes_the_threshold():
    second = Rubric.from_mapping({"city_tier": "二线"})
    assert points(chain_circle(24, 100), 7, second) == 0
    assert points(chain_circle(25, 100), 7, second) == 6


def test_chain_from_categories_when_total_blank():
    circle = perfect_circle()
    circle["total"] = None  # categories: 22 of 100
    result = item(score(circle), 7)
    assert result["points"] == 6 and "相加" in result["explanation"]
    circle["categories"] = {}
    result = item(score(circle), 7)
    assert result["points"] == 0 and result["missing"] == ["total.chain", "total.outlets"]


# ---------------------------------------------------------------------------
# Item 8 促消费活动
# ---------------------------------------------------------------------------


def events(*dates) -> list[dict]:
    return [{"name": f"活动{n}", "date": date} for n, date in enumerate(dates)]


def test_events_one_point_each_in_the_year_of_as_of():
    assert points(with_service(events=events("2024-01-01", "2024-12-31", "2023-12-31", "2025-01-01")), 8) == 2
    assert points(with_service(events=[]), 8) == 0


def test_events_capped_at_six():
    result = item(score(with_service(events=events(*[f"2024-0{n}-01" for n in range(1, 8)]))), 8)
    assert result["points"] == 6
    assert "7 次" in result["explanation"] and "最多得 6 分" in result["explanation"]


def test_events_without_date_do_not_count_and_are_said():
    result = item(score(with_service(events=[{"name": "美食节", "date": None}, {"name": "邻里节",
                                                                              "date": "2024-05-01"}])), 8)
    assert result["points"] == 1 and "1 次未填日期" in result["explanation"] and "邻里节" in result["explanation"]


def test_events_not_filled_is_missing():
    result = item(score(with_service(events=None)), 8)
    assert result["points"] == 0 and result["missing"] == ["service.events"]
    assert "未填报「" in result["explanation"]


# ---------------------------------------------------------------------------
# Item 9 智慧服务
# ---------------------------------------------------------------------------

FIVE = {"express_locker": 2, "vending_machine": 2, "smart_sports": 2, "water_dispenser": 2, "recycling_machine": 2}


@pytest.mark.parametrize("terminals, expected", [
    (FIVE, 2), ({**FIVE, "other": 9}, 2), ({**FIVE, "recycling_machine": 1}, 1.6),
    ({"express_locker": 3, "vending_machine": 2}, 0.8), ({}, 0), ({"express_locker": 1}, 0),
])
def test_terminals(terminals, expected):
    assert points(with_service(terminals=terminals), 9) == 8 + expected


def test_terminals_explanation_names_the_kinds():
    text = item(score(with_service(terminals={"express_locker": 3, "vending_machine": 2})), 9)["explanation"]
    assert "2 类" in text and "智能快递柜" in text and "扣 1.2 分" in text


def test_terminals_floor_at_zero():
    rubric = Rubric.from_mapping({"terminal_step": "0.5"})
    assert points(with_service(terminals={}), 9, rubric) == 8


@pytest.mark.parametrize("on_platform, registered, expected", [
    (70, 4800, 4), (69, 4800, 2), (70, 4799, 2), (50, 2400, 2), (49, 4800, 0), (70, 2399, 0),
])
def test_platform_rates(on_platform, registered, expected):
    # 100 merchants; 1.2 万人 → 40 % = 4800, 20 % = 2400
    circle = with_service(merchants_on_platform=on_platform, residents_registered=registered)
    assert points(circle, 9) == 6 + expected


def test_platform_merchants_default_to_outlets():
    circle = with_service(merchants_total=None, merchants_on_platform=70)
    circle["total"]["outlets"] = 100
    result = item(score(circle), 9)
    assert result["points"] == 10 and result["missing"] == []
    assert "附件5网点合计" in result["explanation"]


def test_yes_no_parts_of_smart_service():
    assert points(with_service(scan_pay_monitoring=False), 9) == 8
    result = item(score(with_service(wayfinding_map=None)), 9)
    assert result["points"] == 8 and result["missing"] == ["service.wayfinding_map"]


# ---------------------------------------------------------------------------
# Item 10 商居和谐
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [("符合", 8), ("基本符合", 4), ("不符合", 0), ("很好", 0)])
def test_harmony(value, expected):
    assert points(with_service(harmony=value), 10) == expected


def test_harmony_blank_is_missing():
    result = item(score(with_service(harmony=None)), 10)
    assert result["points"] == 0 and result["missing"] == ["service.harmony"]


# ---------------------------------------------------------------------------
# Explanations mention the facts they used
# ---------------------------------------------------------------------------


def test_each_explanation_mentions_its_facts():
    circle = with_service(
        survey_sample=1345, business_satisfaction_pct=92.5, service_satisfaction_pct=83.5,
        store_services=STORE[:6], stores_24h=3, breakfast_kinds=6, market_area_m2=777,
        repair_kinds=REPAIR[:7], elderly_services=ELDERLY[:4], childcare_area_m2=150,
        events=events("2024-03-01", "2024-04-01", "2024-05-01"),
        terminals={"express_locker": 2, "vending_machine": 5, "water_dispenser": 3},
        merchants_total=80, merchants_on_platform=44, residents_registered=2700, harmony="基本符合",
    )
    circle["total"].update(chain=31, outlets=123)
    texts = {entry["no"]: entry["explanation"] for entry in score(circle)["service"]["items"]}
    expectations = {
        1: ["已建立需求清单", "已建立项目清单"], 2: ["92.5%", "1345", "1.2 万人"], 3: ["83.5%", "1345"],
        4: ["6 类", "3 家", "早餐品类数"], 5: ["777㎡", "小修小补 7 类", "600㎡"],
        6: ["精神慰藉", "150㎡", "200㎡"], 7: ["31", "123", "25.2%"], 8: ["3 次", "2024"],
        9: ["3 类", "智能快递柜", "55%", "22.5%", "44", "80", "2700"], 10: ["基本符合"],
    }
    for no, words in expectations.items():
        for word in words:
            assert word in texts[no], (no, word, texts[no])


def test_missing_facts_are_said_with_their_form_label():
    for fact in forms.SERVICE_FACTS:
        if fact.id in ("market_area_m2", "market_sites_m2", "merchants_total", "childcare_area_m2",
                       "childcare_services"):
            continue  # blank has its own meaning for these (see the tests above)
        result = score(with_service(**{fact.id: None}))
        assert f"service.{fact.id}" in result["missing"], fact.id
        said = [e["explanation"] for e in result["service"]["items"] if f"service.{fact.id}" in e["missing"]]
        assert said and all(f"未填报「{fact.label}」" in text for text in said), fact.id


def test_overall_missing_lists_each_field_once():
    circle = with_service(survey_sample=None, business_satisfaction_pct=None)
    circle["residents_10k"] = None
    missing = score(circle)["missing"]
    assert len(missing) == len(set(missing))
    assert {"residents_10k", "service.survey_sample", "service.business_satisfaction_pct"} <= set(missing)


# ---------------------------------------------------------------------------
# Final type
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("initial", TYPES)
@pytest.mark.parametrize("grade", GRADES)
def test_final_type_is_the_lower_of_the_two(initial, grade):
    allowed = {"优秀": "品质型", "良好": "提升型", "合格": "基础型", "不合格": "未达标"}[grade]
    final, why = final_type(initial, grade)
    assert final == TYPES[min(TYPES.index(initial), TYPES.index(allowed))]
    assert why.endswith(f"最终确定为{final}")
    assert grade in why


def test_final_type_sentence_names_what_held_it_down():
    assert final_type("品质型", "良好")[1] == "业态已达品质型，因服务评价为良好，最终确定为提升型"
    assert final_type("基础型", "优秀")[1] == "服务评价为优秀，但业态仅达基础型，最终确定为基础型"
    assert final_type("提升型", "良好")[1] == "业态初步分型为提升型，服务评价为良好，最终确定为提升型"
    assert final_type("未达标", "优秀")[1] == "业态未达到基础型，服务评价为优秀，最终确定为未达标"
    assert final_type("品质型", "不合格")[1] == "业态已达品质型，因服务评价为不合格，最终确定为未达标"


def test_final_type_in_the_record():
    circle = with_service(service_satisfaction_pct=85)  # 100 − 6 = 94: still 优秀
    circle["service"]["harmony"] = "不符合"  # 86: 良好
    result = score(circle)
    assert (result["service"]["total"], result["service"]["grade"]) == (86, "良好")
    assert result["final_type"] == "提升型"
    assert "业态已达品质型，因服务评价为良好，最终确定为提升型" in result["explanation"]


# ---------------------------------------------------------------------------
# Self-scores
# ---------------------------------------------------------------------------


def test_self_scores_shown_and_flagged_beyond_half_a_point():
    circle = perfect_circle()
    circle["self_score"] = {"presence": 99.5, "service": {"1": 8, "2": 15.5, "3": 15.4, 4: 10},
                            "service_total": 98}
    result = score(circle)
    assert result["presence"]["self_score"] == 99.5 and result["presence"]["differs"] is False
    assert (item(result, 2)["self_score"], item(result, 2)["differs"]) == (15.5, False)
    assert (item(result, 3)["self_score"], item(result, 3)["differs"]) == (15.4, True)
    assert item(result, 4)["self_score"] == 10
    assert item(result, 5)["self_score"] is None and item(result, 5)["differs"] is False
    assert result["service"]["differs"] is True
    differences = result["self_score_differences"]
    assert [(d["part"], d["no"]) for d in differences] == [("service", 3), ("service_total", None)]
    assert differences[0] == {"part": "service", "no": 3, "item": "服务满意", "points": 16,
                              "self_score": 15.4, "difference": 0.6}


def test_self_score_tolerance_is_a_parameter():
    circle = perfect_circle()
    circle["self_score"] = {"presence": 99}
    assert score(circle)["presence"]["differs"] is True
    assert score(circle, Rubric.from_mapping({"self_score_tolerance": 1}))["presence"]["differs"] is False


# ---------------------------------------------------------------------------
# score_many
# ---------------------------------------------------------------------------


def test_score_many_matches_projects_and_surveys_by_circle_name():
    first = with_service(projects_done=None, business_satisfaction_pct=None)
    second = copy.deepcopy(first)
    second["name"] = "济阳生活圈"
    projects = [{"circle": "古槐生活圈", "status": "已完成", "planned_finish": "2024-01-01"},
                {"circle": "济阳生活圈", "status": "在建", "planned_finish": "2024-01-01"}]
    surveys = {"济阳生活圈": {"answers": 2000, "business_pct": 95.0, "service_pct": 95.0}}
    one, two = score_many([first, second], RUBRIC, projects=projects, surveys=surveys)
    assert (item(one, 1)["points"], item(two, 1)["points"]) == (8, 4)
    assert (item(one, 2)["points"], item(two, 2)["points"]) == (0, 16)
    assert one == score(first, projects=projects[:1])


def test_service_items_maxima_follow_the_seed():
    assert [RUBRIC.item_max(i.no) for i in SERVICE_ITEMS] == [i.max for i in SERVICE_ITEMS]
    assert sum(i.max for i in SERVICE_ITEMS) == 100
    assert RUBRIC.presence_max == 100
