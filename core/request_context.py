"""The request being served, as context variables: readable from logs, services and audit without passing it
through every call. Celery tasks set the same variables from the message headers."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
