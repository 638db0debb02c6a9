"""The governance pages, mounted at the site root (the dashboard is the home page)."""

from django.urls import path

from governance.views import (
    audit,
    can_use,
    dashboard,
    entitlements,
    policies,
    request_form,
    requests,
    reviews,
    teams,
    tokens,
)

app_name = "governance"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("can-use/", can_use.can_use, name="can-use"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", request_form.request_new, name="request-new"),
    path("requests/precheck/", request_form.request_precheck, name="request-precheck"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/edit/", request_form.request_edit, name="request-edit"),
    path("requests/<int:pk>/submit/", requests.request_submit_view, name="request-submit"),
    path("requests/<int:pk>/withdraw/", requests.request_withdraw_view, name="request-withdraw"),
    path("requests/<int:pk>/comment/", requests.request_comment_view, name="request-comment"),
    path("requests/<int:pk>/packet.json", requests.request_packet, name="request-packet"),
    path("reviews/", reviews.review_inbox, name="reviews"),
    path("reviews/<int:pk>/decide/", reviews.review_decide, name="review-decide"),
    path("entitlements/<int:pk>/reconfirm/", entitlements.entitlement_reconfirm_view, name="entitlement-reconfirm"),
    path("entitlements/<int:pk>/revoke/", entitlements.entitlement_revoke_view, name="entitlement-revoke"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<slug:slug>/", teams.team_detail, name="team"),
    path("teams/<slug:slug>/members/", teams.member_add, name="member-add"),
    path("teams/<slug:slug>/members/<int:user_id>/role/", teams.member_role, name="member-role"),
    path("teams/<slug:slug>/members/<int:user_id>/remove/", teams.member_remove, name="member-remove"),
    path("teams/<slug:slug>/use-cases/", teams.use_case_add, name="use-case-add"),
    path("teams/<slug:slug>/tokens/", teams.token_create, name="token-create"),
    path("teams/<slug:slug>/tokens/<int:pk>/revoke/", teams.token_revoke, name="token-revoke"),
    path("teams/<slug:slug>/webhooks/", teams.webhook_create, name="webhook-create"),
    path("teams/<slug:slug>/webhooks/<int:pk>/deactivate/", teams.webhook_deactivate, name="webhook-deactivate"),
    path("tokens/", tokens.my_tokens, name="my-tokens"),
    path("tokens/<int:pk>/revoke/", tokens.my_token_revoke, name="my-token-revoke"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/verify/", audit.audit_chain_status, name="audit-verify"),
    path("audit/export.<str:fmt>", audit.audit_export, name="audit-export"),
    path("policies/", policies.policy_list, name="policies"),
    path("policies/v<int:version>/", policies.policy_version, name="policy-version"),
    path("policies/dry-run/", policies.policy_dry_run, name="policy-dry-run"),
    path("policies/edit/", policies.policy_edit, name="policy-edit"),
]
