"""A real Label Studio server for the tests, from its own virtual environment (.ls-venv, installed by
`make test`: its pins conflict with the project's), on 127.0.0.1, with a throwaway data directory.

The database is migrated once per test run (`label-studio init`, ~40 s) into a template directory that
also holds the annotator accounts; every server then starts from a copy of it (~5 s).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LS_BIN = Path(os.environ.get("LABEL_STUDIO_BIN", REPO / ".ls-venv" / "bin" / "label-studio"))


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    token: str


ADMIN = Account("admin@example.jp", "admin-pass-2026", "admin-token-2026")
ANNOTATORS = (Account("annotator1@example.jp", "ann1-pass-2026", "ann1-token-2026"),
              Account("annotator2@example.jp", "ann2-pass-2026", "ann2-token-2026"))


def environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "USERNAME", "PASSWORD")}
    env.update(LABEL_STUDIO_BASE_DATA_DIR=str(data_dir), DJANGO_DB="sqlite",
               LABEL_STUDIO_USERNAME=ADMIN.email, LABEL_STUDIO_PASSWORD=ADMIN.password,
               LABEL_STUDIO_USER_TOKEN=ADMIN.token, LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
               LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true", SENTRY_DSN="", FRONTEND_SENTRY_DSN="",
               LATEST_VERSION_CHECK="false", COLLECT_ANALYTICS="false")
    return env


def make_template(data_dir: Path) -> Path:
    """Migrate a fresh database and create the admin and the annotator accounts in it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for account in (ADMIN, *ANNOTATORS):
        subprocess.run([str(LS_BIN), "init", "--quiet", "--username", account.email, "--password",
                        account.password, "--user-token", account.token], env=environment(data_dir),
                       check=True, capture_output=True, timeout=300)
    return data_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabelStudioServer:
    def __init__(self, template: Path, data_dir: Path):
        shutil.copytree(template, data_dir)
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> LabelStudioServer:
        log = open(self.data_dir / "server.log", "ab")
        self.process = subprocess.Popen(
            [str(LS_BIN), "start", "--no-browser", "-d", "--internal-host", "127.0.0.1", "--port", str(self.port)],
            env=environment(self.data_dir), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Label Studio exited; see {self.data_dir / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if b'"UP"' in answer.read():
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"Label Studio did not answer /health in time; see {self.data_dir / 'server.log'}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop by PID (the whole process group: the server may fork)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)
