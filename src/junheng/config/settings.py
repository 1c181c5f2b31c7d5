"""Django settings, read from the environment with safe defaults for the embedded demo.

DATABASE_URL (default: SQLite in var/junheng.sqlite3), SECRET_KEY, DEBUG, ALLOWED_HOSTS,
JUNHENG_VAR (where the SQLite file, uploads and static files live), JUNHENG_HTTPS (1 behind TLS:
secure cookies, HSTS, HTTPS redirect; see the security block below and docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Django's generic classes (ModelAdmin, ModelForm, …) subscriptable at run time, so that the code
# names their model as mypy reads it: `class SchoolAdmin(admin.ModelAdmin[School])`.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("JUNHENG_VAR", REPO_DIR / "var")).resolve()
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("DEBUG", "0").lower() in {"1", "true", "yes"}
# The demo runs on a laptop; production must set SECRET_KEY (`junheng serve` refuses the built-in
# key on any database but the demo's SQLite file).
DEMO_SECRET_KEY = "junheng-demo-only-insecure-key-change-me"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "import_export",
    "axes",  # login throttling and lockout (security block below)
    "junheng.region",
    "junheng.accounts",
    "junheng.afterschool",
    "junheng.enrolment",
    "junheng.balance",
    "junheng.placement",
    "junheng.rotation",
    "junheng.quotas",
    "junheng.places",
    "junheng.communities",
    "junheng.portraits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "junheng.config.urls"
WSGI_APPLICATION = "junheng.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "junheng.accounts.context.role_context",
            ],
            # Filters every template has without {% load %}: `percent` (rates as "87.5%").
            "builtins": ["junheng.formats"],
        },
    },
]

DEMO_DATABASE_URL = f"sqlite:///{VAR_DIR / 'junheng.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEMO_DATABASE_URL),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite has one writer at a time. So that readers and logins never fail while someone
    # imports or runs a draw:
    # - WAL: readers go on while a writer writes and commits (gunicorn workers share one file);
    # - IMMEDIATE: a transaction takes the write lock when it begins, so two writers queue
    #   instead of one failing at once when it upgrades a read lock ("database is locked");
    # - timeout: how long a writer waits for the lock (SQLite's busy timeout), in seconds.
    #   Long jobs therefore keep their write transactions short (region imports check every
    #   row first, with no transaction open, and then write in one).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the package: no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"  # uploads are served only through permission-checked views
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# ---------------------------------------------------------------------------------------------
# Background jobs, storage, error reporting (owned by the `worker` branch; keep edits here).
#
# JUNHENG_TASKS: "db" (default: jobs queued in the database, run by `junheng worker`),
#   "rq" (Redis at REDIS_URL, run by `junheng worker` too), or "immediate" (run inside the
#   request: the test suite's fast path). JUNHENG_MEDIA_STORAGE / JUNHENG_MEDIA_OPTIONS (JSON):
#   where uploads go. ADMINS="Name <a@b>,…" gets 500 errors by mail (EMAIL_HOST, EMAIL_PORT,
#   EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, SERVER_EMAIL). LOG_LEVEL.
# ---------------------------------------------------------------------------------------------
import json as _json  # noqa: E402
from email.utils import getaddresses as _getaddresses  # noqa: E402

from junheng.config.caches import caches_from_url as _caches_from_url  # noqa: E402

INSTALLED_APPS += ["django_tasks_db", "junheng.jobs"]
JUNHENG_TASKS = os.environ.get("JUNHENG_TASKS", "db").strip().lower()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "default")  # the queue every job goes through
RQ_QUEUES = {JOBS_QUEUE: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 6 * 3600}}
TASKS: dict[str, dict[str, Any]]
if JUNHENG_TASKS == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [JOBS_QUEUE]}}
elif JUNHENG_TASKS == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif JUNHENG_TASKS == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": [JOBS_QUEUE]}}
else:
    raise RuntimeError(f"JUNHENG_TASKS must be db, rq or immediate, not {JUNHENG_TASKS!r}")
JOBS_HEARTBEAT_S = float(os.environ.get("JOBS_HEARTBEAT_S", "10"))
JOBS_LOST_AFTER_S = float(os.environ.get("JOBS_LOST_AFTER_S", "90"))
# Finished jobs (and their export files) are deleted this many days after they ended (daily).
JOBS_KEEP_DAYS = int(os.environ.get("JOBS_KEEP_DAYS", "30"))
# The pages' whole-region counts (junheng/kept.py) are fresh this long and counted again by a
# periodic job every 2 minutes (a city's million students take seconds to count); with a worker
# the pages show older counts until it recounts, without one a page counts them again; 0 counts
# on every page view.
JUNHENG_BALANCE_CACHE_S = int(os.environ.get("JUNHENG_BALANCE_CACHE_S", "300"))
# CACHE_URL: the cache every web and worker process shares (junheng/config/caches.py): db://
# (the default: a table in the database, so gunicorn's workers and the job workers share it with
# no other server), redis://host:6379/1, or locmem:// (each process's own memory).
CACHES = _caches_from_url(
    os.environ.get("CACHE_URL", "db://"), os.environ.get("CACHE_KEY_PREFIX", "junheng")
)
# The rank page's course list and cards (the same for every child of a grade in a window) are
# rendered once per process and reused this many seconds; the submission is always checked
# against the live offerings. 0: rendered on every page view.
JUNHENG_RANK_MENU_S = float(os.environ.get("JUNHENG_RANK_MENU_S", "5"))
# Region exports of more rows than this run as jobs (the file is downloaded when written).
JUNHENG_EXPORT_INLINE_ROWS = int(os.environ.get("JUNHENG_EXPORT_INLINE_ROWS", "5000"))
JOBS_HEALTH_MAX_QUEUE_AGE_S = float(os.environ.get("JOBS_HEALTH_MAX_QUEUE_AGE_S", "300"))

# Hashed, compressed static files (`junheng serve` runs collectstatic first); in DEBUG the files
# are served straight from the package.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "JUNHENG_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": _json.loads(os.environ.get("JUNHENG_MEDIA_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or os.environ.get("JUNHENG_STATIC_MANIFEST", "1") == "0"
        else "junheng.config.storage.StaticStorage"
    },
}

ADMINS = [(n, a) for n, a in _getaddresses([os.environ.get("ADMINS", "")]) if a]
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "junheng@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0").lower() in {"1", "true", "yes"}

# --- Security (issue 11; owner: harden) --------------------------------------------------------
# What the platform promises and how each promise is tested: docs/security.md.

# One switch for a site served over TLS (the proxy in front terminates TLS and sets
# X-Forwarded-Proto): HTTPS redirect, secure cookies, HSTS for a year with subdomains and preload.
HTTPS = os.environ.get("JUNHENG_HTTPS", "0").lower() in {"1", "true", "yes"}
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username the
# account is locked for AXES_COOLOFF_TIME, from every address. Locking by address alone would
# lock out a whole school behind one NAT address, or parents behind a mobile carrier's NAT, so
# addresses get their own, much higher limit (LOGIN_FAILURES_PER_ADDRESS, accounts/throttle.py,
# against one address spraying a common password over many usernames). axes.W006 asks for
# 'ip_address' among the lockout parameters because a lockout keyed on user agents or cookies
# can be dodged; a username lockout cannot, and the address limit is enforced by our backend.
# A bureau admin unlocks early with `junheng manage axes_reset_username <name>`. Attempts live
# in the database (no cache server), so every gunicorn worker sees them.
AUTHENTICATION_BACKENDS = [
    "junheng.accounts.throttle.AddressThrottleBackend",
    "junheng.accounts.throttle.AxesBackend",  # axes' AxesStandaloneBackend (lockout check)
    "django.contrib.auth.backends.ModelBackend",
]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("JUNHENG_LOGIN_FAILURES_PER_ADDRESS", "50"))
AXES_FAILURE_LIMIT = int(os.environ.get("JUNHENG_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "junheng.accounts.views.locked_out"
AXES_VERBOSE = False

# Self-registration of providers: at most this many applications per client address per hour
# (accounts/throttle.py; counted in the database like the login attempts).
REGISTRATION_LIMIT_PER_HOUR = int(os.environ.get("JUNHENG_REGISTRATIONS_PER_HOUR", "5"))

# Content-Security-Policy (django-csp): scripts and styles only from our own static files; no
# inline script, no inline event handler, no eval (templates use data-* attributes and
# static/junheng/site.js instead); no framing, no plugins, forms post only to us.
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
# --- end of the security block -----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request": {"()": "junheng.jobs.logs.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s %(request_line)s%(message)s",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Unhandled errors in a request: logged with the request (method, path, user) and mailed
        # to ADMINS when set; job failures (junheng.jobs) likewise.
        "django.request": {"handlers": ["mail_admins"], "level": "ERROR", "propagate": True},
        "junheng.jobs": {"handlers": ["mail_admins"], "level": "WARNING", "propagate": True},
        "django_tasks_db": {"level": "WARNING"},
    },
}
if os.environ.get(
    "SENTRY_DSN"
):  # an error tracker, when the bureau runs one (pip install sentry-sdk)
    try:
        import sentry_sdk

        sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], send_default_pii=False)
    except ImportError:
        pass
# ---------------------------------------------------------------------------------------------
