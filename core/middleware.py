"""Request id: accepted from X-Request-ID (a proxy or gateway's), generated otherwise, echoed back, logged."""

from __future__ import annotations

import re
import uuid

from core import request_context

HEADER = "X-Request-ID"
# Accept only ids a log line can carry safely; anything else is replaced, not trusted.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def incoming_request_id(request) -> str:
    candidate = request.headers.get(HEADER, "")
    if VALID_REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_request_id(request)
        request.request_id = rid
        # Not reset on the way out: Django logs "Not Found"/"Internal Server Error" after the middleware chain has
        # returned, and those lines must carry the id too. The next request on this thread overwrites both.
        request_context.request_id.set(rid)
        request_context.client_ip.set(request.META.get("REMOTE_ADDR"))
        response = self.get_response(request)
        response[HEADER] = rid
        return response
