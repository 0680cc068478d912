"""Every fault of the environment is one Chinese sentence and exit code 2, never a traceback:
a corrupt or empty history store (kept as it is; a new one only on `history --start-new`),
a full disk, a read-only outbox."""

import errno
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from jnqh import atomic
from jnqh.cli import main
from jnqh.faults import describe

AS_OF = "2024-05-06"


@pytest.fixture
def office(fresh_office):
    return fresh_office


def run(capsys, *argv) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    out, err = capsys.readouterr()
    return stopped.value.code, out + err


def consolidate(capsys, office: Path, *extra) -> tuple[int, str]:
    return run(capsys, "consolidate", "--config", str(office / "jnqh.toml"), "--as-of", AS_OF, *extra)


def _malformed(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 50)
    db.commit()
    db.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * 3996  # the header stays, the schema page is gone
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, reason", [
    (lambda p: p.write_bytes(b""), "0 字节"),
    (lambda p: p.write_bytes(bytes(range(256)) * 8), "不是 SQLite"),
    (_malformed, "malformed"),
], ids=["empty", "not-sqlite", "malformed"])
def test_a_corrupt_history_stops_with_a_sentence_and_is_left_alone(capsys, office, damage, reason):
    store = office / "outbox" / "jnqh.sqlite"
    store.parent.mkdir(parents=True)
    damage(store)
    before = store.read_bytes()
    code, text = consolidate(capsys, office)
    assert code == 2 and "Traceback" not in text
    assert f"历史库 {store} 已损坏" in text and reason in text and "history --start-new" in text
    assert "再发一次" in text  # the mail record is what is lost
    assert store.read_bytes() == before and not (office / "outbox" / AS_OF).exists()
    code, text = run(capsys, "mail", "--config", str(office / "jnqh.toml"))
    assert code == 2 and "已损坏" in text and "Traceback" not in text


def test_a_new_history_is_started_only_when_asked(capsys, office):
    store = office / "outbox" / "jnqh.sqlite"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"")
    code, text = run(capsys, "history", "--start-new", "--config", str(office / "jnqh.toml"))
    assert code == 0 and "mail --send" in text and "再发一次" in text
    kept = list(store.parent.glob("jnqh.sqlite.损坏-*"))
    assert len(kept) == 1 and re.fullmatch(r"jnqh\.sqlite\.损坏-\d{8}-\d{6}", kept[0].name)
    assert kept[0].read_bytes() == b"" and store.read_bytes().startswith(b"SQLite format 3")
    code, text = run(capsys, "history", "--start-new", "--config", str(office / "jnqh.toml"))
    assert code == 0 and "完好" in text and len(list(store.parent.glob("jnqh.sqlite.*"))) == 1
    assert consolidate(capsys, office)[0] in (0, 1)


def test_a_full_disk_while_writing_outputs_is_a_sentence(capsys, office, monkeypatch):
    # Every output is written through atomic_write: send its bytes to /dev/full, where the
    # kernel answers ENOSPC as a full disk does.
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    real = atomic.tempfile.mkstemp

    def full_disk(**kwargs):
        fd, name = real(**kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), name

    monkeypatch.setattr(atomic.tempfile, "mkstemp", full_disk)
    code, text = consolidate(capsys, office)
    assert code == 2 and "Traceback" not in text and "Exception ignored" not in text
    assert re.search(r"磁盘已满，无法写入 \S+\.(xlsx|docx|html)", text), text
    assert not list((office / "outbox").rglob("*.part"))


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture
def small_disk(office):
    """The outbox on a real, tiny file system (needs the right to mount; skipped otherwise)."""
    outbox = office / "outbox"
    if os.geteuid() != 0 or not _mount_tmpfs(outbox, "700k"):
        pytest.skip("cannot mount a small file system here")
    yield outbox
    subprocess.run(["umount", "-l", str(outbox)], capture_output=True, timeout=20)


def test_a_really_full_disk_and_a_read_only_outbox(capsys, office, small_disk):
    code, text = consolidate(capsys, office)
    assert code == 2 and "磁盘已满" in text and "Traceback" not in text and "Exception ignored" not in text
    assert not list(small_disk.rglob("*.part"))
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, timeout=20)
    code, text = consolidate(capsys, office)
    assert code == 2 and "只读" in text and "Traceback" not in text


@pytest.mark.parametrize("number, words", [(errno.EROFS, "只读"), (errno.EACCES, "没有权限"),
                                           (errno.ENOSPC, "磁盘已满")])
def test_os_errors_name_the_file_and_the_fix(number, words):
    sentence = describe(OSError(number, os.strerror(number), "outbox/2024-05-06/x.xlsx"))
    assert words in sentence and "outbox/2024-05-06/x.xlsx" in sentence
    assert describe(ValueError("a bug")) is None
