"""The 通报: one :class:`Run` → the numbers → the wording (templates) → ``.docx`` and ``.html``.

Design. Every number is computed once, in :func:`bulletin_context`. All the wording lives in
Jinja2 templates (``jnqh/report_templates/``): ``bulletin_text.j2`` writes the whole 通报 as a
small line markup (``# `` title, ``## `` section heading, ``| a | b |`` table rows, … — the
markup is described at the top of that template). :func:`parse_blocks` turns that text into
:class:`Block` records, and the two renderers only lay the blocks out: :func:`bulletin_docx`
as a GB/T 9704 公文 page, ``bulletin.html.j2`` as an e-mail-safe page. So the .docx and the
.html say the same words from one template, and the office can reword the 通报 without Python.

Templates are looked up first in the office's folder (``report_templates`` in jnqh.toml),
then in the package: copy a shipped template there (:func:`copy_templates`), edit it, and
the next run uses it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

import jinja2
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree
from markupsafe import Markup

from jnqh import atomic, forms
from jnqh.consolidate.model import FILE_CONVERT, FILE_STATUS_LABEL, FILE_UNREADABLE, Run
from jnqh.rubric import NOT_TYPED, TYPES

TEXT_TEMPLATE = "bulletin_text.j2"
HTML_TEMPLATE = "bulletin.html.j2"
FILE_STEM = "通报_{date}"  # 通报_<YYYYMMDD>.docx / .html (workflow.md)
OVERDUE_SHOWN = 5  # the worst overdue projects named in the 通报
LEADERS_SHOWN = 3  # counties named as leading / lagging
CIRCLES_SHOWN = 10  # circles named per problem (below 合格, low satisfaction); the rest counted
CHART_MAX_CELLS = 40  # the docx bar chart: at most this many cells across

# Exceptions are user-facing: Chinese, naming the template file and line.
TEMPLATE_ERROR = "通报模板 {name} 第 {line} 行有误：{error}。请对照 jnqh 自带的模板改正。"
TEMPLATE_MISSING = "找不到通报模板 {name}（自定义模板文件夹与 jnqh 自带模板中都没有）。"


class BulletinTemplateError(Exception):
    """An office-edited template does not render: a usage error with a Chinese message."""


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------


def bulletin_context(run: Run) -> dict:
    """Every number the 通报 shows, computed here once from the Run."""
    counties = ranked_counties(run)
    first = run.changes.previous_no is None
    return {
        "number": run.number,
        "as_of": run.as_of,
        "issued": dt.date.fromisoformat(run.generated[:10]),
        "first_issue": first,
        "previous": None if first else {"number": run.changes.previous_no,
                                        "as_of": _date_or_none(run.changes.previous_as_of)},
        "targets": [_target(t) for t in run.targets],
        "type_names": list(reversed(TYPES)),  # 品质型 … 未达标, as the table shows them
        "counties": counties,
        "totals": _totals(run, counties),
        **_leading_and_lagging(counties),
        "changes": _changes(run),
        "problems": _problems(run, counties),
        "chart": [{"county": c["county"], "accepted": c["accepted"], "target": c["target"]}
                  for c in counties],
    }


def ranked_counties(run: Run) -> list[dict]:
    """County rows ranked by progress %, then accepted, then mean service score.

    Counties equal on all three share a rank (competition ranking: 1, 2, 2, 4).
    """
    def key(row) -> tuple:
        service = row.service_mean if row.service_mean is not None else -1.0
        return (-row.progress_pct, -row.accepted, -service)

    order = {name: i for i, name in enumerate(forms.COUNTIES)}
    rows = sorted(run.counties, key=lambda r: (*key(r), order.get(r.county, len(order)), r.county))
    ranked, previous_key, rank = [], None, 0
    for position, row in enumerate(rows, start=1):
        if key(row) != previous_key:
            rank, previous_key = position, key(row)
        ranked.append(_county(row, rank))
    return ranked


def _county(row, rank: int) -> dict:
    return {
        "rank": rank, "county": row.county, "main_city": row.main_city, "target": row.target,
        "submitted": row.submitted, "accepted": row.accepted, "progress_pct": row.progress_pct,
        "by_type": {name: row.by_type.get(name, 0) for name in reversed(TYPES)},
        "presence_mean": row.presence_mean, "service_mean": row.service_mean,
        "projects": row.projects, "investment": row.investment_10k_yuan,
        "invested": row.invested_10k_yuan, "overdue": row.overdue, "files": row.files,
        "broken_files": row.broken_files, "errors": row.errors,
    }


def _totals(run: Run, counties: list[dict]) -> dict:
    """The 全市 row: sums of the county rows; mean scores weighted by accepted circles."""
    def total(key: str):
        return sum(c[key] for c in counties)

    def weighted(key: str) -> float | None:
        scored = [c for c in counties if c[key] is not None and c["accepted"]]
        weight = sum(c["accepted"] for c in scored)
        return round(sum(c[key] * c["accepted"] for c in scored) / weight, 1) if weight else None

    target, accepted = total("target"), total("accepted")
    return {
        "target": target, "submitted": total("submitted"), "accepted": accepted,
        "progress_pct": round(100 * accepted / target, 1) if target else 0.0,
        "by_type": {name: run.type_counts.get(name, 0) for name in reversed(TYPES)},
        "presence_mean": weighted("presence_mean"), "service_mean": weighted("service_mean"),
        "projects": total("projects"), "investment": round(total("investment"), 1),
        "invested": round(total("invested"), 1), "overdue": total("overdue"),
    }


def _leading_and_lagging(counties: list[dict]) -> dict[str, list[str]]:
    """The first few counties ahead of the city's progress, and the last few behind it."""
    accepted = sum(c["accepted"] for c in counties)
    target = sum(c["target"] for c in counties)
    city_pct = 100 * accepted / target if target else 0.0
    ahead = [c["county"] for c in counties if c["progress_pct"] > city_pct]
    behind = [c["county"] for c in counties if c["target"] and c["progress_pct"] < city_pct]
    return {"leading": ahead[:LEADERS_SHOWN], "lagging": list(reversed(behind))[:LEADERS_SHOWN]}


def _target(target) -> dict:
    share = None
    if target.actual is not None and target.unit != "%" and target.target:
        share = round(100 * target.actual / target.target, 1)
    gap = None if target.actual is None else round(max(target.target - target.actual, 0), 1)
    change = target.change
    return {
        "key": target.key, "label": target.label, "target": target.target, "actual": target.actual,
        "unit": target.unit, "previous": target.previous, "change": change,
        "change_abs": None if change is None else abs(change), "met": target.met,
        "share_pct": share, "gap": gap,
    }


def _changes(run: Run) -> dict:
    changes = run.changes
    by_county: dict[str, list[str]] = {}
    for county, circle in changes.new_circles:
        by_county.setdefault(county, []).append(circle)

    def moves(rows) -> list[dict]:
        return [{"county": c, "circle": n, "old": o, "new": w} for c, n, o, w in rows]

    return {
        "new_count": len(changes.new_circles),
        "new_circles": [{"county": c, "circles": names, "count": len(names)}
                        for c, names in by_county.items()],
        "type_up": moves(changes.type_up),
        "type_down": moves(changes.type_down),
        "unmoved": list(changes.unmoved_counties),
        "dropped": [{"county": c, "circle": n} for c, n in changes.dropped],
    }


def _problems(run: Run, counties: list[dict]) -> dict:
    overdue = _overdue_projects(run)
    threshold = next((t.target for t in run.targets if t.key == "satisfaction"),
                     forms.TARGET_SATISFACTION_PCT)
    below_pass, low_satisfaction = _below_pass(run), _low_satisfaction(run, threshold)
    problems = {
        "missing_counties": list(run.missing_counties),
        "broken_files": _broken_files(run),
        "error_counties": [{"county": c["county"], "errors": c["errors"]}
                           for c in counties if c["errors"]],
        "overdue_count": sum(c["overdue"] for c in counties),
        "overdue_worst": overdue[:OVERDUE_SHOWN],
        "below_pass_count": len(below_pass),
        "below_pass": below_pass[:CIRCLES_SHOWN],
        "satisfaction_target": threshold,
        "low_satisfaction_count": len(low_satisfaction),
        "low_satisfaction": low_satisfaction[:CIRCLES_SHOWN],
        "unmatched": [{"county": c.county, "name": c.name, "nearest": c.nearest}
                      for c in run.circles if c.status == "unmatched"],
    }
    problems["any"] = any(v for k, v in problems.items() if k not in ("satisfaction_target", "overdue_worst"))
    return problems


def _broken_files(run: Run) -> list[dict]:
    """Files that could not be used (unreadable, or a format to save as xlsx), by county."""
    groups: dict[str, list[dict]] = {}
    for entry in run.files:
        if entry.status in (FILE_UNREADABLE, FILE_CONVERT):
            groups.setdefault(entry.county or "", []).append(
                {"path": entry.path, "status": FILE_STATUS_LABEL[entry.status], "reason": entry.reason})
    return [{"county": county, "files": files} for county, files in groups.items()]


def _overdue_projects(run: Run) -> list[dict]:
    """Overdue projects, the longest overdue (then the largest investment) first."""
    rows = []
    for project in run.projects:
        if not project.get("overdue"):
            continue
        due = _date_or_none(project.get("planned_finish"))
        rows.append({
            "county": project.get("county"), "circle": project.get("circle"),
            "name": project.get("name"), "planned_finish": due, "status": project.get("status"),
            "days": (run.as_of - due).days if due else None,
            "investment": project.get("investment_10k_yuan"),
        })
    return sorted(rows, key=lambda r: (-(r["days"] or 0), -(r["investment"] or 0), r["name"] or ""))


def _below_pass(run: Run) -> list[dict]:
    """Accepted circles that reach no type (业态 below 基础型 or 服务 不合格)."""
    return [
        {"county": c.county, "name": c.name, "presence_type": c.score.get("presence", {}).get("type"),
         "presence_total": c.score.get("presence", {}).get("total"),
         "grade": c.score.get("service", {}).get("grade"),
         "service_total": c.score.get("service", {}).get("total")}
        for c in run.accepted if c.final_type == NOT_TYPED
    ]


def _low_satisfaction(run: Run, threshold: float) -> list[dict]:
    """Accepted circles whose 居民满意度 (附件5 合计) is below the plan's target."""
    rows = []
    for circle in run.accepted:
        pct = (circle.data.get("total") or {}).get("satisfaction_pct")
        if isinstance(pct, (int, float)) and pct < threshold:
            rows.append({"county": circle.county, "name": circle.name, "pct": pct})
    return sorted(rows, key=lambda r: (r["pct"], r["name"]))


def _date_or_none(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------


def shipped_templates() -> Path:
    return Path(str(resources.files("jnqh") / "report_templates"))


def copy_templates(dest: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the shipped templates into the office's folder, to edit there; the files written."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(shipped_templates().glob("*.j2")):
        target = dest / source.name
        if overwrite or not target.exists():
            shutil.copyfile(source, target)
            written.append(target)
    return written


def template_environment(templates: Path | None = None) -> jinja2.Environment:
    """Jinja2 looking first in the office's folder `templates`, then in the package."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(shipped_templates()), encoding="utf-8")]
    if templates is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(templates), encoding="utf-8"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_one_line)
    env.filters.update(num=num, cn_date=cn_date, cn_index=cn_index)
    return env


def render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render `name`, turning a template mistake into a Chinese message naming file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as err:
        raise BulletinTemplateError(TEMPLATE_MISSING.format(name=err.name)) from err
    except jinja2.TemplateSyntaxError as err:
        raise BulletinTemplateError(TEMPLATE_ERROR.format(name=err.filename or name, line=err.lineno,
                                                          error=err.message)) from err
    except (jinja2.TemplateError, TypeError, ValueError, KeyError) as err:
        raise BulletinTemplateError(TEMPLATE_ERROR.format(name=name, line=_template_line(err),
                                                          error=err)) from err


def _template_line(err: Exception) -> str:
    """The template line of a render-time error, from the traceback Jinja rewrites."""
    tb, line = err.__traceback__, "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = str(tb.tb_lineno)
        tb = tb.tb_next
    return line


def _one_line(value):
    """Every printed value stays on its line and out of the table markup."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return value.replace("\r", " ").replace("\n", " ").replace("|", "｜")
    return value


def num(value, digits: int = 1) -> str:
    """A number as a 通报 prints it: no trailing zeros; None as '—'."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    return str(int(value))


def cn_date(value) -> str:
    """2024-04-30 → 2024年4月30日."""
    if value is None:
        return "—"
    day = _date_or_none(value)
    return f"{day.year}年{day.month}月{day.day}日" if day else str(value)


_CN_DIGITS = "零一二三四五六七八九"


def cn_index(value: int) -> str:
    """1 → 一, 12 → 十二: the numbering of 公文 headings (up to 99)."""
    tens, ones = divmod(int(value), 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones or not head else "")


# ---------------------------------------------------------------------------
# The markup: text → blocks
# ---------------------------------------------------------------------------

# Line prefix → block kind. Order matters: the longest prefix first.
MARKERS = (("### ", "subheading"), ("## ", "heading"), ("# ", "title"), ("^ ", "centred"),
           ("= ", "masthead"), ("- ", "item"), ("> ", "right"))
CHART_LINE = re.compile(r"^\[\[chart(?:\|(.*))?\]\]$")
META_LINE = re.compile(r"^@(\w+)\s+(.*)$")


@dataclass
class Block:
    kind: str  # title | centred | masthead | heading | subheading | paragraph | item | right | table | chart
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)  # table: the header row first
    args: list[str] = field(default_factory=list)  # masthead: left, right; chart: legend labels


def parse_blocks(text: str) -> tuple[list[Block], dict[str, str]]:
    """The markup of ``bulletin_text.j2`` → blocks, and the ``@key value`` metadata.

    A plain line continues the open text block (Chinese joins without spaces); a table row
    continues the open table; a blank line closes whatever is open.
    """
    blocks: list[Block] = []
    meta: dict[str, str] = {}
    current: Block | None = None  # the block the next line may continue
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            current = None
        elif (found := META_LINE.match(line)) is not None:
            meta[found.group(1)] = found.group(2).strip()
        elif line.startswith("|") and current is not None and current.kind == "table":
            current.rows.append(_cells(line))
        elif current is not None and current.kind not in ("table", "chart") and not _is_marked(line):
            current.text += line
        else:
            current = _new_block(line)
            blocks.append(current)
    return blocks, meta


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_marked(line: str) -> bool:
    return line.startswith("|") or CHART_LINE.match(line) is not None or any(
        line.startswith(prefix) for prefix, _ in MARKERS)


def _new_block(line: str) -> Block:
    if line.startswith("|"):
        return Block("table", rows=[_cells(line)])
    if (chart := CHART_LINE.match(line)) is not None:
        return Block("chart", args=[a.strip() for a in (chart.group(1) or "").split("|") if a.strip()])
    for prefix, kind in MARKERS:
        if line.startswith(prefix):
            body = line[len(prefix):].strip()
            args = [p.strip() for p in body.split("|", 1)] if kind == "masthead" else []
            return Block(kind, body, args=args)
    return Block("paragraph", line)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


@dataclass
class Bulletin:
    context: dict
    text: str  # the rendered markup
    blocks: list[Block]
    meta: dict[str, str]

    @property
    def title(self) -> str:
        return next((b.text for b in self.blocks if b.kind == "title"), "")

    @property
    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "table"]


def render_bulletin(run: Run, templates: Path | None = None) -> Bulletin:
    """The 通报's words for `run` (templates from `templates`, then the package)."""
    context = bulletin_context(run)
    text = render_template(template_environment(templates), TEXT_TEMPLATE, context)
    blocks, meta = parse_blocks(text)
    return Bulletin(context, text, blocks, meta)


def bulletin_html(bulletin: Bulletin, templates: Path | None = None, preface: list[str] = ()) -> str:
    """The self-contained HTML page (an e-mail body may put `preface` paragraphs above it)."""
    chart = next((b for b in bulletin.blocks if b.kind == "chart"), None)
    svg = county_chart_svg(bulletin.context["chart"], chart.args if chart else [])
    env = template_environment(templates)
    return render_template(env, HTML_TEMPLATE, {
        **bulletin.context, "blocks": bulletin.blocks, "meta": bulletin.meta,
        "title": bulletin.title, "chart_svg": Markup(svg), "preface": list(preface)})


def file_name(run: Run, suffix: str) -> str:
    """``通报_<YYYYMMDD>.docx`` / ``.html``."""
    return FILE_STEM.format(date=run.date_tag) + suffix


def write_bulletin(run: Run, out_dir: Path, templates: Path | None = None) -> dict[str, Path]:
    """Write ``通报_<YYYYMMDD>.docx`` and ``.html`` into `out_dir`, atomically; their paths."""
    bulletin = render_bulletin(run, templates)
    paths = {"docx": out_dir / file_name(run, ".docx"), "html": out_dir / file_name(run, ".html")}
    atomic.write_bytes(paths["docx"], bulletin_docx(bulletin, run.as_of))
    atomic.write_text(paths["html"], bulletin_html(bulletin, templates))
    return paths


# ---------------------------------------------------------------------------
# The bar chart as SVG (HTML and e-mail)
# ---------------------------------------------------------------------------

CHART_FONT = "'Noto Sans CJK SC','Microsoft YaHei','SimHei','PingFang SC',sans-serif"
ACCEPTED_COLOUR = "#2F5597"
TARGET_COLOUR = "#D9D9D9"


def county_chart_svg(rows: list[dict], legend: list[str] = (), width: int = 640) -> str:
    """Horizontal bars per county: the target (light) with the accepted count over it (dark).

    Plain SVG 1.1 (rect/text only, no CSS or script), so mail clients that show SVG show it.
    """
    label_w, value_w, row_h, top = 150, 60, 24, 34 if legend else 8
    bar_w = width - label_w - value_w
    scale = bar_w / max([r["target"] for r in rows] + [r["accepted"] for r in rows] + [1])
    height = top + row_h * len(rows) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{CHART_FONT}" font-size="13">']
    parts += _svg_legend(legend, label_w)
    for index, row in enumerate(rows):
        y = top + index * row_h
        parts += [
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="#000">{escape(row["county"])}</text>',
            f'<rect x="{label_w}" y="{y + 4}" width="{row["target"] * scale:.1f}" height="16" fill="{TARGET_COLOUR}"/>',
            f'<rect x="{label_w}" y="{y + 4}" width="{row["accepted"] * scale:.1f}" height="16" '
            f'fill="{ACCEPTED_COLOUR}"/>',
            f'<text x="{label_w + max(row["target"], row["accepted"]) * scale + 6:.1f}" y="{y + 16}" '
            f'fill="#333">{row["accepted"]}/{row["target"]}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_legend(legend: list[str], x: int) -> list[str]:
    parts = []
    for index, (label, colour) in enumerate(zip(legend, (ACCEPTED_COLOUR, TARGET_COLOUR))):
        left = x + index * 120
        parts += [f'<rect x="{left}" y="8" width="14" height="14" fill="{colour}"/>',
                  f'<text x="{left + 20}" y="20" fill="#000">{escape(label)}</text>']
    return parts


# ---------------------------------------------------------------------------
# The .docx in 公文 layout (GB/T 9704)
# ---------------------------------------------------------------------------

LATIN_FONT = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# fontTable entries: when a PC lacks the face, Word/WPS use the altName (Windows has these).
FONT_FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", SUBHEADING_FONT: "楷体", HEADING_FONT: "SimHei",
                  PAGE_NUMBER_FONT: "SimSun"}
SIZE_2, SIZE_3, SIZE_4, SIZE_5, SIZE_SMALL_5 = 22, 16, 14, 10.5, 9  # 二号, 三号, 四号, 五号, 小五
LINE_PITCH = Pt(28)  # fixed line spacing of the body
RED = RGBColor(0xC0, 0x00, 0x00)
TEXT_WIDTH_MM = 156  # 210 − 28 − 26
CELL_PADDING_PT = 4  # the two narrow cell margins, and a little air
WRAP_AFTER_CHARS = 5  # a table cell wider than five characters wraps (济宁经济技术开发区)


def bulletin_docx(bulletin: Bulletin, as_of: dt.date) -> bytes:
    """The 通报 as .docx bytes; the same bulletin gives the same bytes."""
    doc = Document()
    _page_setup(doc)
    _default_fonts(doc)
    for block in bulletin.blocks:
        BLOCK_WRITERS[block.kind](doc, block, bulletin)
    _page_number_footer(doc)
    _core_properties(doc, bulletin, as_of)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _stable_zip(buffer.getvalue())


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(24)  # GB/T 9704: 页码 7 mm below the 版心


def _default_fonts(doc) -> None:
    """Document defaults: explicit fonts (no theme fonts, which would win), Chinese language."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    _set_font_names(fonts, BODY_FONT)
    rpr.find(qn("w:lang")).set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(SIZE_3)
    _set_font_names(normal.element.get_or_add_rPr().get_or_add_rFonts(), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = LINE_PITCH


def _set_font_names(fonts, east_asia: str) -> None:
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)


def _run(paragraph, text: str, east_asia: str, size: float, *, bold: bool = False,
         colour: RGBColor | None = None):
    """A run with every font slot named explicitly, so Word and WPS pick the Chinese face."""
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    _set_font_names(run._element.get_or_add_rPr().get_or_add_rFonts(), east_asia)
    return run


def _indent_chars(paragraph, chars: int, size: float = SIZE_3) -> None:
    """First-line indent in characters (Word's firstLineChars), with the length as fallback."""
    paragraph.paragraph_format.first_line_indent = Pt(size * chars)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _body_paragraph(doc, text: str, east_asia: str = BODY_FONT, *, indent: int = 2,
                    align=WD_ALIGN_PARAGRAPH.JUSTIFY, outline: int | None = None):
    paragraph = doc.add_paragraph()
    paragraph.alignment = align
    _indent_chars(paragraph, indent)
    if outline is not None:  # shows in the navigation pane of Word/WPS
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        paragraph._p.get_or_add_pPr().append(level)
    _run(paragraph, text, east_asia, SIZE_3)
    return paragraph


def _write_title(doc, block: Block, bulletin: Bulletin) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing = Pt(36)
    paragraph.paragraph_format.keep_with_next = True
    _indent_chars(paragraph, 0)
    _run(paragraph, block.text, TITLE_FONT, SIZE_2, colour=RED)


def _write_centred(doc, block: Block, bulletin: Bulletin) -> None:
    _body_paragraph(doc, block.text, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)


def _write_right(doc, block: Block, bulletin: Bulletin) -> None:
    paragraph = _body_paragraph(doc, block.text, indent=0, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph.paragraph_format.right_indent = Pt(SIZE_3 * 4)  # 落款 右空四字


def _write_masthead(doc, block: Block, bulletin: Bulletin) -> None:
    """版头: issuer at the left, date at the right, a red rule below (GB/T 9704 分隔线)."""
    left, right = (block.args + [""])[:2]
    paragraph = doc.add_paragraph()
    _indent_chars(paragraph, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Pt(SIZE_3)  # 左右各空一字
    fmt.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(2 * SIZE_3), WD_TAB_ALIGNMENT.RIGHT)
    fmt.space_after = Pt(12)
    fmt.keep_with_next = True
    _run(paragraph, f"{left}\t{right}", BODY_FONT, SIZE_3)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().append(border)


def _write_heading(doc, block: Block, bulletin: Bulletin) -> None:
    _body_paragraph(doc, block.text, HEADING_FONT, outline=0).paragraph_format.keep_with_next = True


def _write_subheading(doc, block: Block, bulletin: Bulletin) -> None:
    _body_paragraph(doc, block.text, SUBHEADING_FONT, outline=1).paragraph_format.keep_with_next = True


def _write_paragraph(doc, block: Block, bulletin: Bulletin) -> None:
    _body_paragraph(doc, block.text)


def _cell_text(cell, text: str, east_asia: str, size: float, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.line_spacing = 1.0
    _indent_chars(paragraph, 0)
    _run(paragraph, text, east_asia, size)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _write_table(doc, block: Block, bulletin: Bulletin) -> None:
    """A real Word table: borders, the header row repeated on every page, rows kept whole."""
    columns = max(len(r) for r in block.rows)
    table = doc.add_table(rows=len(block.rows), cols=columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = _column_widths(block.rows, columns)
    _fixed_layout(table, widths)
    for r, (row, cells) in enumerate(zip(table.rows, block.rows)):
        _row_flags(row, header=r == 0)
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
            text = cells[c] if c < len(cells) else ""
            _cell_text(cell, text, HEADING_FONT if r == 0 else BODY_FONT, SIZE_SMALL_5 if r == 0 else SIZE_5)
    doc.add_paragraph().paragraph_format.line_spacing = Pt(14)  # air below the table


def _column_widths(rows: list[list[str]], columns: int) -> list:
    """Each column as wide as its widest body cell (long names may wrap to two lines); the
    room left over goes to the headers that would wrap most."""
    def need(texts: list[str], size: float, cap: float) -> float:
        widest = max((_text_points(t, size) for t in texts), default=0.0)
        return min(widest, cap) + CELL_PADDING_PT

    cells = [[r[c] if c < len(r) else "" for r in rows] for c in range(columns)]
    body = [need(column[1:], SIZE_5, WRAP_AFTER_CHARS * SIZE_5) for column in cells]
    header = [need(column[:1], SIZE_SMALL_5, float("inf")) for column in cells]
    spare = Mm(TEXT_WIDTH_MM).pt - sum(body)
    if spare <= 0:
        return [Pt(b * (spare + sum(body)) / sum(body)) for b in body]
    wants = [max(h / 2 + CELL_PADDING_PT / 2 - b, 0.0) for h, b in zip(header, body)]  # heads in ≤ 2 lines
    share = min(1.0, spare / sum(wants)) if sum(wants) else 0.0
    widths = [b + w * share for b, w in zip(body, wants)]
    rest = (Mm(TEXT_WIDTH_MM).pt - sum(widths)) / columns
    return [Pt(w + rest) for w in widths]


def _text_points(text: str, size: float) -> float:
    """Printed width: a CJK character is one em, anything else about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def _fixed_layout(table, widths: list) -> None:
    """Fixed column widths (the grid, which Word and LibreOffice lay out by) and narrow margins."""
    for column, width in zip(table.columns, widths):
        column.width = width
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "28")  # 1.4 pt each side: narrow, so 15 columns fit the 版心
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)


def _row_flags(row, *, header: bool) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(Mm(7).twips))
    height.set(qn("w:hRule"), "atLeast")
    tr_pr.append(height)
    if header:
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)


def _write_chart(doc, block: Block, bulletin: Bulletin) -> None:
    """The bar chart as a native table of shaded cells (python-docx cannot embed SVG).

    One cell is one circle (or `unit` circles when targets are large): dark = accepted,
    light = target not yet reached. Word, WPS and LibreOffice all draw it, with real Chinese
    labels in the document's own fonts, and nothing but python-docx is needed.
    """
    rows = bulletin.context["chart"]
    if not rows:
        return
    _chart_legend(doc, block.args)
    most = max([r["target"] for r in rows] + [r["accepted"] for r in rows] + [1])
    unit = math.ceil(most / CHART_MAX_CELLS)
    cells = math.ceil(most / unit)
    table = doc.add_table(rows=len(rows), cols=cells + 2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    label_w, value_w = Mm(34), Mm(16)
    cell_w = (Mm(TEXT_WIDTH_MM) - label_w - value_w) // cells
    _fixed_layout(table, [label_w] + [cell_w] * cells + [value_w])
    _chart_borders(table)
    for row, data in zip(table.rows, rows):
        _chart_row(row, data, unit, (label_w, cell_w, value_w))
        for cell in row.cells:  # the chart stays on one page with its caption
            cell.paragraphs[0].paragraph_format.keep_with_next = True


def _chart_row(row, data: dict, unit: int, widths: tuple) -> None:
    label_w, cell_w, value_w = widths
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(Mm(6).twips))
    height.set(qn("w:hRule"), "exact")
    row._tr.get_or_add_trPr().append(height)
    accepted, target = round(data["accepted"] / unit), math.ceil(data["target"] / unit)
    cells = row.cells
    cells[0].width, cells[-1].width = label_w, value_w
    _cell_text(cells[0], data["county"], BODY_FONT, SIZE_5, WD_ALIGN_PARAGRAPH.RIGHT)
    _cell_text(cells[-1], f"{data['accepted']}/{data['target']}", BODY_FONT, SIZE_5,
               WD_ALIGN_PARAGRAPH.LEFT)
    for index, cell in enumerate(cells[1:-1]):
        cell.width = cell_w
        if index < accepted:
            _shade(cell, ACCEPTED_COLOUR)
        elif index < target:
            _shade(cell, TARGET_COLOUR)


def _chart_legend(doc, labels: list[str]) -> None:
    if not labels:
        return
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.keep_with_next = True
    _indent_chars(paragraph, 0)
    for label, colour in zip(labels, (ACCEPTED_COLOUR, TARGET_COLOUR)):
        _run(paragraph, "■", BODY_FONT, SIZE_5, colour=RGBColor.from_string(colour[1:]))
        _run(paragraph, f" {label}　　", BODY_FONT, SIZE_5)


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def _chart_borders(table) -> None:
    """White inner lines: a gap between bars and between the per-circle segments."""
    borders = OxmlElement("w:tblBorders")
    for side, size in (("insideH", "24"), ("insideV", "4")):
        line = OxmlElement(f"w:{side}")
        for key, value in (("val", "single"), ("sz", size), ("space", "0"), ("color", "FFFFFF")):
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    table._tbl.tblPr.append(borders)


BLOCK_WRITERS = {
    "title": _write_title, "centred": _write_centred, "masthead": _write_masthead,
    "heading": _write_heading, "subheading": _write_subheading, "paragraph": _write_paragraph,
    "item": _write_paragraph, "right": _write_right, "table": _write_table, "chart": _write_chart,
}


def _page_number_footer(doc) -> None:
    """“— 1 —”, centred: a PAGE field between two dashes (宋体 四号, GB/T 9704)."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_chars(paragraph, 0)
    _run(paragraph, "— ", PAGE_NUMBER_FONT, SIZE_4)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(paragraph, "", PAGE_NUMBER_FONT, SIZE_4)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text
    _run(paragraph, " —", PAGE_NUMBER_FONT, SIZE_4)


def _core_properties(doc, bulletin: Bulletin, as_of: dt.date) -> None:
    """Fixed metadata: the same Run gives the same document (no clock time anywhere)."""
    props = doc.core_properties
    stamp = dt.datetime(as_of.year, as_of.month, as_of.day)
    props.author = props.last_modified_by = bulletin.meta.get("author", "")
    props.title = bulletin.title
    props.subject = bulletin.meta.get("subject", "")
    props.keywords = props.comments = props.category = ""
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry times (and the font fallbacks added)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/fontTable.xml":
                content = _with_font_fallbacks(content)
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return out.getvalue()


def _with_font_fallbacks(xml: bytes) -> bytes:
    """Declare the Chinese faces in the font table, each with the altName a PC surely has."""
    root = etree.fromstring(xml)
    for name, alternative in FONT_FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (("altName", alternative), ("charset", "86"), ("family", "auto"),
                           ("pitch", "variable")):
            etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
