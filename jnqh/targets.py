"""The programme's targets and their deadlines, as the office sets them in ``jnqh.toml``.

The plan (实施方案) sets four targets for 2025: 120 circles, 80 of them in the 主城区, 95 %
residents' satisfaction, 90 % basic-guarantee circles. The programme goes on after 2025, so
each target carries its deadline and the office can add the targets of a later phase::

    [targets.circles]            # change a target of the plan
    value = 120
    deadline = 2025-12-31

    [targets.circles_2030]       # add one: what it measures, its value, unit and deadline
    measure = "circles"
    label = "到2030年全市建成一刻钟便民生活圈"
    value = 200
    unit = "个"
    deadline = 2030-12-31

``defaults = false`` in ``[targets]`` keeps only the targets listed there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jnqh import forms

# What a target can measure: its unit and its label in the outputs.
MEASURES: dict[str, tuple[str, str]] = {
    "circles": ("个", "全市建成一刻钟便民生活圈"),
    "main_city": ("个", "其中主城区建成"),
    "satisfaction": ("%", "试点区域居民满意度"),
    "basic_share": ("%", "基本保障型生活圈占比"),
}
PLAN_DEADLINE = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class TargetSpec:
    key: str
    measure: str  # a key of MEASURES
    label: str
    value: float
    unit: str
    deadline: dt.date | None

    @property
    def deadline_text(self) -> str | None:
        return self.deadline.isoformat() if self.deadline else None


DEFAULT_TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec("circles", "circles", MEASURES["circles"][1], forms.TARGET_CIRCLES, "个", PLAN_DEADLINE),
    TargetSpec("main_city", "main_city", MEASURES["main_city"][1], forms.TARGET_MAIN_CITY, "个", PLAN_DEADLINE),
    TargetSpec("satisfaction", "satisfaction", MEASURES["satisfaction"][1], forms.TARGET_SATISFACTION_PCT, "%",
               PLAN_DEADLINE),
    TargetSpec("basic_share", "basic_share", MEASURES["basic_share"][1], forms.TARGET_BASIC_SHARE_PCT, "%",
               PLAN_DEADLINE),
)
_SETTINGS = {"measure", "label", "value", "unit", "deadline"}


def targets_from_mapping(table: dict) -> tuple[TargetSpec, ...]:
    """``[targets]`` of jnqh.toml → the targets, the plan's four merged in (ValueError in Chinese)."""
    table = dict(table)
    keep_defaults = table.pop("defaults", True)
    if not isinstance(keep_defaults, bool):
        raise ValueError("defaults 应为 true 或 false")
    specs = {t.key: t for t in DEFAULT_TARGETS} if keep_defaults else {}
    for key, entry in table.items():
        if not isinstance(entry, dict):
            raise ValueError(f"{key} 应写成一张表，如 [targets.{key}]，其中写 value、deadline 等")
        specs[key] = _spec(key, entry, specs.get(key))
    return tuple(specs.values())


def _spec(key: str, entry: dict, base: TargetSpec | None) -> TargetSpec:
    unknown = set(entry) - _SETTINGS
    if unknown:
        raise ValueError(f"[targets.{key}] 中有不认识的设置：{'、'.join(sorted(unknown))}"
                         f"（可用：{'、'.join(sorted(_SETTINGS))}）")
    measure = entry.get("measure", base.measure if base else key)
    if measure not in MEASURES:
        raise ValueError(f"[targets.{key}] 的 measure 应为 {'、'.join(MEASURES)} 之一，现在是“{measure}”")
    unit, label = MEASURES[measure]
    if entry.get("unit", unit) != unit:
        raise ValueError(f"[targets.{key}] 的 unit 应为“{unit}”（{measure} 以{unit}计）")
    value = entry.get("value", base.value if base else None)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"[targets.{key}] 的 value 应为正数")
    if unit == "%" and value > 100:
        raise ValueError(f"[targets.{key}] 的 value 是百分数，应不大于 100")
    deadline = _date(key, entry["deadline"]) if "deadline" in entry else (base.deadline if base else None)
    return TargetSpec(key, measure, str(entry.get("label", base.label if base else label)), value, unit, deadline)


def _date(key: str, value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"[targets.{key}] 的 deadline 应写成 2025-12-31 这样的日期") from None


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 when less than one)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)
