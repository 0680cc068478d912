"""The `jnqh` command: each subcommand parses options, calls one library function,
renders the result and sets the exit code (0 done and clean, 1 data errors, 2 usage)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import sys
from pathlib import Path

import click

from jnqh import __version__
from jnqh.config import ConfigError, Settings, load_settings

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2
FORMATS = click.Choice(["text", "json"])


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as err:
        raise click.UsageError(str(err)) from err


def _registry(settings: Settings):
    from jnqh.read.registry import load_registry
    from jnqh.read.workbook import Unreadable

    from jnqh.write.text import issue_line

    try:
        registry = load_registry(settings.registry)
    except Unreadable as err:
        raise _registry_error(settings, err.code, err.detail) from err
    for problem in registry.problems:
        click.echo(issue_line(problem), err=True)
    return registry


def _registry_error(settings: Settings, code: str, detail: dict | None = None) -> click.UsageError:
    from jnqh import issues

    kind = issues.KIND.get(code)
    if kind is None:
        return click.UsageError(f"生活圈名册 {settings.registry} 无法读取（{code}），请检查配置中的 registry 路径")
    issue = issues.make(code, file=str(settings.registry), **(detail or {}))
    return click.UsageError(f"生活圈名册 {settings.registry}：{issue.message}。{issue.hint}。")


config_option = click.option(
    "--config", type=click.Path(path_type=Path, dir_okay=False),
    help="配置文件（默认：当前文件夹的 jnqh.toml；没有也能运行）。")


def _echo_json(payload: dict) -> None:
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


class _ChineseHelp:
    """The --help option explains itself in Chinese too."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助后退出。"
        return option


class _Command(_ChineseHelp, click.Command):
    pass


class _Group(_ChineseHelp, click.Group):
    command_class = _Command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", message="jnqh %(version)s", help="显示版本号后退出。")
def cli() -> None:
    """济宁市城市一刻钟便民生活圈：填报模板、自查、评分、汇总、通报与邮件。

    \b
    县市区填报人员：jnqh template 取模板，填好后 jnqh check 文件.xlsx 自查。
    市局工作人员：  jnqh demo 演示文件夹，jnqh consolidate 每周汇总。
    """


@cli.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("."),
              show_default=True, help="模板写到哪个文件夹。")
@click.option("--county", help="为这个县市区生成预填了名册中生活圈的模板。")
@config_option
def template(out_dir: Path, county: str | None, config: Path | None) -> None:
    """生成市里下发的空白填报模板（可按县市区预填生活圈）。"""
    from jnqh.normalize import normalise_county
    from jnqh.write.template import template_filename, write_template

    settings = _settings(config)
    circles: list[str] = []
    if county:
        registry = _registry(settings)
        full = normalise_county(county, registry.counties)
        if full is None:
            raise click.BadParameter(f"“{county}”不是县市区名称，可选：{'、'.join(registry.counties)}",
                                     param_hint="--county")
        county, circles = full, [c.name for c in registry.circles_of(full)]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / template_filename(county)
    from jnqh.atomic import atomic_write

    with atomic_write(target) as handle:
        write_template(handle, county=county, circles=circles)
    click.echo(f"已生成模板：{target}" + (f"（{county}，{len(circles)} 个生活圈）" if county else ""))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
@click.option("--annotate", "annotate_dir", type=click.Path(path_type=Path, file_okay=False),
              help="把标注了问题单元格（红底+批注）的副本写到这个文件夹；原文件不动。")
@config_option
def check(paths: tuple[Path, ...], fmt: str, annotate_dir: Path | None, config: Path | None) -> None:
    """自查填报的工作簿：列出每个问题所在的工作表、单元格和改法。

    PATH 可以是文件或文件夹（文件夹中的全部 Excel 文件都会检查）。
    """
    from jnqh.check.files import check_paths
    from jnqh.write.text import render_check

    settings = _settings(config)
    result = check_paths(list(paths), registry=_registry(settings), today=dt.date.today())
    if annotate_dir is not None:
        from jnqh.write.annotate import annotate_all

        too_big: list[str] = []
        written = annotate_all(result.files, annotate_dir, too_big)
        if fmt == "text":
            click.echo(f"已写出 {len(written)} 个标注副本到 {annotate_dir}")
            for path in too_big:
                click.echo(f"{path} 表格内容太多，没有生成标注副本（为免等待过久）；请按下面的问题清单逐条修改。")
    if fmt == "json":
        _echo_json(result.to_json())
    else:
        click.echo(render_check(result.files, result.ignored, result.locks))
    sys.exit(EXIT_DATA if result.has_errors else EXIT_OK)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
@click.option("--survey", "surveys", multiple=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="附件4 满意度问卷导出文件（可多次给出），用于补足未填的满意度。")
@config_option
def score(paths: tuple[Path, ...], fmt: str, surveys: tuple[Path, ...], config: Path | None) -> None:
    """自查并按附件2、附件3评分：两个得分、初步分型、评价等级、最终类型和每一分的说明。

    PATH 可以是工作簿、文件夹，或 jnqh check --format json 输出的 .json 记录。
    """
    from jnqh.write.score_text import render_scores
    from jnqh.score.files import score_paths

    settings = _settings(config)
    result = score_paths(list(paths), rubric=settings.rubric, registry=_registry(settings),
                         surveys=list(surveys), today=dt.date.today())
    if fmt == "json":
        _echo_json(result.to_json())
    else:
        click.echo(render_scores(result.files, result.ignored, result.locks))
    sys.exit(EXIT_DATA if result.has_errors else EXIT_OK)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--circles", "circle_files", multiple=True, type=click.Path(path_type=Path, exists=True),
              help="填报的工作簿（用其中的“服务社区”把答卷归到生活圈）。")
@click.option("--circle", "circle_name", help="这些问卷都属于这一个生活圈。")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
@config_option
def survey(paths: tuple[Path, ...], circle_files: tuple[Path, ...], circle_name: str | None, fmt: str,
           config: Path | None) -> None:
    """统计附件4 满意度问卷导出（问卷星等）：每个生活圈的答卷数、业态/服务满意度、样本是否达标。"""
    from jnqh.score.satisfaction import render_survey, survey_paths

    settings = _settings(config)
    result = survey_paths(list(paths), circle_files=list(circle_files), circle_name=circle_name,
                          registry=_registry(settings))
    if fmt == "json":
        _echo_json(result.to_json())
    else:
        click.echo(render_survey(result))
    sys.exit(EXIT_DATA if result.has_errors else EXIT_OK)


@cli.command()
@click.option("--inbox", type=click.Path(path_type=Path, file_okay=False), help="收件箱（默认取配置，通常为 inbox）。")
@click.option("--outbox", type=click.Path(path_type=Path, file_okay=False), help="输出文件夹（默认取配置，通常为 outbox）。")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="截至日期，如 2024-04-30（默认今天）。")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
@config_option
def consolidate(inbox: Path | None, outbox: Path | None, as_of: dt.datetime | None, fmt: str,
                config: Path | None) -> None:
    """每周汇总：读收件箱全部文件，评分，写出汇总表、各县反馈表、上报表、通报和 run.json。"""
    from jnqh.consolidate.lock import Busy
    from jnqh.consolidate.pipeline import InboxMissing, Options, RegistryUnreadable
    from jnqh.consolidate.pipeline import consolidate as run_consolidate
    from jnqh.write.run_text import render_summary

    settings = _settings(config)
    options = Options(inbox=inbox or settings.inbox, outbox=outbox or settings.outbox,
                      as_of=(as_of.date() if as_of else dt.date.today()))
    try:
        with _progress(fmt) as (on_total, progress):
            # The registry is loaded by the run only if files must be read (not on an unchanged rerun).
            outcome = run_consolidate(settings, None,
                                      dataclasses.replace(options, on_total=on_total, progress=progress))
    except InboxMissing as err:
        raise click.UsageError(str(err)) from err
    except RegistryUnreadable as err:
        raise _registry_error(settings, *err.args) from err
    except Busy as err:
        click.echo(str(err), err=True)
        sys.exit(EXIT_USAGE)
    if fmt == "json":
        _echo_json(outcome.summary)
    else:
        click.echo(render_summary(outcome.summary, options.outbox, reused_files=outcome.reused_files,
                                  confirmed=outcome.confirmed))
    sys.exit(EXIT_DATA if outcome.has_errors else EXIT_OK)


@contextlib.contextmanager
def _progress(fmt: str):
    """A progress bar on a terminal; nothing under --format json or when piped."""
    if fmt == "json" or not sys.stderr.isatty():
        yield None, None
        return
    state: dict = {}

    def on_total(total: int) -> None:
        state["bar"] = click.progressbar(length=total, label="读取文件", file=sys.stderr)
        state["bar"].__enter__()

    def progress(done: int) -> None:
        state["bar"].update(done)

    try:
        yield on_total, progress
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@cli.command()
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
@click.option("--start-new", is_flag=True,
              help="历史库损坏时：把它改名为 jnqh.sqlite.损坏-<时间> 保存，新建一个空的历史库"
                   "（已发送邮件的记录随之丢失，之后 mail --send 会重发）。")
@config_option
def history(fmt: str, start_new: bool, config: Path | None) -> None:
    """列出历次汇总（期数、截至日期、生活圈数）。"""
    from jnqh.store.history import History

    settings = _settings(config)
    if start_new:
        _start_new_history(settings.history_path)
        return
    if not settings.history_path.exists():
        click.echo(f"还没有汇总记录（{settings.history_path} 不存在）。先运行 jnqh consolidate。")
        return
    with History(settings.history_path) as store:
        runs = store.runs()
    if fmt == "json":
        _echo_json({"runs": [{"number": r.number, "as_of": r.as_of, "generated": r.generated,
                              "circles": r.summary.get("circles")} for r in runs]})
        return
    for r in runs:
        circles = r.summary.get("circles", {})
        click.echo(f"第{r.number}期  截至 {r.as_of}  运行于 {r.generated}  "
                   f"采用 {circles.get('accepted', 0)}/{circles.get('expected', 0)} 个生活圈")


def _start_new_history(path: Path) -> None:
    from jnqh.store.history import start_new

    aside = start_new(path, dt.datetime.now())
    if aside is None:
        click.echo(f"历史库 {path} 完好，没有新建。")
        return
    click.echo(f"已把损坏的历史库改名为 {aside} 保存，并新建了空的历史库 {path}。\n"
               "注意：新历史库中没有历次汇总和已发送邮件的记录。下次 jnqh mail --send 会把本期邮件再发一次，"
               "发送前请先运行 jnqh mail 检查。")


@cli.command()
@click.argument("folder", required=False, default="演示", type=click.Path(path_type=Path, file_okay=False))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
def demo(folder: Path, fmt: str) -> None:
    """生成一个完整的演示工作文件夹（名册、配置、一周的收件箱），用来体验全部流程。"""
    from jnqh.demo import DemoError, make_demo

    try:
        made = make_demo(folder)
    except DemoError as err:
        raise click.UsageError(str(err)) from err
    if fmt == "json":
        _echo_json(made.to_json())
        return
    counties = made.by_county()
    click.echo(f"已生成演示文件夹 {folder}：名册 120 个生活圈，收件箱 {len(made.files)} 个文件，"
               f"来自 {len(counties)} 个县市区（{'、'.join(made.silent_counties)} 未报送）。")
    click.echo(f"下一步：jnqh consolidate --config {folder / 'jnqh.toml'}")


@cli.command()
@click.argument("run", required=False)
@config_option
def report(run: str | None, config: Path | None) -> None:
    """重新生成通报（Word 和 HTML）。RUN：截至日期（如 2024-04-30）或期数，默认最新一期。

    修改了通报模板（配置中的 report_templates 文件夹）后，用它重新生成。
    """
    from jnqh.write.bulletin import BulletinTemplateError
    from jnqh.store.runs import RunNotFound, rerender_bulletin

    settings = _settings(config)
    try:
        written = rerender_bulletin(settings, run)
    except RunNotFound as err:
        raise click.UsageError(str(err)) from err
    except BulletinTemplateError as err:
        click.echo(f"通报模板有误：{err}", err=True)
        sys.exit(EXIT_DATA)
    for path in written.values():
        click.echo(f"已生成：{path}")


@cli.command()
@click.argument("run", required=False)
@click.option("--send", is_flag=True, help="真正发送（默认只写出 .eml 供检查）。")
@click.option("--resend-unknown", is_flag=True,
              help="与 --send 一起用：重发上次“结果不明”的邮件（服务器没有确认，对方可能已经收到）。")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="输出格式。")
@config_option
def mail(run: str | None, send: bool, resend_unknown: bool, fmt: str, config: Path | None) -> None:
    """准备各县市区和领导的邮件（反馈表、汇总表、通报）；加 --send 才发送，同一封信不会重复发送。

    RUN：截至日期或期数，默认最新一期。SMTP 设置在配置文件 [mail] 中，密码取环境变量 JNQH_SMTP_PASSWORD。
    """
    from jnqh.consolidate.lock import Busy, run_lock
    from jnqh.store.history import History
    from jnqh.send.mail import UnsafeMailFolder, mail_json, mail_summary, prepare_mail, send_mail, write_eml
    from jnqh.store.runs import RunNotFound, load_run

    settings = _settings(config)
    try:
        stored = load_run(settings, run)
    except RunNotFound as err:
        raise click.UsageError(str(err)) from err
    plan = prepare_mail(stored.run, stored.folder, _registry(settings), settings.mail, settings.report_templates)
    try:
        written = write_eml(plan, templates=settings.report_templates)
    except UnsafeMailFolder as err:
        raise click.UsageError(str(err)) from err
    if fmt == "json" and not send:
        _echo_json(mail_json(plan, written))
        sys.exit(EXIT_DATA if plan.problems else EXIT_OK)
    if fmt != "json":
        click.echo(mail_summary(plan, settings.report_templates))
        click.echo(f"邮件已写出到 {written[-1].parent}（{len(plan.messages)} 封）。")
    if not send:
        click.echo("检查无误后，加 --send 发送。")
        sys.exit(EXIT_DATA if plan.problems else EXIT_OK)
    try:
        # One sender at a time per outbox: two at once would both find a message unsent.
        with run_lock(settings.outbox), History(settings.history_path) as history:
            sent = send_mail(plan, settings.mail, history, resend_unknown=resend_unknown)
    except Busy as err:
        click.echo(str(err), err=True)
        sys.exit(EXIT_USAGE)
    if fmt == "json":
        _echo_json(mail_json(plan, written, sent))
    else:
        for line in sent.lines():
            click.echo(line)
        click.echo(sent.summary())
    sys.exit(EXIT_OK if sent.ok and not plan.problems else EXIT_DATA)


# -- usage errors in Chinese -------------------------------------------------------

_USAGE_MESSAGES = (
    (re.compile(r"No such option: (.+)"), "没有这个选项：{0}"),
    (re.compile(r"Missing argument '(.+)'"), "缺少参数 {0}"),
    (re.compile(r"No such command '(.+)'"), "没有这个命令：{0}"),
    (re.compile(r"Invalid value for '?([^':]+)'?: (.+)", re.S), "{0} 的取值无效：{1}"),
    (re.compile(r"Option '(.+)' requires an argument"), "选项 {0} 后面需要给出值"),
    (re.compile(r"Got unexpected extra arguments? \((.+)\)"), "多余的参数：{0}"),
)


def _chinese_usage(message: str) -> str:
    for pattern, template_text in _USAGE_MESSAGES:
        match = pattern.search(message)
        if match:
            return template_text.format(*match.groups())
    return message


def main(argv: list[str] | None = None) -> None:
    """Entry point: UTF-8 output, Chinese usage errors, exit codes 0/1/2."""
    if not sys.stdout.isatty() and hasattr(sys.stdout, "reconfigure"):
        # Redirected output on Windows would otherwise be written in the ANSI code page.
        sys.stdout.reconfigure(encoding="utf-8")
        sys.stderr.reconfigure(encoding="utf-8")
    from jnqh.atomic import quiet_abandoned_zips

    quiet_abandoned_zips()
    try:
        code = cli.main(args=argv, prog_name="jnqh", standalone_mode=False)
    except click.UsageError as err:
        command = err.ctx.command_path if err.ctx else "jnqh"
        click.echo(f"用法错误：{_chinese_usage(err.format_message())}\n运行 {command} --help 查看用法。",
                   err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as err:
        click.echo(f"错误：{err.format_message()}", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("已取消。", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as err:
        from jnqh.faults import describe

        sentence = describe(err)
        if sentence is None:
            raise  # not the environment: a bug, which must be seen
        click.echo(f"错误：{sentence}", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(code or EXIT_OK)
