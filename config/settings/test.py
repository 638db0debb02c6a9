"""Settings for the test suite: real PostgreSQL (DATABASE_URL or embedded), fast hashing, local email."""

import uuid

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# Fast password hashing: tests create many users. https://docs.djangoproject.com/en/5.2/topics/testing/overview/#password-hashing
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# https://docs.djangoproject.com/en/5.2/topics/email/#in-memory-backend
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests never need collectstatic.
# Served straight from the source folders, no collectstatic. https://whitenoise.readthedocs.io/en/stable/django.html#WHITENOISE_USE_FINDERS
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test session's worker consumes its own queue, so a shared CI broker never hands it someone else's task.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default=f"modelgate-test-{uuid.uuid4().hex[:8]}")
SECRET_KEY = env("DJANGO_SECRET_KEY", default="modelgate-test-secret-key-not-for-production-use-0123456789")
# The test runner empties every table between transactional tests, the audit table included.
AUDIT_ALLOW_TRUNCATE = True
