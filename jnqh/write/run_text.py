"""The closing summary of `jnqh consolidate`, in Chinese, for the person who ran it.

Rendered from the run summary (the content of ``run.json``), so that an unchanged rerun,
which only confirms the stored run, says the same without loading the run itself.
"""

from __future__ import annotations

from pathlib import Path

from jnqh.consolidate.status import FILE_CONVERT, FILE_UNREADABLE

BROKEN = (FILE_UNREADABLE, FILE_CONVERT)


def render_summary(summary: dict, outbox: Path, *, reused_files: int = 0, confirmed: bool = False) -> str:
    files, circles = summary["files"], summary["circles"]
    broken = [f for f in files["list"] if f["status"] in BROKEN]
    head = f"第{summary['number']}期汇总完成（截至 {summary['as_of']}）。"
    if confirmed:
        head = f"收件箱、名册和设置与第{summary['number']}期（截至 {summary['as_of']}）相同，输出文件都在，沿用上次汇总。"
    lines = [
        head,
        f"文件：读取 {files['read']} 个" + (f"（其中 {reused_files} 个未变化，沿用上次结果）" if reused_files else "")
        + f"，无法读取 {len(broken)} 个，忽略非表格文件 {len(files['ignored'])} 个，"
          f"跳过临时锁文件 {len(files['lock_files'])} 个。",
        f"生活圈：采用 {circles['accepted']} 个，被新报送替代 {circles['superseded']} 个，"
        f"名册中没有 {circles['unmatched']} 个。",
        "类型：" + "，".join(f"{t} {n} 个" for t, n in summary["types"].items()) + "。",
    ]
    lines += [_target_line(t) for t in summary["targets"]]
    if summary["missing_counties"]:
        lines.append("未报送的县市区：" + "、".join(summary["missing_counties"]) + "。")
    lines += [f"  无法读取：{f['path']} — {f['reason']}" for f in broken]
    issues = summary["issues"]
    lines.append(f"问题：采用的文件中有 {issues['errors']} 个错误、{issues['warnings']} 个提醒"
                 "（详见汇总表“问题清单”和各县反馈表）。")
    if summary.get("pending"):
        lines.append(f"有误未计入：{len(summary['pending'])} 项数值经审核有误，未计入合计，上报表中留空并列入“待核实”。")
    return "\n".join(lines + _output_lines(summary["outputs"], outbox))


def _target_line(target: dict) -> str:
    """A target as the summary states it: its figure, and the figures stage's own verdict."""
    unit = target["unit"]
    actual = "—" if target["actual"] is None else f"{target['actual']:g}{unit}"
    due = f"，期限 {target['deadline']}" if target.get("deadline") else ""
    line = f"  {target['label']}：{actual}（目标 {target['target']:g}{unit}{due}）"
    if target.get("standing"):  # a run stored by an older version has no verdict: figure only
        line += f"，{target['standing']}"
    return line + (f"；{target['note']}" if target.get("note") else "")


def _output_lines(outputs: dict[str, str], outbox: Path) -> list[str]:
    lines = ["输出："]
    lines += [f"  {outbox / path}" for kind, path in sorted(outputs.items()) if not kind.startswith("feedback:")]
    feedback = [k for k in outputs if k.startswith("feedback:")]
    if feedback:
        first = Path(outputs[feedback[0]]).parent
        lines.append(f"  {outbox / first}（{len(feedback)} 个县市区反馈表）")
    return lines
