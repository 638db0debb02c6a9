"""Choice sets of the catalog. Values are stable identifiers used in the API, policy rules and connectors."""

from django.db import models


class Lifecycle(models.TextChoices):
    PREVIEW = "preview", "Preview"
    GA = "ga", "Generally available"
    LEGACY = "legacy", "Legacy"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


class Modality(models.TextChoices):
    TEXT = "text", "Text"
    IMAGE = "image", "Image"
    AUDIO = "audio", "Audio"
    VIDEO = "video", "Video"
    PDF = "pdf", "PDF"


class TaskType(models.TextChoices):
    CHAT = "chat", "Chat"
    COMPLETION = "completion", "Completion"
    REASONING = "reasoning", "Reasoning"
    CODE = "code", "Code"
    EMBEDDING = "embedding", "Embedding"
    TRANSCRIPTION = "transcription", "Transcription"
    SPEECH = "speech", "Speech"
    IMAGE_GENERATION = "image_generation", "Image generation"
    VIDEO_GENERATION = "video_generation", "Video generation"
    RERANK = "rerank", "Rerank"
    MODERATION = "moderation", "Moderation"
    OCR = "ocr", "OCR"


class Capability(models.TextChoices):
    TOOLS = "tools", "Tool calling"
    VISION = "vision", "Vision"
    REASONING = "reasoning", "Reasoning"
    STRUCTURED_OUTPUT = "structured_output", "Structured output"
    PROMPT_CACHING = "prompt_caching", "Prompt caching"
    WEB_SEARCH = "web_search", "Web search"
    AUDIO_INPUT = "audio_input", "Audio input"
    AUDIO_OUTPUT = "audio_output", "Audio output"


class Architecture(models.TextChoices):
    DENSE = "dense", "Dense"
    MOE = "moe", "Mixture of experts"
    UNKNOWN = "unknown", "Unknown"


class LicenseCategory(models.TextChoices):
    PERMISSIVE = "permissive", "Permissive"
    COPYLEFT = "copyleft", "Copyleft"
    PROPRIETARY_FREE = "proprietary_free", "Proprietary, free to use"
    SOURCE_AVAILABLE = "source_available", "Source available"
    COMMERCIAL = "commercial", "Commercial"
    NON_COMMERCIAL = "non_commercial", "Non-commercial"
    UNKNOWN = "unknown", "Unknown"


class LineageRelation(models.TextChoices):
    # Hugging Face's base_model_relation values, plus "distilled" which it lacks.
    FINETUNE = "finetune", "Fine-tune"
    ADAPTER = "adapter", "Adapter"
    QUANTIZED = "quantized", "Quantized"
    MERGE = "merge", "Merge"
    DISTILLED = "distilled", "Distilled"


class ProvenanceTopic(models.TextChoices):
    TRAINING_DATA = "training_data", "Training data"
    ORIGIN = "origin", "Origin (from scratch or derived)"
    DISTILLATION = "distillation", "Distillation"


class TrainingDataCategory(models.TextChoices):
    COMMERCIALLY_LICENSED = "commercially_licensed", "Commercially licensed"
    PUBLIC_WEB = "public_web", "Public web"
    SYNTHETIC = "synthetic", "Synthetic"
    USER_DATA = "user_data", "User data"
    PROPRIETARY = "proprietary", "Proprietary"
    UNKNOWN = "unknown", "Unknown"


class Origin(models.TextChoices):
    FROM_SCRATCH = "from_scratch", "Trained from scratch"
    DERIVED = "derived", "Derived from another model"
    UNKNOWN = "unknown", "Unknown"


class Distillation(models.TextChoices):
    NONE_DECLARED = "none_declared", "No distillation declared"
    DECLARED_TEACHERS = "declared_teachers", "Distilled from declared teachers"
    UNKNOWN = "unknown", "Unknown"


class ClaimSourceKind(models.TextChoices):
    VENDOR_STATEMENT = "vendor_statement", "Vendor statement"
    MODEL_CARD = "model_card", "Model card"
    INDEPENDENT_REPORT = "independent_report", "Independent report"


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed"
    VERIFIED = "verified", "Verified"
    DISPUTED = "disputed", "Disputed"


class Channel(models.TextChoices):
    VENDOR_API = "vendor_api", "Vendor API"
    AZURE = "azure", "Azure"
    BEDROCK = "bedrock", "Amazon Bedrock"
    VERTEX = "vertex", "Google Vertex AI"
    OPENROUTER = "openrouter", "OpenRouter"
    SELF_HOSTED = "self_hosted", "Self-hosted"
    OTHER = "other", "Other"


class DeploymentType(models.TextChoices):
    SERVERLESS = "serverless", "Serverless (pay per token)"
    PROVISIONED = "provisioned", "Provisioned throughput"
    GLOBAL = "global", "Global routing"
    REGIONAL = "regional", "Regional"
    DATA_ZONE = "data_zone", "Data zone"
    SELF_HOSTED = "self_hosted", "Self-hosted"
    UNKNOWN = "unknown", "Unknown"


class OfferingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PREVIEW = "preview", "Preview"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


class PriceUnit(models.TextChoices):
    # Token units are priced per 1M tokens; the others per one unit.
    INPUT_TOKEN = "input_token", "Input tokens (per 1M)"
    OUTPUT_TOKEN = "output_token", "Output tokens (per 1M)"
    CACHED_INPUT_TOKEN = "cached_input_token", "Cached input tokens (per 1M)"
    CACHE_WRITE_TOKEN = "cache_write_token", "Cache write tokens (per 1M)"
    REASONING_TOKEN = "reasoning_token", "Reasoning tokens (per 1M)"
    INPUT_AUDIO_TOKEN = "input_audio_token", "Input audio tokens (per 1M)"
    OUTPUT_AUDIO_TOKEN = "output_audio_token", "Output audio tokens (per 1M)"
    IMAGE = "image", "Image (each)"
    AUDIO_SECOND = "audio_second", "Audio (per second)"
    VIDEO_SECOND = "video_second", "Video (per second)"
    REQUEST = "request", "Request (each)"
    WEB_SEARCH = "web_search", "Web search (each)"


TOKEN_UNITS = frozenset(
    {
        PriceUnit.INPUT_TOKEN,
        PriceUnit.OUTPUT_TOKEN,
        PriceUnit.CACHED_INPUT_TOKEN,
        PriceUnit.CACHE_WRITE_TOKEN,
        PriceUnit.REASONING_TOKEN,
        PriceUnit.INPUT_AUDIO_TOKEN,
        PriceUnit.OUTPUT_AUDIO_TOKEN,
    }
)


class PriceVariant(models.TextChoices):
    STANDARD = "standard", "Standard"
    BATCH = "batch", "Batch"
    PRIORITY = "priority", "Priority"
    FLEX = "flex", "Flex"


class SourceTier(models.TextChoices):
    VENDOR_CLAIMED = "vendor_claimed", "Vendor-claimed"
    INDEPENDENT = "independent", "Independent"
    INTERNAL = "internal", "Internal"


class AliasResolution(models.TextChoices):
    CANONICAL = "canonical", "Canonical slug"
    EXACT = "exact", "Exact match"
    RULE = "rule", "Matched by rule"
    MANUAL = "manual", "Resolved by a person"
    UNRESOLVED = "unresolved", "Unresolved (own model, awaiting review)"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (another run in progress)"


class ChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    RETIRED = "retired", "Retired (no longer in the source)"
    CONFLICT = "conflict", "Sources disagree"


class ChangeSignal(models.TextChoices):
    """Changes that matter to governance: entitlements may need re-review."""

    NONE = "", "None"
    MODEL_ADDED = "model_added", "Model added"
    MODEL_REMOVED = "model_removed", "Model removed from source"
    PRICE_UP = "price_up", "Price increased"
    PRICE_DOWN = "price_down", "Price decreased"
    LICENSE_CHANGED = "license_changed", "Licence changed"
    DEPRECATION_ANNOUNCED = "deprecation_announced", "Deprecation or retirement announced"
    PROVENANCE_DISPUTED = "provenance_disputed", "Provenance claim disputed"
