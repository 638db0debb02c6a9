from governance.models.cursors import FeedCursor
from governance.models.entitlements import Entitlement
from governance.models.notifications import WebhookDelivery, WebhookSubscription
from governance.models.policy import PolicyEvaluation, PolicyVersion
from governance.models.requests import ApprovalPacket, ApprovalRequest, RequestComment, StageReview
from governance.models.teams import OrgRole, ReviewStage, Team, TeamMembership, UseCase

__all__ = [
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
    "UseCase",
    "WebhookDelivery",
    "WebhookSubscription",
]
