"""The request pages: list, form (new, edit, inline use case), live pre-check, detail, actions, packet."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from core.models import AuditEvent
from governance.choices import RequestStatus, RiskTier
from governance.models import ApprovalRequest, PolicyEvaluation, RequestComment, UseCase
from tests.factories.governance import TeamFactory, UseCaseFactory, UserFactory, member, stage
from tests.governance.conftest import make_model
from tests.governance.views.conftest import approved, draft, query_count

pytestmark = pytest.mark.django_db

NEW = reverse("governance:request-new")
PRECHECK = reverse("governance:request-precheck")


def form_data(team, model, chosen_use_case, /, **overrides):
    data = {
        "team": team.slug,
        "model": model.slug,
        "use_case": str(chosen_use_case.pk),
        "data_classification": "internal",
        "region": "",
        "justification": "Summarise support tickets.",
        "action": "draft",
    }
    return data | overrides


# --- the form ------------------------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_model_card_link(client, requester, team, model, review_use_case):
    client.force_login(requester)
    response = client.get(NEW, {"model": model.slug, "team": team.slug})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{model.slug}"' in page
    assert f'<option value="{team.slug}" selected>' in page
    assert '<option value="new">+ Describe a new use case…</option>' in page
    # The live pre-check is wired to the form's changes.
    assert 'hx-trigger="change, load"' in page and PRECHECK in page


def test_saving_a_draft_creates_it_and_shows_it(client, requester, team, model, review_use_case):
    client.force_login(requester)
    response = client.post(NEW, form_data(team, model, review_use_case), follow=True)
    approval = ApprovalRequest.objects.get()
    assert approval.status == RequestStatus.DRAFT and approval.requested_by == requester
    assert response.redirect_chain[-1][0] == reverse("governance:request", args=[approval.pk])
    assert "saved as a draft" in response.content.decode()


def test_submitting_from_the_form_opens_the_security_review(client, requester, team, model, review_use_case):
    client.force_login(requester)
    response = client.post(NEW, form_data(team, model, review_use_case, action="submit"), follow=True)
    approval = ApprovalRequest.objects.get()
    assert approval.status == RequestStatus.IN_REVIEW
    assert [r.stage.slug for r in approval.reviews.all()] == ["security"]
    assert "submitted: in review" in response.content.decode()


def test_a_new_use_case_is_created_with_the_request(client, requester, team, model):
    client.force_login(requester)
    data = form_data(team, model, UseCase(pk=0), use_case="new", new_use_case_name="Code review bot")
    data |= {"new_use_case_risk_tier": RiskTier.LIMITED, "new_use_case_production": "on"}
    client.post(NEW, data)
    use_case = UseCase.objects.get(team=team)
    assert (use_case.slug, use_case.risk_tier, use_case.production) == ("code-review-bot", "limited", True)
    assert ApprovalRequest.objects.get().use_case == use_case


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"justification": ""}, "justification", "This field is required."),
        ({"model": "nobody/nothing"}, "model", "No model is called &#x27;nobody/nothing&#x27; in the catalog."),
        ({"use_case": "new", "new_use_case_name": ""}, "new_use_case_name", "Name the new use case"),
        ({"data_classification": "secret"}, "data_classification", "Select a valid choice."),
        ({"expected_monthly_tokens": "-5"}, "expected_monthly_tokens", "greater than or equal to 0"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(
    client, requester, team, model, review_use_case, overrides, field, message
):
    client.force_login(requester)
    response = client.post(NEW, form_data(team, model, review_use_case, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    # What was typed stays on the form.
    assert "Summarise support tickets." in response.content.decode() or overrides.get("justification") == ""
    assert not ApprovalRequest.objects.exists() and not UseCase.objects.exclude(pk=review_use_case.pk).exists()


def test_a_use_case_of_another_team_is_refused(client, requester, team, model):
    other_team = TeamFactory(slug="other-team")
    foreign = UseCaseFactory(team=other_team)
    member(other_team, username="double-agent")
    client.force_login(requester)
    response = client.post(NEW, form_data(team, model, foreign))
    assert response.status_code == 400
    assert "use_case" in response.context["form"].errors
    assert not ApprovalRequest.objects.exists()


def test_a_refused_submit_keeps_nothing_half_made(client, requester, team, model, review_use_case, security_reviewer):
    """The team already holds the model: the submit is refused (409), and the new use case and draft vanish."""
    approved(requester, team, model, review_use_case, security_reviewer)
    client.force_login(requester)
    data = form_data(team, model, review_use_case, action="submit", use_case="new", new_use_case_name="Again")
    response = client.post(NEW, data)
    assert response.status_code == 409
    assert "already holds entitlement" in response.content.decode()
    assert ApprovalRequest.objects.count() == 1 and not UseCase.objects.filter(slug="again").exists()


def test_someone_in_no_team_is_told_to_ask_a_team_admin(client, db):
    client.force_login(UserFactory(username="loner"))
    response = client.get(NEW)
    assert response.status_code == 404 and "Ask a team admin" in response.content.decode()


# --- the live pre-check ----------------------------------------------------------------------------------------


def test_the_pre_check_shows_the_outcome_stages_and_explanation_and_writes_nothing(
    client, requester, team, model, review_use_case
):
    client.force_login(requester)
    params = {"team": team.slug, "model": model.slug, "use_case": review_use_case.pk, "data_classification": "internal"}
    response = client.get(PRECHECK, params, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="review"' in page and "Security" in page and "Policy v1" in page
    assert not PolicyEvaluation.objects.exists()


def test_the_pre_check_adds_a_procurement_review_for_a_large_expected_spend(
    client, requester, team, model, review_use_case
):
    stage("procurement")
    client.force_login(requester)
    params = {"team": team.slug, "model": model.slug, "use_case": review_use_case.pk}
    small = client.get(PRECHECK, params | {"expected_monthly_spend_usd": "500"})
    large = client.get(PRECHECK, params | {"expected_monthly_spend_usd": "25000"})
    assert list(small.context["evaluation"].required_stages) == ["security"]
    assert "procurement" in large.context["evaluation"].required_stages
    assert "Procurement" in large.content.decode() and "above 10,000 USD" in large.content.decode()


def test_the_pre_check_warns_before_a_prohibited_use_is_submitted(client, requester, team, model):
    client.force_login(requester)
    params = {
        "team": team.slug,
        "model": model.slug,
        "use_case": "new",
        "new_use_case_name": "Social scoring",
        "new_use_case_risk_tier": "prohibited",
    }
    page = client.get(PRECHECK, params).content.decode()
    assert 'data-outcome="deny"' in page and "prohibited risk tier" in page
    assert not UseCase.objects.exists()


def test_the_pre_check_asks_for_a_team_and_model_first(client, requester):
    client.force_login(requester)
    page = client.get(PRECHECK, {"model": "acme/does-not-exist"}).content.decode()
    assert "Choose your team and a model" in page


def test_the_pre_check_cannot_peek_at_another_teams_facts(client, requester, model):
    other = TeamFactory(slug="secret-team", regulated=True)
    client.force_login(requester)
    page = client.get(PRECHECK, {"team": other.slug, "model": model.slug}).content.decode()
    assert "Choose your team" in page and "data-outcome" not in page


# --- list and detail --------------------------------------------------------------------------------------------


def test_the_list_shows_my_teams_requests_only(client, requester, team, model, review_use_case):
    mine = draft(requester, team, model, review_use_case)
    other_team = TeamFactory(slug="other-team")
    theirs = draft(member(other_team), other_team, model, UseCaseFactory(team=other_team))
    client.force_login(requester)
    response = client.get(reverse("governance:requests"))
    assert [r.pk for r in response.context["page"].object_list] == [mine.pk]
    assert f"#{theirs.pk}" not in response.content.decode()


def test_the_list_query_count_does_not_grow_with_rows(
    client, requester, team, review_use_case, django_assert_max_num_queries
):
    models = [make_model(f"acme/model-{n}") for n in range(6)]
    draft(requester, team, models[0], review_use_case)
    client.force_login(requester)
    url = reverse("governance:requests")
    few = query_count(client, url)
    for model in models[1:]:
        draft(requester, team, model, review_use_case)
    with django_assert_max_num_queries(few):
        assert len(client.get(url).context["page"].object_list) == 6


def test_the_detail_shows_status_reviews_and_a_timeline_from_the_audit_trail(client, requester, in_review):
    client.force_login(requester)
    response = client.get(reverse("governance:request", args=[in_review.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "In review" in page and "Security" in page
    labels = [event.label for event in response.context["timeline"]]
    assert labels == ["drafted the request", "submitted the request"]
    # The requester cannot decide their own request: no decision form.
    assert response.context["decision_forms"] == []


def test_a_member_of_another_team_gets_404_for_the_request(client, in_review):
    outsider = member(TeamFactory(slug="other-team"), username="outsider")
    client.force_login(outsider)
    assert client.get(reverse("governance:request", args=[in_review.pk])).status_code == 404
    assert client.get(reverse("governance:request-packet", args=[in_review.pk])).status_code == 404
    response = client.post(reverse("governance:request-withdraw", args=[in_review.pk]))
    assert response.status_code == 404
    in_review.refresh_from_db()
    assert in_review.status == RequestStatus.IN_REVIEW


def test_anonymous_visitors_are_sent_to_sign_in(client, in_review):
    response = client.get(reverse("governance:request", args=[in_review.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_edit_then_submit_with_the_version_guard(client, requester, team, model, review_use_case):
    approval = draft(requester, team, model, review_use_case)
    client.force_login(requester)
    url = reverse("governance:request-edit", args=[approval.pk])
    data = form_data(team, model, review_use_case, justification="Better reason.", version=approval.version)
    client.post(url, data | {"action": "submit"})
    approval.refresh_from_db()
    assert approval.justification == "Better reason." and approval.status == RequestStatus.IN_REVIEW


def test_a_stale_edit_is_refused_with_412_and_keeps_the_newer_text(client, requester, team, model, review_use_case):
    approval = draft(requester, team, model, review_use_case)
    client.force_login(requester)
    url = reverse("governance:request-edit", args=[approval.pk])
    client.post(url, form_data(team, model, review_use_case, justification="First edit.", version=1))
    response = client.post(url, form_data(team, model, review_use_case, justification="Stale edit.", version=1))
    assert response.status_code == 412 and "changed since you loaded it" in response.content.decode()
    approval.refresh_from_db()
    assert approval.justification == "First edit."


def test_withdraw_and_comment(client, requester, in_review):
    client.force_login(requester)
    client.post(reverse("governance:request-comment", args=[in_review.pk]), {"body": "Any news?"})
    assert RequestComment.objects.get(request=in_review).body == "Any news?"
    response = client.post(reverse("governance:request-withdraw", args=[in_review.pk]), {"reason": "No longer needed"})
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == RequestStatus.WITHDRAWN


def test_an_empty_comment_is_refused_on_the_page(client, requester, in_review):
    client.force_login(requester)
    response = client.post(reverse("governance:request-comment", args=[in_review.pk]), {"body": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not RequestComment.objects.exists()


def test_withdrawing_twice_shows_the_conflict_as_a_message(client, requester, in_review):
    client.force_login(requester)
    url = reverse("governance:request-withdraw", args=[in_review.pk])
    client.post(url)
    response = client.post(url)
    assert response.status_code == 409
    assert "is withdrawn; it cannot be withdrawn" in response.content.decode()
    assert AuditEvent.objects.filter(action="approval_request.withdraw").count() == 1


def test_the_packet_is_served_as_json_and_as_a_download(
    client, requester, team, model, review_use_case, security_reviewer
):
    approval = approved(requester, team, model, review_use_case, security_reviewer, allowed_regions=["eu"])
    client.force_login(requester)
    url = reverse("governance:request-packet", args=[approval.pk])
    response = client.get(url)
    document = json.loads(response.content)
    assert response["X-Packet-SHA256"] == approval.packet.sha256
    assert document["entitlement"]["allowed_regions"] == ["eu"]
    download = client.get(url, {"download": "1"})
    assert download["Content-Disposition"] == f'attachment; filename="approval-packet-{approval.pk}.json"'
    detail = client.get(reverse("governance:request", args=[approval.pk])).content.decode()
    assert approval.packet.sha256 in detail and "intact" in detail


def test_a_draft_has_no_packet(client, requester, team, model, review_use_case):
    approval = draft(requester, team, model, review_use_case)
    client.force_login(requester)
    assert client.get(reverse("governance:request-packet", args=[approval.pk])).status_code == 404
