"""Django settings: the only module that reads the environment (through env.TABLE)."""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path

import dj_database_url

from wiredesk.core import env

E = env.load()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(E["WIREDESK_DATA_DIR"]).expanduser().resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = E["WIREDESK_DEBUG"]
PRODUCTION = E["WIREDESK_ENV"] == "production"


def _secret_key() -> str:
    if E["WIREDESK_SECRET_KEY"]:
        return E["WIREDESK_SECRET_KEY"]
    if PRODUCTION:
        raise env.ConfigError("WIREDESK_SECRET_KEY must be set when WIREDESK_ENV=production")
    # Development: one random key per data folder, kept beside the database.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = list(E["WIREDESK_ALLOWED_HOSTS"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "wiredesk.core",
    "wiredesk.sources",
    "wiredesk.stories",
    "wiredesk.search",
    "wiredesk.ingest",
    "wiredesk.brands",
    "wiredesk.web",
    "wiredesk.digest",
    "wiredesk.releases",
    "wiredesk.desk",
    "wiredesk.demo",
    "anymail",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost after SecurityMiddleware, so the headers are on every response, including the
    # 400 that CommonMiddleware answers for a Host outside ALLOWED_HOSTS.
    "wiredesk.web.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wiredesk.brands.middleware.BrandMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wiredesk.project.urls"
WSGI_APPLICATION = "wiredesk.project.wsgi.application"

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
                "wiredesk.web.context.site",
            ],
        },
    },
]


def _databases() -> dict:
    if E["DATABASE_URL"]:
        db = dj_database_url.parse(E["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
        options = db.setdefault("OPTIONS", {})
        if "postg" in db["ENGINE"] and E["WIREDESK_POSTGRES_JIT_OFF"] and "jit" not in options.get("options", ""):
            # JIT compilation pays off for long analytic scans, not for a site's short queries:
            # a search over a large archive spent 0.58 of its 0.72 s compiling (bench/scale.py).
            # An explicit jit setting in the URL's options wins.
            options["options"] = f"{options.get('options', '')} -c jit=off".strip()
        return {"default": db}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "wiredesk.sqlite3"),
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
                # BEGIN so two writers queue on the busy timeout instead of failing mid-way with
                # "database is locked" when a read lock cannot be upgraded.
                "timeout": E["WIREDESK_SQLITE_TIMEOUT"],
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _caches() -> dict:
    """``default`` holds what every process must share (the content generation that
    invalidates pages, rate-limit counters, the host map); ``pages`` holds rendered pages,
    which are keyed by that generation and so may live in each process."""
    if E["CACHE_URL"]:
        # Degrades to no cache while Redis is down (core/rediscache.py); short socket timeouts,
        # so a Redis that hangs costs a request a second at most, not the whole request.
        redis = {"BACKEND": "wiredesk.core.rediscache.ResilientRedisCache", "LOCATION": E["CACHE_URL"],
                 "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}}
        return {
            "default": {**redis, "KEY_PREFIX": "wiredesk"},
            "pages": {**redis, "KEY_PREFIX": "wiredesk-pages"},
        }
    # One machine, several processes (web workers, the Celery worker): a folder they share.
    return {
        "default": {
            "BACKEND": "wiredesk.core.filecache.SharedFileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}},
    }


CACHES = _caches()

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Filled by `wiredesk collectstatic`; on several machines, a folder that ships with the release.
# Set, it is used as it is (collectstatic makes it; a web machine serves what the release holds).
if E["WIREDESK_STATIC_ROOT"]:
    STATIC_ROOT = Path(E["WIREDESK_STATIC_ROOT"]).expanduser().resolve()
else:
    STATIC_ROOT = DATA_DIR / "static"
    STATIC_ROOT.mkdir(exist_ok=True)
# Without collectstatic (development, `make run`), WhiteNoise serves straight from the apps.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Admin sign-in throttling (django-axes): failures counted per client address and per user
# name; either reaching the limit locks it out until the cool-off has passed since its latest
# failure. The address is the one the project's own rate limits use (behind the configured
# proxies only), an IPv6 client counted by its /64.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = E["WIREDESK_LOGIN_FAILURE_LIMIT"]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=E["WIREDESK_LOGIN_COOLOFF_MINUTES"])
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "wiredesk.core.lockout.lockout_address"
AXES_LOCKOUT_CALLABLE = "wiredesk.core.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Successful sign-ins are not recorded: only what a lockout needs is kept.
AXES_DISABLE_ACCESS_LOG = True

# Security headers; production adds the HTTPS-only parts.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Celery -------------------------------------------------------------------------------
# The embedded broker (wiredesk/core/broker.py) keeps its queue in a SQLite file of its own.
CELERY_BROKER_URL = E["CELERY_BROKER_URL"] or f"sqlite:///{(DATA_DIR / 'queue.sqlite3').resolve()}"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"timeout": E["WIREDESK_SQLITE_TIMEOUT"]} if CELERY_BROKER_URL.startswith("sqlite://") else {}
)
# Workers consume this queue and tasks go to it (Celery's default is "celery").
CELERY_TASK_DEFAULT_QUEUE = E["WIREDESK_QUEUE"]
WIREDESK_WORKERS = max(1, E["WIREDESK_WORKERS"])
CELERY_TASK_ALWAYS_EAGER = E["WIREDESK_TASKS_EAGER"]
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django integration closes every database connection before and after each task: a
# new PostgreSQL session per task (266 in a minute for 266 refreshes), whatever CONN_MAX_AGE
# says. With this it forces that only every 1,000 tasks, and wiredesk.core.tasks closes, around
# each task, what Django closes around each request: a connection past CONN_MAX_AGE (every one
# on SQLite, where it is 0) or one that failed.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # a worker waits out a broker outage of any length
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "scheduler-state")
TICK_SECONDS = E["WIREDESK_TICK_SECONDS"]
CELERY_BEAT_SCHEDULE = {
    "enqueue-due-sources": {
        "task": "wiredesk.ingest.tasks.enqueue_due_sources",
        "schedule": float(TICK_SECONDS),
        # A tick that waited longer than its own period is stale: the next one will do.
        "options": {"expires": float(TICK_SECONDS)},
    },
    "releases-tick": {
        # Publishes approved releases whose embargo has passed; purges old contact details.
        "task": "wiredesk.releases.tasks.releases_tick",
        "schedule": float(TICK_SECONDS),
        "options": {"expires": float(TICK_SECONDS)},
    },
    "heartbeat": {
        # Run by a free pool process: `wiredesk run` restarts a worker that stops running it.
        "task": "wiredesk.core.tasks.heartbeat",
        "schedule": float(TICK_SECONDS),
        "options": {"expires": float(TICK_SECONDS)},
    },
    "outbox-flush": {
        # Sends the tasks that could not be queued while the broker was away (core.outbox).
        "task": "wiredesk.core.tasks.outbox_flush",
        "schedule": float(TICK_SECONDS),
        "options": {"expires": float(TICK_SECONDS)},
    },
    "recheck-withdrawals": {
        # Fetches the pages of recent articles again: a source that took a story down (404/410).
        "task": "wiredesk.ingest.tasks.recheck_withdrawals",
        "schedule": float(TICK_SECONDS) * 4,
        "options": {"expires": float(TICK_SECONDS) * 4},
    },
    "source-alerts": {
        # Raises an alert once for a source failing or gone silent, clears it on recovery.
        "task": "wiredesk.desk.tasks.check_source_alerts",
        "schedule": float(TICK_SECONDS) * 4,
        "options": {"expires": float(TICK_SECONDS) * 4},
    },
    "digest-tick": {
        # Opens each brand's edition at its local hour and resumes editions whose sender died.
        "task": "wiredesk.digest.tasks.digest_tick",
        "schedule": float(TICK_SECONDS),
        "options": {"expires": float(TICK_SECONDS)},
    },
}

# --- wiredesk ------------------------------------------------------------------------------
WIREDESK_PORT = E["WIREDESK_PORT"]
WIREDESK_BIND = E["WIREDESK_BIND"]
FETCH = {
    "allow_networks": E["WIREDESK_FETCH_ALLOW_NETWORKS"],
    "connect_timeout": E["WIREDESK_FETCH_CONNECT_TIMEOUT"],
    "deadline": E["WIREDESK_FETCH_DEADLINE"],
    "max_bytes": E["WIREDESK_FETCH_MAX_BYTES"],
    "max_redirects": E["WIREDESK_FETCH_MAX_REDIRECTS"],
    "per_host": E["WIREDESK_FETCH_PER_HOST"],
    "user_agent": E["WIREDESK_FETCH_USER_AGENT"],
}
POLL = {
    "min_seconds": E["WIREDESK_POLL_MIN_SECONDS"],
    "max_seconds": E["WIREDESK_POLL_MAX_SECONDS"],
    "error_limit": E["WIREDESK_POLL_ERROR_LIMIT"],
}
# One source refresh, from the lease to the end: every figure follows from the soft limit.
# The soft limit ends the refresh (recorded on the source); the hard limit kills a worker
# stuck where the soft one cannot reach (C code); a refresh still queued after one hard limit
# expires unrun. So a lease of queue + hard + a margin outlives any refresh it stands for.
_REFRESH_SOFT = E["WIREDESK_REFRESH_TIME_LIMIT"]
_REFRESH_HARD = _REFRESH_SOFT + 60
REFRESH = {
    "soft_seconds": _REFRESH_SOFT,
    "hard_seconds": _REFRESH_HARD,
    "queue_seconds": _REFRESH_HARD,
    "lease_seconds": 2 * _REFRESH_HARD + 60,
}

SOURCE_ALERTS = {
    "failing_hours": E["WIREDESK_ALERT_FAILING_HOURS"],
    "silent_factor": E["WIREDESK_ALERT_SILENT_FACTOR"],
    "silent_min_hours": E["WIREDESK_ALERT_SILENT_MIN_HOURS"],
}

PAGE_CACHE = {
    "enabled": E["WIREDESK_PAGE_CACHE"],
    "ttl": E["WIREDESK_PAGE_CACHE_SECONDS"],
    "max_age": 60,
    "s_maxage": E["WIREDESK_PAGE_CACHE_SECONDS"],
    "swr": 600,
}
# The web workers' page front (wiredesk/web/front.py): pages replayed before Django runs.
PAGE_FRONT = {
    "max_bytes": E["WIREDESK_PAGE_FRONT_MB"] * 1024 * 1024,
    "recheck": E["WIREDESK_PAGE_FRONT_RECHECK"],
}
RAIL_CACHE_SECONDS = 60
IMAGE_SOURCES = E["WIREDESK_IMAGE_SOURCES"]

TRUSTED_PROXY_HOPS = E["WIREDESK_TRUSTED_PROXY_HOPS"]
# How readers reach the site, for links in emails and the addresses commands print.
PUBLIC_SCHEME, PUBLIC_PORT = env.public_address(E)

# --- Mail ----------------------------------------------------------------------------------
_EMAIL_BACKENDS = {
    "smtp": "wiredesk.core.mailsigning.SigningSmtpBackend",  # Django's, plus DKIM when a key is given
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS.get(E["WIREDESK_EMAIL_BACKEND"], E["WIREDESK_EMAIL_BACKEND"])
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = E["EMAIL_HOST"]
EMAIL_PORT = E["EMAIL_PORT"]
EMAIL_HOST_USER = E["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = E["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = E["EMAIL_USE_TLS"]
EMAIL_USE_SSL = E["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = E["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = E["WIREDESK_EMAIL_FROM"]
SERVER_EMAIL = DEFAULT_FROM_EMAIL
DKIM = {"key_file": E["WIREDESK_DKIM_KEY_FILE"], "selector": E["WIREDESK_DKIM_SELECTOR"],
        "domain": E["WIREDESK_DKIM_DOMAIN"]}
ANYMAIL = dict(E["WIREDESK_ANYMAIL"])
DIGEST = {
    "rate": E["WIREDESK_DIGEST_RATE"],
    "lease_seconds": E["WIREDESK_DIGEST_LEASE_SECONDS"],
    "stories_per_section": E["WIREDESK_DIGEST_STORIES"],
    "unsubscribe_mailto": E["WIREDESK_UNSUBSCRIBE_MAILTO"],
}

RELEASES = {
    "min_words": E["WIREDESK_RELEASE_MIN_WORDS"],
    "max_words": E["WIREDESK_RELEASE_MAX_WORDS"],
    "max_links": E["WIREDESK_RELEASE_MAX_LINKS"],
    "max_images": 5,
    "max_image_bytes": E["WIREDESK_RELEASE_MAX_IMAGE_BYTES"],
    "max_image_pixels": E["WIREDESK_RELEASE_MAX_IMAGE_PIXELS"],
    "max_image_side": E["WIREDESK_RELEASE_MAX_IMAGE_SIDE"],
    "retention_days": E["WIREDESK_RELEASE_RETENTION_DAYS"],
}
# Uploaded bodies above this stay on disk instead of in memory while a form is read.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = RELEASES["max_images"] * 2
# The whole of one request's uploads: the release form's images plus its text.
UPLOAD_MAX_BYTES = RELEASES["max_images"] * RELEASES["max_image_bytes"] + 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "wiredesk.core.uploads.UploadCapHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "redacted": {"()": "wiredesk.core.logs.RedactingFormatter",
                     "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"redact": {"()": "wiredesk.core.logs.RedactTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "errors": {"class": "logging.StreamHandler", "formatter": "redacted", "filters": ["redact"]},
    },
    "loggers": {
        "wiredesk": {"handlers": ["console"], "level": E["WIREDESK_LOG_LEVEL"], "propagate": False},
        # A 500 in production: its traceback in the process's log, the request's path without
        # tokens (Django's own configuration prints it only with debugging on).
        # (With debugging on, its 4xx warnings too, as Django's own configuration shows them.)
        "django.request": {"handlers": ["errors"], "level": "WARNING" if DEBUG else "ERROR", "propagate": False},
    },
}
