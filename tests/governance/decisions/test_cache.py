"""The per-process cache: query budgets on hit and miss, invalidation on commit, expiry by time, and the race
between a read and a commit. These tests commit (transactional_db), as the cache only holds committed data.

How stale a decision can be is stated in governance.decisions.cache; here it is measured: a committed revoke
flips the decision within 1 s (in practice a few milliseconds), and never later than the listener's guarantee."""

import datetime as dt
import threading
import time

import pytest
from django.db import connections, transaction
from django.utils import timezone

from governance.decisions import cache as decision_cache
from governance.decisions import decide, decision_listener_ready
from governance.decisions import loader as decision_loader
from governance.decisions import service as decision_service
from governance.decisions.cache import VersionListener
from governance.models import Entitlement
from governance.policy.services import policy_active
from tests.factories.governance import EntitlementFactory, TeamFactory
from tests.governance.policy import world

pytestmark = pytest.mark.django_db(transaction=True)
WITHIN = 1.0  # seconds: the most a revoke may take to reach every process


@pytest.fixture
def granted():
    policy_active()
    team = TeamFactory(slug="search-platform")
    model = world.model("openai/gpt-4o-mini", licence_category="commercial")
    world.alias(model, "gpt-4o-mini")
    entitlement = EntitlementFactory(team=team, model=model)
    assert decision_listener_ready(timeout=5)
    return entitlement


def ask(**kwargs):
    return decide(team="search-platform", model="gpt-4o-mini", data_classification="internal", **kwargs)


def wait_for(predicate, timeout: float) -> float | None:
    """Seconds until predicate() held, or None if it never did within timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.002)
    return None


def revoke_in_another_connection(entitlement_id: int) -> None:
    """Commit a revoke from a thread with its own database connection, as another process would."""

    def run():
        try:
            with transaction.atomic():
                Entitlement.objects.filter(pk=entitlement_id).update(
                    status="revoked", revoked_at=timezone.now(), revoke_reason="breach"
                )
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)


def test_a_miss_costs_one_query_and_a_hit_none(granted, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert ask().allowed
    with django_assert_num_queries(0):
        for _ in range(50):
            assert ask().allowed
    # Another question about the same team and model is answered from the cached pair row.
    with django_assert_num_queries(0):
        assert ask(region="eu-west").allowed
        restricted = decide(team="search-platform", model="gpt-4o-mini", data_classification="restricted")
        assert restricted.reasons == (f"entitlement #{granted.pk} allows public, internal data, not restricted",)


def test_unknown_names_are_cached_too(granted, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert not decide(team="search-platform", model="no-such-model").allowed
    with django_assert_num_queries(0):
        assert decide(team="search-platform", model="no-such-model").reasons[0].startswith("unknown model")


def test_a_revoke_committed_elsewhere_flips_the_cached_decision_within_one_second(granted):
    assert ask().allowed
    assert ask().allowed  # now a hit
    revoke_in_another_connection(granted.pk)
    elapsed = wait_for(lambda: not ask().allowed, timeout=5)
    assert elapsed is not None and elapsed < WITHIN, f"still allowed {elapsed}s after the revoke committed"
    assert "revoked" in ask().reasons[0]


def test_a_new_alias_is_seen_after_commit(granted):
    assert not decide(team="search-platform", model="my-router/mini", data_classification="internal").allowed
    world.alias(granted.model, "my-router/mini")
    elapsed = wait_for(
        lambda: decide(team="search-platform", model="my-router/mini", data_classification="internal").allowed, 5
    )
    assert elapsed is not None and elapsed < WITHIN


def test_a_model_retired_in_the_catalog_is_denied_within_one_second(granted):
    assert ask().allowed
    type(granted.model).objects.filter(pk=granted.model_id).update(lifecycle="retired")
    elapsed = wait_for(lambda: ask().reasons == ("model openai/gpt-4o-mini is retired",), 5)
    assert elapsed is not None and elapsed < WITHIN


def test_a_change_that_does_not_matter_keeps_the_cache(granted, django_assert_num_queries):
    assert ask().allowed
    # The reminder job stamps expiry_reminded_at: bookkeeping that no decision reads.
    Entitlement.objects.filter(pk=granted.pk).update(expiry_reminded_at=timezone.now())
    time.sleep(0.3)  # longer than a notification takes and than one poll of the version
    with django_assert_num_queries(0):
        assert ask().allowed


def test_a_cached_allow_is_never_served_past_the_entitlements_expiry(db, django_assert_num_queries):
    policy_active()
    team = TeamFactory(slug="short-lived")
    model = world.model("acme/brief", licence_category="permissive")
    now = timezone.now()
    EntitlementFactory(
        team=team, model=model, granted_at=now - dt.timedelta(days=1), expires_at=now + dt.timedelta(seconds=0.5)
    )
    assert decision_listener_ready(timeout=5)
    assert decide(team="short-lived", model="acme/brief", data_classification="internal").allowed
    with django_assert_num_queries(0):
        assert decide(team="short-lived", model="acme/brief", data_classification="internal").allowed
    time.sleep(max(0.0, (now + dt.timedelta(seconds=0.55) - timezone.now()).total_seconds()))
    decision = decide(team="short-lived", model="acme/brief", data_classification="internal")
    assert not decision.allowed
    assert "expired at" in decision.reasons[0]


def test_what_a_transaction_saw_is_not_cached(granted, django_assert_num_queries):
    other = world.model("acme/draft", licence_category="permissive")

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        EntitlementFactory(team=granted.team, model=other)
        assert decide(team="search-platform", model="acme/draft", data_classification="internal").allowed
        raise Abandon
    # The entitlement never committed: the allow seen inside the transaction must not be served now.
    assert not decide(team="search-platform", model="acme/draft", data_classification="internal").allowed


def test_data_read_before_a_commit_is_never_served_under_the_new_version(granted, monkeypatch):
    """The race: the pair row is read, then a revoke commits and the listener learns the new version, then the row
    is stored. The row carries the version of its own snapshot, so it is refused on the next call."""
    original = decision_loader.pair_load
    listener = decision_service.CACHE.listener

    def read_then_commit_a_revoke(**kwargs):
        row = original(**kwargs)
        before = listener.known_version
        revoke_in_another_connection(granted.pk)
        assert wait_for(lambda: listener.known_version > before, timeout=5) is not None
        return row

    monkeypatch.setattr(decision_loader, "pair_load", read_then_commit_a_revoke)
    # This call answers from what it read before the revoke committed, as any read in flight does ...
    assert ask().allowed
    monkeypatch.setattr(decision_loader, "pair_load", original)
    # ... but what it cached is older than the version the process now knows, so the next call reads again.
    assert not ask().allowed


def test_without_a_recent_confirmation_from_the_listener_the_cache_is_bypassed(
    granted, monkeypatch, django_assert_num_queries
):
    # A listener that connects but never confirms a version: a hung connection, a dead notification channel.
    decision_service.decision_listener_stop()
    monkeypatch.setattr(VersionListener, "_update", lambda self, stop, version, reset=False: None)
    for _ in range(3):
        with django_assert_num_queries(1):
            assert ask().allowed


def test_with_the_listener_off_every_decision_reads_the_database(granted, monkeypatch, django_assert_num_queries):
    decision_service.decision_listener_stop()
    monkeypatch.setattr(decision_cache, "listener_enabled", lambda: False)
    for _ in range(3):
        with django_assert_num_queries(1):
            assert ask().allowed
    revoke_in_another_connection(granted.pk)
    assert not ask().allowed  # at once: nothing is cached without a listener to vouch for it
