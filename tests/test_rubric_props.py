"""Properties of the rubrics that hold for any circle, and the rubric's configuration."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jnqh import forms
from jnqh.score.rubric import TYPES, Rubric, grade_allows
from jnqh.score.items import fmt, score_circle

RUBRIC = Rubric()
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def maybe(strategy):
    """A fact that may also be left blank."""
    return st.one_of(st.none(), strategy)


def subset(fact_id: str):
    labels = [option.label for option in forms.SERVICE_FACT[fact_id].options]
    return maybe(st.lists(st.sampled_from(labels), max_size=len(labels) + 2))


# Integer draws mapped to two-decimal numbers: st.decimals is several times slower.
percent = st.integers(min_value=0, max_value=10000).map(lambda n: n / 100)
count = st.integers(min_value=0, max_value=5000)
small = st.integers(min_value=0, max_value=12)
dates = st.builds("{}-{:02d}-{:02d}".format, st.integers(2022, 2025), st.integers(1, 12), st.integers(1, 28))

services = st.fixed_dictionaries({
    "needs_list": maybe(st.booleans()), "project_list": maybe(st.booleans()),
    "projects_done": maybe(st.booleans()), "survey_sample": maybe(count),
    "business_satisfaction_pct": maybe(percent), "service_satisfaction_pct": maybe(percent),
    "store_services": subset("store_services"), "stores_24h": maybe(small),
    "breakfast_kinds": maybe(small), "breakfast_delivery": maybe(st.booleans()),
    "retail_delivery": maybe(st.booleans()),
    "market_area_m2": maybe(st.integers(min_value=0, max_value=50000).map(lambda n: n / 10)),
    "market_sites_m2": maybe(st.lists(st.integers(min_value=0, max_value=2500), max_size=3)),
    "market_services": subset("market_services"), "repair_kinds": subset("repair_kinds"),
    "elderly_area_ok": st.sampled_from([True, False, "none", None]),
    "elderly_services": subset("elderly_services"),
    "childcare_area_m2": maybe(st.integers(min_value=0, max_value=600)),
    "childcare_services": subset("childcare_services"),
    "events": maybe(st.lists(st.fixed_dictionaries({"name": st.sampled_from(["邻里节", "美食节", ""]),
                                                    "date": maybe(dates)}), max_size=9)),
    "scan_pay_monitoring": maybe(st.booleans()),
    "terminals": maybe(st.dictionaries(st.sampled_from([k.id for k in forms.TERMINAL_KINDS]), small)),
    "wayfinding_map": maybe(st.booleans()), "merchants_total": maybe(count),
    "merchants_on_platform": maybe(count), "residents_registered": maybe(st.integers(0, 100000)),
    "harmony": maybe(st.sampled_from(forms.HARMONY_LEVELS)),
})


# Each type ticked, unticked or blank, drawn as one number (two bits per type): 50 separate
# draws made every example several times slower.
_TICKS = (True, True, False, None)
presence = st.integers(min_value=0, max_value=4 ** len(forms.PRESENCE_TYPES) - 1).map(
    lambda bits: {t.id: _TICKS[(bits >> 2 * i) & 3] for i, t in enumerate(forms.PRESENCE_TYPES)})

residents = maybe(st.integers(min_value=1, max_value=1000).map(lambda n: n / 100))
outlet_counts = maybe(count)
as_of_dates = maybe(dates)
blank_presence = maybe(presence)


@st.composite
def circles(draw):
    outlets = draw(outlet_counts)
    chain = None if outlets is None else draw(maybe(st.integers(min_value=0, max_value=outlets)))
    return {
        "name": "测试生活圈", "as_of": draw(as_of_dates), "residents_10k": draw(residents),
        "categories": {}, "total": {"outlets": outlets, "chain": chain},
        "presence": draw(blank_presence), "service": draw(services),
    }


def as_decimal(number) -> Decimal:
    return Decimal(str(number))


@PROPS
@given(circles())
def test_totals_and_items_stay_within_their_range(circle):
    result = score_circle(circle, RUBRIC)
    assert 0 <= result["presence"]["total"] <= 100
    assert 0 <= result["service"]["total"] <= 100
    for entry in result["service"]["items"]:
        assert 0 <= entry["points"] <= entry["max"], entry
    items_sum = sum(as_decimal(entry["points"]) for entry in result["service"]["items"])
    assert items_sum == as_decimal(result["service"]["total"])


@PROPS
@given(circles())
def test_final_type_never_exceeds_either_part(circle):
    result = score_circle(circle, RUBRIC)
    final = TYPES.index(result["final_type"])
    assert final <= TYPES.index(result["presence"]["type"])
    assert final <= TYPES.index(grade_allows(result["service"]["grade"]))
    assert final == min(TYPES.index(result["presence"]["type"]),
                        TYPES.index(grade_allows(result["service"]["grade"])))


# Each mutation adds something good to a circle: a present type, a service, one more of a
# counted thing, a terminal, an event in the year of as_of. None may lower a score.
LIST_FACTS = ("store_services", "market_services", "repair_kinds", "elderly_services", "childcare_services")
COUNTED_FACTS = ("stores_24h", "breakfast_kinds", "survey_sample", "merchants_on_platform",
                 "residents_registered")


def add_type(circle: dict, type_id: str) -> None:
    circle["presence"] = {**(circle["presence"] or {}), type_id: True}


def add_service(circle: dict, fact_id: str, label: str) -> None:
    circle["service"][fact_id] = [*(circle["service"][fact_id] or []), label]


def add_one(circle: dict, fact_id: str) -> None:
    circle["service"][fact_id] = (circle["service"][fact_id] or 0) + 1


def add_terminal(circle: dict, kind: str) -> None:
    terminals = dict(circle["service"]["terminals"] or {})
    terminals[kind] = terminals.get(kind, 0) + 1
    circle["service"]["terminals"] = terminals


def add_event(circle: dict) -> None:
    event = {"name": "邻里节", "date": f"{circle['as_of'][:4]}-01-01"}
    circle["service"]["events"] = [*(circle["service"]["events"] or []), event]


mutations = st.one_of(
    st.sampled_from([t.id for t in forms.PRESENCE_TYPES]).map(lambda t: ("presence", add_type, (t,))),
    st.sampled_from([(f.id, o.label) for f in forms.SERVICE_FACTS if f.id in LIST_FACTS for o in f.options])
    .map(lambda pair: ("service", add_service, pair)),
    st.sampled_from(COUNTED_FACTS).map(lambda f: ("service", add_one, (f,))),
    st.sampled_from([k.id for k in forms.TERMINAL_KINDS]).map(lambda k: ("service", add_terminal, (k,))),
    st.just(("service", add_event, ())),
)


@settings(PROPS, max_examples=250)
@given(circles(), mutations)
def test_adding_something_good_never_lowers_a_score(circle, mutation):
    part, mutate, args = mutation
    circle["as_of"] = circle["as_of"] or "2024-06-30"
    before = score_circle(circle, RUBRIC)
    circle = copy.deepcopy(circle)
    mutate(circle, *args)
    after = score_circle(circle, RUBRIC)
    assert after[part]["total"] >= before[part]["total"]
    assert TYPES.index(after["final_type"]) >= TYPES.index(before["final_type"])


@PROPS
@given(circles())
def test_every_blank_fact_an_item_needs_is_reported(circle):
    result = score_circle(circle, RUBRIC)
    for entry in result["service"]["items"]:
        assert set(entry["missing"]) <= set(result["missing"])
        if entry["missing"]:
            assert "未填报「" in entry["explanation"]


@given(st.integers(min_value=1, max_value=8))
# (kinds = 0 scores 0 by design: no 小修小补 at all; see test_scoring.test_repair_kinds)
def test_repair_deductions_are_exact_decimals(kinds):
    circle = {"service": {"repair_kinds": [o.label for o in forms.REPAIR_KINDS][:kinds]}}
    points = score_circle(circle, RUBRIC)["service"]["items"][4]["points"]
    expected = Decimal(5) - Decimal("0.6") * (8 - kinds)
    assert as_decimal(points) == expected  # 8 − 5 kinds: 5 − 3.0 = 2, not 1.9999999999999996


@given(st.decimals(min_value=-1000, max_value=1000, places=2))
def test_fmt_has_no_trailing_zeros(number):
    text = fmt(number)
    assert Decimal(text) == number
    assert not ("." in text and text.endswith("0")) and not text.endswith(".")


# ---------------------------------------------------------------------------
# Thresholds and the configuration
# ---------------------------------------------------------------------------


@given(st.decimals(min_value=1, max_value=99, places=2))
def test_a_configured_grade_cut_is_inclusive(cut):
    rubric = Rubric.from_mapping({"grade_cut_pass": str(cut), "grade_cut_good": 99.5, "grade_cut_excellent": 100})
    assert rubric.grade(cut) == "合格"
    assert rubric.grade(cut - Decimal("0.01")) == "不合格"


@given(st.decimals(min_value=1, max_value=100, places=2))
def test_a_configured_satisfaction_cut_moves_item_two(cut):
    rubric = Rubric.from_mapping({"satisfaction_high_pct": float(cut), "satisfaction_mid_pct": 0})
    circle = {"residents_10k": 1, "service": {"survey_sample": 1000, "business_satisfaction_pct": float(cut)}}
    assert score_circle(circle, rubric)["service"]["items"][1]["points"] == 16
    circle["service"]["business_satisfaction_pct"] = float(cut - Decimal("0.01"))
    assert score_circle(circle, rubric)["service"]["items"][1]["points"] == 10


DECIMAL_FIELDS = [f.name for f in dataclasses.fields(Rubric) if isinstance(getattr(RUBRIC, f.name), Decimal)]
INT_FIELDS = [f.name for f in dataclasses.fields(Rubric)
              if type(getattr(RUBRIC, f.name)) is int]


@given(st.sampled_from(DECIMAL_FIELDS), st.decimals(min_value=0, max_value=500, places=2))
def test_from_mapping_turns_numbers_into_decimals(name, value):
    for given_value in (float(value), str(value), int(value)):
        rubric = Rubric.from_mapping({name: given_value})
        assert isinstance(getattr(rubric, name), Decimal)
        assert getattr(rubric, name) == Decimal(str(given_value))


def test_from_mapping_keeps_counts_whole():
    assert Rubric.from_mapping({"basic_required": 14}).basic_required == 14
    assert Rubric.from_mapping({"basic_required": 14.0}).basic_required == 14
    assert all(type(getattr(RUBRIC, name)) is int for name in INT_FIELDS)
    with pytest.raises(ValueError, match="basic_required"):
        Rubric.from_mapping({"basic_required": 14.5})


def test_from_mapping_defaults_are_scoring_md():
    assert Rubric.from_mapping({}) == RUBRIC
    assert (RUBRIC.basic_required, RUBRIC.basic_points, RUBRIC.quality_each, RUBRIC.quality_cap) == (
        15, 60, Decimal("1.5"), 40)
    assert RUBRIC.sample_share == Decimal("0.10")
    assert RUBRIC.chain_thresholds == {"一线": 30, "二线": 25, "其他": 20} and RUBRIC.city_tier == "其他"
    assert RUBRIC.harmony_points == {"符合": 8, "基本符合": 4, "不符合": 0}
    assert RUBRIC.self_score_tolerance == Decimal("0.5")
    assert RUBRIC.required_basic_types == ()


def test_from_mapping_unknown_key_names_it_in_chinese():
    with pytest.raises(ValueError, match="未知.*basic_requird"):
        Rubric.from_mapping({"basic_requird": 15})


@pytest.mark.parametrize("table, word", [
    ({"quality_each": "一点五"}, "quality_each"), ({"city_tier": "三线"}, "city_tier"),
    ({"required_basic_types": ["cinema"]}, "cinema"), ({"required_basic_types": "便利店"}, "required_basic_types"),
    ({"chain_thresholds": 20}, "chain_thresholds"), ({"quality_cap": True}, "quality_cap"),
])
def test_from_mapping_rejects_bad_values_in_chinese(table, word):
    with pytest.raises(ValueError, match=word) as error:
        Rubric.from_mapping(table)
    assert "评分参数" in str(error.value)


def test_from_mapping_tables_and_labels():
    rubric = Rubric.from_mapping({"chain_thresholds": {"一线": 30, "二线": 25, "其他": 18.5},
                                  "harmony_points": {"符合": 8, "基本符合": 5, "不符合": 0},
                                  "required_basic_types": ["便利店", "breakfast", "菜市场"]})
    assert rubric.chain_threshold_pct == Decimal("18.5")
    assert rubric.harmony_points["基本符合"] == 5
    assert rubric.required_basic_types == ("convenience_store", "breakfast", "wet_market")
    assert rubric.item_max(10) == 8


def test_rubric_is_frozen_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RUBRIC.basic_required = 3
    assert hash(Rubric()) == hash(RUBRIC)


def test_shown_numbers_follow_the_parameters():
    assert (RUBRIC.shown.repair_step, RUBRIC.shown.quality_each, RUBRIC.shown.basic_points) == ("0.6", "1.5", "60")
    assert (RUBRIC.shown.sample_share_pct, RUBRIC.shown.chain_threshold_pct) == ("10", "20")
    changed = Rubric.from_mapping({"repair_step": "0.50", "city_tier": "一线"})
    assert (changed.shown.repair_step, changed.shown.chain_threshold_pct) == ("0.5", "30")
