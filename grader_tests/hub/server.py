"""A real JupyterHub on 127.0.0.1: the course's deploy/jupyterhub_config.py plus test settings."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

# Loaded after the deploy configuration: only what a test run changes.
OVERLAY = """\
load_subconfig({deploy_config!r})
c = get_config()
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.cookie_secret_file = "jupyterhub_cookie_secret"
c.JupyterHub.db_url = "sqlite:///jupyterhub.sqlite"
# The test drives the hub through its API with this service's token.
c.JupyterHub.services.append({{"name": "e2e-test", "api_token": {token!r}}})
c.JupyterHub.load_roles.append(
    {{
        "name": "e2e-test",
        "services": ["e2e-test"],
        "scopes": ["admin:users", "admin:servers", "access:servers", "access:services"],
    }}
)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Hub:
    """One hub process in ``folder``; ``url`` is the public address through the proxy."""

    folder: Path
    url: str
    token: str
    process: subprocess.Popen
    log: Path
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.session.headers["Authorization"] = f"token {self.token}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A call to the hub's REST API (``path`` after /hub/api)."""
        return self.session.request(method, f"{self.url}/hub/api{path}", timeout=60, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """A call through the proxy: ``/user/<name>/...`` or ``/services/<name>/...``."""
        return self.session.request(method, f"{self.url}{path}", timeout=120, **kwargs)

    def start_server(self, user: str, timeout: float = 120) -> None:
        response = self.api("POST", f"/users/{user}/server")
        assert response.status_code in (201, 202), response.text
        wait_until(lambda: self.api("GET", f"/users/{user}").json()["servers"].get("", {}).get("ready"), timeout,
                   f"el servidor de {user} no arrancó; registro del hub: {self.log}")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the hub; it stops the proxy, the users' servers and its services."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        _stop_leftover_proxy(self.folder / "jupyterhub-proxy.pid")


def start(folder: Path, deploy_config: Path, venv: Path, proxy: str, environment: dict[str, str]) -> Hub:
    """Start a hub in ``folder`` (a fresh one: no old jupyterhub.sqlite) and wait until it answers."""
    port = free_port()
    token = secrets.token_hex(32)
    overlay = folder / "jupyterhub_test_config.py"
    overlay.write_text(
        OVERLAY.format(
            deploy_config=str(deploy_config),
            hub_port=free_port(),
            proxy=proxy,
            proxy_api_port=free_port(),
            token=token,
        )
    )
    env = {**os.environ, **environment, "NNCOURSE_HUB_BIND_URL": f"http://127.0.0.1:{port}"}
    log = folder / "jupyterhub.log"
    with log.open("wb") as output:
        # Own session: a background process ignores SIGINT, and a leftover
        # group can still be found and ended by its id.
        process = subprocess.Popen(
            [str(venv / "bin" / "python"), "-m", "jupyterhub", "-f", str(overlay)],
            cwd=folder,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(folder=folder, url=f"http://127.0.0.1:{port}", token=token, process=process, log=log)
    try:
        wait_until(lambda: _answers(hub), 90, "el hub no respondió")
    except AssertionError:
        hub.stop()
        raise AssertionError(f"JupyterHub no arrancó:\n{hub.tail()}") from None
    return hub


def wait_until(condition, timeout: float, message: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(message)


def _answers(hub: Hub) -> bool:
    if hub.process.poll() is not None:
        raise AssertionError(f"JupyterHub terminó al arrancar:\n{hub.tail()}")
    try:
        return hub.api("GET", "/").ok
    except requests.ConnectionError:
        return False


def _stop_leftover_proxy(pid_file: Path) -> None:
    """The proxy normally ends with the hub; if it was left running, end it by its recorded id."""
    try:
        pid = int(pid_file.read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError):
        return
    if b"configurable-http-proxy" in command:  # not a newer process that reused the id
        os.kill(pid, signal.SIGTERM)
