"""Production: everything secret or site-specific comes from the environment.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL recommended).
"""

from django.core.exceptions import ImproperlyConfigured

from tandem.config.env import env_bool, env_str

from .base import *  # noqa: F403

DEBUG = False
if not env_str("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production settings.")
if not env_str("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment for production settings.")
if not env_str("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in the environment for production settings.")

TANDEM_ALLOW_TIME_TRAVEL = env_bool("TANDEM_ALLOW_TIME_TRAVEL", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
