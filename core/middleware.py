"""Request id: accepted from X-Request-ID (a proxy or gateway's), generated otherwise, echoed back, logged."""

from __future__ import annotations

import re
import uuid

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

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


# What a view sets on its response to ask django-csp for a policy of its own (csp.decorators).
_CSP_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site-wide policy built once per process instead of once per response.

    Building it is pure (the settings in, a string out) yet costs about a tenth of a millisecond, which is a tenth
    of the decision endpoint's whole request. Any response that needs more than the site policy (a nonce, a view's
    csp_update/csp_replace/csp_exempt, a report-only policy, DEBUG) goes through django-csp unchanged."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self._site_policy: tuple[object, str] | None = None

    def process_response(self, request, response):
        if (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _CSP_PER_RESPONSE)
        ):
            return super().process_response(request, response)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = self._policy()
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp: no nonce after this
        return response

    def _policy(self) -> str:
        config = settings.CONTENT_SECURITY_POLICY  # a settings override in tests changes the object: rebuild
        if self._site_policy is None or self._site_policy[0] is not config:
            self._site_policy = (config, build_policy())
        return self._site_policy[1]
