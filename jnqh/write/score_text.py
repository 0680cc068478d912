"""Terminal text of `jnqh score`: one scorecard per circle that a clerk can read aloud."""

from __future__ import annotations

from jnqh import forms
from jnqh.model import CircleRecord, FileReport
from jnqh.write.text import render_check


def _points(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def scorecard(circle: CircleRecord, file: str) -> str:
    data, score = circle.data, circle.data.get("score") or {}
    presence, service = score.get("presence") or {}, score.get("service") or {}
    head = f"━━ {data.get('name') or forms.NO_NAME}（{data.get('county') or '县市区未填'}，截至 {data.get('as_of') or '未填'}）"
    lines = [head, f"   来源：{file} › {circle.sheet}"]
    lines.append(f"   业态“有没有”：{_points(presence.get('total'))} 分"
                 f"（基本保障类 {_points(presence.get('basic'))} + 品质提升类 {_points(presence.get('quality'))}）"
                 f" → 初步分型：{presence.get('type', '—')}{_self(presence)}")
    if presence.get("explanation"):
        lines.append(f"      {presence['explanation']}")
    lines.append(f"   服务“好不好”：{_points(service.get('total'))} 分 → {service.get('grade', '—')}{_self(service)}")
    for item in service.get("items") or ():
        source = f"（满意度来源：{item['source']}）" if item.get("source") else ""
        lines.append(f"    {item['no']:>2}. {item['name']}  {_points(item['points'])}/{_points(item['max'])} 分"
                     f"{_self(item)}{source}")
        lines.append(f"        {item['explanation']}")
    lines.append(f"   最终类型：{score.get('final_type', '—')}。{score.get('explanation', '')}")
    return "\n".join(lines)


def _self(part: dict) -> str:
    mine = part.get("self_score")
    if mine is None:
        return ""
    flag = "，与计算结果不符" if part.get("differs") else ""
    return f"（自评 {_points(mine)} 分{flag}）"


def render_scores(files: list[FileReport], ignored: list[str] = (), locks: list[str] = ()) -> str:
    cards = [scorecard(c, f.path) for f in files for c in f.circles]
    body = "\n\n".join(cards) if cards else "没有可评分的生活圈。"
    return body + "\n\n" + render_check(files, ignored, locks)
