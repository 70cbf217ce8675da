"""Settings for the test suite: fast hashing, quiet logs, tasks run inline."""

from .base import *  # noqa: F403
from .base import DATABASES

# Every figure fresh in tests, however slow the machine; the bounded staleness has a test of its own.
TANDEM_DASHBOARD_STALE_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "imports"]}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # An in-memory database per test run; the same PRAGMAs and IMMEDIATE transactions.
    DATABASES["default"]["TEST"] = {"NAME": None}
