"""Reads of policy-as-code: the versions and what changed between two of them."""

from __future__ import annotations

import difflib

from core.exceptions import NotFoundError
from governance.models import PolicyEvaluation, PolicyVersion


def policy_versions() -> list[PolicyVersion]:
    """Every version, newest first."""
    return list(PolicyVersion.objects.select_related("created_by").order_by("-version"))


def policy_version_get(version: int) -> PolicyVersion:
    try:
        return PolicyVersion.objects.get(version=version)
    except PolicyVersion.DoesNotExist:
        raise NotFoundError(f"There is no policy version {version}.") from None


def policy_version_to_edit() -> PolicyVersion | None:
    """The version an edit of the rules starts from: the active one, else the newest; None before any is stored."""
    return PolicyVersion.objects.order_by("-is_active", "-version").first()


def policy_versions_diff(a: int | PolicyVersion, b: int | PolicyVersion) -> str:
    """A unified diff of the YAML of version ``a`` to version ``b`` (empty when the texts are equal)."""
    old = a if isinstance(a, PolicyVersion) else policy_version_get(a)
    new = b if isinstance(b, PolicyVersion) else policy_version_get(b)
    lines = difflib.unified_diff(
        old.rules_yaml.splitlines(keepends=True),
        new.rules_yaml.splitlines(keepends=True),
        fromfile=f"policy v{old.version}",
        tofile=f"policy v{new.version}",
    )
    return "".join(lines)


def policy_evaluations_of(*, team=None, model=None) -> list[PolicyEvaluation]:
    """Stored evaluations, newest first, with the version each one used."""
    evaluations = PolicyEvaluation.objects.select_related("policy_version", "team", "model", "use_case")
    if team is not None:
        evaluations = evaluations.filter(team=team)
    if model is not None:
        evaluations = evaluations.filter(model=model)
    return list(evaluations.order_by("-evaluated_at", "-id"))
