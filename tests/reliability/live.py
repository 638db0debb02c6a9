"""A live HTTP server for the concurrency tests, bounded like a production one.

It is Django's ``LiveServerThread`` (what pytest-django's ``live_server`` runs), with one difference: at most
``MAX_IN_FLIGHT`` requests are handled at once and the rest wait in the listen backlog, as they would for a gunicorn
with that many threads. Unbounded, 100 simultaneous requests would open 100 database connections, more than the
shared test PostgreSQL allows (``max_connections`` = 100), and the test would measure that limit instead of the
application. Every request still runs in its own thread on its own connection and commits for real.
"""

from __future__ import annotations

import threading

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, _StaticFilesHandler

MAX_IN_FLIGHT = 16


class BoundedThreadedWSGIServer(ThreadedWSGIServer):
    request_queue_size = 256  # clients beyond MAX_IN_FLIGHT wait here, in the kernel, not refused

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_IN_FLIGHT)

    def process_request(self, request, client_address):
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class BoundedLiveServerThread(LiveServerThread):
    server_class = BoundedThreadedWSGIServer


class BoundedLiveServer:
    def __init__(self):
        self.thread = BoundedLiveServerThread("127.0.0.1", static_handler=_StaticFilesHandler, connections_override={})
        self.thread.daemon = True

    def __enter__(self) -> str:
        self.thread.start()
        self.thread.is_ready.wait(30)
        if self.thread.error:
            raise self.thread.error
        return f"http://127.0.0.1:{self.thread.port}"

    def __exit__(self, *exc_info) -> None:
        self.thread.terminate()
