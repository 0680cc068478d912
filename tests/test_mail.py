"""The week's e-mails against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import json
import re
import shutil
import socket
import ssl
import subprocess
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bulletin_fixtures import AS_OF, sample_registry, sample_run
from jnqh.write import bulletin
from jnqh.send import mail
from jnqh.config import MailSettings
from jnqh.store.history import History

SENDER = "jnqh@jining.gov.cn"
LEADER = "leader@jining.gov.cn"
COUNTIES_WITH_FEEDBACK = ("任城区", "兖州区", "邹城市")


# -- a real SMTP server ------------------------------------------------------------


class Recorder:
    """Stores every message; can answer 451 to the first DATA commands, or 550 to recipients."""

    def __init__(self, refuse: tuple[str, ...] = (), busy: int = 0):
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse = set(refuse)
        self.busy = busy  # this many DATA commands are answered 451 first

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.busy:
            self.busy -= 1
            return "451 4.3.0 Try again later"
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(content, policy=policy.default) for _, _, content in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def smtp_server():
    """Start a server with a handler (and server options); stopped after the test."""
    started = []

    def start(handler: Recorder, **options) -> int:
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return port

    yield start
    for controller in started:
        controller.stop()


# -- the run folder ----------------------------------------------------------------


@pytest.fixture(scope="module")
def run():
    return sample_run()


@pytest.fixture
def run_dir(run, tmp_path) -> Path:
    """outbox/2024-04-30 with the 通报, a feedback workbook per county and the workbook."""
    folder = tmp_path / "outbox" / AS_OF.isoformat()
    bulletin.write_bulletin(run, folder)
    for county in COUNTIES_WITH_FEEDBACK:
        path = folder / "反馈" / f"{county}_反馈_{run.date_tag}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"PK {county} 的反馈表".encode("utf-8"))
    # where run.outputs says the consolidated workbook is (relative to the outbox)
    (tmp_path / "outbox" / run.outputs["workbook"]).write_bytes("PK 汇总表".encode("utf-8"))
    return folder


def settings_for(port: int = 25, **changes) -> MailSettings:
    values = {"host": "127.0.0.1", "port": port, "sender": SENDER, "leadership": (LEADER,), "retries": 2}
    return MailSettings(**{**values, **changes})


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "outbox" / "jnqh.sqlite") as store:
        yield store


def attachment_names(message) -> list[str]:
    return [part.get_filename() for part in message.iter_attachments()]


# -- preparing -------------------------------------------------------------------------


def test_one_message_per_county_and_one_to_the_leadership(run, run_dir):
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(), None)
    assert [m.party for m in plan.messages] == ["任城区", "兖州区", "曲阜市", "邹城市", "领导"]
    renchen = plan.messages[0]
    assert renchen.recipients == ("rencheng@example.cn", "rencheng2@example.cn")
    assert [name for name, _ in renchen.attachments] == ["任城区_反馈_20240430.xlsx", "通报_20240430.docx"]
    assert plan.messages[-1].recipients == (LEADER,)
    assert [name for name, _ in plan.messages[-1].attachments] == [
        "济宁市一刻钟便民生活圈汇总_20240430.xlsx", "通报_20240430.docx"]
    # 曲阜市 sent nothing, so it has no feedback workbook: it gets the 通报, and it is said
    assert plan.messages[2].attachments == [("通报_20240430.docx", (run_dir / "通报_20240430.docx").stat().st_size)]
    assert [(p.code, p.message) for p in plan.problems] == [
        ("M-NO-FEEDBACK", f"没有找到曲阜市的反馈表（{run_dir / '反馈' / '曲阜市_反馈_20240430.xlsx'}），给曲阜市的邮件只附通报")]


def test_a_county_without_an_address_is_reported_not_guessed(run, run_dir):
    plan = mail.prepare_mail(run, run_dir, sample_registry(with_addresses=False), settings_for(), None)
    assert "曲阜市" not in [m.party for m in plan.messages]
    assert any(p.code == "M-NO-ADDRESS" and "曲阜市" in p.message and "联系人" in p.message for p in plan.problems)
    assert all("qufu" not in r for m in plan.messages for r in m.recipients)


def test_no_leadership_address_is_reported(run, run_dir):
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(leadership=("not-an-address",)))
    assert "领导" not in [m.party for m in plan.messages]
    leadership = [p for p in plan.problems if "LEADERSHIP" in p.code]
    assert [p.code for p in leadership] == ["M-BAD-LEADERSHIP", "M-NO-LEADERSHIP"]
    assert "not-an-address" in leadership[0].message and "leadership" in leadership[1].message


def test_messages_are_deterministic(run, run_dir):
    first = mail.prepare_mail(run, run_dir, sample_registry(), settings_for())
    second = mail.prepare_mail(run, run_dir, sample_registry(), settings_for())
    assert [m.data for m in first.messages] == [m.data for m in second.messages]
    message = first.messages[0].message
    assert message["Date"] == "Tue, 30 Apr 2024 00:00:00 +0800"
    assert message["X-Jnqh-Run"] == "3"
    assert re.fullmatch(r"<[0-9a-f]{32}\.3@jining\.gov\.cn>", message["Message-ID"])
    assert len({m.message["Message-ID"] for m in first.messages}) == len(first.messages)


def test_chinese_subjects_and_file_names_are_encoded(run, run_dir):
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for())
    raw = plan.messages[0].data
    assert raw.isascii()
    text = raw.decode("ascii")
    assert "Subject: =?utf-8?" in text
    assert "filename*=utf-8''%E4%BB%BB%E5%9F%8E%E5%8C%BA_" in text  # RFC 2231
    assert 'name="=?utf-8?b?' in text  # RFC 2047 fallback for old clients
    assert "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;" in text
    long_name = mail.build_message(SENDER, [], "主题", "正文\n", "<p>正文</p>",
                                   [mail.Attachment("济宁经济技术开发区_反馈_20240430.xlsx", b"x")],
                                   date=AS_OF, digest="0" * 64, run_number=1)
    long_text = long_name.as_bytes(policy=mail.MAIL_POLICY).decode("ascii")
    assert "filename*0*=utf-8''" in long_text and all(len(line) <= 78 for line in long_text.splitlines()
                                                      if not line.startswith("Content-Type: application/"))
    parsed = email.message_from_bytes(long_text.encode("ascii"), policy=policy.default)
    assert attachment_names(parsed) == ["济宁经济技术开发区_反馈_20240430.xlsx"]
    assert next(parsed.iter_attachments()).get_param("name") == "济宁经济技术开发区_反馈_20240430.xlsx"


def test_eml_files_and_summary_for_review(run, run_dir):
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for())
    folder = run_dir / "邮件"
    folder.mkdir()
    (folder / "嘉祥县.eml").write_bytes(b"From: jnqh@jining.gov.cn\r\nX-Jnqh-Run: 2\r\n\r\nearlier")
    (folder / "私人.eml").write_bytes(b"From: someone@example.cn\r\n\r\nnot written by jnqh")
    written = mail.write_eml(plan)
    assert not (folder / "嘉祥县.eml").exists()  # an earlier preparation's: it would mislead
    assert (folder / "私人.eml").exists()  # only what jnqh wrote is removed
    assert [p.name for p in written] == ["任城区.eml", "兖州区.eml", "曲阜市.eml", "邹城市.eml", "领导.eml",
                                         "邮件清单.txt"]
    parsed = email.message_from_bytes((folder / "任城区.eml").read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "济宁市城市一刻钟便民生活圈建设工作通报（第3期）及任城区反馈表"
    summary = (folder / "邮件清单.txt").read_text(encoding="utf-8")
    size = (run_dir / "通报_20240430.docx").stat().st_size
    assert "■ 任城区" in summary and "rencheng@example.cn、rencheng2@example.cn" in summary
    assert f"通报_20240430.docx（{mail.human_size(size)}）" in summary
    assert "没有找到曲阜市的反馈表" in summary


def test_the_html_part_is_the_bulletin_with_the_letter_above_it(run, run_dir):
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for())
    message = email.message_from_bytes(plan.messages[1].data, policy=policy.default)
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "本期兖州区名册内生活圈5个，已报送4个（报送率80%），经审核采用4个，其中建成（达到基础型及以上）4个，建成率80%，按建成率在全市4个县市区中排第1位" in plain
    assert "报送文件中有3处错误" in plain
    assert "在全市4个县市区中排第1位" in html and "济宁市城市一刻钟便民生活圈建设工作通报" in html and "<svg" in html


# -- sending -------------------------------------------------------------------------------


def test_sending_delivers_each_county_only_its_own_workbook(run, run_dir, history, smtp_server):
    handler = Recorder()
    port = smtp_server(handler)
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port))
    report = mail.send_mail(plan, settings_for(port), history, pause=0)
    assert report.ok and len(report.of("sent")) == 6  # 任城区 has two addresses
    received = {tuple(rcpt): message for (_, rcpt, _), message in zip(handler.received, handler.messages())}
    assert all(sender == SENDER for sender, _, _ in handler.received)
    assert set(received) == {("rencheng@example.cn", "rencheng2@example.cn"), ("yanzhou@example.cn",),
                             ("qufu@example.cn",), ("zoucheng@example.cn",), (LEADER,)}
    for county, address in (("任城区", "rencheng@example.cn"), ("兖州区", "yanzhou@example.cn"),
                            ("邹城市", "zoucheng@example.cn")):
        message = next(m for rcpt, m in received.items() if address in rcpt)
        assert message["Subject"] == f"济宁市城市一刻钟便民生活圈建设工作通报（第3期）及{county}反馈表"
        assert attachment_names(message) == [f"{county}_反馈_20240430.xlsx", "通报_20240430.docx"]
        feedback = next(message.iter_attachments()).get_content()
        assert feedback == (run_dir / "反馈" / f"{county}_反馈_20240430.xlsx").read_bytes()
    leader = received[(LEADER,)]
    assert attachment_names(leader) == ["济宁市一刻钟便民生活圈汇总_20240430.xlsx", "通报_20240430.docx"]
    assert "张明" in str(received[("rencheng@example.cn", "rencheng2@example.cn")]["To"])
    assert len(history.sent_rows(3)) == 6


def test_a_rerun_sends_nothing(run, run_dir, history, smtp_server):
    handler = Recorder()
    port = smtp_server(handler)
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port))
    mail.send_mail(plan, settings_for(port), history, pause=0)
    again = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port))
    report = mail.send_mail(again, settings_for(port), history, pause=0)
    assert len(handler.received) == 5
    assert {d.status for d in report.deliveries} == {"skipped"} and len(report.deliveries) == 6
    assert report.lines()[0] == "任城区 <rencheng@example.cn>：已发送过，跳过"


def test_a_changed_message_is_sent_again(run, run_dir, history, smtp_server):
    handler = Recorder()
    port = smtp_server(handler)
    mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port)),
                   settings_for(port), history, pause=0)
    (run_dir / "反馈" / "任城区_反馈_20240430.xlsx").write_bytes(b"PK corrected")
    report = mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port)),
                            settings_for(port), history, pause=0)
    assert [d.recipient for d in report.of("sent")] == ["rencheng@example.cn", "rencheng2@example.cn"]


def test_an_added_address_gets_the_message_and_the_others_do_not_again(run, run_dir, history, smtp_server):
    handler = Recorder()
    port = smtp_server(handler)
    mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port)),
                   settings_for(port), history, pause=0)
    more = settings_for(port, leadership=(LEADER, "deputy@jining.gov.cn"))
    report = mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), more), more, history, pause=0)
    assert [d.recipient for d in report.of("sent")] == ["deputy@jining.gov.cn"]
    assert handler.received[-1][1] == ["deputy@jining.gov.cn"]
    assert report.summary() == "发送 1 个收件人，跳过 6 个（已发送过），失败 0 个。"


def test_a_transient_451_is_retried(run, run_dir, history, smtp_server):
    handler = Recorder(busy=1)
    port = smtp_server(handler)
    pauses: list[float] = []
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port))
    report = mail.send_mail(plan, settings_for(port), history, pause=0.5, sleep=pauses.append)
    assert report.ok and len(handler.received) == 5 and handler.busy == 0
    assert pauses == [0.5]


def test_a_refused_recipient_is_reported_and_the_rest_still_go(run, run_dir, history, smtp_server):
    handler = Recorder(refuse=("rencheng2@example.cn", "zoucheng@example.cn"))
    port = smtp_server(handler)
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port))
    report = mail.send_mail(plan, settings_for(port), history, pause=0)
    refused = {d.recipient: d.note for d in report.of("refused")}
    assert set(refused) == {"rencheng2@example.cn", "zoucheng@example.cn"}
    assert "550" in refused["zoucheng@example.cn"] and "拒收" in refused["zoucheng@example.cn"]
    assert not report.ok and len(report.of("sent")) == 4
    assert [rcpt for _, rcpt, _ in handler.received] == [["rencheng@example.cn"], ["yanzhou@example.cn"],
                                                         ["qufu@example.cn"], [LEADER]]
    # the address is fixed on the server side: a rerun sends only what did not go out
    handler.refuse.clear()
    rerun = mail.send_mail(plan, settings_for(port), history, pause=0)
    assert sorted(d.recipient for d in rerun.of("sent")) == ["rencheng2@example.cn", "zoucheng@example.cn"]
    assert handler.received[-2][1] == ["rencheng2@example.cn"]


def test_login_is_attempted_with_user_and_password(run, run_dir, history, smtp_server):
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"secret", handled=False)  # False: answer 535

    handler = Recorder()
    port = smtp_server(handler, authenticator=authenticator, auth_require_tls=False, auth_required=True)
    good = settings_for(port, user="office", password="secret")
    report = mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), good), good, history, pause=0)
    assert report.ok and len(handler.received) == 5
    assert logins == [(b"office", b"secret")]  # one session for all messages


def test_a_wrong_password_stops_sending_with_a_clear_message(run, run_dir, history, smtp_server):
    handler = Recorder()
    port = smtp_server(handler, authenticator=lambda *args: AuthResult(success=False, handled=False),
                       auth_require_tls=False, auth_required=True)
    bad = settings_for(port, user="office", password="wrong")
    report = mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), bad), bad, history, pause=0)
    assert handler.received == [] and history.sent_rows() == []
    assert {d.status for d in report.deliveries} == {"failed"} and len(report.deliveries) == 6
    assert all("无法登录" in d.note and "535" in d.note and "JNQH_SMTP_PASSWORD" in d.note
               for d in report.deliveries)


def test_an_unreachable_server_is_retried_then_reported(run, run_dir, history):
    port = free_port()  # nobody listens there
    pauses: list[float] = []
    settings = settings_for(port, retries=2)
    report = mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), settings), settings, history,
                            pause=1, sleep=pauses.append)
    assert {d.status for d in report.deliveries} == {"failed"} and len(report.deliveries) == 6
    assert all("无法登录或连接邮件服务器" in d.note and "ConnectionRefusedError" in d.note
               for d in report.deliveries)
    assert pauses == [1, 2]  # the first message tried three times; the others not at all
    assert history.sent_rows() == []


@pytest.fixture
def certificate(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def test_starttls_then_login(run, run_dir, history, smtp_server, certificate):
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append(session.ssl is not None)
        return AuthResult(success=True)

    handler = Recorder()
    port = smtp_server(handler, tls_context=server_context, require_starttls=True,
                       authenticator=authenticator, auth_required=True)
    settings = settings_for(port, starttls=True, user="office", password="secret")
    client_context = ssl.create_default_context(cafile=str(cert))
    report = mail.send_mail(mail.prepare_mail(run, run_dir, sample_registry(), settings), settings, history,
                            tls_context=client_context, pause=0)
    assert report.ok and len(handler.received) == 5
    assert logins == [True]  # the password went over TLS


def test_mail_json_lists_messages_and_problems_with_codes(run, run_dir, tmp_path):
    plan = mail.prepare_mail(run, run_dir, sample_registry(with_addresses=False), settings_for(), None)
    written = mail.write_eml(plan)
    payload = json.loads(json.dumps(mail.mail_json(plan, written), ensure_ascii=False))
    assert [m["party"] for m in payload["messages"]] == [m.party for m in plan.messages]
    assert "M-NO-ADDRESS" in {p["code"] for p in payload["problems"]}
    assert all(p["severity"] == "warning" and p["message"] and p["hint"] for p in payload["problems"])
    assert all(Path(p).exists() for p in payload["eml"])

