"""The working folder's settings: ``jnqh.toml`` → :class:`Settings` → the functions.

Every setting has a default, so a folder without a config works with the shipped
registry. Paths in the config are relative to the folder that holds it. Nothing deep in
the package reads the environment: the one secret, the SMTP password, is read here from
``JNQH_SMTP_PASSWORD`` and passed on.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from jnqh.score.rubric import Rubric
from jnqh.targets import DEFAULT_TARGETS, TargetSpec, targets_from_mapping

CONFIG_NAME = "jnqh.toml"
PASSWORD_VARIABLE = "JNQH_SMTP_PASSWORD"


class ConfigError(Exception):
    """The config file is missing or wrong: a usage error with a Chinese message."""


@dataclass(frozen=True)
class MailSettings:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    user: str = ""
    sender: str = "jnqh@localhost"
    leadership: tuple[str, ...] = ()  # who gets the consolidated workbook
    password: str | None = field(default=None, repr=False)
    retries: int = 2  # a transient failure is tried this many more times


@dataclass(frozen=True)
class BulletinSettings:
    """Who issues the 通报 and to whom it is copied: its 版记 (GB/T 9704 7.4) reads these."""
    city: str = "济宁市"
    issuer: str = "济宁市商务局"  # 印发机关
    copy_to: str = "市政府办公室，各县市区商务主管部门"  # 抄送（不含句号）; "" → no 抄送 line


@dataclass(frozen=True)
class Settings:
    folder: Path
    registry: Path | None = None  # None → the registry shipped with jnqh
    inbox: Path = Path("inbox")
    outbox: Path = Path("outbox")
    history: Path | None = None  # None → <outbox>/jnqh.sqlite
    report_templates: Path | None = None  # the office's own 通报 templates, if any
    rubric: Rubric = field(default_factory=Rubric)
    targets: tuple[TargetSpec, ...] = DEFAULT_TARGETS
    reply_days: int = 7  # counties are asked to resubmit within this many days of the 通报
    mail: MailSettings = field(default_factory=MailSettings)
    bulletin: BulletinSettings = field(default_factory=BulletinSettings)
    source: Path | None = None  # the config file read, if any

    @property
    def history_path(self) -> Path:
        return self.history or self.outbox / "jnqh.sqlite"


def load_settings(config: Path | None = None, *, folder: Path | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read `config` (or ``jnqh.toml`` in `folder`, if there) into Settings."""
    folder = (folder or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    if config is None and (folder / CONFIG_NAME).exists():
        config = folder / CONFIG_NAME
    table: dict = {}
    if config is not None:
        table = _read_toml(config)
        folder = config.resolve().parent
    return _settings(table, folder, config, environ)


def _read_toml(path: Path) -> dict:
    if not path.exists():
        raise ConfigError(f"找不到配置文件 {path}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"配置文件 {path} 格式有误：{err}。请对照 README 中的示例改正") from err


def _settings(table: dict, folder: Path, source: Path | None, environ) -> Settings:
    def path_of(key: str, default: str | None) -> Path | None:
        value = table.get(key, default)
        return None if value in (None, "") else (folder / value)

    try:
        rubric = Rubric.from_mapping(table.get("rubric", {}))
    except ValueError as err:
        raise ConfigError(f"配置文件 [rubric] 有误：{err}") from err
    try:
        targets = targets_from_mapping(table.get("targets", {}))
    except ValueError as err:
        raise ConfigError(f"配置文件 [targets] 有误：{err}") from err
    return Settings(
        folder=folder,
        registry=path_of("registry", None),
        inbox=path_of("inbox", "inbox"),
        outbox=path_of("outbox", "outbox"),
        history=path_of("history", None),
        report_templates=path_of("report_templates", None),
        rubric=rubric,
        targets=targets,
        reply_days=_reply_days(table.get("feedback", {})),
        mail=_mail(table.get("mail", {}), environ),
        bulletin=_bulletin(table.get("bulletin", {})),
        source=source,
    )


def _reply_days(table: dict) -> int:
    unknown = set(table) - {"reply_days"}
    if unknown:
        raise ConfigError(f"配置文件 [feedback] 中有不认识的设置：{'、'.join(sorted(unknown))}（可用：reply_days）")
    days = table.get("reply_days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        raise ConfigError("配置文件 [feedback] 的 reply_days 应为 1 到 60 之间的整数（通报发出后几天内重新报送）")
    return days


def _mail(table: dict, environ) -> MailSettings:
    if "password" in table:
        raise ConfigError(f"配置文件 [mail] 中不能写 password：SMTP 密码只从环境变量 {PASSWORD_VARIABLE} 读取")
    known = {f for f in MailSettings.__dataclass_fields__ if f != "password"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(f"配置文件 [mail] 中有不认识的设置：{'、'.join(sorted(unknown))}")
    values = dict(table)
    if "leadership" in values:
        values["leadership"] = tuple(values["leadership"])
    return MailSettings(**values, password=environ.get(PASSWORD_VARIABLE) or None)


def _bulletin(table: dict) -> BulletinSettings:
    unknown = set(table) - set(BulletinSettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"配置文件 [bulletin] 中有不认识的设置：{'、'.join(sorted(unknown))}"
                          "（可用：city、issuer、copy_to）")
    wrong = sorted(k for k, v in table.items() if not isinstance(v, str))
    if wrong:
        raise ConfigError(f"配置文件 [bulletin] 中 {'、'.join(wrong)} 应是用引号括起的文字，如 issuer = \"济宁市商务局\"")
    return BulletinSettings(**{k: v.strip().rstrip("。") for k, v in table.items()})


DEFAULT_CONFIG = """\
# jnqh 的配置文件。每一项都有默认值，删掉某项即用默认值。路径相对于本文件所在文件夹。

registry = "生活圈名册.xlsx"      # 生活圈名册（名册、联系人两张表）
inbox = "inbox"                   # 收件箱：各县市区报来的文件原样放这里，程序只读不改
outbox = "outbox"                 # 输出：每次汇总一个日期文件夹，另有历史库 jnqh.sqlite
# history = "outbox/jnqh.sqlite"  # 历史库位置
# report_templates = "通报模板"    # 自定义通报模板文件夹（从 jnqh 自带模板复制后修改）

[rubric]
city_tier = "其他"                # 城市等级：一线 / 二线 / 其他（品牌连锁化率门槛 30/25/20%）
# required_basic_types = []       # 本市确定的 15 种必备基本保障类业态（附件2 的代码），空 = 任意 15 种

# 目标任务及期限。默认为实施方案的四项目标，期限 2025-12-31；可改数值、期限，也可增加下一阶段的目标：
# [targets.circles]
# value = 120
# deadline = 2025-12-31
# [targets.circles_2030]
# measure = "circles"             # circles 建成数 / main_city 主城区建成数 / satisfaction 满意度 / basic_share 基本保障型占比
# label = "到2030年全市建成一刻钟便民生活圈"
# value = 200
# unit = "个"
# deadline = 2030-12-31

[feedback]
reply_days = 7                    # 反馈表要求县市区在通报发出后几天内改正并重新报送

[bulletin]                        # 通报末页的版记（抄送、印发机关和印发日期）
city = "济宁市"
issuer = "济宁市商务局"            # 印发机关
copy_to = "市政府办公室，各县市区商务主管部门"   # 抄送机关，用逗号隔开；写 "" 则不印抄送一行

[mail]
host = "127.0.0.1"
port = 25
starttls = false
ssl = false
user = ""
sender = "jnqh@localhost"
leadership = []                   # 接收汇总表的领导邮箱
# 密码只从环境变量 JNQH_SMTP_PASSWORD 读取，不要写在这里。
"""
