"""Every number of the two rubrics (附件2 业态"有没有", 附件3 服务"好不好"), as data.

The office may change any threshold next year, so nothing in ``scoring.py`` is a literal:
it reads a :class:`Rubric`. The defaults are those of the project's ``scoring.md``;
``jnqh.toml``'s ``[rubric]`` table overrides any of them through :meth:`Rubric.from_mapping`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import SimpleNamespace
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from jnqh import forms

# Types low → high, and the grades that allow each (same index): 合格 allows 基础型, …
TYPES: tuple[str, ...] = ("未达标", "基础型", "提升型", "品质型")
GRADES: tuple[str, ...] = ("不合格", "合格", "良好", "优秀")
NOT_TYPED, BASIC_TYPE, IMPROVED_TYPE, QUALITY_TYPE = TYPES
FAILED, PASSED, GOOD, EXCELLENT = GRADES


def _d(value: str | int) -> Decimal:
    return Decimal(str(value))


def plain(number: Decimal | int | float) -> str:
    """A number as the explanations write it: no trailing zeros (3.8, not 3.80; 4, not 4.0)."""
    if type(number) is int:
        return str(number)
    text = str(number) if type(number) is Decimal else str(Decimal(str(number)))
    if text.isdigit():  # a whole number without exponent or sign: already plain
        return text
    # Cached by the number's text: the same few numbers recur in every circle's explanations,
    # and a Decimal's str() is several times cheaper than its hash.
    return _plain_cached(text)


def plain_text(text: str) -> str:
    """The str() of a Decimal as :func:`plain` writes it (uncached, for one-off numbers)."""
    if "E" in text:  # str() of a Decimal such as 1E+2
        text = format(Decimal(text), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_plain_cached = lru_cache(maxsize=4096)(plain_text)


@dataclass(frozen=True)
class Rubric:
    """The parameters of scoring.md. Points and percentages are Decimals, counts ints."""

    # -- 附件2: basic types all-or-nothing, quality types per type with a cap ----------
    basic_required: int = 15
    basic_points: Decimal = _d(60)
    # (design) when the city names its 15 必备 types, all of them must be present
    required_basic_types: tuple[str, ...] = ()
    quality_each: Decimal = _d("1.5")
    quality_cap: Decimal = _d(40)
    type_cut_quality: Decimal = _d(90)  # 品质型
    type_cut_improved: Decimal = _d(80)  # 提升型
    type_cut_basic: Decimal = _d(70)  # 基础型
    # -- 附件3 grade cuts ------------------------------------------------------------
    grade_cut_excellent: Decimal = _d(90)
    grade_cut_good: Decimal = _d(80)
    grade_cut_pass: Decimal = _d(70)
    # 1 问需于民
    lists_points: Decimal = _d(4)
    done_points: Decimal = _d(4)
    # 2 业态满意 / 3 服务满意
    satisfaction_high_pct: Decimal = _d(90)
    satisfaction_high_points: Decimal = _d(16)
    satisfaction_mid_pct: Decimal = _d(80)
    satisfaction_mid_points: Decimal = _d(10)
    sample_share: Decimal = _d("0.10")
    # 4 一店一早
    store_high_services: int = 7
    store_high_24h: int = 2
    store_high_points: Decimal = _d(4)
    store_mid_services: int = 5
    store_mid_24h: int = 1
    store_mid_points: Decimal = _d(2)
    breakfast_high_kinds: int = 8
    breakfast_high_points: Decimal = _d(4)
    breakfast_mid_kinds: int = 5
    breakfast_mid_points: Decimal = _d(2)
    breakfast_delivery_points: Decimal = _d(1)
    retail_delivery_points: Decimal = _d(1)
    # 5 一菜一修
    market_points: Decimal = _d(5)
    market_m2_per_1000: Decimal = _d(50)
    market_area_deduction: Decimal = _d(1)
    market_service_deduction: Decimal = _d(1)
    repair_points: Decimal = _d(5)
    repair_kinds_required: int = 8
    repair_step: Decimal = _d("0.6")
    # 6 一老一小 (养老 and 托育 share the rule; 托育's area standard is a number)
    care_points: Decimal = _d(5)
    care_area_deduction: Decimal = _d(1)
    care_service_step: Decimal = _d("0.6")
    childcare_area_m2: Decimal = _d(200)
    # 7 品质质量
    chain_points: Decimal = _d(6)
    chain_thresholds: dict[str, Decimal] = field(
        default_factory=lambda: {"一线": _d(30), "二线": _d(25), "其他": _d(20)}, hash=False)
    # (design) Jining is configured as an 其他 city
    city_tier: str = "其他"
    # 8 促消费活动
    event_points: Decimal = _d(1)
    events_cap: Decimal = _d(6)
    # 9 智慧服务
    smart_pay_points: Decimal = _d(2)
    terminal_points: Decimal = _d(2)
    terminal_kinds_required: int = 5
    terminal_min_units: int = 2
    terminal_step: Decimal = _d("0.4")
    wayfinding_points: Decimal = _d(2)
    platform_high_merchants_pct: Decimal = _d(70)
    platform_high_residents_pct: Decimal = _d(40)
    platform_high_points: Decimal = _d(4)
    platform_mid_merchants_pct: Decimal = _d(50)
    platform_mid_residents_pct: Decimal = _d(20)
    platform_mid_points: Decimal = _d(2)
    # 10 商居和谐
    harmony_points: dict[str, Decimal] = field(
        default_factory=lambda: {"符合": _d(8), "基本符合": _d(4), "不符合": _d(0)}, hash=False)
    # Self-scores further from the computed score than this are flagged.
    self_score_tolerance: Decimal = _d("0.5")

    def __post_init__(self) -> None:
        if self.city_tier not in self.chain_thresholds:
            tiers = "、".join(self.chain_thresholds)
            raise ValueError(f"评分参数 city_tier 为“{self.city_tier}”，应为 {tiers} 之一")
        unknown = [t for t in self.required_basic_types if forms.PRESENCE.get(t) is None
                   or forms.PRESENCE[t].group != "basic"]
        if unknown:
            raise ValueError(f"评分参数 required_basic_types 中“{'、'.join(unknown)}”不是附件2的基本保障类业态")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> Rubric:
        """A rubric with the defaults overridden by `table` (e.g. jnqh.toml's [rubric])."""
        defaults = cls()
        known = {f.name for f in dataclasses.fields(cls)}
        changes = {}
        for key, value in table.items():
            if key not in known:
                raise ValueError(f"评分参数中有未知的项“{key}”，请检查拼写（可用项见 jnqh/rubric.py）")
            changes[key] = _convert(key, value, getattr(defaults, key))
        return dataclasses.replace(defaults, **changes)

    @cached_property
    def shown(self) -> SimpleNamespace:
        """Every number of the rubric as the explanations write it (``shown.repair_step`` is
        "0.6"), formatted once: they recur in every circle's explanations."""
        numbers = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown = {name: plain(value) for name, value in numbers.items()
                 if isinstance(value, (int, Decimal)) and not isinstance(value, bool)}
        shown["chain_threshold_pct"] = plain(self.chain_threshold_pct)
        shown["sample_share_pct"] = plain(self.sample_share * 100)
        return SimpleNamespace(**shown)

    @property
    def chain_threshold_pct(self) -> Decimal:
        return self.chain_thresholds[self.city_tier]

    @property
    def presence_max(self) -> Decimal:
        return self.basic_points + self.quality_cap

    def item_max(self, no: int) -> Decimal:
        """The most item `no` of 附件3 can give, from the parts of its rule."""
        return self._item_maxima[no]

    @cached_property
    def _item_maxima(self) -> dict[int, Decimal]:
        # cached_property writes the instance __dict__ directly, so it works on a frozen class
        return {
            1: self.lists_points + self.done_points,
            2: self.satisfaction_high_points,
            3: self.satisfaction_high_points,
            4: self.store_high_points + self.breakfast_high_points
            + self.breakfast_delivery_points + self.retail_delivery_points,
            5: self.market_points + self.repair_points,
            6: self.care_points * 2,
            7: self.chain_points,
            8: self.events_cap,
            9: self.smart_pay_points + self.terminal_points + self.wayfinding_points
            + self.platform_high_points,
            10: max(self.harmony_points.values()),
        }

    def initial_type(self, total: Decimal) -> str:
        """附件2's initial type for a presence total."""
        return _band(total, (self.type_cut_basic, self.type_cut_improved, self.type_cut_quality), TYPES)

    def grade(self, total: Decimal) -> str:
        """附件3's grade for a service total."""
        return _band(total, (self.grade_cut_pass, self.grade_cut_good, self.grade_cut_excellent), GRADES)


def _band(total: Decimal, cuts: tuple[Decimal, ...], names: tuple[str, ...]) -> str:
    """names[k] where k is how many of the (ascending) cuts the total reaches."""
    reached = 0
    for cut in cuts:
        if total < cut:
            break
        reached += 1
    return names[reached]


def grade_allows(grade: str) -> str:
    """The highest type a service grade allows (合格 → 基础型, …, 不合格 → 未达标)."""
    return TYPES[GRADES.index(grade)]


def _convert(key: str, value: Any, default: Any) -> Any:
    """Coerce a config value to the type of the field's default, or say why not."""
    if isinstance(default, bool) or isinstance(value, bool):
        raise ValueError(f"评分参数“{key}”应为数字或文字，不能是 true/false")
    if isinstance(default, Decimal):
        return _to_decimal(key, value)
    if isinstance(default, int):
        number = _to_decimal(key, value)
        if number != number.to_integral_value():
            raise ValueError(f"评分参数“{key}”应为整数，现在是 {value}")
        return int(number)
    if isinstance(default, str):
        return str(value)
    if isinstance(default, tuple):
        return _to_type_ids(key, value)
    if isinstance(default, dict):
        if not isinstance(value, Mapping):
            raise ValueError(f"评分参数“{key}”应为一张表（名称 = 数字）")
        return {str(k): _to_decimal(f"{key}.{k}", v) for k, v in value.items()}
    raise ValueError(f"评分参数“{key}”无法设置")


def _to_decimal(key: str, value: Any) -> Decimal:
    try:
        # str() first so that 0.1 from TOML is 0.1, not its binary approximation
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError(f"评分参数“{key}”应为数字，现在是“{value}”") from None
    if not number.is_finite():
        raise ValueError(f"评分参数“{key}”应为数字，现在是“{value}”")
    return number


def _to_type_ids(key: str, value: Any) -> tuple[str, ...]:
    """Type ids or their Chinese labels (what an office clerk would type) → ids."""
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValueError(f"评分参数“{key}”应为业态列表，如 [\"convenience_store\", \"breakfast\"]")
    by_label = {label: t.id for t in forms.BASIC_TYPES for label in (t.label, *t.variants)}
    return tuple(by_label.get(str(item).strip(), str(item).strip()) for item in value)


@dataclass(frozen=True)
class ServiceItem:
    no: int
    name: str
    max: Decimal


# 附件3's ten items with the seed's maxima (the scorer takes maxima from Rubric.item_max,
# which equal these with the default parameters).
SERVICE_ITEMS: tuple[ServiceItem, ...] = tuple(
    ServiceItem(no, name, _d(points))
    for no, name, points in zip(range(1, 11), forms.SERVICE_ITEM_NAMES, (8, 16, 16, 10, 10, 10, 6, 6, 10, 8))
)
SERVICE_ITEM = {item.no: item for item in SERVICE_ITEMS}
