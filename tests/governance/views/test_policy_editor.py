"""The policy editor: a governance admin writes the next version of the rules in the portal. The service validates
(every error at once), refuses an unchanged text and writes the audit event; the page shows what it answered."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from governance.models import PolicyVersion
from governance.policy import policy_active
from governance.policy.services import default_rules_yaml

pytestmark = pytest.mark.django_db

EDIT = reverse("governance:policy-edit")
POLICIES = reverse("governance:policies")
LEGAL_FOR_ALL = default_rules_yaml().replace("stages: [security]", "stages: [security, legal]", 1)
# One rule with a field the language does not have, and a default sent to a stage nobody reviews.
TWO_MISTAKES = (
    default_rules_yaml()
    .replace(
        '    effect: deny\n    message: "Use case {use_case.slug}',
        '    effect: deny\n    severity: high\n    message: "Use case {use_case.slug}',
        1,
    )
    .replace("stages: [security]", "stages: [nobody]", 1)
)
SYNTAX_ERROR = "default: {effect: allow}\nrules: [unclosed\n"


def text(response) -> str:
    """The page as a person reads it: no tags, entities such as &#x27; decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def textarea_value(response) -> str:
    return response.context["form"]["rules_yaml"].value()


def stored() -> list[tuple[int, bool]]:
    return list(PolicyVersion.objects.order_by("version").values_list("version", "is_active"))


def policy_events() -> int:
    return AuditEvent.objects.filter(action="policy_version.create").count()


@pytest.fixture
def v1(db):
    return policy_active()


def test_the_form_starts_from_the_active_rules(client, gov_admin, v1):
    client.force_login(gov_admin)
    response = client.get(EDIT)
    assert response.status_code == 200
    assert textarea_value(response) == v1.rules_yaml
    assert "Starting from v1, the active version." in text(response)
    form = response.content.decode()
    assert "id: prohibited-risk-tier" in form and 'name="note"' in form and "csrfmiddlewaretoken" in form


def test_saving_makes_a_new_active_version_with_the_note_and_an_audit_event(client, gov_admin, v1):
    client.force_login(gov_admin)
    response = client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "Legal reviews everything from now on"})
    assert response.status_code == 302 and response["Location"] == reverse("governance:policy-version", args=[2])
    assert stored() == [(1, False), (2, True)]
    v2 = PolicyVersion.objects.get(version=2)
    assert v2.rules_yaml == LEGAL_FOR_ALL and v2.note == "Legal reviews everything from now on"
    assert v2.created_by == gov_admin
    event = AuditEvent.objects.get(action="policy_version.create", target_id=str(v2.pk))
    assert event.actor == gov_admin and event.context == {"previous_version": 1}
    assert event.after["note"] == "Legal reviews everything from now on"
    page = text(client.get(response["Location"]))
    assert "Policy v2 is now active." in page and "stages: [security, legal]" in page


def test_the_first_save_keeps_the_shipped_default_as_v1(client, gov_admin):
    client.force_login(gov_admin)
    response = client.get(EDIT)
    assert textarea_value(response) == default_rules_yaml() and "No version is stored yet" in text(response)
    client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "Legal reviews everything"})
    assert stored() == [(1, False), (2, True)]
    assert PolicyVersion.objects.get(version=2).rules_yaml == LEGAL_FOR_ALL


def test_a_browser_submission_is_stored_with_the_rules_line_breaks(client, gov_admin, v1):
    """Browsers send a textarea's lines as CRLF; the stored rules keep LF, like every other version."""
    client.force_login(gov_admin)
    client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL.replace("\n", "\r\n"), "note": "Legal reviews everything"})
    assert PolicyVersion.objects.get(is_active=True).rules_yaml == LEGAL_FOR_ALL


def test_invalid_rules_show_every_error_keep_the_text_and_store_nothing(client, gov_admin, v1):
    client.force_login(gov_admin)
    events = policy_events()
    response = client.post(EDIT, {"rules_yaml": TWO_MISTAKES, "note": "Stricter"})
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was saved: the rules have 2 error(s), listed below." in page
    assert (
        "Rule 'prohibited-risk-tier', field 'severity': unknown key; "
        "expected one of description, effect, id, message, stages, when" in page
    )
    assert "Rule 'default', field 'stages': no review stage 'nobody' exists" in page
    assert textarea_value(response) == TWO_MISTAKES and "severity: high" in page
    assert response.context["form"]["note"].value() == "Stricter"
    assert stored() == [(1, True)] and policy_events() == events


def test_a_yaml_syntax_error_is_shown_where_it_is(client, gov_admin, v1):
    client.force_login(gov_admin)
    response = client.post(EDIT, {"rules_yaml": SYNTAX_ERROR, "note": "Oops"})
    assert response.status_code == 400
    assert "Rule '(rule set)', field 'yaml': not valid YAML at line 3, column 1" in text(response)
    assert textarea_value(response) == SYNTAX_ERROR
    assert stored() == [(1, True)]


def test_a_missing_or_long_note_is_refused_before_the_service(client, gov_admin, v1):
    client.force_login(gov_admin)
    missing = client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "  "})
    assert missing.status_code == 400 and "This field is required." in text(missing)
    long = client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "x" * 301})
    assert long.status_code == 400 and "at most 300 characters" in text(long)
    assert textarea_value(long) == LEGAL_FOR_ALL
    assert stored() == [(1, True)]


def test_unchanged_rules_are_a_conflict(client, gov_admin, v1):
    client.force_login(gov_admin)
    events = policy_events()
    # As a browser sends the untouched form back.
    response = client.post(EDIT, {"rules_yaml": v1.rules_yaml.replace("\n", "\r\n"), "note": "No change"})
    assert response.status_code == 409
    assert "These rules are already the active policy (v1)." in text(response)
    assert stored() == [(1, True)] and policy_events() == events


def test_only_governance_admins_see_the_button_and_the_page(client, gov_admin, requester, security_reviewer, v1):
    client.force_login(gov_admin)
    assert f'href="{EDIT}"' in client.get(POLICIES).content.decode()
    for user in (requester, security_reviewer):
        client.force_login(user)
        listing = client.get(POLICIES)
        assert listing.status_code == 200 and f'href="{EDIT}"' not in listing.content.decode()
        assert "Edit rules" not in listing.content.decode()
        refused = client.get(EDIT)
        assert refused.status_code == 403 and "Only a governance admin may edit the policy." in text(refused)
        assert client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "Sneaky"}).status_code == 403
    assert stored() == [(1, True)]


def test_anonymous_visitors_are_sent_to_sign_in(client, v1):
    for response in (client.get(EDIT), client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "Anonymous"})):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={EDIT}"
    assert stored() == [(1, True)]


def test_a_post_without_the_csrf_token_is_refused(gov_admin, v1):
    client = Client(enforce_csrf_checks=True)
    client.force_login(gov_admin)
    response = client.post(EDIT, {"rules_yaml": LEGAL_FOR_ALL, "note": "Forged"})
    assert response.status_code == 403
    assert stored() == [(1, True)]
