"""The outside world a worker talks to, on 127.0.0.1: a webhook receiver and the emails a worker wrote to files."""

from __future__ import annotations

import email
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class WebhookReceiver:
    """Accepts every POST with 204 and counts it under its ``X-Modelgate-Delivery`` key (a retried or duplicated
    delivery shows up as a count above one)."""

    def __init__(self, *, answer_after: float = 0.0):
        self.deliveries: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.arrived = threading.Event()  # set by the first POST, before its (possibly slow) answer
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.arrived.set()
                time.sleep(answer_after)  # a slow receiver keeps the delivering task busy
                with receiver._lock:
                    receiver.deliveries[self.headers.get("X-Modelgate-Delivery", "")] += 1
                    receiver.events[self.headers.get("X-Modelgate-Event", "")] += 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/modelgate"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.deliveries)


# Django's file-based email backend separates the messages of one connection with a line of 79 dashes.
SEPARATOR = re.compile(rb"^-{79}$", re.MULTILINE)


def sent_emails(directory: Path) -> list[email.message.Message]:
    """Every message the file-based email backend wrote under ``directory``."""
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in SEPARATOR.split(path.read_bytes()):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip() + b"\n"))
    return messages


def request_ids_in(messages, subject_prefix: str) -> Counter[int]:
    """How many emails with this subject name each request ("Request #12 by ...")."""
    ids: Counter[int] = Counter()
    for message in messages:
        if message["Subject"].startswith(subject_prefix):
            body = message.get_payload(decode=True).decode()
            ids.update(int(found) for found in re.findall(r"Request #(\d+) by", body))
    return ids
