"""A bare JSON view for bench/decision_endpoint.py: the same process, URL prefix and middleware as the decision
endpoint, but no DRF, no authentication and no decision. Mounted only when MODELGATE_BENCH_VIEWS=1."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def bare_json(request):
    question = json.loads(request.body or b"{}")
    return JsonResponse({"allow": False, "reasons": ["benchmark baseline"], "model": question.get("model")})
