"""The week's e-mails: prepare (``.eml`` files to review), then send over SMTP, never twice.

:func:`prepare_mail` builds one message per county (its own feedback workbook and the 通报)
and one to the leadership (the consolidated workbook and the 通报); the wording comes from
the templates ``mail_county.txt.j2`` / ``mail_leadership.txt.j2`` (first line ``Subject:``),
the HTML part is the 通报 with that text above it. Messages are deterministic: Date is the
run's 截至日期, Message-ID and MIME boundaries derive from a hash of the content, so the same
run gives the same bytes. :func:`send_mail` records each delivery in the history store under
run number + recipient + content hash: a rerun skips what went out, and a recipient that
was refused or failed is tried again next time (the others are not sent twice).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import smtplib
import ssl
import time
import urllib.parse
from base64 import b64encode
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from jnqh import atomic, forms

from jnqh.write import bulletin
from jnqh.config import MailSettings
from jnqh.consolidate import outputs
from jnqh.consolidate.model import FILE_CONVERT, FILE_UNREADABLE, Run
from jnqh.issues import Issue, make
from jnqh.names import file_part
from jnqh.normalize import drop_controls

if TYPE_CHECKING:  # only the types: mail needs no registry or history machinery to import
    from jnqh.store.history import History
    from jnqh.read.registry import Registry

COUNTY_TEMPLATE = "mail_county.txt.j2"
LEADERSHIP_TEMPLATE = "mail_leadership.txt.j2"
SUMMARY_TEMPLATE = "mail_summary.txt.j2"
MAIL_FOLDER = "邮件"  # <run_dir>/邮件/<收件方>.eml
SUMMARY_NAME = "邮件清单.txt"
# Output names of the consolidation (workflow.md), relative to the run folder.
MIME_TYPES = {".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}
SMTP_TIMEOUT_S = 30
RETRY_PAUSE_S = 2.0  # the first retry waits this long, the next twice as long, …
ADDRESS = re.compile(r"^[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+$")
ADDRESS_SEPARATORS = re.compile(r"[;；,，、\s]+")
LINE_MAX = 78  # header lines folded to this length (RFC 5322)
# Header objects fold themselves; the raw attachment headers we fold are kept as written.
MAIL_POLICY = policy.SMTP.clone(refold_source="none")
CHINA_TIME = dt.timezone(dt.timedelta(hours=8))

# Where a mail problem is to be fixed (the problems themselves are catalogue Issues, M- codes).
REGISTRY_FILE, CONFIG_FILE = "生活圈名册", "jnqh.toml"
# What this module tells the user (Chinese); message wording is in the templates.
TEXT = {
    "leadership": "领导",
    "unsafe_folder": "邮件文件夹 {folder} 是一个链接（快捷方式）或不是文件夹，为安全起见 jnqh 不通过它写入或删除文件。"
                     "请删除它后重新运行 jnqh mail",
    "report": "发送 {sent} 个收件人，跳过 {skipped} 个（已发送过），失败 {failed} 个。",
    "report_unknown": "发送 {sent} 个收件人，跳过 {skipped} 个（已发送过），失败 {failed} 个，"
                      "结果不明 {unknown} 个（没有重发，见上）。",
    "sent": "已发送",
    "unknown": "结果不明：邮件已全部发出，但服务器没有确认（{reason}），对方可能已经收到。没有自动重发；"
               "请向对方确认，确实没有收到时运行 jnqh mail --send --resend-unknown 重发",
    "held": "上次发送结果不明（对方可能已经收到），没有重发；确认对方没有收到后，"
            "运行 jnqh mail --send --resend-unknown 重发",
    "skipped": "已发送过，跳过",
    "refused": "被邮件服务器拒收（{code} {reason}），请核对这个邮箱地址",
    "failed": "发送失败（{reason}），已试 {tries} 次；稍后再运行 jnqh mail --send 会重发",
    "fatal": "未发送：无法登录或连接邮件服务器（{reason}）。请检查 jnqh.toml 的 [mail] 设置"
             "和环境变量 JNQH_SMTP_PASSWORD",
}


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class PreparedMessage:
    party: str  # 收件方: a county, or 领导
    recipients: tuple[str, ...]
    subject: str
    attachments: list[tuple[str, int]]  # (file name, bytes)
    content_hash: str
    message: EmailMessage = field(repr=False)

    @functools.cached_property
    def data(self) -> bytes:
        """The message as sent and as written to the .eml file (CRLF lines)."""
        return self.message.as_bytes(policy=MAIL_POLICY)

    def key(self, run_number: int, recipient: str) -> str:
        """The history key of one delivery: run number + recipient + content hash.

        Per recipient, so that a refused address is tried again on the next run while the
        others are not sent twice, and adding an address sends to that address only.
        """
        return f"{run_number}|{recipient.lower()}|{self.content_hash}"


@dataclass
class MailPlan:
    run_number: int
    run_dir: Path
    messages: list[PreparedMessage] = field(default_factory=list)
    problems: list[Issue] = field(default_factory=list)  # the catalogue's M- codes


# ---------------------------------------------------------------------------
# Preparing
# ---------------------------------------------------------------------------


def prepare_mail(run: Run, run_dir: Path, registry: Registry, settings: MailSettings,
                 templates: Path | None = None) -> MailPlan:
    """One message per county (its feedback workbook + the 通报) and one to the leadership."""
    plan = MailPlan(run.number, run_dir)
    report = bulletin.render_bulletin(run, templates)
    env = _environment(templates)
    bulletin_file = _attachment(run, run_dir, bulletin.file_name(run, ".docx"))
    if bulletin_file is None:
        plan.problems.append(make("M-NO-BULLETIN", file=str(run_dir), path=run_dir / bulletin.file_name(run, ".docx")))
    compose = functools.partial(_compose, run=run, report=report, env=env, settings=settings,
                                templates=templates)
    for county in mail_counties(run, registry):
        message = _county_message(county, run, run_dir, registry, plan, bulletin_file, compose)
        if message is not None:
            plan.messages.append(message)
    leadership = _leadership_message(run, run_dir, settings, plan, bulletin_file, compose)
    if leadership is not None:
        plan.messages.append(leadership)
    return plan


def mail_counties(run: Run, registry: Registry) -> list[str]:
    """Counties with circles or files in the run, or with circles or contacts in the registry."""
    names = {row.county for row in run.counties if row.submitted or row.files}
    names |= {c.county for c in run.circles if c.county} | {f.county for f in run.files if f.county}
    names |= {c.county for c in registry.circles} | {c.county for c in registry.contacts if c.county}
    order = {name: i for i, name in enumerate(forms.COUNTIES)}
    return sorted(names, key=lambda name: (order.get(name, len(order)), name))


def _county_message(county: str, run: Run, run_dir: Path, registry: Registry, plan: MailPlan,
                    bulletin_file: Attachment | None, compose) -> PreparedMessage | None:
    recipients = _county_addresses(county, registry, plan.problems)
    if not recipients:
        plan.problems.append(make("M-NO-ADDRESS", file=REGISTRY_FILE, county=county))
        return None
    relative = outputs.FEEDBACK.format(county=file_part(county), tag=run.date_tag)
    feedback = _attachment(run, run_dir, relative)
    if feedback is None:
        plan.problems.append(make("M-NO-FEEDBACK", file=str(run_dir), county=county, path=run_dir / relative))
    attachments = [a for a in (feedback, bulletin_file) if a is not None]
    extra = {"county": county, "has_feedback": feedback is not None,
             "missing": county in run.missing_counties,
             "broken_files": [f.path for f in run.files if f.county == county and f.status in
                              (FILE_UNREADABLE, FILE_CONVERT)],
             "persons": [_one_line(c.person) for c in registry.contacts_of(county) if c.person]}
    return compose(COUNTY_TEMPLATE, county, recipients, attachments, extra)


def _leadership_message(run: Run, run_dir: Path, settings: MailSettings, plan: MailPlan,
                        bulletin_file: Attachment | None, compose) -> PreparedMessage | None:
    recipients = []
    for address in settings.leadership:
        if ADDRESS.match(address.strip()):
            recipients.append(Address(addr_spec=address.strip()))
        else:
            plan.problems.append(make("M-BAD-LEADERSHIP", file=CONFIG_FILE, value=address))
    if not recipients:
        plan.problems.append(make("M-NO-LEADERSHIP", file=CONFIG_FILE))
        return None
    relative = outputs.CONSOLIDATED.format(tag=run.date_tag)
    workbook = _attachment(run, run_dir, relative)
    if workbook is None:
        plan.problems.append(make("M-NO-WORKBOOK", file=str(run_dir), path=run_dir / relative))
    attachments = [a for a in (workbook, bulletin_file) if a is not None]
    extra = {"has_workbook": workbook is not None}
    return compose(LEADERSHIP_TEMPLATE, TEXT["leadership"], recipients, attachments, extra)


def _county_addresses(county: str, registry: Registry, problems: list[Issue]) -> list[Address]:
    """The county's addresses from the 联系人 sheet (a cell may hold several); bad ones reported."""
    found: dict[str, Address] = {}
    for contact in registry.contacts_of(county):
        person = _one_line(contact.person)
        if _breaks_lines(contact.person or ""):
            problems.append(make("M-BAD-PERSON", file=REGISTRY_FILE, sheet=forms.REGISTRY_CONTACTS_SHEET,
                                 county=county, person=person))
        for address in ADDRESS_SEPARATORS.split(contact.email or ""):
            if not address:
                continue
            if not ADDRESS.match(address):
                problems.append(make("M-BAD-ADDRESS", file=REGISTRY_FILE, sheet=forms.REGISTRY_CONTACTS_SHEET,
                                     county=county, value=address))
                continue
            found.setdefault(address.lower(), Address(display_name=person, addr_spec=address))
    return list(found.values())


def _one_line(text: str | None) -> str:
    """A name as a header may carry it: a CR or LF (Alt+Enter in Excel) would end the header."""
    return " ".join(drop_controls(text or "").split())


def _breaks_lines(text: str) -> bool:
    return "\n" in text or drop_controls(text) != text


def _attachment(run: Run, run_dir: Path, relative: str) -> Attachment | None:
    """An output of the run: where run.outputs says (relative to the outbox), else in run_dir."""
    name = Path(relative).name
    candidates = [run_dir.parent / path for path in run.outputs.values() if Path(path).name == name]
    for path in [*candidates, run_dir / relative]:
        if path.is_file():
            return Attachment(name, path.read_bytes())
    return None


def _environment(templates: Path | None):
    env = bulletin.template_environment(templates)
    env.filters["size"] = human_size
    return env


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 ** 2:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 ** 2:.1f} MB"


def _compose(template: str, party: str, recipients: list[Address], attachments: list[Attachment],
             extra: dict, *, run: Run, report: bulletin.Bulletin, env, settings: MailSettings,
             templates: Path | None) -> PreparedMessage:
    """Render the template (``Subject:`` line, then the body) and build the message."""
    row = next((c for c in report.context["counties"] if c["county"] == party), None)
    context = {**report.context, **extra, "row": row, "county_count": len(report.context["counties"]),
               "attachments": [a.name for a in attachments]}
    subject, text = split_subject(bulletin.render_template(env, template, context))
    preface = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    html = bulletin.bulletin_html(report, templates, preface=preface)
    digest = _content_hash(settings.sender, subject, text, html, attachments, run.number)
    message = build_message(settings.sender, recipients, subject, text, html, attachments, date=run.as_of,
                            digest=_recipients_hash(digest, recipients), run_number=run.number)
    return PreparedMessage(party, tuple(a.addr_spec for a in recipients), subject,
                           [(a.name, a.size) for a in attachments], digest, message)


def split_subject(rendered: str) -> tuple[str, str]:
    """``Subject: …`` on the first line of a mail template, the body after it."""
    first, _, rest = rendered.lstrip().partition("\n")
    subject = first.split(":", 1)[1].strip() if first.lower().startswith("subject:") else first.strip()
    return subject, rest.strip("\n") + "\n"


def _content_hash(sender: str, subject: str, text: str, html: str, attachments: list[Attachment],
                  run_number: int) -> str:
    """What the message says (not to whom): the same content is never delivered twice."""
    parts = [str(run_number), sender, subject, text, html]
    parts += [f"{a.name}:{hashlib.sha256(a.data).hexdigest()}" for a in attachments]
    return _sha256(parts)


def _recipients_hash(content_hash: str, recipients: list[Address]) -> str:
    """Content and recipients: the Message-ID and MIME boundaries of one concrete message."""
    return _sha256([content_hash, *sorted(a.addr_spec.lower() for a in recipients)])


def _sha256(parts: list[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# The MIME message
# ---------------------------------------------------------------------------


def build_message(sender: str, recipients: list[Address], subject: str, text: str, html: str,
                  attachments: list[Attachment], *, date: dt.date, digest: str,
                  run_number: int) -> EmailMessage:
    """multipart/mixed: (text/plain | text/html) + the attachments; every header deterministic."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = recipients
    message["Subject"] = subject  # RFC 2047 encoded by the policy
    message["Date"] = format_datetime(dt.datetime(date.year, date.month, date.day, tzinfo=CHINA_TIME))
    message["Message-ID"] = f"<{digest[:32]}.{run_number}@{_domain(sender)}>"
    message["X-Jnqh-Run"] = str(run_number)
    message.set_content(text, cte="base64")
    message.add_alternative(html, subtype="html", cte="base64")
    for attachment in attachments:
        maintype, subtype = MIME_TYPES.get(Path(attachment.name).suffix.lower(), ("application", "octet-stream"))
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name)
        _name_headers(list(message.iter_attachments())[-1], attachment.name, f"{maintype}/{subtype}")
    for index, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"=_jnqh_{digest[:20]}_{index}")  # "=_" never occurs in base64
    return message


def _domain(sender: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >")
    return domain if re.fullmatch(r"[A-Za-z0-9.\-]+", domain or "") else "jnqh.invalid"


def _name_headers(part: EmailMessage, name: str, content_type: str) -> None:
    """Chinese file names both ways: RFC 2231 ``filename*=utf-8''…`` for current clients, and
    an RFC 2047 ``name="=?utf-8?b?…?="`` on Content-Type for old Outlook/Foxmail.

    Set raw and pre-folded: the policy's own refolding of a long Content-Type mangles the
    subtype into an encoded word (seen with Python 3.11), which clients cannot read.
    """
    del part["Content-Type"]
    del part["Content-Disposition"]
    part.set_raw("Content-Type", f"{content_type};\r\n name=\"{_encoded_words(name)}\"")
    part.set_raw("Content-Disposition", "attachment;" + _rfc2231(name))


def _encoded_words(text: str) -> str:
    """RFC 2047 base64 words of ≤ 75 characters, one per folded line, never splitting a character."""
    words, chunk = [], ""
    for char in text:
        if len(b64encode((chunk + char).encode("utf-8"))) > 56:  # + 12 of =?utf-8?b?…?=, + ' name="' ≤ 78
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words)


def _rfc2231(name: str) -> str:
    """`` filename*=utf-8''…`` on one line when it fits, else numbered continuations."""
    quoted = urllib.parse.quote(name, safe="")
    single = f"\r\n filename*=utf-8''{quoted}"
    if len(single) - 2 <= LINE_MAX:
        return single
    pieces, rest = [], "utf-8''" + quoted
    while rest:
        cut = min(len(rest), LINE_MAX - 20)
        while cut < len(rest) and "%" in rest[max(cut - 2, 0):cut]:  # keep %XX whole
            cut -= 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    return ";".join(f"\r\n filename*{i}*={piece}" for i, piece in enumerate(pieces))


# ---------------------------------------------------------------------------
# Review: .eml files and a summary
# ---------------------------------------------------------------------------


class UnsafeMailFolder(Exception):
    """The mail folder is a link: jnqh neither writes nor removes anything through it."""


def write_eml(plan: MailPlan, out_dir: Path | None = None, templates: Path | None = None) -> list[Path]:
    """Each message as ``<收件方>.eml`` and a summary, into `out_dir` (``<run_dir>/邮件``).

    .eml files of an earlier preparation that no message of this one has are removed (they
    would mislead the review), but only regular files that jnqh wrote (they carry its
    X-Jnqh-Run header), and nothing at all when the folder is a link to somewhere else."""
    out_dir = out_dir or plan.run_dir / MAIL_FOLDER
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise UnsafeMailFolder(TEXT["unsafe_folder"].format(folder=out_dir))
    parties = {_eml_name(m) for m in plan.messages}
    for stale in out_dir.glob("*.eml"):
        if stale.name not in parties and _written_by_jnqh(stale):
            stale.unlink()
    written = []
    for message in plan.messages:
        path = out_dir / _eml_name(message)
        atomic.write_bytes(path, message.data)
        written.append(path)
    summary = out_dir / SUMMARY_NAME
    atomic.write_text(summary, mail_summary(plan, templates))
    return [*written, summary]


def _written_by_jnqh(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(16384)
    return b"\r\nX-Jnqh-Run:" in head.split(b"\r\n\r\n", 1)[0]


def _eml_name(message: PreparedMessage) -> str:
    return f"{file_part(message.party)}.eml"


def mail_summary(plan: MailPlan, templates: Path | None = None) -> str:
    """What would go to whom, with which attachments and sizes, and the problems."""
    return bulletin.render_template(_environment(templates), SUMMARY_TEMPLATE, {
        "number": plan.run_number, "messages": plan.messages, "problems": plan.problems,
        "folder": MAIL_FOLDER})


def mail_json(plan: MailPlan, written: list[Path], sent: "SendReport | None" = None) -> dict:
    """``jnqh mail --format json``: the messages, the .eml files, the problems (catalogue Issues
    with their codes) and, after ``--send``, what happened to each recipient."""
    payload = {
        "number": plan.run_number,
        "messages": [{"party": m.party, "recipients": list(m.recipients), "subject": m.subject,
                      "attachments": [{"name": n, "bytes": size} for n, size in m.attachments]}
                     for m in plan.messages],
        "eml": [str(p) for p in written],
        "problems": [dict(i.to_json(), file=i.file) for i in plan.problems],
    }
    if sent is not None:
        payload["deliveries"] = [{"party": d.party, "recipient": d.recipient, "status": d.status, "note": d.note}
                                 for d in sent.deliveries]
    return payload


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    party: str
    recipient: str
    status: str  # sent | skipped | refused | failed | unknown (no reply after the message) | held
    note: str  # Chinese


@dataclass
class SendReport:
    deliveries: list[Delivery] = field(default_factory=list)

    def of(self, status: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.status == status]

    @property
    def ok(self) -> bool:
        return not any(self.of(status) for status in ("refused", "failed", "unknown", "held"))

    def lines(self) -> list[str]:
        return [f"{d.party} <{d.recipient}>：{d.note}" for d in self.deliveries]

    def summary(self) -> str:
        unknown = len(self.of("unknown")) + len(self.of("held"))
        return TEXT["report_unknown" if unknown else "report"].format(
            sent=len(self.of("sent")), skipped=len(self.of("skipped")),
            failed=len(self.of("refused")) + len(self.of("failed")), unknown=unknown)


class _Fatal(Exception):
    """Login or the TLS upgrade failed, or the server cannot be reached: nothing more can go."""


class _Unreachable(Exception):
    """Connecting or logging in failed in a way that may pass (refused, timed out, 4xx)."""


class _Unknown(Exception):
    """The whole message and its final dot went out, and no reply came (lost or late): the
    server may have kept it. Never retried: sending again could deliver it twice."""

    def __init__(self, reason: str, refused: dict):
        super().__init__(reason)
        self.refused = refused  # recipients refused at RCPT: these certainly did not get it


def send_mail(plan: MailPlan, settings: MailSettings, history: History, *,
              smtp_factory: Callable | None = None, tls_context: ssl.SSLContext | None = None,
              pause: float = RETRY_PAUSE_S, sleep: Callable[[float], None] = time.sleep,
              resend_unknown: bool = False) -> SendReport:
    """Send every prepared message not yet in `history`; record each delivery there.

    `smtp_factory` defaults to ``smtplib.SMTP_SSL`` when ``settings.ssl``, else ``smtplib.SMTP``.
    A transient failure before the message's final dot (disconnect, 4xx, timeout) is retried
    ``settings.retries`` times; a permanent one (5xx, a refused recipient) is reported and the
    other messages still go. No reply after the final dot is "unknown": recorded, reported,
    never retried, and not sent again by a later call unless `resend_unknown`: at most once.
    """
    report = SendReport()
    link = _Link(settings, smtp_factory, tls_context)
    fatal: str | None = None
    try:
        for message in plan.messages:
            pending = _pending(message, plan.run_number, history, report, resend_unknown)
            if not pending:
                continue
            if fatal is None:
                try:
                    outcomes = _deliver(link, message, pending, settings.retries, pause, sleep)
                except _Fatal as err:
                    fatal = TEXT["fatal"].format(reason=err)
            if fatal is not None:  # the session could not be opened: every delivery left fails
                outcomes = {r: ("failed", fatal) for r in pending}
            _record(message, outcomes, plan.run_number, history, report)
    finally:
        link.close()
    return report


def _pending(message: PreparedMessage, run_number: int, history: History, report: SendReport,
             resend_unknown: bool) -> list[str]:
    pending = []
    for recipient in message.recipients:
        key = message.key(run_number, recipient)
        if history.was_sent(key):
            report.deliveries.append(Delivery(message.party, recipient, "skipped", TEXT["skipped"]))
        elif history.was_unknown(key) and not resend_unknown:
            report.deliveries.append(Delivery(message.party, recipient, "held", TEXT["held"]))
        else:
            pending.append(recipient)
    return pending


def _record(message: PreparedMessage, outcomes: dict[str, tuple[str, str]], run_number: int,
            history: History, report: SendReport) -> None:
    for recipient, (status, note) in outcomes.items():
        if status in ("sent", "unknown"):
            record = history.record_sent if status == "sent" else history.record_unknown
            record(message.key(run_number, recipient), run_number, [recipient],
                   message.subject, dt.datetime.now().isoformat(timespec="seconds"))
        report.deliveries.append(Delivery(message.party, recipient, status, note))


def _deliver(link: _Link, message: PreparedMessage, pending: list[str], retries: int, pause: float,
             sleep: Callable[[float], None]) -> dict[str, tuple[str, str]]:
    """recipient → (status, note); only recipients refused with 4xx (or all, on a transient
    error) are tried again, up to `retries` more times."""
    outcomes: dict[str, tuple[str, str]] = {}
    remaining, reason, unreachable = list(pending), "", False
    for attempt in range(retries + 1):
        if attempt:
            sleep(pause * 2 ** (attempt - 1))
        try:
            refused = link.send(message.data, remaining)
            unreachable = False
        except smtplib.SMTPRecipientsRefused as err:
            refused = err.recipients
        except _Unreachable as err:
            reason, unreachable = str(err), True
            continue
        except _Unknown as err:
            link.close()  # the session is in no known state; the next message opens a new one
            return {**outcomes, **_unknown_outcomes(remaining, err)}
        except (OSError, smtplib.SMTPException) as err:
            if not _transient(err):
                return {**outcomes, **{r: ("failed", TEXT["failed"].format(reason=_describe(err),
                                                                           tries=attempt + 1)) for r in remaining}}
            link.close()
            reason = _describe(err)
            continue
        outcomes.update(_sorted_out(remaining, refused))
        remaining = [r for r in remaining if r not in outcomes]
        reason = "; ".join(_describe_code(*refused[r]) for r in remaining)
        if not remaining:
            return outcomes
    if unreachable:  # the server never took a session: the next messages would wait in vain too
        raise _Fatal(reason)
    failed = TEXT["failed"].format(reason=reason, tries=retries + 1)
    return {**outcomes, **{r: ("failed", failed) for r in remaining}}


def _sorted_out(recipients: list[str], refused: dict) -> dict[str, tuple[str, str]]:
    """Accepted → sent; refused 5xx → refused for good; refused 4xx → left to retry."""
    outcomes = {}
    for recipient in recipients:
        if recipient not in refused:
            outcomes[recipient] = ("sent", TEXT["sent"])
        elif not 400 <= refused[recipient][0] < 500:
            code, reason = refused[recipient]
            outcomes[recipient] = ("refused", TEXT["refused"].format(code=code, reason=_text(reason)))
    return outcomes


def _unknown_outcomes(recipients: list[str], err: _Unknown) -> dict[str, tuple[str, str]]:
    """Refused at RCPT: certainly not delivered (5xx for good, 4xx left for the next
    --send); every other recipient may have the message."""
    outcomes = {}
    for recipient in recipients:
        if recipient not in err.refused:
            outcomes[recipient] = ("unknown", TEXT["unknown"].format(reason=err))
        else:
            code, reason = err.refused[recipient]
            outcomes[recipient] = (("failed", TEXT["failed"].format(reason=_describe_code(code, reason), tries=1))
                                   if 400 <= code < 500 else
                                   ("refused", TEXT["refused"].format(code=code, reason=_text(reason))))
    return outcomes


def _transient(err: Exception) -> bool:
    if isinstance(err, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    if isinstance(err, smtplib.SMTPResponseException):
        return 400 <= err.smtp_code < 500
    if isinstance(err, smtplib.SMTPException):
        return False
    return isinstance(err, OSError)  # timeouts, refused or reset connections


def _describe(err: Exception) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        return _describe_code(err.smtp_code, err.smtp_error)
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _describe_code(code: int, reason) -> str:
    return f"{code} {_text(reason)}"


def _text(reason) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)


class _Link:
    """One SMTP session, opened on first use and reopened after a transient failure."""

    def __init__(self, settings: MailSettings, factory: Callable | None, tls_context: ssl.SSLContext | None):
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()
        if factory is None:
            factory = (functools.partial(smtplib.SMTP_SSL, context=self.tls_context) if settings.ssl
                       else smtplib.SMTP)
        self.factory = factory
        self.client = None

    def send(self, data: bytes, recipients: list[str]) -> dict:
        return _transaction(self._open(), self.settings.sender, recipients, data)

    def _open(self):
        if self.client is not None:
            return self.client
        try:
            client = self.factory(self.settings.host, self.settings.port, timeout=SMTP_TIMEOUT_S)
        except (OSError, smtplib.SMTPException) as err:
            raise (_Unreachable if _transient(err) else _Fatal)(_describe(err)) from err
        try:
            if self.settings.starttls and not self.settings.ssl:
                client.ehlo()
                client.starttls(context=self.tls_context)
                client.ehlo()
            if self.settings.user and self.settings.password:
                client.login(self.settings.user, self.settings.password)
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError, ssl.SSLError) as err:
            _quietly_close(client)
            raise _Fatal(_describe(err)) from err
        except (OSError, smtplib.SMTPException) as err:
            _quietly_close(client)
            raise (_Unreachable if _transient(err) else _Fatal)(_describe(err)) from err
        self.client = client
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(self.client)
            self.client = None


def _transaction(client, sender: str, recipients: list[str], data: bytes) -> dict:
    """What ``smtplib.SMTP.sendmail`` does, with the one difference that matters here: once
    the final dot is out, a missing reply raises _Unknown rather than a retryable error.
    Returns the refused recipients, as sendmail does; raises as sendmail does before."""
    client.ehlo_or_helo_if_needed()
    code, reply = client.mail(sender)
    if code != 250:
        _close_on_421(client, code)
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
        if code == 421:
            _close_on_421(client, code)
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(recipients):
        client.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = client.docmd("data")
    if code != 354:
        _close_on_421(client, code)
        raise smtplib.SMTPDataError(code, reply)
    body = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing (RFC 5321 4.5.2)
    client.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    try:
        code, reply = client.getreply()
    except (OSError, smtplib.SMTPException) as err:
        raise _Unknown(_describe(err), refused) from err
    if code != 250:
        _close_on_421(client, code)
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _close_on_421(client, code: int) -> None:
    if code == 421:  # the server is closing the session
        _quietly_close(client)


def _quietly_close(client) -> None:
    try:
        client.close()
    except OSError:
        pass
