"""The demo organisation: every role can log in, requests in several states, one entitlement; idempotent."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from core.models import AuditEvent
from governance import demo, permissions
from governance.choices import EntitlementStatus, RequestStatus
from governance.models import ApprovalRequest, Entitlement, Team, UseCase
from governance.selectors import review_inbox_for
from tests.governance.conftest import make_model

pytestmark = pytest.mark.django_db

DEMO_MODELS = ("openai/gpt-4.1", "openai/gpt-4o-mini", "deepseek/deepseek-r1", "mistral/mistral-large",
               "google/gemini-2.5-pro")  # fmt: skip


@pytest.fixture
def catalog(db):
    return {slug: make_model(slug, license_category="commercial") for slug in DEMO_MODELS}


def test_the_demo_organisation_has_every_role_and_requests_in_several_states(catalog):
    logins = demo.demo_organisation_ensure()

    users = {u.username: u for u in get_user_model().objects.all()}
    assert {login.username for login in logins} == set(users)
    for login in logins:
        assert users[login.username].check_password(login.password), login.username
    assert permissions.is_governance_admin(users["admin"]) and permissions.is_auditor(users["ada.auditor"])
    assert permissions.is_team_admin(users["tina.teamadmin"], Team.objects.get(slug="search-platform"))
    assert Team.objects.get(slug="fraud-detection").regulated

    by_model = {r.model.slug: r for r in ApprovalRequest.objects.select_related("model")}
    assert by_model["openai/gpt-4.1"].status == RequestStatus.APPROVED
    assert by_model["openai/gpt-4o-mini"].status == RequestStatus.IN_REVIEW
    assert by_model["deepseek/deepseek-r1"].status == RequestStatus.CHANGES_REQUESTED
    assert by_model["mistral/mistral-large"].status == RequestStatus.DRAFT
    assert by_model["google/gemini-2.5-pro"].status == RequestStatus.REJECTED  # regulated team, no provenance
    entitlement = Entitlement.objects.get()
    assert entitlement.model.slug == "openai/gpt-4.1" and entitlement.status == EntitlementStatus.ACTIVE
    assert [r.request.model.slug for r in review_inbox_for(users["rita.reviewer"])] == ["openai/gpt-4o-mini"]


def test_running_the_demo_twice_changes_nothing(catalog):
    demo.demo_organisation_ensure()
    counts = (get_user_model().objects.count(), ApprovalRequest.objects.count(), UseCase.objects.count(),
              AuditEvent.objects.count())  # fmt: skip
    demo.demo_organisation_ensure()
    assert counts == (get_user_model().objects.count(), ApprovalRequest.objects.count(), UseCase.objects.count(),
                      AuditEvent.objects.count())  # fmt: skip


def test_without_a_catalog_the_demo_still_creates_people_and_teams_and_says_what_it_skipped(db):
    messages: list[str] = []
    demo.demo_organisation_ensure(log=messages.append)
    assert Team.objects.count() == 2 and not ApprovalRequest.objects.exists()
    assert any("openai/gpt-4.1" in message and "skipped" in message for message in messages)
