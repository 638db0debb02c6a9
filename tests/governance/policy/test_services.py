"""Policy versions (default load, create, validate, diff) and evaluations (persisted, dry run, old versions)."""

from decimal import Decimal

import pytest

from core.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from core.models import AuditEvent
from governance.models import PolicyEvaluation, PolicyVersion
from governance.policy.selectors import policy_versions_diff
from governance.policy.services import default_rules_yaml, policy_active, policy_evaluate, policy_version_create
from governance.policy.validation import PolicyValidationError
from tests.factories.governance import (
    ApprovalRequestFactory,
    TeamFactory,
    UseCaseFactory,
    UserFactory,
    governance_admin,
)
from tests.governance.policy import world

pytestmark = pytest.mark.django_db

DENY_OPENAI = """
description: No models of one vendor
default: {effect: require_stage, stages: [security]}
rules:
  - id: no-vendor-x
    description: Vendor X is not approved.
    when: {fact: model.slug, contains: "vendorx/"}
    effect: deny
    message: "{model.slug} comes from vendor X."
"""


def test_the_default_rules_become_version_1_once_with_an_audit_event():
    assert not PolicyVersion.objects.exists()
    first = policy_active()
    assert (first.version, first.is_active, first.rules_yaml) == (1, True, default_rules_yaml())
    assert policy_active() == first
    assert PolicyVersion.objects.count() == 1
    event = AuditEvent.objects.get(action="policy_version.create")
    assert (event.target_id, event.actor_label, event.after["version"]) == (str(first.pk), "system", 1)


def test_a_governance_admin_creates_a_new_active_version_and_the_old_one_is_kept():
    admin = governance_admin()
    policy_active()
    second = policy_version_create(rules_yaml=DENY_OPENAI, note="Vendor X banned", actor=admin)

    assert (second.version, second.is_active, second.created_by) == (2, True, admin)
    assert list(PolicyVersion.objects.order_by("version").values_list("version", "is_active")) == [
        (1, False),
        (2, True),
    ]
    event = AuditEvent.objects.filter(action="policy_version.create").latest("id")
    assert event.actor_id == admin.pk
    assert event.before["version"] == 1
    assert (event.after["version"], event.after["note"]) == (2, "Vendor X banned")


def test_creating_the_first_version_stores_the_default_as_version_1_first():
    second = policy_version_create(rules_yaml=DENY_OPENAI, note="", actor=governance_admin())
    assert second.version == 2
    assert PolicyVersion.objects.get(version=1).rules_yaml == default_rules_yaml()


def test_only_a_governance_admin_may_change_the_policy_and_nothing_is_written_otherwise():
    policy_active()
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDeniedError, match="Only a governance admin may change the policy"):
        policy_version_create(rules_yaml=DENY_OPENAI, note="", actor=UserFactory())
    assert PolicyVersion.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_invalid_rules_are_refused_naming_rule_and_field_and_nothing_changes():
    active = policy_active()
    bad = DENY_OPENAI.replace("model.slug, contains", "model.slugg, contains")
    with pytest.raises(PolicyValidationError) as caught:
        policy_version_create(rules_yaml=bad, note="typo", actor=governance_admin())
    assert caught.value.details["errors"][0]["rule"] == "no-vendor-x"
    assert caught.value.details["errors"][0]["field"] == "when.fact"
    assert list(PolicyVersion.objects.values_list("pk", "is_active")) == [(active.pk, True)]


def test_a_rule_naming_a_stage_that_does_not_exist_is_refused():
    bad = DENY_OPENAI.replace("stages: [security]", "stages: [ethics-board]")
    with pytest.raises(PolicyValidationError, match="no review stage 'ethics-board' exists"):
        policy_version_create(rules_yaml=bad, note="", actor=governance_admin())


def test_the_same_rules_again_are_refused():
    admin = governance_admin()
    policy_version_create(rules_yaml=DENY_OPENAI, note="", actor=admin)
    with pytest.raises(ConflictError, match=r"already the active policy \(v2\)"):
        policy_version_create(rules_yaml=DENY_OPENAI, note="again", actor=admin)


def test_diff_between_two_versions():
    policy_version_create(rules_yaml=DENY_OPENAI, note="", actor=governance_admin())
    diff = policy_versions_diff(1, 2)
    assert diff.startswith("--- policy v1\n+++ policy v2\n")
    assert '+    message: "{model.slug} comes from vendor X."\n' in diff
    assert "-  - id: prohibited-risk-tier\n" in diff
    assert policy_versions_diff(2, 2) == ""


def test_a_persisted_evaluation_stores_version_facts_and_explanation():
    team = TeamFactory()
    use_case = UseCaseFactory(team=team, risk_tier="high", data_classification="confidential")
    model = world.model("acme/chat")
    world.offering(model, regions=["eu-west"], input_usd="3", output_usd="15")

    evaluation = policy_evaluate(team=team, model=model, use_case=use_case)

    evaluation.refresh_from_db()
    assert evaluation.policy_version.version == 1
    assert (evaluation.outcome, evaluation.required_stages) == ("review", ["security", "legal"])
    assert evaluation.data_classification == "confidential"
    assert evaluation.matched_rules[0]["rule"] == "high-risk-or-restricted-review"
    assert evaluation.matched_rules[0]["facts"]["use_case.risk_tier"] == "high"
    assert evaluation.explanation.startswith("Policy v1: Review required by: security, legal.")
    # Money is stored as exact text, never as a float.
    assert evaluation.facts["price.input_usd_per_1m"] == "3"
    assert evaluation.facts["model.slug"] == "acme/chat"


def test_a_dry_run_writes_nothing_not_even_the_default_version():
    team = TeamFactory()
    use_case = UseCaseFactory(team=team, risk_tier="prohibited")
    events = AuditEvent.objects.count()

    evaluation = policy_evaluate(team=team, model=world.model(), use_case=use_case, persist=False)

    assert evaluation.pk is None
    assert evaluation.outcome == "deny"
    assert "prohibited-risk-tier" in evaluation.explanation
    assert PolicyEvaluation.objects.count() == 0
    assert PolicyVersion.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_an_old_evaluation_still_names_the_version_it_used_after_the_policy_changes():
    team = TeamFactory()
    use_case = UseCaseFactory(team=team, risk_tier="minimal", data_classification="internal")
    model = world.model("vendorx/fast")
    before = policy_evaluate(team=team, model=model, use_case=use_case)
    assert before.outcome == "allow"

    policy_version_create(rules_yaml=DENY_OPENAI, note="Vendor X banned", actor=governance_admin())
    after = policy_evaluate(team=team, model=model, use_case=use_case)

    before.refresh_from_db()
    assert (before.policy_version.version, before.outcome) == (1, "allow")
    assert (after.policy_version.version, after.outcome) == (2, "deny")
    assert "vendorx/fast comes from vendor X." in after.explanation


def test_the_request_supplies_the_question_and_its_expected_spend():
    request = ApprovalRequestFactory(
        model=world.model(),
        use_case__risk_tier="minimal",
        data_classification="internal",
        expected_monthly_spend_usd=Decimal("25000.00"),
    )
    evaluation = policy_evaluate(team=request.team, model=request.model, request=request)
    assert (evaluation.outcome, evaluation.required_stages) == ("review", ["procurement"])
    assert evaluation.facts["request.expected_monthly_spend_usd"] == "25000"


def test_a_question_that_does_not_hold_together_is_refused():
    team = TeamFactory()
    model = world.model()
    with pytest.raises(ApplicationError, match="belongs to another team"):
        policy_evaluate(team=team, model=model, use_case=UseCaseFactory())
    with pytest.raises(ApplicationError, match="does not offer"):
        policy_evaluate(team=team, model=model, offering=world.offering(world.model()))
    with pytest.raises(ApplicationError, match="Unknown data classification 'secret'"):
        policy_evaluate(team=team, model=model, data_classification="secret")
    assert PolicyEvaluation.objects.count() == 0


def test_a_fine_tune_of_a_non_commercial_model_is_denied_for_production_but_not_for_an_experiment():
    team = TeamFactory()
    base = world.model("research/base", licence_category="non_commercial")
    fine_tune = world.model("acme/support-tuned", licence_category="permissive")
    world.derived(fine_tune, base)
    production = UseCaseFactory(team=team, production=True, risk_tier="minimal")
    experiment = UseCaseFactory(team=team, production=False, risk_tier="minimal")

    denied = policy_evaluate(team=team, model=fine_tune, use_case=production)
    reviewed = policy_evaluate(team=team, model=fine_tune, use_case=experiment)

    assert denied.outcome == "deny"
    assert "research/base: non_commercial" in denied.explanation
    # Not production, so not denied; not auto-approved either, since a licence in its lineage is non-commercial.
    assert (reviewed.outcome, reviewed.required_stages) == ("review", ["security"])
