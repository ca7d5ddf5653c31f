"""Local Unix test accounts: created with useradd, removed with everything they ran."""

from __future__ import annotations

import os
import pwd
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Account:
    name: str
    password: str
    home: Path

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.name).pw_uid


def create(name: str, homes: Path) -> Account:
    """A new account with a random password and its home under ``homes``."""
    home = homes / name
    subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash", name], check=True)
    password = secrets.token_urlsafe(12)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    return Account(name, password, home)


def remove(name: str) -> None:
    """Stop whatever the account still runs, then delete it and its home."""
    stop_processes(pwd.getpwnam(name).pw_uid)
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)


def run_as(account: Account, *command: str) -> subprocess.CompletedProcess:
    """Run a command as the account, with a clean environment (su would keep root's PATH)."""
    return subprocess.run(
        ["runuser", "-u", account.name, "--", "env", "-i", f"HOME={account.home}", "PATH=/usr/bin:/bin", *command],
        capture_output=True,
        text=True,
    )


def stop_processes(uid: int, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, every process of one test account, by process id."""
    pids = _processes_of(uid)
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        time.sleep(0.2)
        pids = _processes_of(uid)
    for pid in pids:
        _signal(pid, signal.SIGKILL)


def _processes_of(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:  # ended while we looked
                pass
    return pids


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass
