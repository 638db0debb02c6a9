"""Identity resolution: which AIModel a name from a source means.

Sources name the same model differently: litellm's price map uses routing names (``azure/gpt-4o``,
``bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0``), Vertex writes ``claude-3-5-sonnet@20240620``, OpenRouter
``openrouter/anthropic/claude-3.5-sonnet``. A name is resolved, in this order:

1. **canonical**: the record's own ``slug`` is a known model slug or alias;
2. **exact**: one of its names is a known alias or slug (lower-cased);
3. **rule**: a rewrite of a name by ``RULES`` below (alone or chained) is a known alias or slug, either as is,
   qualified by the record's publisher (``gpt-4o`` -> ``openai/gpt-4o``), or as the name part of exactly one slug;
4. otherwise a new AIModel: with the record's slug when the source gives one (a source that knows identities),
   else flagged ``is_unresolved`` for a person to review. Never a silent duplicate of a known name.

Rules only remove decoration that does not change the model: a router or cloud in front, a cross-region
inference prefix, a vendor's dotted prefix, a deployment version suffix. Dated snapshots (``gpt-4o-2024-08-06``)
are different models with different prices and are never folded into the undated name. A first path segment is
only removed when it names a channel (``CHANNEL_PREFIXES``): ``someuser/llama-3-8b`` on Hugging Face is not Meta's
model, so it is never matched to ``llama-3-8b`` by dropping the owner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from catalog.choices import AliasResolution

# First path segments that name how a model is reached (a router, a cloud, a vendor's own API in litellm's
# spelling), never who made it.
CHANNEL_PREFIXES = frozenset(
    {
        # clouds and routers
        "azure", "azure_ai", "azure_text", "bedrock", "bedrock_converse", "invoke", "converse", "sagemaker",
        "vertex_ai", "vertex_ai_beta", "vertex-ai", "google-vertex", "google-vertex-anthropic", "amazon-bedrock",
        "openrouter", "together_ai", "together", "togetherai", "fireworks_ai", "fireworks", "groq", "deepinfra",
        "perplexity", "anyscale", "cloudflare", "workers-ai", "databricks", "watsonx", "replicate", "ollama",
        "ollama_chat", "nvidia_nim", "cerebras", "sambanova", "friendliai", "github", "github_copilot",
        "lambda_ai", "nscale", "novita", "hyperbolic", "baseten", "featherless_ai", "nebius", "oci", "snowflake",
        "dashscope", "volcengine", "vercel_ai_gateway", "vercel", "heroku", "openai_compatible", "gradient_ai",
        "text-completion-openai", "text-completion-codestral", "lemonade", "llamagate", "ai21_chat", "deepgram",
        "elevenlabs", "assemblyai", "jina_ai", "voyage", "infinity", "aiml", "wandb", "morph", "ovhcloud", "v0",
        "meta_llama", "moonshot", "codestral",
        # vendors' own APIs as litellm names them ("gemini/gemini-1.5-pro" is Google's API for Google's model)
        "openai", "anthropic", "gemini", "mistral", "cohere", "cohere_chat", "xai", "deepseek", "ai21",
        "nlp_cloud", "aleph_alpha",
    }
)  # fmt: skip
# Amazon Bedrock cross-region inference profiles: "us.anthropic.claude-…", "global.anthropic.claude-…".
REGION_PREFIX = re.compile(r"^(?:us|eu|apac|ap|global|us-gov|jp|au|ca|in)\.(?=[a-z0-9-]+\.)")
# Bedrock's "<vendor>.<model>" ids.
VENDOR_PREFIX = re.compile(
    r"^(?:anthropic|meta|amazon|cohere|mistral|ai21|stability|deepseek|qwen|openai|writer|twelvelabs|google|"
    r"moonshot|moonshotai|minimax|nvidia|luma)\.(?=.)"
)
BEDROCK_VERSION = re.compile(r"(?:-v\d+(?::\d+)?|:\d+)$")
AT_DATE = re.compile(r"@(\d{8})$")
AT_VERSION = re.compile(r"@(?!\d{8}$)[\w.-]+$")  # not a date: vertex-date keeps those
ROUTER_VARIANT = re.compile(r":(?:free|beta|extended|thinking|nitro|floor|online|exacto)$")


@dataclass(frozen=True)
class Rule:
    name: str
    example: str  # shown to reviewers: what the rule does, by example
    rewrite: Callable[[str], str | None]  # the rewritten name, or None when the rule does not apply


def _drop_channel(name: str) -> str | None:
    head, sep, rest = name.partition("/")
    return rest if sep and rest and head in CHANNEL_PREFIXES else None


def _sub(pattern: re.Pattern, replacement: str = "") -> Callable[[str], str | None]:
    def rewrite(name: str) -> str | None:
        rewritten = pattern.sub(replacement, name)
        return rewritten if rewritten != name and rewritten else None

    return rewrite


RULES: tuple[Rule, ...] = (
    Rule("channel-prefix", "azure/gpt-4o -> gpt-4o", _drop_channel),
    Rule("region-prefix", "us.anthropic.claude-3-haiku-20240307-v1:0 -> anthropic.claude-3-haiku-20240307-v1:0",
         _sub(REGION_PREFIX)),
    Rule("vendor-prefix", "anthropic.claude-3-haiku-20240307-v1:0 -> claude-3-haiku-20240307-v1:0",
         _sub(VENDOR_PREFIX)),
    Rule("deployment-version", "claude-3-haiku-20240307-v1:0 -> claude-3-haiku-20240307", _sub(BEDROCK_VERSION)),
    Rule("vertex-date", "claude-3-5-sonnet@20240620 -> claude-3-5-sonnet-20240620", _sub(AT_DATE, r"-\1")),
    Rule("at-version", "gemini-1.5-pro@001 -> gemini-1.5-pro", _sub(AT_VERSION)),
    Rule("router-variant", "meta-llama/llama-3-8b-instruct:free -> meta-llama/llama-3-8b-instruct",
         _sub(ROUTER_VARIANT)),
)  # fmt: skip
MAX_SLUG = 200  # AIModel.slug max_length
MAX_FORMS = 24  # rewrites compose; a name yields a handful, this bounds a pathological one


def name_key(name: str) -> str:
    return name.strip().lower()


def rewritten_forms(name: str) -> list[str]:
    """Every rewrite of ``name`` by RULES, alone or chained, fewest rewrites first (without ``name`` itself)."""
    forms = [name_key(name)]
    for form in forms:  # grows while iterating: breadth-first over rule chains
        for rule in RULES:
            rewritten = rule.rewrite(form)
            if rewritten and rewritten not in forms:
                forms.append(rewritten)
        if len(forms) >= MAX_FORMS:
            break
    return forms[1:]


def base_name(name: str) -> str:
    """The name with every decoration RULES know removed (each rule applied, in order, until none applies)."""
    form = name_key(name)
    for _ in range(MAX_FORMS):
        rewritten = next((r for rule in RULES if (r := rule.rewrite(form))), None)
        if rewritten is None:
            break
        form = rewritten
    return form


@dataclass
class Resolution:
    slug: str  # the model's canonical slug (existing or to be created)
    resolution: str  # AliasResolution value
    created: bool = False  # this resolution creates the model
    unresolved: bool = False  # the created model awaits review


class NameIndex:
    """Known names (aliases and slugs, lower-cased) -> model slug, extended as a sync creates models."""

    def __init__(self, aliases: Iterable[tuple[str, str]], slugs: Iterable[str]):
        self.slugs: set[str] = set(slugs)
        self.names: dict[str, str] = {slug: slug for slug in self.slugs}
        # Names this sync taught the index: name -> (slug, resolution), the alias rows to create.
        self.added: dict[str, tuple[str, str]] = {}
        self.alias_names: set[str] = set()  # names that have an alias row (a slug alone has none)
        for name, slug in aliases:
            self.names.setdefault(name, slug)
            self.alias_names.add(name)
        # The name part of a slug ('gpt-4o' of 'openai/gpt-4o'), when exactly one slug has it.
        self._tails: dict[str, str | None] = {}
        for slug in self.slugs:
            self._add_tail(slug)

    def _add_tail(self, slug: str) -> None:
        _publisher, _sep, tail = slug.rpartition("/")
        self._tails[tail] = None if tail in self._tails and self._tails[tail] != slug else slug

    def add_model(self, slug: str) -> None:
        self.slugs.add(slug)
        self.names.setdefault(slug, slug)
        self._add_tail(slug)

    def add_alias(self, name: str, slug: str, resolution: str) -> None:
        """Record that ``name`` means ``slug`` (an alias row to create) unless it already has an alias row or is
        another model's slug: aliases never move silently."""
        key = name_key(name)
        if key and key not in self.alias_names and self.names.get(key, slug) == slug:
            self.names[key] = slug
            self.added[key] = (slug, AliasResolution.CANONICAL if key == slug else resolution)
            self.alias_names.add(key)

    def exact(self, name: str) -> str | None:
        return self.names.get(name_key(name))

    def by_rule(self, name: str, publisher: str | None) -> str | None:
        for form in [name_key(name), *rewritten_forms(name)]:
            found = self._lookup_form(form, publisher)
            if not found and publisher and form.startswith(f"{publisher}."):
                # Bedrock-style "<vendor>.<model>" for a vendor not in VENDOR_PREFIX: the record names the vendor.
                found = self._lookup_form(form[len(publisher) + 1 :], publisher)
            if found:
                return found
        return None

    def _lookup_form(self, form: str, publisher: str | None) -> str | None:
        found = self.names.get(form)
        if found is None and publisher and "/" not in form:
            found = self.names.get(f"{publisher}/{form}")
        if found is None and "/" not in form:
            found = self._tails.get(form)
        return found


class IdentityResolver:
    """Resolves the records of one snapshot, most certain first, so a rule match or a new unresolved model can
    never take a name that a canonical or exact match in the same snapshot would claim."""

    def __init__(self, index: NameIndex):
        self.index = index

    def resolve_all(self, records: list) -> dict[str, Resolution]:
        """external_id -> Resolution for ModelRecords (only ``external_id``, ``names``, ``slug``, ``publisher``)."""
        found: dict[str, Resolution] = {}
        for record in records:
            self._keep(found, record, self._certain(record))
        for record in records:
            if record.external_id not in found:
                slug = self._rule(record)
                self._keep(found, record, Resolution(slug, AliasResolution.RULE) if slug else None)
        # Creations last, slugged records first, then shortest names: a plain name creates the model that its
        # decorated variants then match by rule.
        pending = [record for record in records if record.external_id not in found]
        for record in sorted(pending, key=lambda r: (r.slug is None, len(base_name(_names(r)[0])))):
            slug = self._rule(record)
            self._keep(found, record, Resolution(slug, AliasResolution.RULE) if slug else self._create(record))
        return found

    def _keep(self, found: dict[str, Resolution], record, resolution: Resolution | None) -> None:
        if resolution is None:
            return
        found[record.external_id] = resolution
        for name in _names(record):
            self.index.add_alias(name, resolution.slug, resolution.resolution)

    def resolve_ref(self, name: str, *, create: bool) -> Resolution | None:
        """A model named by a lineage edge, a benchmark result or a claim."""
        slug = self.index.exact(name)
        if slug:
            return Resolution(slug, AliasResolution.EXACT)
        slug = self.index.by_rule(name, None)
        if slug:
            return Resolution(slug, AliasResolution.RULE)
        if not create:
            return None
        resolution = self._new_model(unresolved_slug(name, None), unresolved=True)
        self.index.add_alias(name, resolution.slug, resolution.resolution)
        return resolution

    def _certain(self, record) -> Resolution | None:
        if record.slug and self.index.exact(record.slug):
            return Resolution(self.index.exact(record.slug), AliasResolution.CANONICAL)
        for name in record.names:
            slug = self.index.exact(name)
            if slug:
                return Resolution(slug, AliasResolution.EXACT)
        return None

    def _rule(self, record) -> str | None:
        for name in _names(record):
            slug = self.index.by_rule(name, record.publisher)
            if slug:
                return slug
        return None

    def _create(self, record) -> Resolution:
        if record.slug:
            return self._new_model(name_key(record.slug), unresolved=False)
        return self._new_model(unresolved_slug(record.names[0], record.publisher), unresolved=True)

    def _new_model(self, slug: str, *, unresolved: bool) -> Resolution:
        slug = slug[:MAX_SLUG]
        if slug in self.index.slugs:  # the shape of the new slug is taken: that model it is
            return Resolution(slug, AliasResolution.RULE)
        self.index.add_model(slug)
        kind = AliasResolution.UNRESOLVED if unresolved else AliasResolution.CANONICAL
        return Resolution(slug, kind, created=True, unresolved=unresolved)


def _names(record) -> list[str]:
    return [record.slug, *record.names] if record.slug else list(record.names)


def unresolved_slug(name: str, publisher: str | None) -> str:
    """'publisher/name' for a model no rule resolves: the undecorated name, under its publisher when known.

    A name already shaped 'owner/name' once decoration is gone (a Hugging Face repo id) keeps its owner."""
    base = base_name(name)
    if base.count("/") == 1 and not publisher:
        return base
    tail = base.rpartition("/")[2]
    if publisher and tail.startswith(f"{publisher}."):
        tail = tail[len(publisher) + 1 :]
    return f"{publisher or 'unknown'}/{tail}"
