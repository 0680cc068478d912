"""Faults of the environment (the disk, the history store) as one Chinese sentence each.

Not a problem of a submitted file but of where jnqh runs: a full or read-only disk, a folder
without permission, a corrupt or busy history store. The command stops with the sentence
and exit code 2; what was there before is unchanged (outputs are written atomically, the
store in transactions): no half-written file is left.
"""

from __future__ import annotations

import errno
import sqlite3

from jnqh.atomic import os_error_in
from jnqh.store.history import SET_ASIDE, HistoryFault

_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EROFS, errno.EACCES, errno.EPERM}

_HISTORY = {
    "corrupt": "历史库 {path} 已损坏（{reason}），本次没有运行，它也没有被改动。有备份时请用备份替换它；"
               "没有备份时运行 jnqh history --start-new：损坏的文件改名为 {aside} 保存，再新建一个空的历史库。"
               "注意：新历史库中没有历次汇总和已发送邮件的记录，之后 jnqh mail --send 会把已经发过的邮件再发一次",
    "full": "磁盘已满，历史库 {path} 写不进去。请在 {folder} 所在的磁盘上腾出空间"
            "（例如删除 outbox 中不再需要的旧汇总文件夹），再重新运行；历史库中已有的记录没有改动",
    "readonly": "历史库 {path} 是只读的，写不进去。请取消这个文件和 {folder} 文件夹的只读属性（或换一个可写的 outbox），"
                "再重新运行",
    "locked": "历史库 {path} 正被另一个程序使用（{reason}）。请等另一个 jnqh 运行结束，或关闭打开它的程序后再试",
    "open": "历史库 {path} 打不开（{reason}）。请检查 {folder} 文件夹是否存在、是否可写",
}


def describe(error: BaseException) -> str | None:
    """The sentence for an environment fault; None when `error` is not one (a bug)."""
    if isinstance(error, HistoryFault):
        aside = SET_ASIDE.format(name=error.path.name, time="<时间>")
        return _HISTORY[error.kind].format(path=error.path, reason=error.reason, folder=error.path.parent,
                                           aside=aside) + "。"
    if isinstance(error, sqlite3.Error):  # a store opened outside `with History(...)`
        return f"历史库出错（{error}）。请检查 outbox 中的 jnqh.sqlite 和它所在的磁盘后重新运行。"
    cause = os_error_in(error)
    return None if cause is None else _os_fault(cause)


def _os_fault(error: OSError) -> str:
    where = error.filename or "输出文件夹"  # atomic writes name their target
    if error.errno in _FULL:
        return (f"磁盘已满，无法写入 {where}。请在这个文件夹所在的磁盘上腾出空间（例如删除 outbox 中不再需要的"
                "旧汇总文件夹、清空回收站）后重新运行；没有留下写了一半的文件。")
    if error.errno in _DENIED:
        return (f"无法写入 {where}：文件夹是只读的或没有权限。请取消只读属性、换一个可写的文件夹"
                "（配置中的 outbox，或 --outbox），或请管理员开放权限后重新运行。")
    return f"无法访问 {where}（{error.strerror or error}）。请检查这个文件或文件夹后重新运行。"
