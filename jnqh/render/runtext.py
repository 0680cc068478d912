"""The closing summary of `jnqh consolidate`, in Chinese, for the person who ran it."""

from __future__ import annotations

from pathlib import Path

from jnqh.consolidate.model import (
    CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED, FILE_CONVERT, FILE_UNREADABLE, Run,
)


def render_run(run: Run, outbox: Path) -> str:
    broken = [f for f in run.files if f.status in (FILE_UNREADABLE, FILE_CONVERT)]
    count = {s: sum(1 for c in run.circles if c.status == s)
             for s in (CIRCLE_ACCEPTED, CIRCLE_SUPERSEDED, CIRCLE_UNMATCHED)}
    reused = sum(1 for f in run.files if f.reused)
    lines = [
        f"第{run.number}期汇总完成（截至 {run.as_of.isoformat()}）。",
        f"文件：读取 {len(run.files)} 个" + (f"（其中 {reused} 个未变化，沿用上次结果）" if reused else "")
        + f"，无法读取 {len(broken)} 个，忽略非表格文件 {len(run.ignored)} 个，跳过临时锁文件 {len(run.locks)} 个。",
        f"生活圈：采用 {count[CIRCLE_ACCEPTED]} 个，被新报送替代 {count[CIRCLE_SUPERSEDED]} 个，"
        f"名册中没有 {count[CIRCLE_UNMATCHED]} 个。",
        "类型：" + "，".join(f"{t} {n} 个" for t, n in run.type_counts.items()) + "。",
    ]
    for target in run.targets:
        actual = "—" if target.actual is None else f"{target.actual:g}{target.unit}"
        lines.append(f"  {target.label}：{actual}（目标 {target.target:g}{target.unit}）"
                     + ("，已达标" if target.met else ""))
    if run.missing_counties:
        lines.append("未报送的县市区：" + "、".join(run.missing_counties) + "。")
    for entry in broken:
        lines.append(f"  无法读取：{entry.path} — {entry.reason}")
    errors = sum(1 for i in run.issues if i.severity == "error")
    lines.append(f"问题：{errors} 个错误、{len(run.issues) - errors} 个提醒（详见汇总表“问题清单”和各县反馈表）。")
    lines.append("输出：")
    lines += [f"  {outbox / path}" for kind, path in sorted(run.outputs.items()) if not kind.startswith("feedback:")]
    feedback = [k for k in run.outputs if k.startswith("feedback:")]
    if feedback:
        first = Path(run.outputs[feedback[0]]).parent
        lines.append(f"  {outbox / first}（{len(feedback)} 个县市区反馈表）")
    return "\n".join(lines)
