"""Running the ``grants`` command in a subprocess, and serving the app on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CHECKOUT = Path(__file__).resolve().parents[2]


def command_env(**overrides: str) -> dict[str, str]:
    """The environment for a subprocess: this one without GRANTS_* settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANTS_")}
    env["PYTHONPATH"] = str(CHECKOUT)
    return {**env, **overrides}


def grants_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "portal", *args]


def grants(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        grants_command(*args),
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    command: list[str], *, cwd: Path, env: dict[str, str], port: int, timeout: float = 60
) -> Iterator[str]:
    """Start a server ``command`` and yield its base URL once ``/healthz`` answers 200."""
    log = (cwd / f"server-{port}.log").open("w+")
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited with {process.returncode}:\n{log.read()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"server did not start in {timeout} s:\n{log.read()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
