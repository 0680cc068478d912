"""Findings are data: the catalogue of every kind of problem jnqh reports, and the record.

Each kind has a stable code, a severity, a Chinese title, a message template and a
how-to-fix template with named fields. Nothing raises on bad data: readers and checks
create :class:`Issue` records through :func:`make` and collect them. The catalogue is the
documentation too: ``docs/问题代码.md`` is generated from it (``python -m jnqh.issues``)
and a test keeps the two in sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from jnqh.normalize import drop_controls

ERROR = "error"
WARNING = "warning"
SEVERITY_LABEL = {ERROR: "错误", WARNING: "提醒"}


@dataclass(frozen=True)
class IssueKind:
    code: str
    severity: str
    title: str
    message: str  # str.format template
    hint: str  # str.format template: how to fix it


@dataclass(frozen=True)
class Issue:
    code: str
    severity: str
    file: str
    sheet: str | None
    cell: str | None
    field: str | None
    message: str
    hint: str
    value: str | None = None
    circle: str | None = None  # the circle it concerns, where the finder knows (not in the JSON contract)

    @property
    def title(self) -> str:
        return KIND[self.code].title

    @property
    def where(self) -> str:
        """`文件 › 工作表!单元格`, as short as what is known."""
        place = self.file
        if self.sheet:
            place += f" › {self.sheet}"
            if self.cell:
                place += _word_cell(self.cell) if self.file.lower().endswith(".docx") else f"!{self.cell}"
        return place

    def to_json(self) -> dict:
        return {
            "severity": self.severity, "code": self.code, "sheet": self.sheet,
            "cell": self.cell, "field": self.field, "message": self.message,
            "value": self.value, "hint": self.hint,
        }

    def sort_key(self) -> tuple:
        return (self.file, self.sheet or "", _cell_order(self.cell), self.code, self.field or "")


def _cell_order(cell: str | None) -> tuple[int, int]:
    if not cell:
        return (0, 0)
    letters = cell.rstrip("0123456789")
    digits = cell[len(letters):]
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    return (int(digits) if digits else 0, col)


def _k(code: str, severity: str, title: str, message: str, hint: str) -> IssueKind:
    return IssueKind(code, severity, title, message, hint)


E, W = ERROR, WARNING

CATALOGUE: tuple[IssueKind, ...] = (
    # -- the file as a whole ---------------------------------------------------------
    _k("F-MISSING", E, "文件不存在", "找不到这个文件或文件夹", "检查路径是否写对"),
    _k("F-EMPTY", E, "空文件", "文件大小为 0，里面什么也没有", "重新保存或重新发送这个文件"),
    _k("F-NOT-EXCEL", E, "不是 Excel 文件", "这个文件不是 Excel 工作簿（扩展名是 {ext}，内容却不是表格）",
       "用 Excel 或 WPS 打开原表，另存为“Excel 工作簿（*.xlsx）”后再发送"),
    _k("F-CORRUPT", E, "文件已损坏", "文件已损坏或不完整（可能没有下载完，或保存时出错），无法读取",
       "用 Excel 或 WPS 打开原表另存一份再发送；如果是邮件附件，重新下载一次"),
    _k("F-ENCRYPTED", E, "文件设有密码", "工作簿设有打开密码，无法读取",
       "请对方在 Excel 中“文件→信息→保护工作簿→用密码进行加密”删除密码后重新发送（不要通过邮件发送密码）"),
    _k("F-BOMB", E, "文件异常过大", "文件解压后异常巨大（约 {size_mb} MB），为安全起见拒绝读取",
       "请对方检查表格中是否有大量空白格式或图片，另存为新的 .xlsx 后重新发送"),
    _k("F-CELLS", E, "表格范围太大", "表格的单元格太多（{cells} 个，上限 {limit} 个；从 A1 算到最远的一格），"
       "为免占满内存没有读取", "删去表格远处多余的内容和格式（选中多余的行、列后删除），或把数据分到几个工作簿后重新发送"),
    _k("F-XML-ATTACK", E, "文件含不安全内容", "文件内部含有不安全的 XML 声明（{part}），为安全起见拒绝读取",
       "请对方用 Excel 或 WPS 打开后另存为新的 .xlsx 再发送"),
    _k("F-CONVERT", E, "需要另存为 xlsx", "这是 {ext} 格式的文件，本工具只读取 Excel 工作簿",
       "用 WPS 或 Excel 打开它，选择“另存为→Excel 工作簿（*.xlsx）”，再把 .xlsx 文件放入收件箱"),
    _k("F-CRASH", E, "读取时中断", "读取这个文件时读取程序中断了（{reason}），文件没有读入，其余文件照常汇总",
       "用 Excel 或 WPS 打开原表，另存为新的 .xlsx 后重新发送；仍然如此时请把文件交给技术支持"),
    _k("F-ARCHIVE-FORMAT", E, "压缩包格式无法读取", "这是 {ext} 压缩包，本工具只能打开 .zip 压缩包",
       "请用 .zip 格式重新压缩（Windows 中选中文件 › 右键 › 发送到 › 压缩(zipped)文件夹），或直接发送其中的 Excel 文件"),
    _k("F-ARCHIVE-EMPTY", E, "压缩包里没有表格", "这个 .zip 压缩包里没有 Excel 工作簿（.xlsx/.xls）",
       "检查是否压缩错了文件，把填好的 Excel 工作簿压缩后重新发送，或直接发送 Excel 文件"),
    _k("F-MACRO-SHEET", E, "含有宏表", "工作簿含有宏表（Excel 4.0 宏工作表），无法读取",
       "请删除宏表，或在 Excel 中另存为“Excel 工作簿（*.xlsx）”后再发送"),
    _k("F-JSON", E, "JSON 记录有误", "这个 .json 文件不是 jnqh check 输出的记录（{reason}）",
       "用 jnqh check 文件.xlsx --format json > 记录.json 生成，再按 docs/说明.md 中的字段修改"),
    _k("F-BLANK", E, "模板尚未填写", "这是空白的填报模板，附件5中还没有填写任何生活圈",
       "在附件5工作表中填写各生活圈的情况（每个生活圈一张），再检查"),
    _k("F-NO-FORM", E, "找不到调查表", "工作簿中没有找到附件5调查表（“试点生活圈名称”“商业网点”等标签）",
       "请使用市里下发的模板（jnqh template 生成）填报，不要删除表中的标签文字"),
    # -- finding the form in a sheet -------------------------------------------------
    _k("R-LABEL-MISSING", E, "缺少栏目", "没有找到“{label}”这一栏",
       "请不要删除或改写模板中的“{label}”标签，补上后重新填写"),
    _k("R-TABLE-MISSING", E, "缺少网点表", "没有找到附件5的业态网点表（表头“商业网点（店铺）数量合计”）",
       "请保留附件5中“分类 / 主要业态网点 / 商业网点数量合计…”这张表"),
    _k("R-COLUMN-MISSING", E, "网点表缺列", "网点表缺少“{label}”一列", "按模板补上这一列"),
    _k("R-CATEGORY-MISSING", W, "网点表缺行", "网点表中没有“{label}”这一行", "按模板补上这一行，没有网点的填 0"),
    _k("R-UNASSIGNED", W, "无法归属生活圈", "工作表“{sheet}”中的{what}无法确定属于哪个生活圈",
       "在表中写明生活圈名称（与附件5一致），或每个生活圈单独一个工作簿"),
    _k("R-BLANK-FORM", W, "附件5尚未填写", "生活圈“{name}”的附件5只有名称，其余都没有填写，这份表不会计入",
       "填写这个生活圈的附件5；如果本次不报这个生活圈，可以删除这张工作表"),
    _k("R-HIDDEN-SHEET", W, "隐藏的工作表未读取", "工作表“{sheet}”是隐藏的，其中的{what}没有读取",
       "要报送这张表，请在工作表标签上右键 › 取消隐藏（“深度隐藏”的表要在 VBA 编辑器里改为可见）；不报送就删除它"),
    _k("R-DUPLICATE-CIRCLE", E, "生活圈重复", "同一个工作簿中“{name}”出现了不止一次（另见 {other}）",
       "删除重复的附件5工作表，每个生活圈只保留一份"),
    # -- the registry the office edits -----------------------------------------------
    _k("R-REGISTRY-TABLE", E, "名册表头无法识别",
       "名册中没有找到生活圈表：工作表（{sheets}）中没有一行表头同时写着“县市区”和“生活圈名称”",
       "在名册“生活圈名册”表的第一行写上“县市区”“生活圈名称”“是否主城区”（可参照 jnqh demo 生成的名册）"),
    _k("R-REGISTRY-NAME", W, "名称不能作文件名", "名册中的{label}“{value}”{reason}，不能直接用作文件名",
       "改正名册中的这个名称；在改正之前，输出文件名中这些字符以“_”代替"),
    _k("R-REGISTRY-TEXT", W, "名册文字含换行", "名册中的{label}“{value}”含有换行或控制字符，已去掉",
       "在名册的这个单元格中删去换行（Alt+回车 插入的换行）"),
    # -- mail: what jnqh mail could not prepare as asked ------------------------------------
    _k("M-NO-ADDRESS", W, "没有邮箱", "{county}在名册“联系人”表中没有邮箱，未生成给{county}的邮件",
       "在名册的“联系人”表中填写{county}的邮箱后重新运行 jnqh mail"),
    _k("M-BAD-ADDRESS", W, "邮箱格式不对", "{county}在名册“联系人”表中的邮箱“{value}”格式不对，已跳过这个地址",
       "改正名册“联系人”表中的这个邮箱"),
    _k("M-BAD-PERSON", W, "联系人姓名含换行", "{county}在名册“联系人”表中的联系人姓名含有换行或控制字符，已按“{person}”使用",
       "改正名册“联系人”表中的这个姓名"),
    _k("M-BAD-LEADERSHIP", W, "领导邮箱格式不对", "jnqh.toml 的 [mail] leadership 中的邮箱“{value}”格式不对，已跳过",
       "改正 jnqh.toml 中的这个邮箱"),
    _k("M-NO-LEADERSHIP", W, "没有设置领导邮箱", "jnqh.toml 的 [mail] 中没有设置 leadership（接收汇总表的领导邮箱），未生成给领导的邮件",
       "在 jnqh.toml 的 [mail] 中写上 leadership = [\"领导的邮箱\"]"),
    _k("M-NO-FEEDBACK", W, "缺少反馈表", "没有找到{county}的反馈表（{path}），给{county}的邮件只附通报",
       "先运行 jnqh consolidate 生成本期的反馈表"),
    _k("M-NO-BULLETIN", W, "缺少通报", "没有找到通报（{path}），邮件中不附通报", "先运行 jnqh report 生成通报"),
    _k("M-NO-WORKBOOK", W, "缺少汇总表", "没有找到汇总表（{path}），给领导的邮件中不附汇总表",
       "先运行 jnqh consolidate 生成本期的汇总表"),
    # -- values ---------------------------------------------------------------------
    _k("V-REQUIRED", E, "必填项为空", "“{label}”没有填写", "请填写“{label}”{hint}"),
    _k("V-NUMBER", E, "不是数字", "“{label}”应为数字，现在是“{value}”", "只填数字{unit_hint}，不要写文字说明"),
    _k("V-INTEGER", E, "应为整数", "“{label}”应为整数，现在是 {value}", "填写整数{unit_hint}"),
    _k("V-NEGATIVE", E, "不能为负数", "“{label}”不能为负数，现在是 {value}", "填写 0 或正数"),
    _k("V-APPROXIMATE", W, "数字是约数", "“{label}”填的是“{value}”，已按 {number}{unit_hint} 计",
       "填写确切的数字，不要加“约”“左右”“多”；确实只知道约数时，核对 {number} 是否合适"),
    _k("V-DATE", E, "日期无法识别", "“{label}”的“{value}”不是可识别的日期", "写成 2024-04-30 这样的日期"),
    _k("V-DATE-FUTURE", E, "日期晚于今天", "“{label}”是 {value}，晚于今天（{today}）", "填写实际截至的日期，不能是将来的日期"),
    _k("V-PERCENT-RANGE", E, "百分比超出范围", "“{label}”应在 0–100 之间，现在是 {value}", "填写百分数，如 95 表示 95%"),
    _k("V-PERCENT-FRACTION", W, "百分比按小数理解", "“{label}”填的是 {value}，已按 {percent}% 理解",
       "如确实是 {percent}%，建议直接填 {percent}；如果本意是 {value}%，请改正"),
    _k("V-CHOICE", E, "选项无效", "“{label}”的“{value}”不是有效选项", "从以下选项中选择：{options}"),
    _k("V-CHOICE-MANY", E, "只能选一项", "“{label}”勾选了多项（{value}）", "只保留一项：{options}"),
    _k("V-SYMBOL", W, "无法识别的勾选符号", "“{label}”中有一个无法识别的符号（{symbol}，多半是 Wingdings 等符号字体里的字符），没有当作勾选",
       "请改用 √ 或 ☑ 打勾（不要用符号字体），然后核对勾选结果"),
    _k("V-COUNTY", E, "县市区名称有误", "“{value}”不是济宁市的县市区名称", "从以下名称中选择：{options}"),
    _k("V-CIRCLE-UNKNOWN", W, "名册中没有这个生活圈", "生活圈“{value}”不在市里的生活圈名册中{suggestion}",
       "按名册核对生活圈名称；新增生活圈请先报市商务局列入名册"),
    _k("V-CIRCLE-COUNTY", W, "生活圈与县市区不符", "名册中“{name}”属于{registry_county}，表中写的是{value}",
       "核对所在县市区"),
    _k("V-RESIDENTS-PEOPLE", E, "居民数单位有误", "居民数量单位是“万人”，填的 {value} 像是人数", "如果是 {value} 人，应填 {converted}（万人）"),
    _k("V-RESIDENTS-RANGE", W, "居民数异常", "覆盖居民 {value} 万人，超出常见范围（{low}–{high} 万人）", "核对单位是否为“万人”"),
    _k("V-FACILITY-LOW", W, "设施面积占比偏低", "社区商业和综合服务设施面积占比 {value}%，低于 {min}%",
       "新建居住区应不低于 {min}%；如为老旧小区可在“说明”中注明"),
    _k("V-CHAIN-GT-OUTLETS", E, "连锁店多于网点", "{row}：品牌连锁店 {chain} 个，多于网点合计 {outlets} 个",
       "品牌连锁店是网点的一部分，不能多于网点合计"),
    _k("V-STAFF-PEOPLE", W, "从业人数单位可疑", "{row}：从业人数 {value} 万人，平均每个网点超过 100 人",
       "从业人数单位是“万人”；如果是 {value} 人，应填 {converted}"),
    _k("V-TOTAL-MISMATCH", E, "合计与分项不符", "合计行“{column}”填的是 {total}，分项之和是 {sum}",
       "改正合计或分项，使合计等于各分项之和（也可留空，由系统计算）"),
    # -- 附件6 project list ----------------------------------------------------------
    _k("P-DUPLICATE", E, "项目重复", "同一生活圈中项目“{value}”出现了两次（另见第 {other_row} 行）", "合并或改名"),
    _k("P-INVESTED-GT-TOTAL", E, "完成投资超过总投资", "已完成投资 {invested} 万元，超过总投资 {total} 万元",
       "核对两项投资额，单位都是万元"),
    _k("P-FINISH-BEFORE-START", E, "完成时间早于开工时间", "计划完成时间 {finish} 早于开工时间 {start}", "核对两个日期"),
    _k("P-DONE-NO-DATE", E, "已完成但缺完成时间", "项目状态为“已完成”，但没有填写实际完成时间", "补填实际完成时间"),
    _k("P-OVERDUE", W, "项目逾期", "项目“{name}”计划 {finish} 完成，截至 {as_of} 仍为“{status}”", "加快推进，或在备注中说明原因并调整计划完成时间"),
    _k("P-CIRCLE-UNKNOWN", W, "项目所属生活圈不明", "项目所属生活圈“{value}”不在本工作簿的附件5中", "生活圈名称与附件5保持一致"),
    _k("P-COMMUNITY-AMBIGUOUS", W, "项目所属生活圈不明", "社区“{value}”同时是几个生活圈的服务社区，无法确定这个项目属于哪个生活圈",
       "在附件6中增加“生活圈名称”一列并填写"),
    _k("P-COMMUNITY-UNKNOWN", W, "项目所属生活圈不明", "社区“{value}”不在本工作簿任何生活圈的“服务社区”中",
       "核对社区名称，或在附件6中增加“生活圈名称”一列并填写"),
    _k("P-CATEGORY", W, "补齐业态不在附件2中", "“{value}”不是附件2列出的业态", "从附件2的50种业态中选择，或留空"),
    # -- 附件2 / 附件3 ---------------------------------------------------------------
    _k("X-PRESENCE-NO-OUTLETS", W, "业态与网点数不一致", "附件2中“{type}”为“无”，但附件5中“{category}”有 {outlets} 个网点",
       "核对附件2勾选或附件5网点数"),
    _k("X-OUTLETS-NO-PRESENCE", W, "业态与网点数不一致", "附件2中“{type}”为“有”，但附件5中“{category}”网点数为 0",
       "核对附件2勾选或附件5网点数"),
    _k("S-FACT-MISSING", W, "评分所需信息未填", "评分项“{item}”需要的“{label}”没有填写，该项按缺项计分", "在{where}中补填"),
    _k("S-SELF-SCORE", W, "自评与计算不符", "“{item}”自评 {self_score} 分，按填报事实计算为 {points} 分", "核对自评或补充事实"),
    # -- 附件4 survey ----------------------------------------------------------------
    _k("Q-NO-QUESTIONS", E, "问卷缺少评价题", "问卷导出文件中没有找到这些题目：{missing}", "导出时请包含全部题目，题干不要改写"),
    _k("Q-NO-RESIDENCE", W, "问卷缺少小区/社区题", "问卷中没有“您居住在…小区/社区”这一题，无法按社区归属生活圈",
       "每个生活圈单独导出一份问卷，文件名写生活圈名称"),
    _k("Q-ANSWER-UNKNOWN", W, "问卷答案无法识别", "“{question}”有 {count} 份答卷的答案无法识别（如“{example}”），这些答案未计入满意度",
       "导出时选择“按选项文本”或“按选项序号”，不要改动选项文字"),
    _k("Q-UNASSIGNED", W, "问卷答卷无法归属", "{count} 份答卷的小区/社区与任何生活圈的服务社区都对不上（如“{example}”）",
       "核对附件5“服务社区”是否写全"),
)

KIND: dict[str, IssueKind] = {k.code: k for k in CATALOGUE}


def _word_cell(cell: str) -> str:
    """' 第3行第2列' for cell B3 of a Word table (a .docx form's tables are read as sheets)."""
    letters = cell.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return f" 第{cell[len(letters):]}行第{column}列"


class _Blank(dict):
    """Missing template fields render as empty text, never as a crash."""

    def __missing__(self, key: str) -> str:
        return ""


def make(code: str, *, file: str, sheet: str | None = None, cell: str | None = None,
         field: str | None = None, value: object = None, circle: str | None = None, **params: object) -> Issue:
    """Create an Issue of catalogue kind `code`, filling its templates from `params`.

    Values and names lose their control characters here, so that every rendering (the
    annotated copy, the feedback workbook, the bulletin) can hold the message."""
    kind = KIND[code]
    shown = "" if value is None else _show(value)
    values = _Blank({k: _show(v) for k, v in params.items()})
    values.setdefault("value", shown)
    values.setdefault("sheet", sheet or "")
    return Issue(
        code=code, severity=kind.severity, file=drop_controls(file), sheet=sheet and drop_controls(sheet), cell=cell, field=field,
        message=kind.message.format_map(values),
        hint=kind.hint.format_map(values),
        value=None if value is None else shown, circle=circle,
    )


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return drop_controls(str(value))


def catalogue_markdown() -> str:
    """The reference page of every issue code (docs/问题代码.md)."""
    lines = [
        "# 问题代码一览",
        "",
        "本页由 `python -m jnqh.issues > docs/问题代码.md` 从 `jnqh/issues.py` 生成，请勿手改。",
        "",
        "| 代码 | 级别 | 问题 | 提示内容 | 怎么改 |",
        "|---|---|---|---|---|",
    ]
    for kind in CATALOGUE:
        message = kind.message.replace("|", "\\|")
        hint = kind.hint.replace("|", "\\|")
        lines.append(f"| `{kind.code}` | {SEVERITY_LABEL[kind.severity]} | {kind.title} | {message} | {hint} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(catalogue_markdown())
