"""Settings of the benchmark server (bench/run.py starts gunicorn with them).

The production settings, so the numbers are those of a deployment (DEBUG off, the production middleware, the
token pepper from the environment), with what a loopback benchmark needs instead: plain HTTP (no SSL redirect),
static files served from the source folders (no collectstatic), placeholders for the secrets production refuses
to start without, and one extra route (bench.urls). Never used outside bench/.
"""

import os

_BENCH_DEFAULTS = {
    "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-any-deployment-0123456789abcdef",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "MODELGATE_TOKEN_PEPPER": "bench-only-token-pepper",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
}
for _name, _value in _BENCH_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
# Always in memory, whatever the environment says: a task the bench's setup enqueues (demo notifications) must
# never reach a real worker of the configured database, and no broker belongs in the measurement.
os.environ["CELERY_BROKER_URL"] = "memory://localhost//"

from config.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
# Loopback HTTP: the session cookie a bench client sends back must not require HTTPS.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
