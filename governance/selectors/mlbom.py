"""An approval packet as a CycloneDX 1.6 ML-BOM: the approved model as a ``machine-learning-model`` component,
with its licence, its base models as pedigree ancestors, benchmark results as performance metrics, and the
packet's own hash and policy decision as properties, for tools that read SBOM/AI-BOM files.

https://cyclonedx.org/docs/1.6/json/ (components[].modelCard, pedigree, properties)
"""

from __future__ import annotations

import uuid

from governance.models import ApprovalPacket

SPEC_VERSION = "1.6"
# A fixed namespace, so one packet always exports with the same serial number.
SERIAL_NAMESPACE = uuid.UUID("6f1f3b0e-5c1e-4f4e-9a51-6d6f64656c67")


def _licenses(license_: dict | None) -> list[dict]:
    if not license_:
        return []
    if license_.get("spdx_id"):
        return [{"license": {"id": license_["spdx_id"]}}]
    return [{"license": {"name": license_.get("name") or license_["key"]}}]


def _property(name: str, value) -> dict:
    return {"name": f"modelgate:{name}", "value": "" if value is None else str(value)}


def _model_card(document: dict) -> dict:
    model = document["model"]
    return {
        "modelParameters": {
            "task": ", ".join(model.get("task_types") or []),
            "architectureFamily": model.get("family") or "",
            "modelArchitecture": model.get("architecture") or "",
            "inputs": [{"format": modality} for modality in model.get("input_modalities") or []],
            "outputs": [{"format": modality} for modality in model.get("output_modalities") or []],
        },
        "quantitativeAnalysis": {
            "performanceMetrics": [
                {
                    "type": f"{result['benchmark']} ({result['metric']})",
                    "value": result["score"],
                    "slice": result["source_tier"],
                }
                for result in document["benchmarks"]
            ]
        },
        "considerations": {
            "useCases": [document["request"]["use_case"]["name"]],
        },
    }


def packet_cyclonedx(packet: ApprovalPacket) -> dict:
    document = packet.document
    model = document["model"]
    policy = document.get("policy") or {}
    component = {
        "type": "machine-learning-model",
        "bom-ref": model["slug"],
        "name": model["display_name"],
        "version": model.get("version") or "",
        "group": model.get("publisher") or "",
        "publisher": model.get("publisher") or "",
        "licenses": _licenses(document.get("license")),
        "modelCard": _model_card(document),
        "pedigree": {
            "ancestors": [
                {
                    "type": "machine-learning-model",
                    "bom-ref": f"{model['slug']}#base:{ancestor['via']}",
                    "name": ancestor["via"],
                    "licenses": _licenses(ancestor.get("license")),
                    "properties": [_property("lineage-relation", ancestor["relation"])],
                }
                for ancestor in document.get("inherited_licenses", [])
            ]
        },
        "externalReferences": [
            {
                "type": "other",
                "url": result["source_url"],
                "comment": f"{result['benchmark']} by {result['source_name']}",
            }
            for result in document["benchmarks"]
            if result.get("source_url")
        ],
    }
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid5(SERIAL_NAMESPACE, packet.sha256)}",
        "version": 1,
        "metadata": {
            "timestamp": document["frozen_at"],
            "tools": {"components": [{"type": "application", "name": "Modelgate"}]},
            "properties": [
                _property("packet-sha256", packet.sha256),
                _property("request", document["request"]["id"]),
                _property("team", document["request"]["team"]),
                _property("policy-version", policy.get("version")),
                _property("policy-outcome", policy.get("outcome")),
                _property("entitlement-expires-at", document["entitlement"]["expires_at"]),
            ],
        },
        "components": [component],
    }
