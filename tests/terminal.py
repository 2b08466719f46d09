"""Run a command in a pseudo-terminal, as someone at a terminal runs it, and keep what it shows."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # the terminal's control sequences: colours, cursor


def in_terminal(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """The exit status, and everything written to the terminal (standard output and error alike)."""
    main, side = os.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))  # 200 columns
    with subprocess.Popen(
        command, cwd=cwd, env={**env, "TERM": "xterm"}, stdin=side, stdout=side, stderr=side
    ) as process:
        os.close(side)
        shown = read_until_closed(main, time.monotonic() + timeout)
        os.close(main)
        return process.wait(timeout=10), shown.decode("utf-8", "replace")


def read_until_closed(main: int, deadline: float) -> bytes:
    """Read the terminal until every process that had it open is gone (Linux then says EIO)."""
    chunks = []
    while time.monotonic() < deadline:
        if not select.select([main], [], [], 0.2)[0]:
            continue
        try:
            chunk = os.read(main, 65536)
        except OSError:
            return b"".join(chunks)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def plain(shown: str) -> str:
    """What the terminal showed without its control sequences."""
    return ESCAPE.sub("", shown)
