"""The 通报: one :class:`Run` → the numbers → the wording (templates) → ``.docx`` and ``.html``.

Design. Every number comes from the figures stage (:mod:`jnqh.consolidate.figures`);
:func:`bulletin_context` only hands it to the templates. All the wording lives in
Jinja2 templates (``jnqh/report_templates/``): ``bulletin_text.j2`` writes the whole 通报 as a
small line markup (``# `` title, ``## `` section heading, ``| a | b |`` table rows, … — the
markup is described at the top of that template). :func:`parse_blocks` turns that text into
:class:`Block` records, and the two renderers only lay the blocks out: :mod:`jnqh.write.bulletin_docx`
as a GB/T 9704 公文 page, ``bulletin.html.j2`` as an e-mail-safe page. So the .docx and the
.html say the same words from one template, and the office can reword the 通报 without Python.

Templates are looked up first in the office's folder (``report_templates`` in jnqh.toml),
then in the package: copy a shipped template there (:func:`copy_templates`), edit it, and
the next run uses it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

import jinja2
from markupsafe import Markup

from jnqh import atomic
from jnqh.write.bulletin_docx import ACCEPTED_COLOUR, TARGET_COLOUR, bulletin_docx, with_table_captions
from jnqh.config import BulletinSettings
from jnqh.consolidate import figures
from jnqh.consolidate.model import Run
from jnqh.check.flags import round_half_up
from jnqh.score.rubric import TYPES

TEXT_TEMPLATE = "bulletin_text.j2"
HTML_TEMPLATE = "bulletin.html.j2"
FILE_STEM = "通报_{date}"  # 通报_<YYYYMMDD>.docx / .html (workflow.md)

# Exceptions are user-facing: Chinese, naming the template file and line.
TEMPLATE_ERROR = "通报模板 {name} 第 {line} 行有误：{error}。请对照 jnqh 自带的模板改正。"
TEMPLATE_MISSING = "找不到通报模板 {name}（自定义模板文件夹与 jnqh 自带模板中都没有）。"
FOLDER_MISSING = ("自定义通报模板文件夹 {path} 不存在。请新建这个文件夹，把要修改的模板复制进去"
                  "（jnqh 自带的模板在 {shipped}），或删去 jnqh.toml 中 report_templates 一行。")


class BulletinTemplateError(Exception):
    """An office-edited template does not render: a usage error with a Chinese message."""


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------


def bulletin_context(run: Run) -> dict:
    """The figures of the run (jnqh.consolidate.figures) as the templates read them."""
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
        "totals": _county(run.city, None),
        **figures.leading_and_lagging(run),
        "not_typed": [{"county": c["county"], "reason": c["not_typed_reason"], "accepted": c["accepted"]}
                      for c in counties if c["accepted"] and c["built"] == 0],
        "changes": _changes(run),
        "trend": [dict(row, as_of=_date_or_none(row.get("as_of"))) for row in run.trend],
        "problems": figures.problems(run),
        "chart": [{"county": c["county"], "accepted": c["built"], "target": c["target"]} for c in counties],
        "trend_chart": _trend_chart(run),
    }


def _trend_chart(run: Run) -> list[dict]:
    """The bars of the periods: circles built against the plan's count target, 第1期 first."""
    target = next((t.target for t in run.targets if t.measure == "circles"), 0)
    return [{"county": f"第{row['number']}期", "accepted": int(row.get("circles") or 0), "target": int(target)}
            for row in run.trend]


def ranked_counties(run: Run) -> list[dict]:
    """The county rows best first, with the figures stage's rank."""
    return [_county(row, row.rank) for row in figures.ranked(run)]


def _county(row, rank: int | None) -> dict:
    return {
        "rank": rank, "county": row.county, "main_city": row.main_city, "target": row.target,
        "submitted": row.submitted, "submitted_pct": row.submitted_pct, "accepted": row.accepted,
        "built": row.built, "built_pct": row.built_pct,
        "by_type": {name: row.by_type.get(name, 0) for name in reversed(TYPES)},
        "presence_mean": row.presence_mean, "presence_n": row.presence_n,
        "service_mean": row.service_mean, "service_n": row.service_n,
        "projects": row.projects, "investment": row.investment_10k_yuan,
        "invested": row.invested_10k_yuan, "overdue": row.overdue, "files": row.files,
        "broken_files": row.broken_files, "errors": row.errors, "warnings": row.warnings,
        "flagged_circles": row.flagged_circles, "not_typed_reason": row.not_typed_reason,
    }


def _target(target) -> dict:
    change = target.change
    return {
        "key": target.key, "measure": target.measure, "label": target.label, "target": target.target,
        "actual": target.actual, "unit": target.unit, "previous": target.previous, "change": change,
        "change_abs": None if change is None else abs(change), "met": target.met,
        "share_pct": target.share_pct, "gap": target.gap, "n": target.n, "note": target.note,
        "deadline": _date_or_none(target.deadline), "passed": target.passed,
        "months_left": target.months_left, "days_left": target.days_left,
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
        if not templates.is_dir():  # a mistyped folder would silently ignore the office's edits
            raise BulletinTemplateError(FOLDER_MISSING.format(path=templates, shipped=shipped_templates()))
        loaders.insert(0, jinja2.FileSystemLoader(str(templates), encoding="utf-8"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_one_line)
    env.filters.update(num=num, fixed=fixed, cn_date=cn_date, cn_index=cn_index, named=named)
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
        text = f"{round_half_up(value, digits):.{digits}f}".rstrip("0").rstrip(".")
        return text if text not in ("-0", "") else "0"
    return str(int(value))


def fixed(value, digits: int = 1) -> str:
    """A number with exactly `digits` decimals, as a table column shows it; None as '—'."""
    return "—" if value is None else f"{round_half_up(value, digits):.{digits}f}"


def named(circle: str | None, county: str | None) -> str:
    """A circle as the 通报 names it: the registry's name, which already starts with its county
    (“任城区南苑街道…”); the county is put first only where the name lacks it."""
    circle = circle or ""
    if not county or circle.startswith(county) or circle.startswith(county[:2]):
        return circle
    return county + circle


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
CONTINUED = ("paragraph", "item")  # the blocks a following plain line adds to; others are one line
# [[chart|legend|legend]] draws the county bars; [[chart:trend|…]] the periods' (context key).
CHART_LINE = re.compile(r"^\[\[chart(?::(\w+))?(?:\|(.*))?\]\]$")
META_LINE = re.compile(r"^@(\w+)\s+(.*)$")


@dataclass
class Block:
    kind: str  # title | centred | masthead | heading | subheading | paragraph | item | right | table | chart
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)  # table: the header row first
    args: list[str] = field(default_factory=list)  # masthead: left, right; chart: legend labels
    source: str = "chart"  # chart: the context key of its bars (chart = counties, trend = periods)
    svg: str = ""  # chart: its drawing for the HTML page


def parse_blocks(text: str) -> tuple[list[Block], dict[str, str]]:
    """The markup of ``bulletin_text.j2`` → blocks, and the ``@key value`` metadata.

    A plain line continues the open paragraph or item (Chinese joins without spaces); a table
    row continues the open table; a blank line closes whatever is open. Titles, headings and
    the other marked lines are one line each.
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
        elif current is not None and current.kind in CONTINUED and not _is_marked(line):
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
        return Block("chart", args=[a.strip() for a in (chart.group(2) or "").split("|") if a.strip()],
                     source=f"{chart.group(1)}_chart" if chart.group(1) else "chart")
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


def render_bulletin(run: Run, templates: Path | None = None,
                    office: BulletinSettings | None = None) -> Bulletin:
    """The 通报's words for `run` (templates from `templates`, then the package); `office`
    (jnqh.toml [bulletin], Jining's by default) is the templates' and the 版记's ``office``."""
    context = {**bulletin_context(run), "office": dataclasses.asdict(office or BulletinSettings())}
    text = render_template(template_environment(templates), TEXT_TEMPLATE, context)
    blocks, meta = parse_blocks(text)
    return Bulletin(context, text, blocks, meta)


def bulletin_html(bulletin: Bulletin, templates: Path | None = None, preface: list[str] = ()) -> str:
    """The self-contained HTML page (an e-mail body may put `preface` paragraphs above it)."""
    charts = [b for b in bulletin.blocks if b.kind == "chart"]
    for block in charts:
        block.svg = Markup(county_chart_svg(bulletin.context.get(block.source) or [], block.args))
    svg = charts[0].svg if charts else Markup(county_chart_svg(bulletin.context["chart"]))
    env = template_environment(templates)
    return render_template(env, HTML_TEMPLATE, {
        **bulletin.context, "blocks": with_table_captions(bulletin.blocks), "meta": bulletin.meta,
        "title": bulletin.title, "chart_svg": Markup(svg), "preface": list(preface)})


def file_name(run: Run, suffix: str) -> str:
    """``通报_<YYYYMMDD>.docx`` / ``.html``."""
    return FILE_STEM.format(date=run.date_tag) + suffix


def write_bulletin(run: Run, out_dir: Path, templates: Path | None = None,
                   office: BulletinSettings | None = None) -> dict[str, Path]:
    """Write ``通报_<YYYYMMDD>.docx`` and ``.html`` into `out_dir`, atomically; their paths."""
    bulletin = render_bulletin(run, templates, office)
    paths = {"docx": out_dir / file_name(run, ".docx"), "html": out_dir / file_name(run, ".html")}
    atomic.write_bytes(paths["docx"], bulletin_docx(bulletin, run.as_of))
    atomic.write_text(paths["html"], bulletin_html(bulletin, templates))
    return paths


# ---------------------------------------------------------------------------
# The bar chart as SVG (HTML and e-mail)
# ---------------------------------------------------------------------------

CHART_FONT = "'Noto Sans CJK SC','Microsoft YaHei','SimHei','PingFang SC',sans-serif"
CHART_WIDTH, CHART_FONT_PX = 520, 15  # drawn size; a phone scales it down (see county_chart_svg)


def county_chart_svg(rows: list[dict], legend: list[str] = (), width: int = CHART_WIDTH) -> str:
    """Horizontal bars per county: the target (light) with the accepted count over it (dark).

    Plain SVG 1.1 (rect/text only, no CSS or script), so mail clients that show SVG show it.
    It scales with the page: the viewBox keeps the drawing, ``max-width:100%;height:auto``
    lets a 390-px phone shrink it (to about 0.7, so 15-px labels stay readable) and a wide
    screen show it at its own `width`; the label column is as wide as the longest name.
    """
    longest = max((len(r["county"]) for r in rows), default=2)
    label_w, value_w, row_h, top = longest * CHART_FONT_PX + 12, 64, 26, 36 if legend else 8
    bar_w = width - label_w - value_w
    scale = bar_w / max([r["target"] for r in rows] + [r["accepted"] for r in rows] + [1])
    height = top + row_h * len(rows) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto;" '
             f'font-family="{CHART_FONT}" font-size="{CHART_FONT_PX}">']
    parts += _svg_legend(legend, label_w)
    for index, row in enumerate(rows):
        y = top + index * row_h
        parts += [
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" fill="#000">{escape(row["county"])}</text>',
            f'<rect x="{label_w}" y="{y + 4}" width="{row["target"] * scale:.1f}" height="18" fill="{TARGET_COLOUR}"/>',
            f'<rect x="{label_w}" y="{y + 4}" width="{row["accepted"] * scale:.1f}" height="18" '
            f'fill="{ACCEPTED_COLOUR}"/>',
            f'<text x="{label_w + max(row["target"], row["accepted"]) * scale + 6:.1f}" y="{y + 18}" '
            f'fill="#333">{row["accepted"]}/{row["target"]}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_legend(legend: list[str], x: int) -> list[str]:
    parts = []
    for index, (label, colour) in enumerate(zip(legend, (ACCEPTED_COLOUR, TARGET_COLOUR))):
        left = x + index * 120
        parts += [f'<rect x="{left}" y="8" width="15" height="15" fill="{colour}"/>',
                  f'<text x="{left + 21}" y="21" fill="#000">{escape(label)}</text>']
    return parts
