"""The audit trail under a mixed workload: four lanes write at the same time, each on its own connection, through
the real services (drafts, submissions and withdrawals, API tokens, and bulk catalog syncs that reprice a hundred
offerings per run), and about a third of their transactions are deliberately rolled back (an outer transaction
that fails after the service returned, a dry-run sync). Afterwards there must be exactly one audit event per
committed change and none for a rolled-back one, the chain must verify as intact, and a forged event slipped into
one of the gaps the rollbacks left in the ids must be refused by the database, or found by ``verify_audit`` if the
forger also drops the database's guard.

UPDATE, DELETE and TRUNCATE refusal, edited and removed events are covered by H4's tests in tests/core/audit
(test_immutability.py, test_verify.py) and not repeated here; tests/core/audit/test_concurrency.py proves that
concurrent writers of bare events never fork the chain.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.choices import LicenseCategory, SyncStatus
from catalog.connectors.base import Snapshot
from catalog.models import Source
from core.audit import audit_record, audit_verify
from core.audit.chain import event_hash
from core.models import AuditEvent
from governance.choices import RiskTier
from governance.policy import policy_active
from governance.services.requests import request_create, request_submit, request_withdraw
from governance.services.tokens import api_token_create, api_token_revoke
from tests.catalog.conftest import model, offering, price, sync
from tests.catalog.stubs import STUB
from tests.factories.catalog import AIModelFactory, LicenseFactory, OrganizationFactory, SourceFactory
from tests.factories.governance import TeamFactory, UseCaseFactory, governance_admin, member, reviewer
from tests.reliability.processes import in_threads

ROUNDS = 12
BULK_MODELS = 100


class Rollback(Exception):
    """Raised by the test after a service returned, to roll its transaction back."""


def rolled_back(service, **kwargs) -> None:
    """Run ``service`` inside a transaction that is then rolled back, as a caller failing afterwards would."""
    try:
        with transaction.atomic():
            service(**kwargs)
            raise Rollback
    except Rollback:
        pass


@dataclass
class Ledger:
    """What each lane committed, as the audit events it must have caused: (action, target type, target id)."""

    expected: Counter = field(default_factory=Counter)
    rollbacks: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def committed(self, action: str, target) -> None:
        with self._lock:
            self.expected[(action, target._meta.label_lower, str(target.pk))] += 1

    def rolled_back(self) -> None:
        with self._lock:
            self.rollbacks += 1


@dataclass
class World:
    team: object
    requester: object
    admin: object
    use_case: object
    models: list
    source: Source


def build_world() -> World:
    policy_active()
    reviewer("security")  # the stage the default policy routes a limited-risk use case to
    team = TeamFactory(slug="mixed")
    licence = LicenseFactory(category=LicenseCategory.PERMISSIVE)
    publisher = OrganizationFactory(slug="acme")
    return World(
        team=team,
        requester=member(team, username="rob"),
        admin=governance_admin(username="gina"),
        use_case=UseCaseFactory(team=team, slug="summaries", risk_tier=RiskTier.LIMITED),
        models=[
            AIModelFactory(slug=f"acme/mixed-{n}", publisher=publisher, license=licence) for n in range(2 * ROUNDS)
        ],
        source=SourceFactory(slug="bulk-feed", connector=STUB),
    )


def draft(world: World, model):
    return request_create(actor=world.requester, team=world.team, model=model, use_case=world.use_case,
                          data_classification="internal", justification="Weekly summaries.")  # fmt: skip


def drafts_lane(world: World, ledger: Ledger) -> None:
    for number in range(ROUNDS):
        if number % 3 == 2:
            rolled_back(draft, world=world, model=world.models[number])
            ledger.rolled_back()
        else:
            ledger.committed("approval_request.create", draft(world, world.models[number]))


def submissions_lane(world: World, ledger: Ledger) -> None:
    for number in range(ROUNDS, 2 * ROUNDS):
        request = draft(world, world.models[number])
        ledger.committed("approval_request.create", request)
        request = request_submit(request=request, actor=world.requester)
        ledger.committed("approval_request.submit", request)
        if number % 2:
            rolled_back(request_withdraw, request=request, actor=world.requester, reason="not needed")
            ledger.rolled_back()
        else:
            ledger.committed("approval_request.withdraw", request_withdraw(request=request, actor=world.requester))


def tokens_lane(world: World, ledger: Ledger) -> None:
    for number in range(ROUNDS):
        if number % 3 == 2:
            rolled_back(api_token_create, actor=world.admin, name=f"gateway-{number}", scopes=["decisions"])
            ledger.rolled_back()
            continue
        token, _ = api_token_create(actor=world.admin, name=f"gateway-{number}", scopes=["decisions"])
        ledger.committed("token.issued", token)
        if number % 4 == 0:
            ledger.committed("token.revoked", api_token_revoke(actor=world.admin, token=token))


def bulk_snapshot(cents: int) -> Snapshot:
    """BULK_MODELS models, each sold once, input priced at ``cents`` / 100 USD per 1M tokens."""
    usd = Decimal(cents) / 100
    return Snapshot(
        models=[model(f"bulk-{n}", slug=f"openai/bulk-{n}") for n in range(BULK_MODELS)],
        offerings=[offering(f"bulk-{n}", f"bulk-{n}", price("input_token", usd), price("output_token", usd * 4))
                   for n in range(BULK_MODELS)],
    )  # fmt: skip


def catalog_lane(world: World, ledger: Ledger) -> None:
    """Load, reprice (every offering's prices change: bulk updates), a dry run and a rolled-back reprice (neither may
    leave an event), an unchanged resync (no change, no event), and a last reprice."""
    for step, cents in (("commit", 250), ("commit", 260), ("dry", 270), ("rollback", 280), ("commit", 280),
                        ("commit", 280), ("commit", 290)):  # fmt: skip
        if step == "rollback":
            rolled_back(sync, source=world.source, snapshot=bulk_snapshot(cents))
            ledger.rolled_back()
            continue
        run = sync(world.source, bulk_snapshot(cents), dry_run=step == "dry")
        assert run.status == SyncStatus.SUCCEEDED, run.message
        if step == "dry":
            ledger.rolled_back()
        elif run.created or run.updated or run.retired:
            ledger.committed("catalog.source_sync", world.source)


@pytest.mark.django_db(transaction=True)
def test_under_a_mixed_workload_each_committed_change_has_exactly_one_event_and_the_chain_holds():
    world = build_world()
    ledger = Ledger()
    first_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1

    def timed(lane) -> tuple[float, float]:
        started = time.monotonic()
        lane(world, ledger)
        return started, time.monotonic()

    spans = in_threads(timed, [drafts_lane, submissions_lane, tokens_lane, catalog_lane], threads=4)
    assert max(start for start, _ in spans) < min(end for _, end in spans), "the lanes did not overlap"

    events = AuditEvent.objects.filter(id__gte=first_id)
    recorded = Counter(events.values_list("action", "target_type", "target_id"))
    assert recorded == ledger.expected  # one event per committed change, none for a rolled-back one
    # Not vacuous: every lane wrote, the syncs repriced, and rollbacks happened in the middle of it all.
    assert {action for action, _, _ in recorded} >= {
        "approval_request.create", "approval_request.submit", "approval_request.withdraw", "token.issued",
        "token.revoked", "catalog.source_sync",
    }  # fmt: skip
    assert recorded[("catalog.source_sync", "catalog.source", str(world.source.pk))] == 4  # load + 3 reprices
    assert ledger.rollbacks >= 12
    ids = list(events.order_by("id").values_list("id", flat=True))
    assert ids[-1] - ids[0] + 1 > len(ids), "rolled-back transactions used ids: the trail must have gaps"

    result = audit_verify()
    assert result.intact, result.reason
    assert result.checked == AuditEvent.objects.count()


def forged_event(after, *, event_id: int, occurred_at) -> AuditEvent:
    """A self-consistent event: chained to ``after`` and hashed as the real code would hash it."""
    fields = {"id": event_id, "occurred_at": occurred_at, "actor_id": None, "actor_username": "",
              "actor_label": "system", "action": "token.revoked", "target_type": "governance.apitoken",
              "target_id": "1", "target_repr": "gateway", "before": None, "after": {"revoked": True}, "context": {},
              "request_id": "", "ip": None, "prev_hash": after.hash}  # fmt: skip
    return AuditEvent(**fields, hash=event_hash(fields))


@pytest.mark.django_db
def test_a_forged_event_in_the_gap_a_rollback_left_is_refused_or_found():
    with transaction.atomic():
        before = audit_record(action="token.issued", target=("governance.apitoken", "1", "gateway"),
                              actor_label="system")  # fmt: skip
    rolled_back(audit_record, action="token.revoked", target=("governance.apitoken", "1", "gateway"),
                actor_label="system")  # fmt: skip
    with transaction.atomic():
        later = audit_record(action="token.issued", target=("governance.apitoken", "2", "ci"), actor_label="system")
    gap = before.pk + 1
    assert later.pk > gap and not AuditEvent.objects.filter(pk=gap).exists()
    forged = forged_event(
        before, event_id=gap, occurred_at=before.occurred_at + (later.occurred_at - before.occurred_at) / 2
    )

    # A correctly chained insert claims the successor slot the real next event already holds: the database says no.
    with pytest.raises(IntegrityError, match="core_auditevent_one_successor"), transaction.atomic():
        forged.save(force_insert=True)

    # A forger with the owner's rights drops that guard first; the walk still finds the splice, at the real event.
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_auditevent DROP CONSTRAINT core_auditevent_one_successor")
            forged.save(force_insert=True)
            result = audit_verify()
            raise Rollback
    except Rollback:
        pass
    assert (result.intact, result.first_broken_id) == (False, later.pk)
    assert "inserted" in result.reason
    assert audit_verify().intact  # the forgery and the dropped constraint were rolled back
