"""Worker processes that die with the update that started them, and write only under its lock.

When the update is killed (`kill -9`, the kernel's OOM killer), a worker left behind would go on
writing the archive after the lock went with its parent, alongside the next update, then hang for
good waiting for a parent that is gone. So each worker:

* holds the parent's lock: it inherits the locked file itself, so the lock is held for as long as
  any process of the update lives, and the next update waits for all of them, not only the parent;
* dies with the parent: on Linux the kernel kills it the moment its parent dies
  (`PR_SET_PDEATHSIG`), and everywhere a watchdog thread ends it once the parent's end of a pipe
  closes (multiprocessing's parent sentinel).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.reduction import DupFd
from typing import Protocol

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_held: list[int] = []  # the inherited lock, open for the worker's whole life


def pool(workers: int, lock: int) -> ProcessPoolExecutor:
    """`workers` fresh interpreters (spawned: no copied locks or event loops) that share the lock
    held on file descriptor `lock` and die with this process."""
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(DupFd(lock),))


class _Inherited(Protocol):
    """multiprocessing's handle of a file descriptor passed to a spawned child."""

    def detach(self) -> int: ...


def _start(lock: _Inherited) -> None:
    _held.append(lock.detach())
    parent = multiprocessing.parent_process()
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), name="parent-watchdog", daemon=True).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent's end of the pipe closes: when the parent is gone
    os._exit(1)
