"""Settings shared by every mode. Test and production settings only override these."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from tandem.config.env import data_dir, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY") or "insecure-development-key-do-not-use-in-production"
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "tandem.people",
    "tandem.audit",
    "tandem.taxonomy",
    "tandem.accounts",
    "tandem.leads",
    "tandem.opportunities",
    "tandem.campaigns",
    "tandem.touchpoints",
    "tandem.intake",
    "tandem.identity",
    "tandem.imports",
    "tandem.scoring",
    "tandem.routing",
    "tandem.sla",
    "tandem.notifications",
    "tandem.attribution",
    "tandem.goals",
    "tandem.reporting",
    "tandem.web",
    "tandem.operations",
    "tandem.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tandem.config.urls"
WSGI_APPLICATION = "tandem.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.web.context.navigation",
            ],
        },
    },
]


def sqlite_database(path: Path) -> dict:
    """The embedded database: WAL journal, IMMEDIATE transactions, a generous busy timeout."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA mmap_size=268435456;"
                "PRAGMA cache_size=-65536;"
            ),
        },
        "TEST": {"NAME": None},
    }


def database_from_env() -> dict:
    url = env_str("DATABASE_URL")
    if not url:
        return sqlite_database(data_dir() / "tandem.sqlite3")
    if url.startswith("sqlite:"):
        return sqlite_database(Path(dj_database_url.parse(url)["NAME"]))
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config.setdefault("TEST", {})
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = data_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "imports"],
    }
}

# The dashboard may show a costly widget's figures from up to this many seconds (and 500 ledger rows)
# before the latest change while the worker recomputes it; 0 always computes at once.
TANDEM_DASHBOARD_STALE_SECONDS = env_int("TANDEM_DASHBOARD_STALE_SECONDS", 120)

# The one clock (tandem.clock): may TANDEM_NOW / TANDEM_NOW_SHIFT fix or shift "now",
# and may API and CLI writes carry an explicit past `at`? Allowed by default on a
# laptop or staging instance; production refuses unless TANDEM_ALLOW_TIME_TRAVEL=true.
TANDEM_ALLOW_TIME_TRAVEL = env_bool("TANDEM_ALLOW_TIME_TRAVEL", True)

# Lists and the API page through results with keyset cursors.
TANDEM_PAGE_SIZE_MAX = 500

# The public front door (tandem.intake; see docs/intake.md).
# Shared secrets for signed webhooks, comma-separated: list the new one beside the old while rotating.
TANDEM_WEBHOOK_SECRETS = env_list("TANDEM_WEBHOOK_SECRETS", [])
# Proxies (addresses or networks) whose X-Forwarded-For is believed; nobody's by default.
TANDEM_TRUSTED_PROXIES = env_list("TANDEM_TRUSTED_PROXIES", [])
# Web sites that embed the form (origins such as https://www.example.com): CORS and redirects.
TANDEM_INTAKE_ORIGINS = env_list("TANDEM_INTAKE_ORIGINS", [])
TANDEM_INTAKE_THANK_YOU_URL = env_str("TANDEM_INTAKE_THANK_YOU_URL", "")
# Requests per client address per window on the public form: "50/10" = 50 per 10 seconds; "off".
TANDEM_INTAKE_RATE_LIMIT = env_str("TANDEM_INTAKE_RATE_LIMIT", "50/10")
TANDEM_INTAKE_MAX_BODY = 64 * 1024

# Notifications (tandem.notifications; see docs/notifications.md). Email goes out through SMTP once
# EMAIL_HOST is set; links in emails and webhooks start with TANDEM_BASE_URL.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "tandem@localhost")
TANDEM_EMAIL_ENABLED = bool(EMAIL_HOST)
TANDEM_BASE_URL = env_str("TANDEM_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
