"""Shared reference data: organizations, licences and benchmarks, upserted by natural key (slug or key).

Several sources describe the same company or licence. The licence list and curated facts rewrite them; feeds
only fill blanks (see SyncContext.set_fields). A reference to an organization or licence no record describes
creates a minimal row (name = the reference) rather than losing the fact that points at it.
"""

from __future__ import annotations

from catalog.choices import ChangeSignal, LicenseCategory
from catalog.models import Benchmark, License, Organization
from catalog.services.bulk import copy_insert
from catalog.services.context import SyncContext, org_key, save_changed
from catalog.services.validation import BENCHMARK_CHECKS, LICENSE_CHECKS, ORGANIZATION_CHECKS, record_errors


def _accepted(ctx: SyncContext, object_type: str, records: list, checks: dict, key: str) -> dict:
    """Valid records by natural key (the first of duplicates wins); the others rejected by name."""
    accepted = {}
    for position, record in enumerate(records):
        natural_key = getattr(record, key, None)
        errors = record_errors(record, checks)
        if errors:
            ctx.reject(object_type, natural_key or f"#{position}", "; ".join(errors))
        elif natural_key in accepted:
            ctx.reject(object_type, natural_key, f"duplicate {key} in the snapshot")
        else:
            accepted[natural_key] = record
    return accepted


# -- organizations -------------------------------------------------------------------------------------------


def organizations_upsert(ctx: SyncContext, records: list, *, publishers: set[str], providers: set[str]):
    """Upsert the snapshot's organizations plus those its models and offerings name; returns slug -> row."""
    wanted = _organizations_wanted(ctx, records, publishers, providers)
    existing = {org.slug: org for org in Organization.objects.all()}
    created, updates = [], []
    for slug, values in wanted.items():
        org = existing.get(slug)
        if org is None:
            org = existing[slug] = Organization(slug=slug, **{k: v for k, v in values.items() if k != "parent"})
            created.append(org)
        else:
            updates.append((org, _organization_changes(ctx, org, values)))
    copy_insert(Organization, created)
    for org in created:
        ctx.changes.created("organization", org)
    updates += _parents(ctx, existing, wanted)
    objects = save_changed(Organization, updates, batch_size=500)
    changed = {org.slug for org in created} | {org.slug for org in objects}
    ctx.tally.count("organization", "created", len(created))
    ctx.tally.count("organization", "updated", len(changed) - len(created))
    ctx.tally.count("organization", "unchanged", len(wanted) - len(changed))
    return existing


def _organizations_wanted(ctx, records, publishers, providers) -> dict[str, dict]:
    """slug -> field values, from the organization records and from the names models and offerings use."""
    wanted: dict[str, dict] = {}
    for record in _accepted(ctx, "organization", records, ORGANIZATION_CHECKS, "slug").values():
        wanted[org_key(record.slug)] = {
            "name": record.name, "is_publisher": record.is_publisher, "is_provider": record.is_provider,
            "country": record.country, "jurisdiction": record.jurisdiction, "website": record.website,
            "parent": org_key(record.parent),
        }  # fmt: skip
    for refs, flag in ((publishers, "is_publisher"), (providers, "is_provider")):
        for ref in refs:
            slug = org_key(ref)
            if slug:
                wanted.setdefault(slug, {"name": ref[:200]})[flag] = True
    return wanted


def _organization_changes(ctx: SyncContext, org: Organization, values: dict) -> list[str]:
    # Flags only ever turn on: a price map that lists no models of a cloud does not make it stop being a provider.
    flags = {flag: True for flag in ("is_publisher", "is_provider") if values.get(flag) and not getattr(org, flag)}
    text = {k: v for k, v in values.items() if k not in ("is_publisher", "is_provider", "parent") and v is not None}
    changed = ctx.set_fields(org, flags, object_type="organization")
    changed += ctx.set_fields(org, text, object_type="organization", fill_only=not ctx.authoritative)
    return changed


def _parents(ctx: SyncContext, orgs: dict, wanted: dict) -> list[tuple[Organization, list[str]]]:
    """Parents are set once every organization of the snapshot exists (a parent may be new in this run)."""
    updates = []
    for slug, values in wanted.items():
        parent = orgs.get(values.get("parent") or "")
        if parent is not None and parent.slug != slug:
            org = orgs[slug]
            changed = ctx.set_fields(org, {"parent_id": parent.pk}, object_type="organization",
                                     fill_only=not ctx.authoritative)  # fmt: skip
            updates.append((org, changed))
    return updates


# -- licences ------------------------------------------------------------------------------------------------


class LicenseIndex:
    """A licence reference (ScanCode key or SPDX id, any case) -> License row; a key wins over an SPDX id."""

    def __init__(self, licenses: list[License]):
        self.by_key: dict[str, License] = {}
        self.by_spdx: dict[str, License] = {}
        self._keys: dict[int, str] = {}
        for license_ in licenses:
            self.add(license_)

    def add(self, license_: License) -> None:
        self.by_key[license_.key.lower()] = license_
        if license_.spdx_id:
            self.by_spdx.setdefault(license_.spdx_id.lower(), license_)

    def get(self, ref: str | None) -> License | None:
        if not ref:
            return None
        ref = ref.strip().lower()
        return self.by_key.get(ref) or self.by_spdx.get(ref)

    def key_of(self, pk: int) -> str | None:
        """The key of the licence with id ``pk`` (rebuilt on a miss: rows created in this run get ids late)."""
        if pk not in self._keys:
            self._keys = {license_.pk: license_.key for license_ in self.by_key.values() if license_.pk}
        return self._keys.get(pk)


def licenses_upsert(ctx: SyncContext, records: list, *, referenced: set[str]) -> LicenseIndex:
    """Upsert the snapshot's licences, then a minimal row for each licence its models name and nobody knows."""
    accepted = _accepted(ctx, "license", records, LICENSE_CHECKS, "key")
    index = LicenseIndex(list(License.objects.all()))
    created, updates = [], []
    for key, record in accepted.items():
        values = {
            "name": record.name, "category": record.category, "spdx_id": record.spdx_id,
            "scancode_category": record.scancode_category, "is_osi_approved": record.is_osi_approved,
            "url": record.url,
        }  # fmt: skip
        license_ = index.by_key.get(key.lower())
        if license_ is None:
            license_ = License(key=key, **values)
            created.append(license_)
            index.add(license_)
        else:
            # A new category changes what every model under the licence may be used for.
            changed = ctx.set_fields(license_, values, object_type="license", fill_only=not ctx.authoritative,
                                     signals={"category": ChangeSignal.LICENSE_CHANGED})  # fmt: skip
            updates.append((license_, changed))
    for ref in sorted(referenced):
        if index.get(ref) is None:
            # Named by a model, described by no source yet: kept with an unknown category for the licence list
            # (or a person) to complete; policy treats "unknown" as needing review.
            license_ = License(key=ref.strip().lower()[:150], name=ref.strip(), category=LicenseCategory.UNKNOWN)
            created.append(license_)
            index.add(license_)
    copy_insert(License, created)
    for license_ in created:
        ctx.changes.created("license", license_)
    objects = save_changed(License, updates, batch_size=500)
    ctx.tally.count("license", "created", len(created))
    ctx.tally.count("license", "updated", len(objects))
    ctx.tally.count("license", "unchanged", len(updates) - len(objects))
    return index


# -- benchmarks ----------------------------------------------------------------------------------------------


def benchmarks_upsert(ctx: SyncContext, records: list) -> dict[str, Benchmark]:
    accepted = _accepted(ctx, "benchmark", records, BENCHMARK_CHECKS, "slug")
    existing = {benchmark.slug: benchmark for benchmark in Benchmark.objects.all()} if accepted else {}
    created, updates = [], []
    for slug, record in accepted.items():
        values = {
            "name": record.name, "version": record.version, "metric": record.metric, "unit": record.unit,
            "higher_is_better": record.higher_is_better, "url": record.url,
        }  # fmt: skip
        benchmark = existing.get(slug)
        if benchmark is None:
            benchmark = existing[slug] = Benchmark(slug=slug, **values)
            created.append(benchmark)
        else:
            updates.append((benchmark, ctx.set_fields(benchmark, values, object_type="benchmark",
                                                      fill_only=not ctx.authoritative)))  # fmt: skip
    copy_insert(Benchmark, created)
    for benchmark in created:
        ctx.changes.created("benchmark", benchmark)
    objects = save_changed(Benchmark, updates, batch_size=500)
    ctx.tally.count("benchmark", "created", len(created))
    ctx.tally.count("benchmark", "updated", len(objects))
    ctx.tally.count("benchmark", "unchanged", len(updates) - len(objects))
    return existing
