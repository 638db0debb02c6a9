"""Where a litellm key routes: the provider organisation, the channel, and the regions and deployment type the key
encodes (``azure/eu/…`` is an EU data zone, ``bedrock/us-gov-west-1/…`` one region, ``bedrock/*/1-month-commitment``
provisioned throughput, ``us.anthropic…`` Bedrock's US cross-region inference)."""

from __future__ import annotations

import re

from catalog.choices import Channel, DeploymentType
from catalog.connectors._common import org_slug, slugify
from catalog.connectors.base import PriceRecord

# litellm_provider -> (provider organisation, channel) where the channel is not the provider's own API.
CLOUD_CHANNELS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(["azure", "azure_ai", "azure_text"], ("microsoft", Channel.AZURE)),
    **dict.fromkeys(["bedrock", "bedrock_converse", "bedrock_mantle"], ("amazon", Channel.BEDROCK)),
    "openrouter": ("openrouter", Channel.OPENROUTER),
}
SELF_HOSTED = frozenset({"ollama", "ollama_chat", "lemonade", "lm_studio", "vllm", "hosted_vllm", "llamafile"})
ROUTE_PREFIXES = frozenset({"azure", "azure-ai", "bedrock", "bedrock-mantle", "vertex-ai", "openrouter"})
ROUTE_WORDS = frozenset({"invoke", "converse", "claude_platform", "*"})  # path words that name no model
AWS_REGION = re.compile(r"^(?:us|eu|ap|sa|ca|me|af|il|mx)(?:-gov)?-[a-z]+-\d+$")
AZURE_ZONES = {
    "global": DeploymentType.GLOBAL,
    "global-standard": DeploymentType.GLOBAL,
    **dict.fromkeys(["us", "eu", "apac", "us-gov"], DeploymentType.DATA_ZONE),
}
BEDROCK_GEOGRAPHY = re.compile(r"^(us|eu|apac|global|us-gov|au|jp|ca|in|uk)\.")


def channel_for(provider_name: str) -> tuple[str, str]:
    if provider_name in CLOUD_CHANNELS:
        return CLOUD_CHANNELS[provider_name]
    if provider_name.startswith("vertex_ai"):
        return "google", Channel.VERTEX
    if provider_name in SELF_HOSTED:
        return org_slug(provider_name), Channel.SELF_HOSTED
    return org_slug(provider_name), Channel.OTHER


def route(key: str, provider_name: str, channel: str) -> tuple[str, list[str], str | None]:
    """The model part of a routing key, with the regions and deployment type the key encodes."""
    segments = key.split("/")
    while len(segments) > 1 and _is_route_prefix(segments[0], provider_name):
        segments = segments[1:]  # "fal_ai/fal-ai/imagen4": the host's name, then its own namespace
    regions, deployment = [], None
    while len(segments) > 1:
        head = segments[0]
        if channel == Channel.BEDROCK and AWS_REGION.match(head):
            regions.append(head)
            deployment = deployment or DeploymentType.REGIONAL
        elif channel == Channel.BEDROCK and re.match(r"^\d+-month-commitment$", head):
            deployment = DeploymentType.PROVISIONED
        elif channel == Channel.AZURE and head in AZURE_ZONES:
            deployment = AZURE_ZONES[head]
            regions += [] if deployment == DeploymentType.GLOBAL else [head]
        elif head not in ROUTE_WORDS:
            break
        segments = segments[1:]
    path = "/".join(segments)
    geography = BEDROCK_GEOGRAPHY.match(path) if channel == Channel.BEDROCK else None
    if geography and geography.group(1) == "global":
        deployment = deployment or DeploymentType.GLOBAL
    elif geography:
        regions.append(geography.group(1))
        deployment = deployment or DeploymentType.DATA_ZONE
    return path, regions, deployment


def _is_route_prefix(segment: str, provider_name: str) -> bool:
    segment, provider = slugify(segment), slugify(provider_name)
    return segment == provider or provider.startswith(f"{segment}-") or segment in ROUTE_PREFIXES


def default_deployment(provider_name: str, prices: list[PriceRecord]) -> str:
    if provider_name in SELF_HOSTED:
        return DeploymentType.SELF_HOSTED
    return DeploymentType.SERVERLESS if prices else DeploymentType.UNKNOWN
