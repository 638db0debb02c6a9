import pytest

from core import request_context


@pytest.fixture
def request_from():
    """Sets the request context the way RequestIdMiddleware does, and restores it afterwards."""
    tokens = []

    def set_context(request_id: str, ip: str | None):
        tokens.append((request_context.request_id.set(request_id), request_context.client_ip.set(ip)))

    yield set_context
    for rid_token, ip_token in reversed(tokens):
        request_context.request_id.reset(rid_token)
        request_context.client_ip.reset(ip_token)
