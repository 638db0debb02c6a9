"""Logging helpers: every record carries the id of the request (or task) it belongs to."""

import logging

from core import request_context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.request_id.get()
        return True
