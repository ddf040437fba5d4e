"""A local server that speaks the OpenAI chat-completions protocol (`POST /v1/chat/completions`), standing in
for a model provider, which cannot run here. It is scripted by model name: a model whose name holds `refuse`
declines every prompt, any other answers every prompt (quoting its start). Inspect reaches it through its
own `openai` provider (OPENAI_BASE_URL), so the requests and responses are the real protocol."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFUSAL = "申し訳ありませんが、そのご依頼にはお答えできません。"


def answer(prompt: str) -> str:
    """The answering model's reply, which quotes the start of the prompt: each answer is its own text, so a
    test can tell that a withheld one appears nowhere."""
    return f"はい。「{prompt[:16]}」について、一般的に知られている情報を順にご説明します。"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        model = request["model"]
        prompt = request["messages"][-1]["content"]
        self.server.requests.append((model, prompt if isinstance(prompt, str) else json.dumps(prompt)))
        text = REFUSAL if "refuse" in model else answer(prompt if isinstance(prompt, str) else json.dumps(prompt))
        body = json.dumps({
            "id": f"chatcmpl-{len(self.server.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": model, "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class ModelServer:
    """Started on a free port of 127.0.0.1; `base_url` is what OPENAI_BASE_URL must be."""

    def __enter__(self) -> ModelServer:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.requests = []
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        return self

    @property
    def requests(self) -> list[tuple[str, str]]:
        return self.server.requests

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
