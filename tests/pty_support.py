"""Run a command in a real pseudo-terminal: type keys, read what it shows.

The child gets the pty as its controlling terminal, so Ctrl-C (``\\x03``) and Ctrl-D
(``\\x04``) are turned into SIGINT and end-of-file by the terminal itself, as for a user.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import subprocess
import termios
import time
from typing import Sequence

#: Where a process sleeps while it waits for a key: a terminal read, or readline's select.
_READING = {"wait_woken", "n_tty_read", "poll_schedule_timeout", "poll_schedule_timeout.constprop.0", "do_select"}
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[=>]|\r")


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A command running in a pty; :attr:`screen` is everything it wrote, escapes removed."""

    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        self.master = master
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
            preexec_fn=_take_terminal, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.raw = b""
        self.seen = 0  # how much of the screen earlier waits consumed

    @property
    def screen(self) -> str:
        return _ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode("utf-8"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child is gone
            return False
        self.raw += data
        return bool(data)

    def expect(self, text: str, timeout: float = 30.0) -> str:
        """Wait until ``text`` shows after what earlier waits saw; the screen up to it.

        ``timeout`` only keeps a broken test from hanging; nothing is asserted on time.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.screen.find(text, self.seen)
            if found >= 0:
                shown = self.screen[self.seen : found + len(text)]
                self.seen = found + len(text)
                return shown
            if time.monotonic() > deadline or (not self._read(0.2) and self.process.poll() is not None):
                raise AssertionError(f"{text!r} never showed; the screen:\n{self.screen}")

    def reading(self, timeout: float = 30.0) -> None:
        """Wait until the command is blocked reading the terminal.

        A key that raises a signal (Ctrl-C) typed between the prompt being written and
        the read starting is seen only at the next key (a CPython race no person is fast
        enough to hit): tests send it once the read has begun. Linux: ``/proc/PID/wchan``.
        """
        wchan = f"/proc/{self.process.pid}/wchan"
        if not os.path.exists(wchan):  # pragma: no cover - not Linux
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(wchan) as file:
                if file.read().strip() in _READING:
                    return
            self._read(0.01)
        raise AssertionError(f"the command never waited for input; the screen:\n{self.screen}")

    def wait(self, timeout: float = 30.0) -> int:
        """The exit code, once the command has ended (draining what it wrote)."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.05):
            pass
        return self.process.wait(timeout=1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)
