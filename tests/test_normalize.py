"""The conventions of forms.md: every way counties type numbers, percents, dates and ticks."""

import datetime as dt

import pytest

from jnqh import forms
from jnqh.normalize import (
    label_key, normalise_county, parse_count, parse_date, parse_decimal, parse_multi, parse_number,
    parse_percent, parse_tick, split_list, ticked_options,
)


@pytest.mark.parametrize("raw, expected", [
    (12, 12), (12.0, 12), ("12", 12), ("12个", 12), ("１２", 12), ("１２个", 12), (" 12 ", 12),
    ("1,200", 1200), ("2座", 2), ("0.3万", 3000), ("３家", 3),
])
def test_counts(raw, expected):
    parsed = parse_count(raw)
    assert parsed.ok and parsed.value == expected and isinstance(parsed.value, int)


@pytest.mark.parametrize("raw, code", [("十二", "V-NUMBER"), ("1.5", "V-INTEGER"), (-3, "V-NEGATIVE"),
                                       ("约12个", "V-NUMBER"), (True, "V-NUMBER")])
def test_bad_counts(raw, code):
    assert parse_count(raw).code == code


def test_wan_is_the_unit_in_a_wan_field():
    assert parse_decimal("0.3万", unit="万人").value == pytest.approx(0.3)
    assert parse_decimal("0.3万人", unit="万人").value == pytest.approx(0.3)
    assert parse_number("1.2万").value == 12000


@pytest.mark.parametrize("raw, expected, warns", [
    ("95%", 95, False), ("９５％", 95, False), (95, 95, False), ("95", 95, False), (0.95, 95, True),
    ("0.95", 95, True), ("100%", 100, False), (1, 100, True), (0, 0, False), ("87.5%", 87.5, False),
])
def test_percents(raw, expected, warns):
    parsed = parse_percent(raw)
    assert parsed.value == pytest.approx(expected)
    assert (parsed.code == "V-PERCENT-FRACTION") is warns


def test_percent_out_of_range():
    assert parse_percent(120).code == "V-PERCENT-RANGE"
    assert parse_percent("-5%").code == "V-PERCENT-RANGE"


@pytest.mark.parametrize("raw", [
    dt.date(2024, 4, 30), dt.datetime(2024, 4, 30, 0, 0), "2024-04-30", "2024/4/30", "2024.4.30",
    "2024年4月30日", "２０２４年４月３０日", "2024-4-30 00:00:00", 45412, 45412.0,
])
def test_dates(raw):
    assert parse_date(raw).value == dt.date(2024, 4, 30)


@pytest.mark.parametrize("raw", ["2024-02-30", "明年", "4/30", "202×年×月×日"])
def test_bad_dates(raw):
    assert parse_date(raw).code == "V-DATE"


@pytest.mark.parametrize("mark", list("√✓✔☑■▣●") + ["是", "有", "Y", "y", "yes", "1", "TRUE", 1, True])
def test_ticks(mark):
    assert parse_tick(mark) is True


@pytest.mark.parametrize("mark", ["□", "☐", "否", "无", "N", "0", 0, False])
def test_no_ticks(mark):
    assert parse_tick(mark) is False


def test_blank_is_no_answer():
    assert parse_tick(None) is None and parse_tick("  ") is None


def test_lists_split_on_every_separator():
    assert split_list("古槐社区、运河社区，越河社区;南苑社区\n北苑社区, 西苑社区；东苑社区") == [
        "古槐社区", "运河社区", "越河社区", "南苑社区", "北苑社区", "西苑社区", "东苑社区"]


def test_ticks_after_labels_as_in_form5():
    text = "街道（社区）√  国企□  民营企业☑ \n专业运营商□   网点各自经营□"
    assert ticked_options(text, forms.OPERATORS) == ["street_community", "private"]


def test_ticks_before_labels_as_in_form2():
    options = tuple(forms.Option(t.id, t.label, t.variants) for t in forms.BASIC_TYPES)
    text = "□便利店 ☑综合超市 √菜市场（菜店） □生鲜超市 ■小修小补点（修表、修鞋、修家电） □药店"
    assert ticked_options(text, options) == ["supermarket", "wet_market", "repair"]


def test_untouched_form_text_ticks_nothing():
    assert ticked_options("集聚式为主□\n街坊式为主□\n分布式为主□", forms.LAYOUTS) == []


def test_multi_from_a_typed_list():
    parsed = parse_multi("打印复印、代扣代缴，快递代收", forms.STORE_SERVICES)
    assert parsed.value == sorted(["打印复印", "代扣代缴", "快递代收"])


def test_multi_with_an_unknown_item_keeps_the_rest_and_says_so():
    parsed = parse_multi("打印复印、理发", forms.STORE_SERVICES)
    assert parsed.value == ["打印复印"] and parsed.code == "V-CHOICE"


@pytest.mark.parametrize("raw, expected", [
    ("任城", "任城区"), ("任城区", "任城区"), (" 任城区 ", "任城区"), ("高新区", "济宁高新区"),
    ("太白湖", "太白湖新区"), ("经开区", "济宁经济技术开发区"), ("北京市", None), ("", None),
])
def test_counties(raw, expected):
    assert normalise_county(raw) == expected


def test_label_keys_ignore_spaces_breaks_and_bracket_width():
    assert label_key("生活圈服务覆盖的居民\n数量（万人）") == label_key("生活圈服务覆盖的居民数量(万人)")
    assert label_key(" 合 计 ") == "合计"
    assert label_key("问需于民调查时\n居民反映还“缺什么”") == label_key('问需于民调查时居民反映还"缺什么"')
