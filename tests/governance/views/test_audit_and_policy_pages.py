"""The audit log (auditors and governance admins only), its exports and chain check; the policy pages; the error
pages in the portal's design."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.urls import reverse

from core.models import AuditEvent
from governance.models import PolicyEvaluation
from governance.policy import policy_active, policy_version_create
from governance.policy.services import default_rules_yaml
from tests.factories.governance import auditor
from tests.governance.conftest import make_model
from tests.governance.views.conftest import draft, query_count

pytestmark = pytest.mark.django_db

AUDIT = reverse("governance:audit")


@pytest.fixture
def audrey(db):
    return auditor(username="audrey")


def test_the_audit_log_is_closed_to_requesters_and_reviewers(client, requester, security_reviewer):
    for user in (requester, security_reviewer):
        client.force_login(user)
        assert client.get(AUDIT).status_code == 403
        assert client.get(reverse("governance:audit-export", args=["csv"])).status_code == 403
        assert client.get(reverse("governance:audit-verify")).status_code == 403


def test_auditors_and_governance_admins_read_it(client, audrey, gov_admin, requester, team, model, review_use_case):
    draft(requester, team, model, review_use_case)
    for user in (audrey, gov_admin):
        client.force_login(user)
        response = client.get(AUDIT)
        assert response.status_code == 200 and "approval_request.create" in response.content.decode()


def test_filters_narrow_the_log(client, audrey, requester, team, model, review_use_case):
    approval = draft(requester, team, model, review_use_case)
    client.force_login(audrey)
    response = client.get(AUDIT, {"actor": "rob", "action": "approval_request.*"})
    assert [e.action for e in response.context["page"].object_list] == ["approval_request.create"]
    by_target = client.get(AUDIT, {"target_type": "governance.approvalrequest", "target_id": approval.pk})
    assert by_target.context["page"].paginator.count == 1
    nobody = client.get(AUDIT, {"actor": "nobody"})
    assert nobody.context["page"].paginator.count == 0 and "No event matches" in nobody.content.decode()


def test_a_reversed_date_range_is_a_clear_error(client, audrey):
    client.force_login(audrey)
    response = client.get(AUDIT, {"since": "2026-03-10", "until": "2026-03-01"})
    assert response.status_code == 400 and "The end date is before the start date." in response.content.decode()


def test_exports_keep_chain_order_and_the_filter(client, audrey, requester, team, model, review_use_case):
    draft(requester, team, model, review_use_case)
    draft(requester, team, make_model("acme/second"), review_use_case)
    client.force_login(audrey)
    url = reverse("governance:audit-export", args=["json"])
    response = client.get(url, {"action": "approval_request.create"})
    rows = json.loads(response.content)
    assert [row["action"] for row in rows] == ["approval_request.create"] * 2 and rows[0]["id"] < rows[1]["id"]
    assert response["Content-Disposition"].startswith('attachment; filename="modelgate-audit-')
    csv_response = client.get(reverse("governance:audit-export", args=["csv"]), {"action": "approval_request.create"})
    table = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert len(table) == 2 and table[0]["actor_username"] == "rob" and csv_response["X-Event-Count"] == "2"


def test_the_chain_check_reports_intact_then_the_first_forged_event(
    client, audrey, requester, team, model, review_use_case
):
    draft(requester, team, model, review_use_case)
    client.force_login(audrey)
    assert 'data-chain="intact"' in client.get(reverse("governance:audit-verify")).content.decode()
    forged = AuditEvent.objects.order_by("id").first()
    with connection.cursor() as cursor:
        # Around the append-only trigger, as an attacker with database access would.
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE core_auditevent SET actor_username = 'mallory' WHERE id = %s", [forged.pk])
        cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    page = client.get(reverse("governance:audit-verify")).content.decode()
    assert 'data-chain="broken"' in page and f"event #{forged.pk}" in page


def test_the_audit_page_query_count_does_not_grow_with_rows(
    client, audrey, requester, team, review_use_case, django_assert_max_num_queries
):
    draft(requester, team, make_model("acme/first"), review_use_case)
    client.force_login(audrey)
    few = query_count(client, AUDIT)
    for n in range(5):
        draft(requester, team, make_model(f"acme/more-{n}"), review_use_case)
    with django_assert_max_num_queries(few):
        client.get(AUDIT)


# --- policies ------------------------------------------------------------------------------------------------


def test_the_policy_page_lists_versions_and_diffs_them(client, requester, gov_admin):
    policy_active()
    rules = default_rules_yaml().replace("stages: [security]", "stages: [security, legal]", 1)
    policy_version_create(rules_yaml=rules, note="Legal reviews everything", actor=gov_admin)
    client.force_login(requester)
    response = client.get(reverse("governance:policies"))
    page = response.content.decode()
    assert [v.version for v in response.context["versions"]] == [2, 1]
    assert "Legal reviews everything" in page
    assert '<span class="diff-add">+  stages: [security, legal]</span>' in page
    assert '<span class="diff-del">-  stages: [security]</span>' in page
    assert client.get(reverse("governance:policy-version", args=[2])).status_code == 200
    assert client.get(reverse("governance:policy-version", args=[9])).status_code == 404


def test_a_dry_run_answers_without_writing(client, requester, team, model, high_risk_use_case):
    client.force_login(requester)
    params = {"team": team.slug, "model": model.slug, "use_case": high_risk_use_case.pk}
    response = client.get(reverse("governance:policy-dry-run"), params, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "data-outcome=" in page and "Facts the rules read" in page
    assert response.context["evaluation"].outcome in ("review", "deny")
    assert not PolicyEvaluation.objects.exists()


def test_a_dry_run_for_a_team_i_cannot_see_is_refused(client, requester, model):
    from tests.factories.governance import TeamFactory

    TeamFactory(slug="secret-team")
    client.force_login(requester)
    response = client.get(reverse("governance:policy-dry-run"), {"team": "secret-team", "model": model.slug})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


# --- error pages -----------------------------------------------------------------------------------------------


def test_error_pages_use_the_portal_design(client, requester):
    client.force_login(requester)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert 'class="card error-page"' in missing.content.decode() and "Skip to content" in missing.content.decode()
    forbidden = client.get(AUDIT)
    assert 'class="card error-page"' in forbidden.content.decode()
    assert "The audit log is for auditors and governance admins." in forbidden.content.decode()
