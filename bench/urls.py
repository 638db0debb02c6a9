"""URLs of the benchmark server: the project's own, plus the raw SQL baseline of the decision endpoint.

``POST /api/v1/bench/raw/`` answers the same question as ``POST /api/v1/decisions/`` with the least a database-backed
answer can cost: one SQL statement per request (the bearer token and the team's live entitlement for the model,
joined), straight on the psycopg connection, no ORM, no DRF, no policy, no cache. It is the "one raw SQL join per
request" row of DESIGN-NOTES: what the decision endpoint would cost if it went to the database every time.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns
from governance import tokens

RAW_SQL = """
SELECT k.secret_hash,
       k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND 'decisions' = ANY (k.scopes),
       e.id, e.expires_at
FROM governance_apitoken k
LEFT JOIN (governance_entitlement e
           JOIN governance_team t ON t.id = e.team_id
           JOIN catalog_aimodel m ON m.id = e.model_id)
       ON t.slug = %s AND m.slug = %s AND e.status = 'active' AND e.expires_at > now()
WHERE k.key_id = %s
LIMIT 1
"""


@csrf_exempt
@require_POST
def raw_decision(request):
    parsed = tokens.parse(request.headers.get("Authorization", "").removeprefix("Bearer "))
    question = json.loads(request.body or b"{}")
    if parsed is None:
        return JsonResponse({"error": "unauthenticated"}, status=401)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(RAW_SQL, [question.get("team"), question.get("model"), parsed.key_id])
        row = cursor.fetchone()
    if row is None or not row[1] or not tokens.secret_matches(parsed.secret, row[0]):
        return JsonResponse({"error": "unauthenticated"}, status=401)
    expires_at = row[3].isoformat() if row[3] else None
    return JsonResponse({"allow": row[2] is not None, "entitlement": row[2], "expires_at": expires_at})


# First, as the decision endpoint and the bare view lead the API's routes: every variant pays the same (short) URL
# resolution.
urlpatterns = [path("api/v1/bench/raw/", raw_decision, name="bench-raw"), *project_urlpatterns]
