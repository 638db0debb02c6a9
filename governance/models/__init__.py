from governance.models.cursors import FeedCursor
from governance.models.entitlements import Entitlement
from governance.models.notifications import WebhookDelivery, WebhookSubscription
from governance.models.policy import PolicyEvaluation, PolicyVersion
from governance.models.requests import ApprovalPacket, ApprovalRequest, RequestComment, StageReview
from governance.models.teams import OrgRole, ReviewStage, Team, TeamMembership, UseCase
from governance.models.tokens import ApiToken, TokenScope

__all__ = [
    "ApiToken",
    "ApprovalPacket",
    "ApprovalRequest",
    "Entitlement",
    "FeedCursor",
    "OrgRole",
    "PolicyEvaluation",
    "PolicyVersion",
    "RequestComment",
    "ReviewStage",
    "StageReview",
    "Team",
    "TeamMembership",
    "TokenScope",
    "UseCase",
    "WebhookDelivery",
    "WebhookSubscription",
]
