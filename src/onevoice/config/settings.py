"""Django settings, read from the environment only.

``ONEVOICE_HOME``           data directory (default ``./onevoice-data``)
``DATABASE_URL``            PostgreSQL (or any dj-database-url URL); SQLite in the home otherwise
``ONEVOICE_DEBUG``          ``1`` turns DEBUG on (never in production)
``ONEVOICE_ALLOWED_HOSTS``  comma-separated host names (default ``127.0.0.1,localhost``)
``ONEVOICE_HTTPS``          ``1`` when served over HTTPS: secure cookies, HSTS, redirect
``ONEVOICE_SECRET_KEY``     overrides the key generated in the data directory
``ONEVOICE_TRUSTED_PROXIES`` proxies in front that append to ``X-Forwarded-For`` (default 0)
``ONEVOICE_ENGINE``         ``duckdb`` (default) or ``pyspark`` for the sales queries
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from onevoice.config.home import data_home, secret_key


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


PACKAGE_DIR = Path(__file__).resolve().parent.parent
ONEVOICE_HOME = data_home()
MEDIA_ROOT = ONEVOICE_HOME / "media"
SALES_DATASET_DIR = ONEVOICE_HOME / "sales"
STATIC_ROOT = ONEVOICE_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing

SECRET_KEY = os.environ.get("ONEVOICE_SECRET_KEY") or secret_key(ONEVOICE_HOME)
DEBUG = _flag("ONEVOICE_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ONEVOICE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # For its templates and static Swagger UI: /api/docs loads nothing from a CDN.
    "ninja",
    "onevoice.accounts",
    "onevoice.campaigns",
    "onevoice.training",
    "onevoice.field",
    "onevoice.clinical",
    "onevoice.measurement",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "onevoice.config.middleware.RejectNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "onevoice.config.urls"
WSGI_APPLICATION = "onevoice.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onevoice.accounts.context_processors.roles",
                "onevoice.campaigns.context_processors.notifications",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(ONEVOICE_HOME / "onevoice.sqlite3"),
            "OPTIONS": {
                # WAL lets pages read while an import writes; IMMEDIATE avoids the
                # "database is locked" upgrade deadlock between two writers.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the package so `onevoice serve` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Storage chmods what it saves to these (Django's default is 0644): uploads are customer
# data, readable by the server's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
# A working day, not Django's two weeks: a session left open on a lost laptop ends.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _flag("ONEVOICE_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if h != "*"]

# Outbound e-mail (pre-work reminders, customer-training kit links). Without a host,
# messages are written to the console log instead of being lost silently.
if os.environ.get("ONEVOICE_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["ONEVOICE_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("ONEVOICE_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("ONEVOICE_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ONEVOICE_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = not _flag("ONEVOICE_EMAIL_NO_TLS")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("ONEVOICE_EMAIL_FROM", "onevoice@localhost")

API_TOKEN_DAYS = int(os.environ.get("ONEVOICE_API_TOKEN_DAYS", "90"))
# How many proxies (each appending to X-Forwarded-For) stand in front of the server; the
# login throttle then counts the address the outermost one saw. 0: REMOTE_ADDR.
TRUSTED_PROXIES = int(os.environ.get("ONEVOICE_TRUSTED_PROXIES", "0"))
ONEVOICE_ENGINE = os.environ.get("ONEVOICE_ENGINE", "duckdb")
# Uplift analyses take seconds to a minute: pages start them in a worker thread and poll.
UPLIFT_IN_BACKGROUND = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONEVOICE_LOG_LEVEL", "WARNING")},
}
