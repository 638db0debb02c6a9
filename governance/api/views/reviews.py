"""The reviewer's inbox."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from core.api.pagination import StableCursorPagination
from governance.api.permissions import REVIEWS_WRITE
from governance.api.serializers.requests import InboxReviewSerializer
from governance.api.views.base import GovernanceView
from governance.selectors import review_inbox_for


class DueFirstPagination(StableCursorPagination):
    ordering = ("due_at", "id")


@extend_schema(tags=["reviews"])
class ReviewInboxView(GovernanceView, generics.ListAPIView):
    """Pending reviews of your stages on requests in review, soonest due first; never your own requests. Decide
    them with POST /requests/{id}/approve|reject|request-changes/."""

    required_scopes = {"GET": REVIEWS_WRITE}
    serializer_class = InboxReviewSerializer
    pagination_class = DueFirstPagination

    def get_queryset(self):
        return review_inbox_for(self.request.user)
