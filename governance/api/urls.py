"""Routes of the governance API, mounted under /api/v1/ in the ``api`` namespace (next to the catalog's)."""

import os

from django.urls import path

from governance.api.views import (
    audit,
    decisions,
    entitlements,
    exports,
    policies,
    requests,
    reviews,
    teams,
    tokens,
    webhooks,
)

urlpatterns = [
    # First: the gateway calls it on every LLM request (config/urls.py mounts this module first, too).
    path("decisions/", decisions.DecisionView.as_view(), name="decision"),
    path("decisions/batch/", decisions.DecisionBatchView.as_view(), name="decision-batch"),
    path("teams/", teams.TeamListView.as_view(), name="team-list"),
    path("teams/<slug:slug>/", teams.TeamDetailView.as_view(), name="team-detail"),
    path("use-cases/", teams.UseCaseListView.as_view(), name="usecase-list"),
    path("use-cases/<int:pk>/", teams.UseCaseDetailView.as_view(), name="usecase-detail"),
    path("requests/", requests.RequestListView.as_view(), name="request-list"),
    path("requests/<int:pk>/", requests.RequestDetailView.as_view(), name="request-detail"),
    path("requests/<int:pk>/submit/", requests.RequestSubmitView.as_view(), name="request-submit"),
    path("requests/<int:pk>/withdraw/", requests.RequestWithdrawView.as_view(), name="request-withdraw"),
    path("requests/<int:pk>/approve/", requests.RequestApproveView.as_view(), name="request-approve"),
    path("requests/<int:pk>/reject/", requests.RequestRejectView.as_view(), name="request-reject"),
    path("requests/<int:pk>/request-changes/", requests.RequestChangesView.as_view(), name="request-request-changes"),
    path("requests/<int:pk>/revoke/", requests.RequestRevokeView.as_view(), name="request-revoke"),
    path("requests/<int:pk>/comments/", requests.RequestCommentListView.as_view(), name="request-comments"),
    path("reviews/", reviews.ReviewInboxView.as_view(), name="review-inbox"),
    path("entitlements/", entitlements.EntitlementListView.as_view(), name="entitlement-list"),
    path("entitlements/<int:pk>/", entitlements.EntitlementDetailView.as_view(), name="entitlement-detail"),
    path("entitlements/<int:pk>/revoke/", entitlements.EntitlementRevokeView.as_view(), name="entitlement-revoke"),
    path(
        "entitlements/<int:pk>/reconfirm/",
        entitlements.EntitlementReconfirmView.as_view(),
        name="entitlement-reconfirm",
    ),
    path("policies/", policies.PolicyVersionListView.as_view(), name="policy-list"),
    path("policies/diff/", policies.PolicyDiffView.as_view(), name="policy-diff"),
    path("policies/dry-run/", policies.PolicyDryRunView.as_view(), name="policy-dry-run"),
    path("policies/<int:version>/", policies.PolicyVersionDetailView.as_view(), name="policy-detail"),
    path("audit-events/", audit.AuditEventListView.as_view(), name="auditevent-list"),
    path("audit-events/verify/", audit.AuditVerifyView.as_view(), name="auditevent-verify"),
    path("webhooks/", webhooks.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", webhooks.WebhookDetailView.as_view(), name="webhook-detail"),
    path("tokens/", tokens.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", tokens.TokenRevokeView.as_view(), name="token-revoke"),
    path("exports/litellm/", exports.LiteLLMExportView.as_view(), name="export-litellm"),
    path("exports/azure-policy/", exports.AzurePolicyExportView.as_view(), name="export-azure-policy"),
]

if os.environ.get("MODELGATE_BENCH_VIEWS") == "1":
    # Benchmark-only (bench/decision_endpoint.py): never set in a deployment.
    from governance.api.views import bench

    # Right after the decision endpoint, so both pay the same URL resolution.
    urlpatterns.insert(1, path("bench/bare/", bench.bare_json, name="bench-bare"))
