"""Well-known organisations (who trains models, who sells access to them) and how sources spell them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from catalog.connectors.base import OrganizationRecord


@dataclass(frozen=True)
class KnownOrganization:
    slug: str
    name: str
    country: str = ""  # ISO 3166-1 alpha-2 of the headquarters
    is_publisher: bool = False
    is_provider: bool = False
    parent: str | None = None
    website: str = ""


def _org(slug, name, country="", *, publisher=False, provider=False, parent=None, website=""):
    return KnownOrganization(slug, name, country, publisher, provider, parent, website)


# Companies the sources name most. is_publisher: trains models; is_provider: sells access to them. A source can
# add either flag (an unknown host becomes a provider), never remove one.
ORGANIZATIONS: dict[str, KnownOrganization] = {
    org.slug: org
    for org in (
        _org("openai", "OpenAI", "US", publisher=True, provider=True, website="https://openai.com"),
        _org("anthropic", "Anthropic", "US", publisher=True, provider=True, website="https://www.anthropic.com"),
        _org("alphabet", "Alphabet", "US", website="https://abc.xyz"),
        _org("google", "Google", "US", publisher=True, provider=True, parent="alphabet", website="https://ai.google"),
        _org("meta", "Meta", "US", publisher=True, provider=True, website="https://ai.meta.com"),
        _org("mistral", "Mistral AI", "FR", publisher=True, provider=True, website="https://mistral.ai"),
        _org("microsoft", "Microsoft", "US", publisher=True, provider=True, website="https://azure.microsoft.com"),
        _org("github", "GitHub", "US", provider=True, parent="microsoft", website="https://github.com"),
        _org("amazon", "Amazon Web Services", "US", publisher=True, provider=True, website="https://aws.amazon.com"),
        _org("deepseek", "DeepSeek", "CN", publisher=True, provider=True, website="https://www.deepseek.com"),
        _org("alibaba", "Alibaba Cloud (Qwen)", "CN", publisher=True, provider=True, website="https://qwen.ai"),
        _org("xai", "xAI", "US", publisher=True, provider=True, website="https://x.ai"),
        _org("cohere", "Cohere", "CA", publisher=True, provider=True, website="https://cohere.com"),
        _org("nvidia", "NVIDIA", "US", publisher=True, provider=True, website="https://www.nvidia.com"),
        _org("ibm", "IBM", "US", publisher=True, provider=True, website="https://www.ibm.com/watsonx"),
        _org("oracle", "Oracle", "US", provider=True, website="https://www.oracle.com/cloud"),
        _org("ai21", "AI21 Labs", "IL", publisher=True, provider=True, website="https://www.ai21.com"),
        _org("zai", "Z.ai (Zhipu AI)", "CN", publisher=True, provider=True, website="https://z.ai"),
        _org("moonshot-ai", "Moonshot AI", "CN", publisher=True, provider=True, website="https://www.moonshot.ai"),
        _org("minimax", "MiniMax", "CN", publisher=True, provider=True, website="https://www.minimax.io"),
        _org("bytedance", "ByteDance", "CN", publisher=True, provider=True, website="https://seed.bytedance.com"),
        _org("tencent", "Tencent", "CN", publisher=True, provider=True, website="https://hunyuan.tencent.com"),
        _org("baidu", "Baidu", "CN", publisher=True, provider=True, website="https://yiyan.baidu.com"),
        _org("xiaomi", "Xiaomi", "CN", publisher=True, provider=True, website="https://mimo.xiaomi.com"),
        _org("stepfun", "StepFun", "CN", publisher=True, provider=True, website="https://www.stepfun.com"),
        _org("perplexity", "Perplexity", "US", publisher=True, provider=True, website="https://www.perplexity.ai"),
        _org("stability-ai", "Stability AI", "GB", publisher=True, provider=True, website="https://stability.ai"),
        _org("black-forest-labs", "Black Forest Labs", "DE", publisher=True, provider=True, website="https://bfl.ai"),
        _org("deepgram", "Deepgram", "US", publisher=True, provider=True, website="https://deepgram.com"),
        _org("elevenlabs", "ElevenLabs", publisher=True, provider=True, website="https://elevenlabs.io"),
        _org("mongodb", "MongoDB", "US", website="https://www.mongodb.com"),
        _org("voyage-ai", "Voyage AI", "US", publisher=True, provider=True, parent="mongodb"),
        _org("jina-ai", "Jina AI", "DE", publisher=True, provider=True, website="https://jina.ai"),
        _org("writer", "Writer", "US", publisher=True, provider=True, website="https://writer.com"),
        _org("inception", "Inception Labs", "US", publisher=True, provider=True, website="https://inceptionlabs.ai"),
        _org("upstage", "Upstage", "KR", publisher=True, provider=True, website="https://www.upstage.ai"),
        _org("sber", "Sber (GigaChat)", "RU", publisher=True, provider=True, website="https://developers.sber.ru"),
        _org("ai2", "Allen Institute for AI", "US", publisher=True, website="https://allenai.org"),
        _org("liquid-ai", "Liquid AI", "US", publisher=True, website="https://www.liquid.ai"),
        _org("01-ai", "01.AI", "CN", publisher=True, website="https://www.01.ai"),
        _org("nous-research", "Nous Research", "US", publisher=True, website="https://nousresearch.com"),
        _org("bigcode", "BigCode", publisher=True, parent="hugging-face", website="https://www.bigcode-project.org"),
        _org("hugging-face", "Hugging Face", "US", publisher=True, provider=True, website="https://huggingface.co"),
        _org("openrouter", "OpenRouter", "US", provider=True, website="https://openrouter.ai"),
        _org("groq", "Groq", "US", provider=True, website="https://groq.com"),
        _org("cerebras", "Cerebras", "US", provider=True, website="https://www.cerebras.ai"),
        _org("sambanova", "SambaNova", "US", provider=True, website="https://sambanova.ai"),
        _org("together-ai", "Together AI", "US", provider=True, website="https://www.together.ai"),
        _org("fireworks-ai", "Fireworks AI", "US", provider=True, website="https://fireworks.ai"),
        _org("deepinfra", "DeepInfra", "US", provider=True, website="https://deepinfra.com"),
        _org("replicate", "Replicate", "US", provider=True, website="https://replicate.com"),
        _org("databricks", "Databricks", "US", provider=True, website="https://www.databricks.com"),
        _org("snowflake", "Snowflake", "US", provider=True, website="https://www.snowflake.com"),
        _org("cloudflare", "Cloudflare", "US", provider=True, website="https://www.cloudflare.com"),
        _org("vercel", "Vercel", "US", provider=True, website="https://vercel.com"),
        _org("nebius", "Nebius", "NL", provider=True, website="https://nebius.com"),
        _org("scaleway", "Scaleway", "FR", provider=True, website="https://www.scaleway.com"),
        _org("ovhcloud", "OVHcloud", "FR", provider=True, website="https://www.ovhcloud.com"),
        _org("novita", "Novita AI", provider=True, website="https://novita.ai"),
        _org("hyperbolic", "Hyperbolic", "US", provider=True, website="https://hyperbolic.xyz"),
        _org("lambda", "Lambda", "US", provider=True, website="https://lambda.ai"),
        _org("baseten", "Baseten", "US", provider=True, website="https://www.baseten.co"),
        _org("friendliai", "FriendliAI", "KR", provider=True, website="https://friendli.ai"),
        _org("siliconflow", "SiliconFlow", "CN", provider=True, website="https://siliconflow.com"),
    )
}

# Other spellings of the same organisations, as the sources write them (after slugify).
ORGANIZATION_ALIASES: dict[str, str] = {
    **dict.fromkeys(["open-ai", "openai-compatible", "text-completion-openai", "chatgpt"], "openai"),
    **dict.fromkeys(["claude", "anthropic-ai"], "anthropic"),
    **dict.fromkeys(
        [
            "gemini",
            "google-ai-studio",
            "google-vertex",
            "vertex",
            "vertex-ai",
            "google-deepmind",
            "deepmind",
            "googleai",
            "google-vertex-anthropic",
        ],
        "google",
    ),
    **dict.fromkeys(["meta-llama", "facebook", "meta-ai", "metaai", "llama", "meta-platforms"], "meta"),
    **dict.fromkeys(["mistralai", "mistral-ai", "codestral", "text-completion-codestral"], "mistral"),
    **dict.fromkeys(
        [
            "azure",
            "azure-ai",
            "azure-openai",
            "azure-text",
            "azure-cognitive-services",
            "msft",
            "microsoft-azure",
            "microsoft-365-copilot",
        ],
        "microsoft",
    ),
    **dict.fromkeys(["github-copilot", "github-models"], "github"),
    **dict.fromkeys(
        [
            "aws",
            "amazon-bedrock",
            "bedrock",
            "bedrock-converse",
            "bedrock-mantle",
            "sagemaker",
            "amazon-nova",
            "nova",
            "aws-polly",
            "amazon-web-services",
        ],
        "amazon",
    ),
    **dict.fromkeys(["deepseek-ai", "deep-seek"], "deepseek"),
    **dict.fromkeys(
        [
            "qwen",
            "alibaba-cloud",
            "alibaba-qwen",
            "dashscope",
            "qwen-ai-platform",
            "qwencloud",
            "alibaba-cn",
            "aliyun",
            "tongyi",
        ],
        "alibaba",
    ),
    **dict.fromkeys(["x-ai", "x-ai-corp", "grok"], "xai"),
    **dict.fromkeys(["cohere-chat", "cohereforai", "coherelabs", "cohere-labs"], "cohere"),
    **dict.fromkeys(["nvidia-nim", "nvidia-ai"], "nvidia"),
    **dict.fromkeys(["ibm-granite", "watsonx", "ibm-watsonx"], "ibm"),
    **dict.fromkeys(["oci", "oracle-cloud"], "oracle"),
    **dict.fromkeys(["ai21labs", "ai21-labs"], "ai21"),
    **dict.fromkeys(["z-ai", "zai-org", "zhipu", "zhipuai", "zhipu-ai", "thudm", "bigmodel", "glm"], "zai"),
    **dict.fromkeys(["moonshot", "moonshotai", "moonshotai-cn", "kimi"], "moonshot-ai"),
    **dict.fromkeys(["minimaxai", "minimax-cn", "minimax-ai"], "minimax"),
    **dict.fromkeys(["bytedance-seed", "volcengine", "doubao", "bytedance-research"], "bytedance"),
    **dict.fromkeys(["tencent-hunyuan", "hunyuan"], "tencent"),
    **dict.fromkeys(["xiaomimimo", "xiaomi-mimo"], "xiaomi"),
    **dict.fromkeys(["stepfun-ai"], "stepfun"),
    **dict.fromkeys(["perplexity-ai"], "perplexity"),
    **dict.fromkeys(["stabilityai", "stability"], "stability-ai"),
    **dict.fromkeys(["bfl", "black-forest-labs-ai", "blackforestlabs"], "black-forest-labs"),
    **dict.fromkeys(["voyage", "voyageai"], "voyage-ai"),
    **dict.fromkeys(["jina", "jinaai"], "jina-ai"),
    **dict.fromkeys(["gigachat", "sberbank"], "sber"),
    **dict.fromkeys(["allenai", "allen-ai"], "ai2"),
    **dict.fromkeys(["liquidai", "lfm"], "liquid-ai"),
    **dict.fromkeys(["huggingface", "huggingfaceh4", "hf"], "hugging-face"),
    **dict.fromkeys(["together", "togetherai", "together-ai"], "together-ai"),
    **dict.fromkeys(["fireworks", "fireworks-ai-embedding-models", "firepass"], "fireworks-ai"),
    **dict.fromkeys(["deep-infra"], "deepinfra"),
    **dict.fromkeys(["vercel-ai-gateway"], "vercel"),
    **dict.fromkeys(["nebius-ai-studio", "nebius-token-factory"], "nebius"),
    **dict.fromkeys(["novita-ai", "novitaai"], "novita"),
    **dict.fromkeys(["lambda-ai", "lambda-labs"], "lambda"),
    **dict.fromkeys(["friendli"], "friendliai"),
    **dict.fromkeys(["siliconflow-cn"], "siliconflow"),
    **dict.fromkeys(["cloudflare-workers-ai", "cloudflare-ai-gateway", "workers-ai"], "cloudflare"),
    **dict.fromkeys(["mistral-ai-studio"], "mistral"),
    **dict.fromkeys(["inception-labs", "inceptionlabs"], "inception"),
    **dict.fromkeys(["01ai", "yi"], "01-ai"),
    **dict.fromkeys(["nousresearch", "nous"], "nous-research"),
    **dict.fromkeys(["bigcode-project"], "bigcode"),
}


def slugify(text: str) -> str:
    """ASCII, lower-case, words joined by single hyphens ('Mistral AI' -> 'mistral-ai', 'x_ai' -> 'x-ai')."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def org_slug(name: str) -> str:
    """The organisation slug for a name as a source writes it ('Meta Llama', 'mistralai', 'x-ai' -> meta, ...)."""
    slug = slugify(name)
    return ORGANIZATION_ALIASES.get(slug, slug)[:100] or "unknown"


def organization_record(
    slug: str, *, publisher: bool = False, provider: bool = False, name: str = ""
) -> OrganizationRecord:
    """What Modelgate knows of an organisation, with the roles a source saw it in added."""
    known = ORGANIZATIONS.get(slug)
    if known is None:
        return OrganizationRecord(slug=slug, name=name or slug, is_publisher=publisher, is_provider=provider)
    return OrganizationRecord(
        slug=slug,
        name=known.name,
        is_publisher=known.is_publisher or publisher,
        is_provider=known.is_provider or provider,
        country=known.country,
        parent=known.parent,
        website=known.website,
    )


def with_parents(records: dict[str, OrganizationRecord]) -> list[OrganizationRecord]:
    """The records plus every parent they name (so a sync can link them), sorted by slug."""
    pending = [record.parent for record in records.values() if record.parent]
    while pending:
        slug = pending.pop()
        if slug not in records:
            records[slug] = organization_record(slug)
            if records[slug].parent:
                pending.append(records[slug].parent)
    return [records[slug] for slug in sorted(records)]
