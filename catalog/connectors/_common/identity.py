"""A best guess of who published a model and its canonical name, from the name a source routes it by.

Sources name one model many ways: ``anthropic.claude-3-5-sonnet-20240620-v1:0`` (Bedrock), ``claude-3-5-sonnet@
20240620`` (Vertex), ``anthropic/claude-3.5-sonnet`` (routers), ``meta-llama/Llama-3.3-70B-Instruct`` (Hugging Face
repo ids), ``accounts/fireworks/models/qwen2p5-coder-32b`` (Fireworks). ``identify()`` strips what is routing
(hosts' namespaces, Bedrock geography and version suffixes, Vertex ``@`` versions, quantisation suffixes) and
proposes ``publisher/name``. It only proposes: the sync service resolves aliases and a person reviews what no rule
resolves. Rules are deliberately conservative: a wrong merge of two models is worse than two records a person
merges later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.connectors._common.organizations import ORGANIZATION_ALIASES, ORGANIZATIONS, org_slug, slugify

MAX_SLUG = 200  # AIModel.slug

# Namespaces of hosts that are not part of a model's name.
_ROUTE_PREFIX = re.compile(
    r"^(?:accounts/[^/]+/(?:models|routers|deployedModels)/|@cf/|@hf/|@oi/|hf:|public/|route/|ps/|workers-ai/|tee/|system\.ai\.)",
    re.IGNORECASE,
)
# Bedrock model ids: optional geography ("us.", "global.") then "vendor.model".
_BEDROCK_ID = re.compile(r"^(?:(?:us|eu|apac|global|us-gov|au|jp|ca|in|sa|ap|uk)\.)?([a-z0-9-]+)\.(.+)$")
_BEDROCK_VENDORS = frozenset({"twelvelabs", "luma", "writer", "stability", "ai21", "cohere", "amazon", "meta"})
_BEDROCK_VERSION = re.compile(r"-v?(\d+):(\d+)$")  # "-v1:0", "-v0:2", and gpt-oss's "-1:0"
# Image sizes, qualities and step counts that some hosts put in front of the model.
_QUALIFIER_SEGMENT = re.compile(
    r"^(?:low|medium|high|xhigh|hd|standard|max|auto|ultra|\d+-x-\d+|max-x-max|(?:\d+|max)-steps)$"
)
_QUANTIZATION = re.compile(
    r"[-_.](fp8(?:-dynamic)?|fp4|nvfp4|mxfp4|mxfp|bf16|fp16|int4|int8|w4a16|w8a8|awq|gptq|gguf|mlx(?:-\d+bit)?"
    r"|\d+bit|q\d_k(?:_[msl])?|q\d_\d|iq\d_[a-z]+)$"
)
_TAG = re.compile(r":(free|beta|extended|thinking|online|nitro|floor|exacto|variant\d*)$")
# Platform words that some hosts glue in front of a model name ("databricks-claude-...", "FW-GLM-5").
_HOST_PREFIX = re.compile(r"^(?:databricks|snowflake|fw|azure|duo-chat)-+")
# Organisations that some hosts glue in front of a model name ("anthropic--claude-3.7", "openai-gpt-5").
# Only names that never start a model's own name ("mistral-large" is Mistral's name, so "mistral" is not here).
_ORG_PREFIX = re.compile(
    r"^(anthropic|openai|google|meta|ibm|nvidia|microsoft|amazon|alibaba|xai|x-ai|cohere|moonshotai|zai-org|perplexity)"
    r"-+(.+)$"
)

# (publisher, pattern on the canonical name), first match wins: the families each publisher names its models by.
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (publisher, re.compile(pattern))
    for publisher, pattern in (
        ("nvidia", r"^(?:.*nemotron|nv-(?:embed|rerank)|llama-3\.\d-nv-)"),
        (
            "openai",
            r"^(?:gpt-(?!j|neo)|chatgpt|o\d(?:-|$)|dall-e|whisper|tts-\d|text-embedding-(?:3|ada)"
            r"|text-moderation|omni-moderation|davinci|babbage|codex-|sora|computer-use)",
        ),
        ("anthropic", r"^claude"),
        (
            "google",
            r"^(?:gemini|gemma|imagen|veo-|chirp|lyria|palm|(?:text|chat|code)-bison|codechat-bison"
            r"|text-embedding-00|textembedding-gecko|text-multilingual-embedding|multimodalembedding|learnlm"
            r"|text-unicorn|medlm)",
        ),
        ("meta", r"^(?:llama|code-?llama)"),
        (
            "mistral",
            r"^(?:mistral|mixtral|codestral|pixtral|ministral|devstral|magistral|voxtral|mathstral"
            r"|open-mistral|open-mixtral|open-codestral)",
        ),
        ("cohere", r"^(?:command|c4ai-|aya-|embed-(?:english|multilingual|v\d)|rerank-(?:english|multilingual|v\d))"),
        ("xai", r"^grok"),
        ("deepseek", r"^deepseek"),
        ("alibaba", r"^(?:qwen|qwq|qvq|wan\d|wan-)"),
        ("zai", r"^(?:glm|chatglm|cogview|cogvideo)"),
        ("moonshot-ai", r"^(?:kimi|moonshot)"),
        ("minimax", r"^(?:minimax|abab)"),
        ("ai21", r"^(?:jamba|j2-)"),
        ("amazon", r"^(?:titan-|nova-(?:2-)?(?:micro|lite|pro|premier|canvas|reel|sonic|omni))"),
        ("microsoft", r"^(?:phi-?\d|mai-)"),
        ("ibm", r"^granite"),
        ("bytedance", r"^(?:doubao|seed-|seedance|seedream|seededit|ui-tars)"),
        ("tencent", r"^hunyuan"),
        ("baidu", r"^ernie"),
        ("xiaomi", r"^mimo-"),
        ("stepfun", r"^step-\d"),
        ("perplexity", r"^(?:sonar|r1-1776|pplx-)"),
        ("stability-ai", r"^(?:stable-|sd3|sdxl)"),
        ("black-forest-labs", r"^flux"),
        ("upstage", r"^solar-"),
        ("writer", r"^palmyra"),
        ("inception", r"^mercury"),
        ("ai2", r"^(?:olmo|tulu|molmo)"),
        ("liquid-ai", r"^lfm"),
        ("sber", r"^giga"),
        ("jina-ai", r"^jina-"),
        ("01-ai", r"^yi-\d"),
        ("nous-research", r"^(?:nous-)?hermes"),
        ("bigcode", r"^starcoder"),
    )
)


@dataclass(frozen=True)
class Identity:
    """A proposed identity: publisher slug (None if unknown), canonical lower-case name, and quantisation."""

    publisher: str | None
    name: str
    quantization: str = ""

    @property
    def slug(self) -> str | None:
        slug = f"{self.publisher}/{self.name}" if self.publisher and self.name else None
        return slug if slug and len(slug) <= MAX_SLUG else None

    @property
    def distinctive(self) -> bool:
        """Whether the bare name is specific enough to be an alias ('gpt-4o' is; 'search' or 'auto' is not)."""
        return (len(self.name) >= 4 and any(ch.isdigit() for ch in self.name)) or len(self.name) >= 12


def identify(name: str, *, host: str | None = None) -> Identity:
    """Propose publisher and canonical name for a model name as a host routes it (host prefix already removed).

    ``host`` is the organisation that sells it: its own naming quirks are undone (Fireworks writes 2.5 as 2p5),
    and when nothing in the name says otherwise and the host trains models itself, it is taken as publisher."""
    org, model = _split_org(_ROUTE_PREFIX.sub("", name.strip()).strip("/"))
    model = model.lower()
    bedrock = _BEDROCK_ID.match(model)
    if bedrock and (_is_org(bedrock.group(1)) or bedrock.group(1) in _BEDROCK_VENDORS):
        org, model = org or bedrock.group(1), _bedrock_model(bedrock.group(1), bedrock.group(2))
    model, quantization = _strip_routing(model)
    model = _HOST_PREFIX.sub("", model)
    prefixed = _ORG_PREFIX.match(model)
    if prefixed and not org:
        org, model = prefixed.groups()
    model = _normalise(model, fireworks=host == "fireworks-ai")
    publisher = org_slug(org) if org and slugify(org) else _family_publisher(model) or _host_publisher(host)
    return Identity(publisher=publisher, name=model, quantization=quantization)


def _split_org(path: str) -> tuple[str | None, str]:
    """('meta-llama', 'Llama-3.3-70B') from 'meta-llama/Llama-3.3-70B'; qualifier segments are skipped."""
    segments = [segment for segment in path.split("/") if segment and not _QUALIFIER_SEGMENT.match(segment.lower())]
    if len(segments) <= 1:
        return None, segments[0] if segments else path
    for index, segment in enumerate(segments[:-1]):
        if _is_org(segment):
            return segment, segments[index + 1]
    if len(segments) == 2 and not _family_publisher(slugify(segments[0])):
        return segments[0], segments[1]
    # No known organisation among several segments ("flux/dev", "perplexity/preset/x"): one name.
    return None, "-".join(segments)


def _is_org(text: str) -> bool:
    slug = slugify(text)
    return slug in ORGANIZATIONS or slug in ORGANIZATION_ALIASES


def _bedrock_model(vendor: str, model: str) -> str:
    # Bedrock names DeepSeek's V3.2 "deepseek.v3.2": the vendor is part of the model's own name there.
    return f"{vendor}-{model}" if re.match(r"v\d|r\d", model) else model


def _strip_routing(model: str) -> tuple[str, str]:
    model = re.sub(r"@(\d{4,8})$", r"-\1", model)  # Vertex: claude-3-5-sonnet@20240620, mistral-large@2407
    model = re.sub(r"@[a-z0-9.]*$", "", model)  # Vertex: @001, @latest, @default
    model = re.sub(r"-maas$", "", model)  # Vertex "model as a service"
    model = re.sub(r"(\d{8})-v\d+:\d+$", r"\1", model)  # after a dated id, "-v2:0" is Bedrock's revision
    model = _BEDROCK_VERSION.sub(_bedrock_version, model)
    model = _TAG.sub("", model)
    model = model.replace(":", "-")  # Ollama tags: llama3:8b, gpt-oss:20b
    quantization = ""
    while match := _QUANTIZATION.search(model):
        quantization = quantization or match.group(1)
        model = model[: match.start()]
    return model, quantization


def _bedrock_version(match: re.Match[str]) -> str:
    major, minor = match.groups()
    if (major, minor) == ("1", "0"):
        return ""  # "-v1:0" is the first Bedrock revision, not part of the model's name
    return f"-v{major}" if minor == "0" else f"-v{major}.{minor}"


def _normalise(model: str, *, fireworks: bool) -> str:
    model = re.sub(r"\s+", "-", model)
    if fireworks:
        model = re.sub(r"(\d)p(\d)", r"\1.\2", model)  # qwen2p5 -> qwen2.5, v3p1 -> v3.1
    if model.startswith("claude"):
        model = re.sub(r"(\d)\.(\d)", r"\1-\2", model)  # Anthropic's ids use hyphens: claude-3-5-sonnet
    model = re.sub(r"^(?:meta-)?llama-?(\d+)(?:[._-](\d)(?=-|$))?", _llama, model)
    model = re.sub(r"^gpt-35-", "gpt-3.5-", model)  # Azure's spelling
    return re.sub(r"-{2,}", "-", model).strip("-._")


def _llama(match: re.Match[str]) -> str:
    major, minor = match.groups()
    return f"llama-{major}.{minor}" if minor else f"llama-{major}"


def _family_publisher(model: str) -> str | None:
    return next((publisher for publisher, pattern in _FAMILIES if pattern.match(model)), None)


def _host_publisher(host: str | None) -> str | None:
    known = ORGANIZATIONS.get(host or "")
    return host if known and known.is_publisher else None
