"""One settings module, read from the environment (twelve-factor), with embedded defaults.

Without DATABASE_URL the portal runs on an SQLite file; without CELERY_BROKER_URL Celery uses kombu's
filesystem transport under var/broker, so `make run` needs neither PostgreSQL nor Redis.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RENEWAL_VAR_DIR", BASE_DIR / "var"))
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# RENEWAL_ENV=production (docker-compose sets it) refuses to start without a real secret key and turns
# on the HTTPS cookie and header settings; the embedded default is for `make run` and tests only.
PRODUCTION = os.environ.get("RENEWAL_ENV", "") == "production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEVELOPMENT_SECRET_KEY = "embedded-development-key-not-for-production"
# Keys that appear in the repository, the docs or Django's own templates: never acceptable in production.
KNOWN_DEFAULT_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "collectstatic-only", "change-me", "changeme", "secret"}
if PRODUCTION:
    if not SECRET_KEY:
        raise RuntimeError("SECRET_KEY must be set when RENEWAL_ENV=production")
    if SECRET_KEY in KNOWN_DEFAULT_SECRET_KEYS or SECRET_KEY.startswith("django-insecure-"):
        raise RuntimeError("SECRET_KEY is a known default value: set a random one (openssl rand -hex 32)")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise RuntimeError(
            f"SECRET_KEY is too short or too simple ({len(SECRET_KEY)} characters; at least 50 with 5 distinct "
            "characters are required): use openssl rand -hex 32"
        )
if not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "renewal.apps.RenewalConfig",
    "projects.apps.ProjectsConfig",
    "review.apps.ReviewConfig",
    "permits.apps.PermitsConfig",
    "supervision.apps.SupervisionConfig",
    "reports.apps.ReportsConfig",
    "dashboard.apps.DashboardConfig",
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
    # NUL bytes and non-UTF-8 bytes in a query or form: a Chinese 400 in the portal's layout, nothing stored.
    "renewal.middleware.BadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "renewal.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "renewal.urls"
WSGI_APPLICATION = "renewal.wsgi.application"

# Selects are written in Python, the same HTML as Django's templates (renewal/renderers.py, issue 16).
FORM_RENDERER = "renewal.renderers.PortalFormRenderer"
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
                "renewal.context_processors.navigation",
                "renewal.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        # docker-compose.yml keeps connections for 60 s: a new PostgreSQL connection per request (and the
        # backend's catalogue lookups for every table it touches) was a third of a typical page's time at
        # city scale (issue 16). A kept connection is checked before each request reuses it.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the web server, the worker and beat share the file; IMMEDIATE transactions take the write
    # lock when they begin, so a reader turning writer waits for it (timeout) instead of "database is locked".
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        }
    )

AUTH_USER_MODEL = "renewal.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "renewal.accounts.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's model backend with the lock-out check before the password check (renewal/accounts.py).
AUTHENTICATION_BACKENDS = ["renewal.accounts.LoginLockoutBackend"]
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair waits
# LOGIN_COOLOFF_MINUTES (portal login, admin login and the token endpoint alike).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_COOLOFF_MINUTES = int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15"))
# A session ends after this many idle minutes (every request renews it).
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# An API token is refused (401) this many days after it was issued; a new POST issues a fresh one.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "30"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", False)  # only where `collectstatic` has written the manifest (Docker)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- cache: lock-out counters and API throttles are shared by every process ----------------------
# Redis when REDIS_URL is set (production); otherwise a file cache under var/ that the web server and
# the worker of `make run` share.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# The leaders' dashboard keeps its figures this long per scope (dashboard.selectors.cached_dashboard).
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60"))
# Filter choices drawn from a user's scope (the ledger's 实施主体, the audit trail's actions and people, the
# deadlines' responsible organisations) and the 跨区 projects of a district are kept this long between
# requests and kept current meanwhile (projects/scope_cache.py, renewal/choice_cache.py). 0: no cache.
CHOICES_CACHE_SECONDS = int(os.environ.get("CHOICES_CACHE_SECONDS", "300"))
# The public notice list as anonymous readers see it (review/public_cache.py); renewed on any notice change.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "60"))

# --- e-mail -------------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL.startswith("smtp://"):
    from urllib.parse import urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = _mail.username or ""
    EMAIL_HOST_PASSWORD = _mail.password or ""
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@renewal.example.gov.cn")

# --- Celery -------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Behind a reverse proxy that appends the client's address (e.g. HTTP_X_FORWARDED_FOR), name its header here:
# the public-comment rate limit then keys on the address the proxy added. Never set it without such a proxy.
TRUSTED_PROXY_HEADER = os.environ.get("TRUSTED_PROXY_HEADER", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # Any process may enqueue (the web server, load_demo, a management command): the folders must exist.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a missing, wrong or expired token answers 401 with WWW-Authenticate: Token.
        "renewal.accounts.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("TOKEN_THROTTLE_RATE", "10/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "城市更新项目管理平台 API",
    "DESCRIPTION": "Beijing urban-renewal project lifecycle portal. Every endpoint is scoped to the caller.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Read operations' 400/403/404 answers documented too (renewal/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "renewal.api.schema.document_error_responses",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Domain settings ----------------------------------------------------------------------------
# Traffic light turns yellow this many working days before a due date (DOMAIN.md §5, configurable).
DEADLINE_WARNING_WORKDAYS = int(os.environ.get("DEADLINE_WARNING_WORKDAYS", "3"))
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(50 * 1024 * 1024)))
# Background jobs (renewal/jobs.py): a running job without a progress heartbeat for this long was killed.
JOB_HEARTBEAT_MINUTES = int(os.environ.get("JOB_HEARTBEAT_MINUTES", "10"))
# A calendar change in the admin (one day, or a year's confirmation) recomputes the open deadlines it may
# move inside the request when there are at most this many; above it, a `calendar_recompute` background
# job with progress does it in batches (issue 16; the calendar itself is always written in the request).
CALENDAR_RECOMPUTE_INLINE_LIMIT = int(os.environ.get("CALENDAR_RECOMPUTE_INLINE_LIMIT", "2000"))
# The daily sweep catches up reminders whose day it missed (no run that morning) up to this many days back.
REMINDER_CATCH_UP_DAYS = int(os.environ.get("REMINDER_CATCH_UP_DAYS", "14"))
# The address links in e-mails point to (notifications, reminders).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

if PRODUCTION and env_bool("HTTPS", True):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)

# Static files are served by whitenoise from the finders too, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Working days each department has for its joint-review opinion (configurable; default 10).
JOINT_REVIEW_WORKDAYS = int(os.environ.get("JOINT_REVIEW_WORKDAYS", "10"))
# Monthly fixed-asset investment report: due on this working day after the month ends (no text sets a
# day; DOMAIN.md §3 step 10). 限额以下小型工程 threshold shown with the fact (万元 / 平方米; issue 11).
MONTHLY_INVESTMENT_REPORT_WORKDAYS = int(os.environ.get("MONTHLY_INVESTMENT_REPORT_WORKDAYS", "5"))
SMALL_WORKS_LIMIT = os.environ.get("SMALL_WORKS_LIMIT", "工程投资额30万元以下或建筑面积300平方米以下")
CSRF_FAILURE_VIEW = "renewal.views.csrf_failure"  # a Chinese page inside the portal layout
