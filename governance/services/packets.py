"""The approval packet: what was known when a request was approved, frozen as canonical JSON with its sha256.

An auditor reading a packet years later sees the model's facts, prices, licence (and the licences inherited
through its base models), provenance claims, benchmark results with who measured them, the policy evaluation,
every review and comment, and the conditions granted, exactly as they were at approval. A database trigger
refuses any UPDATE or DELETE of a packet; ``packet_verify`` recomputes the hash.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from catalog.models import AIModel, LineageEdge, Offering, Price
from governance.models import ApprovalPacket, ApprovalRequest, Entitlement

SCHEMA = "modelgate.approval-packet/1"
# Lineage deeper than this is almost certainly a data error (a cycle the catalog failed to refuse).
MAX_LINEAGE_DEPTH = 10


def canonical_json(document: dict) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same document always gives the same bytes (and hash)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _license(license_) -> dict | None:
    if license_ is None:
        return None
    return {"key": license_.key, "spdx_id": license_.spdx_id, "name": license_.name, "category": license_.category}


def model_facts(model: AIModel) -> dict:
    return {
        "slug": model.slug,
        "display_name": model.display_name,
        "publisher": model.publisher.slug if model.publisher_id else None,
        "family": model.family,
        "version": model.version,
        "release_date": _iso(model.release_date),
        "knowledge_cutoff": _iso(model.knowledge_cutoff),
        "lifecycle": model.lifecycle,
        "deprecation_date": _iso(model.deprecation_date),
        "retirement_date": _iso(model.retirement_date),
        "input_modalities": model.input_modalities,
        "output_modalities": model.output_modalities,
        "task_types": model.task_types,
        "capabilities": model.capabilities,
        "architecture": model.architecture,
        "total_parameters": model.total_parameters,
        "active_parameters": model.active_parameters,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "open_weights": model.open_weights,
    }


def lineage_licenses(model: AIModel) -> list[dict]:
    """Licences inherited through base models (fine-tunes, merges, distillations ...), nearest first."""
    inherited, seen, frontier = [], {model.pk}, [(model.pk, 1)]
    while frontier:
        model_id, depth = frontier.pop(0)
        if depth > MAX_LINEAGE_DEPTH:
            break
        edges = LineageEdge.objects.filter(model_id=model_id).select_related("base_model__license")
        for edge in edges.order_by("base_model__slug"):
            base = edge.base_model
            if base.pk in seen:
                continue
            seen.add(base.pk)
            inherited.append(
                {"via": base.slug, "relation": edge.relation, "depth": depth, "license": _license(base.license)}
            )
            frontier.append((base.pk, depth + 1))
    return inherited


def offerings_with_prices(request: ApprovalRequest) -> list[dict]:
    offerings = Offering.objects.filter(model=request.model).select_related("provider")
    if request.offering_id:
        offerings = offerings.filter(pk=request.offering_id)
    current = Price.objects.filter(effective_to__isnull=True).order_by("unit", "tier", "variant")
    rows = []
    for offering in offerings.prefetch_related(Prefetch("prices", queryset=current, to_attr="current_prices")).order_by(
        "channel", "external_id"
    ):
        rows.append(
            {
                "external_id": offering.external_id,
                "provider": offering.provider.slug,
                "channel": offering.channel,
                "regions": offering.regions,
                "status": offering.status,
                "data_retention_days": offering.data_retention_days,
                "trains_on_prompts": offering.trains_on_prompts,
                "zero_data_retention": offering.zero_data_retention,
                "prices": [
                    {
                        "unit": price.unit,
                        "tier": price.tier,
                        "variant": price.variant,
                        "usd": _money(price.usd),
                        "effective_from": _iso(price.effective_from),
                    }
                    for price in offering.current_prices
                ],
            }
        )
    return rows


def provenance(model: AIModel) -> list[dict]:
    return [
        {
            "topic": claim.topic,
            "values": claim.values,
            "teachers": claim.teachers,
            "statement": claim.statement,
            "source_kind": claim.source_kind,
            "source_url": claim.source_url,
            "stated_on": _iso(claim.stated_on),
            "status": claim.status,
        }
        for claim in model.provenance_claims.order_by("topic", "-stated_on", "pk")
    ]


def benchmarks(model: AIModel) -> list[dict]:
    results = model.benchmark_results.select_related("benchmark").order_by("benchmark__slug", "source_tier", "pk")
    return [
        {
            "benchmark": result.benchmark.slug,
            "benchmark_version": result.benchmark.version,
            "metric": result.benchmark.metric,
            "score": _money(result.score),
            "source_tier": result.source_tier,
            "source_name": result.source_name,
            "source_url": result.source_url,
            "measured_on": _iso(result.measured_on),
            "verified": result.verified,
        }
        for result in results
    ]


def policy(request: ApprovalRequest) -> dict | None:
    evaluation = request.policy_evaluation
    if evaluation is None:
        return None
    version = evaluation.policy_version
    return {
        "version": version.version,
        "sha256": version.sha256,
        "outcome": evaluation.outcome,
        "required_stages": evaluation.required_stages,
        "matched_rules": evaluation.matched_rules,
        "warnings": evaluation.warnings,
        "explanation": evaluation.explanation,
        "evaluated_at": _iso(evaluation.evaluated_at),
    }


def reviews_and_comments(request: ApprovalRequest) -> tuple[list[dict], list[dict]]:
    reviews = [
        {
            "stage": review.stage.slug,
            "round": review.round,
            "decision": review.decision,
            "decided_by": review.decided_by.get_username() if review.decided_by_id else None,
            "decided_at": _iso(review.decided_at),
            "comment": review.comment,
            "conditions": review.conditions,
        }
        for review in request.reviews.select_related("stage", "decided_by").order_by("round", "stage__position")
    ]
    comments = [
        {"author": comment.author.get_username(), "at": _iso(comment.created_at), "body": comment.body}
        for comment in request.comments.select_related("author").order_by("created_at", "pk")
    ]
    return reviews, comments


def conditions(entitlement: Entitlement) -> dict:
    return {
        "allowed_data_classifications": entitlement.allowed_data_classifications,
        "allowed_regions": entitlement.allowed_regions,
        "monthly_budget_usd": _money(entitlement.monthly_budget_usd),
        "expires_at": _iso(entitlement.expires_at),
        "notes": entitlement.notes,
    }


def packet_document(request: ApprovalRequest, entitlement: Entitlement, *, frozen_at) -> dict:
    model = request.model
    reviews, comments = reviews_and_comments(request)
    return {
        "schema": SCHEMA,
        "frozen_at": _iso(frozen_at),
        "request": {
            "id": request.pk,
            "team": request.team.slug,
            "requested_by": request.requested_by.get_username(),
            "use_case": {
                "slug": request.use_case.slug,
                "name": request.use_case.name,
                "risk_tier": request.use_case.risk_tier,
                "data_classification": request.use_case.data_classification,
                "user_facing": request.use_case.user_facing,
                "production": request.use_case.production,
            },
            "data_classification": request.data_classification,
            "region": request.region,
            "model_version": request.model_version,
            "expected_monthly_tokens": request.expected_monthly_tokens,
            "expected_monthly_spend_usd": _money(request.expected_monthly_spend_usd),
            "justification": request.justification,
            "submitted_at": _iso(request.submitted_at),
            "decided_at": _iso(request.decided_at),
            "round": request.round,
        },
        "model": model_facts(model),
        "license": _license(model.license),
        "inherited_licenses": lineage_licenses(model),
        "offerings": offerings_with_prices(request),
        "provenance": provenance(model),
        "benchmarks": benchmarks(model),
        "policy": policy(request),
        "reviews": reviews,
        "comments": comments,
        "entitlement": {"id": entitlement.pk, "granted_at": _iso(entitlement.granted_at), **conditions(entitlement)},
    }


def packet_freeze(*, request: ApprovalRequest, entitlement: Entitlement) -> ApprovalPacket:
    """Write the request's packet; called inside the approving transaction, once (the request is one-to-one)."""
    frozen_at = timezone.now()
    document = packet_document(request, entitlement, frozen_at=frozen_at)
    digest = hashlib.sha256(canonical_json(document)).hexdigest()
    return ApprovalPacket.objects.create(request=request, created_at=frozen_at, document=document, sha256=digest)


def packet_verify(packet: ApprovalPacket) -> bool:
    """True when the stored document still hashes to the stored sha256."""
    return hashlib.sha256(canonical_json(packet.document)).hexdigest() == packet.sha256
