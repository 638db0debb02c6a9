"""Failed sign-ins are limited on an atomic counter: past the limit even the right password is refused for the rest
of the window, concurrent guesses are all counted, and other accounts are unaffected."""

import threading

import pytest
from django.db import connection
from django.test import Client

from core.models import RateCounter
from core.ratelimit import rate_limit_hit
from tests.factories.governance import UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture
def limits(settings):
    settings.MODELGATE_LOGIN_LIMITS = (3, 100, 900)  # 3 failures per account, 100 per address, 15-minute windows


@pytest.mark.django_db
def test_after_too_many_failures_even_the_right_password_is_refused(client, limits):
    UserFactory(username="carol", password="right-password-1")
    for _ in range(3):
        response = client.post(LOGIN, {"username": "carol", "password": "wrong"})
        assert response.status_code == 200 and "Please try again" in response.content.decode()
    response = client.post(LOGIN, {"username": "carol", "password": "right-password-1"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_other_accounts_can_still_sign_in(client, limits):
    UserFactory(username="dan", password="dans-password-1")
    for _ in range(3):
        client.post(LOGIN, {"username": "carol", "password": "wrong"})
    response = client.post(LOGIN, {"username": "dan", "password": "dans-password-1"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_no_identity_is_stored_in_clear(client, limits):
    client.post(LOGIN, {"username": "carol@example.com", "password": "wrong"})
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert keys and all(len(k) == 64 and "carol" not in k for k in keys)


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted():
    def hit():
        try:
            rate_limit_hit(scope="test", identity="x", limit=1000, window_seconds=900)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert RateCounter.objects.get(scope="test").count == 20


@pytest.mark.django_db
def test_the_sign_in_form_still_needs_its_csrf_token(limits):
    UserFactory(username="erin", password="erins-password-1")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(LOGIN, {"username": "erin", "password": "erins-password-1"}).status_code == 403
