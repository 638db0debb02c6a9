"""Writes of policy-as-code: new versions of the rule set, and evaluations of a question against the active one."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from core.audit import audit_record, snapshot
from core.exceptions import ApplicationError, ConflictError
from governance.choices import DataClassification
from governance.models import PolicyEvaluation, PolicyVersion, ReviewStage
from governance.permissions import require_governance_admin
from governance.policy.engine import evaluate, jsonable
from governance.policy.facts import Question, fact_sources_load, facts_compute
from governance.policy.language import RuleSet
from governance.policy.validation import parse_rules

DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "default_rules.yaml"
# Serialises version creation (and the first load of the default): "policy" in ASCII, as a bigint.
POLICY_LOCK_KEY = int.from_bytes(b"policy", "big")
AUDITED_FIELDS = ["version", "sha256", "note", "is_active", "created_at", "created_by"]
_parsed: dict[tuple[int | None, str], RuleSet] = {}


def default_rules_yaml() -> str:
    return DEFAULT_RULES_PATH.read_text()


def rules_sha256(rules_yaml: str) -> str:
    return hashlib.sha256(rules_yaml.encode()).hexdigest()


def policy_rule_set(version: PolicyVersion) -> RuleSet:
    """The parsed rules of a stored version (parsed once per process and content)."""
    key = (version.pk, version.sha256)
    if key not in _parsed:
        _parsed[key] = parse_rules(version.rules_yaml)
    return _parsed[key]


def policy_active() -> PolicyVersion:
    """The active version; the shipped default becomes version 1 the first time no version exists."""
    active = PolicyVersion.objects.filter(is_active=True).first()
    return active or _default_version_ensure()


@transaction.atomic
def _default_version_ensure() -> PolicyVersion:
    _lock()
    active = PolicyVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    if PolicyVersion.objects.exists():
        raise ConflictError("No policy version is active; a governance admin must create one.")
    return _store(rules_yaml=default_rules_yaml(), note="Default policy shipped with Modelgate", actor=None)


def policy_version_create(*, rules_yaml: str, note: str, actor) -> PolicyVersion:
    """Validate a rule set, store it as the next version and make it the active one (the previous one stays,
    inactive). Nothing is written when the rules are invalid: the error names every rule and field at fault."""
    require_governance_admin(actor, "change the policy")
    stages = frozenset(ReviewStage.objects.values_list("slug", flat=True))
    parse_rules(rules_yaml, known_stages=stages)
    if len(note) > PolicyVersion._meta.get_field("note").max_length:
        raise ApplicationError("The note is longer than 300 characters.", details={"field": "note"})
    with transaction.atomic(durable=True):
        _lock()
        previous = PolicyVersion.objects.select_for_update().filter(is_active=True).first()
        if previous is None and not PolicyVersion.objects.exists():
            previous = _store(rules_yaml=default_rules_yaml(), note="Default policy shipped with Modelgate", actor=None)
        if previous is not None and previous.sha256 == rules_sha256(rules_yaml):
            raise ConflictError(f"These rules are already the active policy (v{previous.version}).")
        return _store(rules_yaml=rules_yaml, note=note, actor=actor, previous=previous)


def _store(*, rules_yaml: str, note: str, actor, previous: PolicyVersion | None = None) -> PolicyVersion:
    """Deactivate the previous version and write the next one, with its audit event. Runs under _lock()."""
    before = snapshot(previous, AUDITED_FIELDS) if previous else None
    if previous is not None:
        # First, or the one-active constraint would refuse the new row.
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    latest = PolicyVersion.objects.order_by("-version").values_list("version", flat=True).first() or 0
    version = PolicyVersion(
        version=latest + 1,
        rules_yaml=rules_yaml,
        sha256=rules_sha256(rules_yaml),
        note=note,
        is_active=True,
        created_at=timezone.now(),
        created_by=actor,
    )
    version.full_clean(validate_constraints=False)
    version.save(force_insert=True)
    audit_record(
        action="policy_version.create",
        target=version,
        before=before,
        after=snapshot(version, AUDITED_FIELDS),
        actor=actor,
        actor_label="" if actor else "system",
        context={"previous_version": previous.version if previous else None},
    )
    return version


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [POLICY_LOCK_KEY])


def policy_evaluate(
    *,
    team,
    model,
    use_case=None,
    data_classification: str | None = None,
    region: str | None = None,
    offering=None,
    request=None,
    persist: bool = True,
) -> PolicyEvaluation:
    """Evaluate the active policy on a question. ``request`` (an ApprovalRequest) fills what is not given,
    including its expected spend. With ``persist=False`` (a dry run) nothing at all is written and the returned
    evaluation is unsaved."""
    if request is not None:
        use_case = use_case or request.use_case
        data_classification = data_classification or request.data_classification
        region = region or request.region
        offering = offering or request.offering
    _check_question(team, model, use_case, data_classification, offering)
    version = policy_active() if persist else _active_or_default_unsaved()
    question = Question(
        data_classification=data_classification or None,
        region=region or None,
        offering_id=offering.pk if offering is not None else None,
        new_request=True,
        expected_monthly_tokens=getattr(request, "expected_monthly_tokens", None),
        expected_monthly_spend_usd=_spend(request),
    )
    facts = facts_compute(fact_sources_load(team=team, model=model, use_case=use_case), question)
    result = evaluate(policy_rule_set(version) if version.pk else parse_rules(version.rules_yaml), facts)
    evaluation = PolicyEvaluation(
        policy_version=version,
        evaluated_at=timezone.now(),
        team=team,
        model=model,
        use_case=use_case,
        data_classification=facts["request.data_classification"] or "",
        region=region or "",
        outcome=result.outcome,
        required_stages=list(result.required_stages),
        matched_rules=[match.as_json() for match in result.matched_rules],
        warnings=list(result.warnings),
        explanation=f"Policy v{version.version}: {result.explanation}",
        facts={name: jsonable(value) for name, value in sorted(facts.items())},
    )
    if persist:
        with transaction.atomic():
            evaluation.save(force_insert=True)
    return evaluation


def _active_or_default_unsaved() -> PolicyVersion:
    active = PolicyVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    if PolicyVersion.objects.exists():
        raise ConflictError("No policy version is active; a governance admin must create one.")
    # What version 1 will be once stored; never saved by a dry run.
    text = default_rules_yaml()
    return PolicyVersion(version=1, rules_yaml=text, sha256=rules_sha256(text), is_active=True)


def _check_question(team, model, use_case, data_classification, offering) -> None:
    if use_case is not None and use_case.team_id != team.pk:
        raise ApplicationError(f"Use case {use_case.slug} belongs to another team, not {team.slug}.")
    if offering is not None and offering.model_id != model.pk:
        raise ApplicationError(f"Offering {offering.external_id} does not offer {model.slug}.")
    if data_classification and data_classification not in DataClassification.values:
        known = ", ".join(DataClassification.values)
        raise ApplicationError(f"Unknown data classification '{data_classification}' (one of {known}).")


def _spend(request) -> Decimal | None:
    return getattr(request, "expected_monthly_spend_usd", None) if request is not None else None
