"""Terminal text for people: one line per problem, grouped by file, then a verdict.

Every line reads ``文件 › 工作表!单元格 — 问题 — 怎么改`` so a county lead can go straight to
the cell. The same Issue records feed the JSON, the workbooks and the 通报; only the
layout is made here.
"""

from __future__ import annotations

from jnqh.issues import SEVERITY_LABEL, Issue
from jnqh.model import SURVEY_KIND, FileReport


def issue_line(issue: Issue) -> str:
    return f"{issue.where} — [{SEVERITY_LABEL[issue.severity]}] {issue.message} — {issue.hint}"


def file_summary(report: FileReport) -> str:
    if report.unreadable:
        return "无法读取"
    if report.kind == SURVEY_KIND:
        held = f"附件4 满意度问卷，{report.responses} 份答卷"
    else:
        held = f"{len(report.circles)} 个生活圈、{len(report.projects)} 个项目"
    if not report.issues:
        return f"未发现问题（{held}）"
    return f"{report.error_count} 个错误、{report.warning_count} 个提醒（{held}）"


def render_check(files: list[FileReport], ignored: list[str] = (), locks: list[str] = ()) -> str:
    lines = []
    for report in files:
        lines.append(f"■ {report.path} — {file_summary(report)}")
        lines += [f"  {issue_line(i)}" for i in sorted(report.issues, key=Issue.sort_key)]
        lines.append("")
    if locks:
        lines.append(f"已跳过 {len(locks)} 个 Excel 临时锁文件（~$ 开头）。")
    if ignored:
        lines.append(f"未读取 {len(ignored)} 个非表格文件：" + "、".join(ignored))
    lines.append(verdict(files))
    return "\n".join(lines)


def verdict(files: list[FileReport]) -> str:
    errors = sum(f.error_count for f in files if not f.unreadable)
    warnings = sum(f.warning_count for f in files if not f.unreadable)
    broken = sum(1 for f in files if f.unreadable)
    if not files:
        return "结论：没有找到要检查的 Excel 文件。"
    parts = []
    if broken:
        parts.append(f"{broken} 个文件无法读取")
    if errors:
        parts.append(f"{errors} 个错误")
    if warnings:
        parts.append(f"{warnings} 个提醒")
    if not parts:
        return f"结论：检查了 {len(files)} 个文件，未发现问题，可以报送。"
    advice = "请改正错误后再报送。" if errors or broken else "没有错误，可以报送；提醒请核实。"
    return f"结论：检查了 {len(files)} 个文件，发现 " + "、".join(parts) + "。" + advice
