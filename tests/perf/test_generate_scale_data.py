"""generate_scale_data: a large world in one command, named under a prefix, safe to run twice, with an audit chain
that stays one verifiable line (the same hashing as every real event)."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from catalog.models import AIModel, ModelAlias, Offering, Price
from core.audit import audit_record
from core.audit.chain import audit_verify
from core.models import AuditEvent
from governance.decisions import decide
from governance.management.commands.generate_scale_data import audit_events_append
from governance.models import Entitlement, Team, UseCase
from governance.policy import policy_active

pytestmark = pytest.mark.django_db

SMALL = {"models": 40, "teams": 6, "entitlements": 60, "audit_events": 120}


def generate(prefix: str = "t", **sizes) -> str:
    out = io.StringIO()
    call_command("generate_scale_data", prefix=prefix, stdout=out, **{**SMALL, **sizes})
    return out.getvalue()


def counts(prefix: str = "t") -> dict:
    return {
        "models": AIModel.objects.filter(slug__startswith=f"{prefix}-lab-").count(),
        "aliases": ModelAlias.objects.filter(model__slug__startswith=f"{prefix}-lab-").count(),
        "offerings": Offering.objects.filter(model__slug__startswith=f"{prefix}-lab-").count(),
        "prices": Price.objects.filter(offering__model__slug__startswith=f"{prefix}-lab-").count(),
        "teams": Team.objects.filter(slug__startswith=f"{prefix}-team-").count(),
        "use_cases": UseCase.objects.filter(team__slug__startswith=f"{prefix}-team-").count(),
        "entitlements": Entitlement.objects.filter(team__slug__startswith=f"{prefix}-team-").count(),
        "audit_events": AuditEvent.objects.filter(actor_label=f"scale:{prefix}").count(),
    }


def test_it_builds_the_requested_world_with_an_intact_audit_chain():
    generate()

    assert counts() == {
        "models": 40, "aliases": 40, "offerings": 40, "prices": 80, "teams": 6, "use_cases": 6,
        "entitlements": 60, "audit_events": 120,
    }  # fmt: skip
    result = audit_verify()
    assert result.intact, result.reason
    assert result.checked == AuditEvent.objects.count()


def test_a_second_run_with_the_same_prefix_adds_nothing_and_a_larger_one_tops_up():
    generate()
    first = counts()

    output = generate()

    assert counts() == first
    assert "audit events" in output and "      0 added" in output
    generate(models=50, audit_events=150)
    assert counts()["models"] == 50 and counts()["audit_events"] == 150
    assert audit_verify().intact


def test_two_prefixes_share_a_database_without_touching_each_other():
    generate("alpha")
    generate("beta", models=10, teams=2, entitlements=5, audit_events=7)

    assert counts("alpha")["models"] == 40 and counts("beta")["models"] == 10
    assert counts("beta")["audit_events"] == 7
    assert audit_verify().intact


def test_events_appended_in_chunks_link_to_the_chain_and_real_events_follow_them():
    with transaction.atomic():
        audit_record(action="test.before", target=("test", "1", "before"), actor_label="test")

    added = audit_events_append(prefix="chunks", target=120, chunk=50)
    with transaction.atomic():
        after = audit_record(action="test.after", target=("test", "2", "after"), actor_label="test")

    assert added == 120
    events = list(AuditEvent.objects.order_by("id").values_list("id", "occurred_at", "prev_hash", "hash"))
    assert after.prev_hash == events[-2][3]
    assert all(later[1] > earlier[1] for earlier, later in itertools.pairwise(events)), "time order"
    assert audit_verify().intact


def test_generated_entitlements_answer_decisions():
    policy_active()
    generate()
    live = (
        Entitlement.objects.filter(
            status="active", team__slug__startswith="t-team-", team__regulated=False, model__lifecycle="ga"
        )
        .select_related("team", "model")
        .first()
    )
    revoked = Entitlement.objects.filter(status="revoked").select_related("team", "model").first()

    assert decide(team=live.team.slug, model=live.model.slug).allowed is True
    assert decide(team=revoked.team.slug, model=revoked.model.slug).allowed is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prefix": "Bad-Prefix"}, "--prefix must be"),
        ({"models": -1}, "--models must be 0 or more"),
        ({"models": 0, "entitlements": 5}, "--entitlements needs --models and --teams"),
        ({"models": 2, "teams": 2, "entitlements": 5}, "exceeds the 4 distinct"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(options, message):
    before = (AIModel.objects.count(), Team.objects.count(), AuditEvent.objects.count())

    with pytest.raises(CommandError, match=message):
        generate(**options)

    assert (AIModel.objects.count(), Team.objects.count(), AuditEvent.objects.count()) == before
