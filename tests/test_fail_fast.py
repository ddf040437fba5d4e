"""Every network client gives up in bounded time with one line naming the address (never a key or token):
Label Studio (`curation annotate`), the Hub (`curation publish`) and model providers (`curation responses
collect`, through Inspect), each run as the real command in a subprocess against local addresses started
here on 127.0.0.1: a refused port, a server that answers HTTP 500 to everything, and a socket that accepts
connections and never reads nor answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import REPO

SECRET = "sk-never-shown-0123456789"


def fail(handler: BaseHTTPRequestHandler) -> None:
    """Reads the request and answers HTTP 500."""
    handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    body = b'{"error": "internal"}'
    handler.send_response(500)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class AlwaysFails(BaseHTTPRequestHandler):
    """HTTP 500 to every request, whatever its method."""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = fail  # noqa: N815 (http.server's names)

    def log_message(self, *args):
        pass


@pytest.fixture(params=["refused", "always-500", "hangs"])
def address(request) -> Iterator[tuple[str, str]]:
    """(kind, http://127.0.0.1:PORT) of a port nothing listens on, a server failing every request with
    HTTP 500, or a socket that accepts connections (the kernel's backlog) and never reads or answers."""
    if request.param == "refused":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield request.param, f"http://127.0.0.1:{port}"
    elif request.param == "always-500":
        server = ThreadingHTTPServer(("127.0.0.1", 0), AlwaysFails)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield request.param, f"http://127.0.0.1:{server.server_address[1]}"
        server.shutdown()
        server.server_close()
    else:
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(64)
            yield request.param, f"http://127.0.0.1:{silent.getsockname()[1]}"


def run(args: list[str], env: dict[str, str], cwd) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "curation.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO), **env}, timeout=300)
    return done, time.monotonic() - started


def assert_one_line_naming(done: subprocess.CompletedProcess, address: str) -> str:
    """Exit 2 and a single line on stderr that names the address; no key or token anywhere."""
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert address in lines[0]
    assert SECRET not in done.stdout + done.stderr
    return lines[0]


def test_label_studio_unreachable_fails_within_its_timeout(address, tmp_path):
    kind, url = address
    done, took = run(["annotate", "status"], {"LABEL_STUDIO_URL": url, "LABEL_STUDIO_API_KEY": SECRET,
                                               "LABEL_STUDIO_TIMEOUT": "3"}, tmp_path)
    line = assert_one_line_naming(done, url)
    assert ("answered 500" in line) if kind == "always-500" else ("cannot talk to Label Studio" in line)
    # A refused connection is retried twice by the SDK (its back-off: a few seconds); a silent server gets
    # LABEL_STUDIO_TIMEOUT once; the 500s too are retried twice.
    assert took < 40, took


def test_publish_to_an_unreachable_hub_fails_within_its_timeout(address, tmp_path):
    kind, url = address
    done, took = run(["publish", str(REPO / "data" / "release" / "v0.1.0"), "--repo", "org/name", "--yes",
                      "--timeout", "3"],
                     {"HF_ENDPOINT": url, "HF_TOKEN": SECRET, "HF_HOME": str(tmp_path / "hf"),
                      "HF_HUB_DISABLE_XET": "1"}, tmp_path)
    line = assert_one_line_naming(done, url)
    assert line.startswith(f"error: talking to the Hub at {url}: ")
    assert {"refused": "ConnectError", "always-500": "500", "hangs": "ReadTimeout"}[kind] in line
    assert took < 40, took


def test_collect_from_an_unreachable_model_fails_within_its_timeout(address, tmp_path):
    """`--timeout 5 --max-retries 1`: each prompt's request gets two attempts of at most 5 s (and Inspect's
    back-off between them); the first prompt that gets no answer stops the run, and the command says where
    and why in one line. Without the bound Inspect retries without end."""
    kind, url = address
    done, took = run(["responses", "collect", "--release", str(REPO / "data" / "release" / "v0.7.0"),
                      "--model", "openai/any-model", "--chat-completions", "--limit", "3", "--out",
                      str(tmp_path / "responses"), "--timeout", "5", "--max-retries", "1"],
                     {"OPENAI_BASE_URL": f"{url}/v1", "OPENAI_API_KEY": SECRET}, tmp_path)
    line = assert_one_line_naming(done, f"{url}/v1")
    cause = {"refused": "APIConnectionError", "always-500": "InternalServerError", "hangs": "AttemptTimeoutError"}
    assert f"openai/any-model at {url}/v1/ answered no prompt: {cause[kind]}" in line
    assert "5 s an attempt, 1 retries" in line
    assert not list((tmp_path / "responses").glob("v*/*.jsonl"))  # nothing stored
    assert took < 90, took


def test_collect_cut_off_halfway_keeps_the_answers_and_a_rerun_adds_the_rest(tmp_path, capsys, monkeypatch):
    """A server that answers two requests and then fails every one with HTTP 500: the two answers are stored,
    the run ends (exit 3) saying how many prompts have no answer, and a rerun against a working server adds
    exactly those."""
    from openai_server import Handler, ModelServer

    from curation.cli import main

    class AnswersTwo(Handler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            with self.server.lock:  # Inspect asks concurrently: the first two calls, counted as they arrive
                self.server.calls += 1
                answered = self.server.calls <= 2
            if answered:
                return super().do_POST()
            fail(self)

    flaky = ThreadingHTTPServer(("127.0.0.1", 0), AnswersTwo)
    flaky.requests, flaky.calls, flaky.lock = [], 0, threading.Lock()
    threading.Thread(target=flaky.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{flaky.server_address[1]}/v1")
    collect = ["responses", "collect", "--release", str(REPO / "data" / "release" / "v0.7.0"), "--model",
               "openai/answers-all", "--chat-completions", "--limit", "5", "--out", str(tmp_path / "responses"),
               "--timeout", "5", "--max-retries", "1"]
    try:
        assert main(collect) == 3
    finally:
        flaky.shutdown()
        flaky.server_close()
    printed = capsys.readouterr().out
    assert "2 added, 0 already stored" in printed and "3 samples have no answer" in printed
    with ModelServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert main(collect) == 0
    assert "3 added, 2 already stored" in capsys.readouterr().out


def test_timeouts_that_are_not_seconds_are_one_line_errors(tmp_path, capsys, monkeypatch):
    from curation.cli import main

    monkeypatch.setenv("LABEL_STUDIO_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", SECRET)
    for value in ("abc", "0", "-5", "nan", "inf", "1e10"):
        monkeypatch.setenv("LABEL_STUDIO_TIMEOUT", value)
        assert main(["annotate", "status"]) == 2
        assert capsys.readouterr().err == ("error: LABEL_STUDIO_TIMEOUT must be a number of seconds above 0 and at "
                                           "most 86400\n")
    release = str(REPO / "data" / "release" / "v0.7.0")
    for flags in (["--timeout", "0"], ["--timeout", "10000000000"], ["--max-retries", "-1"],
                  ["--max-retries", "1000000000"]):
        assert main(["responses", "collect", "--release", release, "--model", "openai/m", *flags]) == 2
        assert capsys.readouterr().err == "error: --timeout must be 1 to 86400 seconds and --max-retries 0 to 100\n"
    for limit in ("0", "-3"):
        assert main(["responses", "collect", "--release", release, "--model", "openai/m", "--limit", limit]) == 2
        assert capsys.readouterr().err == "error: --limit must be at least 1 prompt (leave it out for every prompt)\n"
    for value in ("0", "inf", "1e10"):
        assert main(["publish", release, "--repo", "org/name", "--timeout", value]) == 2
        assert capsys.readouterr().err == "error: --timeout must be above 0 and at most 86400 seconds\n"
