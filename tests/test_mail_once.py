"""Mail at most once: a message whose reply is lost or late after the final dot is "unknown",
recorded, reported and never sent again unasked; `mail --send` holds the outbox lock; the
mail folder is never written through a link. Against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import re

import openpyxl
import pytest

from bulletin_fixtures import sample_registry
from jnqh.send import mail
from jnqh.cli import main
from jnqh.config import load_settings
from jnqh.consolidate import lock
from jnqh.consolidate.pipeline import Options, consolidate
from jnqh.read.registry import load_registry
from test_mail import Recorder, history, run, run_dir, settings_for, smtp_server  # noqa: F401 (fixtures)
from tests.conftest import DEMO_DAY


class KeepsButDoesNotAnswer(Recorder):
    """Keeps each message, then loses the reply: closes the connection, or answers too late."""

    def __init__(self, late: float | None = None):
        super().__init__()
        self.late, self.answering = late, False

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.answering:
            return "250 Message accepted"
        if self.late is not None:
            await asyncio.sleep(self.late)  # the 250 comes after the client gave up
            return "250 Message accepted"
        server.transport.abort()  # the message is kept; the 250 never leaves
        return "250 Message accepted"


@pytest.mark.parametrize("late", [None, 1.5], ids=["reply-lost", "reply-late"])
def test_no_reply_after_the_dot_is_unknown_and_never_sent_twice(run, run_dir, history, smtp_server,
                                                                monkeypatch, late):
    monkeypatch.setattr(mail, "SMTP_TIMEOUT_S", 0.5)
    handler = KeepsButDoesNotAnswer(late)
    port = smtp_server(handler)
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for(port))
    first = mail.send_mail(plan, settings_for(port, retries=3), history, pause=0)
    assert len(handler.received) == 5  # one message per party: no automatic retry
    assert {d.status for d in first.deliveries} == {"unknown"} and len(first.deliveries) == 6
    assert not first.ok and "结果不明 6 个" in first.summary()
    assert "对方可能已经收到" in first.deliveries[0].note and "--resend-unknown" in first.deliveries[0].note
    assert all(history.was_unknown(m.key(plan.run_number, r)) for m in plan.messages for r in m.recipients)
    assert history.sent_rows(plan.run_number) == []

    handler.answering = True  # the next --send: still nothing goes to anyone
    again = mail.send_mail(plan, settings_for(port), history, pause=0)
    assert len(handler.received) == 5 and {d.status for d in again.deliveries} == {"held"}

    asked = mail.send_mail(plan, settings_for(port), history, pause=0, resend_unknown=True)
    assert len(handler.received) == 10 and len(asked.of("sent")) == 6 and asked.ok
    assert not any(history.was_unknown(m.key(plan.run_number, r)) for m in plan.messages for r in m.recipients)


def test_a_line_break_in_a_contact_name_is_cleaned_and_reported(run, run_dir):
    registry = sample_registry()
    registry.contacts[0] = type(registry.contacts[0])(
        county=registry.contacts[0].county, person="张\r\n明", email=registry.contacts[0].email,
        phone=registry.contacts[0].phone)
    plan = mail.prepare_mail(run, run_dir, registry, settings_for())
    written = mail.write_eml(plan)
    assert any(p.code == "M-BAD-PERSON" and "联系人姓名含有换行" in p.message for p in plan.problems)
    message = next(m for m in plan.messages if m.party == registry.contacts[0].county)
    assert "张 明" in str(message.message["To"]) and b"\r\n\xe6\x98\x8e" not in message.data
    assert written and all(p.stat().st_size > 0 for p in written)


def test_stale_mail_is_never_removed_through_a_link(run, run_dir, tmp_path):
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    victim = elsewhere / "旧.eml"
    victim.write_bytes(b"From: a@example.cn\r\nX-Jnqh-Run: 1\r\n\r\nnot in the outbox")
    (run_dir / "邮件").symlink_to(elsewhere, target_is_directory=True)
    plan = mail.prepare_mail(run, run_dir, sample_registry(), settings_for())
    with pytest.raises(mail.UnsafeMailFolder, match="链接"):
        mail.write_eml(plan)
    assert victim.exists() and [p.name for p in elsewhere.iterdir()] == ["旧.eml"]


# -- the command -----------------------------------------------------------------------


@pytest.fixture
def sent_office(fresh_office, smtp_server):
    """A consolidated office whose [mail] points at a real server; its handler and config."""
    config = fresh_office / "jnqh.toml"
    handler = Recorder()
    port = smtp_server(handler)
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^port = \d+", f"port = {port}", text)
    text = text.replace('leadership = []', 'leadership = ["leader@jining.gov.cn"]')
    config.write_text(text, encoding="utf-8")
    settings = load_settings(config)
    consolidate(settings, load_registry(settings.registry),
                Options(inbox=settings.inbox, outbox=settings.outbox, as_of=DEMO_DAY))
    return fresh_office, handler, settings


def _main(capsys, *argv) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    out, err = capsys.readouterr()
    return stopped.value.code, out + err


def test_mail_send_waits_for_the_outbox_lock(sent_office, capsys, monkeypatch):
    office, handler, settings = sent_office
    monkeypatch.setitem(lock.run_lock.__wrapped__.__kwdefaults__, "wait_seconds", 0.3)
    with lock.run_lock(settings.outbox):  # a run (or another mail --send) holds the outbox
        code, text = _main(capsys, "mail", "--send", "--config", str(office / "jnqh.toml"))
    assert code == 2 and "另一个 jnqh 正在使用输出文件夹" in text and handler.received == []
    code, text = _main(capsys, "mail", "--send", "--config", str(office / "jnqh.toml"))
    assert handler.received and "发送" in text and "Traceback" not in text


def test_a_contact_with_a_line_break_in_the_registry_still_gets_its_mail(sent_office, capsys):
    office, handler, settings = sent_office
    book = openpyxl.load_workbook(settings.registry)
    book["联系人"]["B2"] = "张\n伟"
    book.save(settings.registry)
    code, text = _main(capsys, "mail", "--config", str(office / "jnqh.toml"))
    assert "Traceback" not in text and "联系人!B2" in text and "R-REGISTRY-TEXT" not in text
    eml = os.listdir(settings.outbox / DEMO_DAY.isoformat() / "邮件")
    assert any(name.endswith(".eml") for name in eml)
