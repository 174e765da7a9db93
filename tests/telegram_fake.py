"""A fake Telegram Bot API on 127.0.0.1: records what the bot calls, answers getMe and getUpdates, can fail on demand,
be stopped and started again on the same port, and builds the updates a user's messages would be."""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.postgres import free_port

USERNAME = "kabinet_test_bot"
TOKEN = "123456:TEST-TOKEN"
SECRET = "webhook-secret-42"


class FakeBotApi:
    """The Bot API as the bot sees it: `calls` holds (method, parameters) in the order received."""

    def __init__(self):
        self.port = free_port()
        self.calls: list[tuple[str, dict]] = []
        self.failures: list[tuple[int, str, int | None]] = []  # the next sendMessage calls answer these
        self.updates: list[dict] = []  # what getUpdates hands out
        self.lock = threading.Lock()
        self.server = None
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                _, _, method = self.path.rpartition("/")
                status, answer = fake.answer(self.path, method, json.loads(body or b"{}"))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        """Close the port: the bot's calls now fail to connect, as when Telegram is out of reach."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def answer(self, path: str, method: str, params: dict) -> tuple[int, dict]:
        if not path.startswith(f"/bot{TOKEN}/"):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self.lock:
            if method == "sendMessage" and self.failures:
                status, description, retry_after = self.failures.pop(0)
                extra = {"parameters": {"retry_after": retry_after}} if retry_after else {}
                self.calls.append(("failed:" + method, params))
                return status, {"ok": False, "error_code": status, "description": description, **extra}
            self.calls.append((method, params))
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": 123456, "is_bot": True, "username": USERNAME}}
            if method == "getUpdates":
                offset = params.get("offset") or 0
                return 200, {"ok": True, "result": [u for u in self.updates if u["update_id"] >= offset]}
            if method == "sendMessage":
                return 200, {"ok": True, "result": {"message_id": next(self._message_ids)}}
            return 200, {"ok": True, "result": True}

    def fail_next(self, status: int, description: str, retry_after: int | None = None, times: int = 1):
        """Have the next `times` sendMessage calls refused with this status."""
        with self.lock:
            self.failures.extend([(status, description, retry_after)] * times)

    def sent(self, chat_id: int | None = None) -> list[dict]:
        """The sendMessage calls that succeeded (to this chat), oldest first."""
        with self.lock:
            return [p for m, p in self.calls if m == "sendMessage" and chat_id in (None, p["chat_id"])]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    def called(self, method: str) -> list[dict]:
        with self.lock:
            return [p for m, p in self.calls if m == method]

    def message(self, chat_id: int, text: str, language: str = "ru", chat_type: str = "private") -> dict:
        """The update Telegram makes of a user's text message."""
        return {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._message_ids),
                "from": {"id": chat_id, "is_bot": False, "first_name": "Иван", "language_code": language},
                "chat": {"id": chat_id, "type": chat_type},
                "date": 1_700_000_000,
                "text": text,
            },
        }

    def post_update(self, client, update: dict, secret: str | None = SECRET):
        """Post an update to the app's webhook as Telegram does, with this secret header (None: without one)."""
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return client.post("/telegram/webhook", json=update, headers=headers)
