"""core.middleware.ContentSecurityPolicyMiddleware: django-csp's policy, built once per process, still exactly the
one django-csp would send, and still per response when a view asks for its own."""

from csp.constants import NONE, SELF
from csp.decorators import csp_exempt, csp_update
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from core.middleware import ContentSecurityPolicyMiddleware


def serve(view, middleware=None):
    middleware = middleware or ContentSecurityPolicyMiddleware(view)
    request = RequestFactory().get("/")
    middleware.process_request(request)
    return middleware.process_response(request, view(request)), middleware


def plain(request):
    return HttpResponse("ok")


def test_every_response_gets_the_site_policy_and_a_changed_setting_is_seen():
    first, middleware = serve(plain)
    again, _ = serve(plain, middleware)
    assert first["Content-Security-Policy"] == again["Content-Security-Policy"]
    assert "default-src 'self'" in first["Content-Security-Policy"]

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [NONE]}}):
        changed, _ = serve(plain, middleware)
    assert changed["Content-Security-Policy"] == "default-src 'none'"


def test_a_view_that_asks_for_its_own_policy_or_none_still_gets_it():
    updated, middleware = serve(csp_update({"img-src": [SELF, "https://example.org"]})(plain))
    assert "img-src 'self' data: https://example.org" in updated["Content-Security-Policy"]

    exempt, _ = serve(csp_exempt()(plain), middleware)
    assert "Content-Security-Policy" not in exempt
