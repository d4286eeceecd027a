"""Salient's Django settings.

Everything a deployment changes comes from the environment; with none set the
app runs on an embedded default: SQLite and local media under ``var/``, and a
Celery broker on the local filesystem (no server needed).

Environment:
    DATABASE_URL            e.g. postgres://user:pass@host/db  (default: SQLite var/db.sqlite3)
    CELERY_BROKER_URL       e.g. redis://localhost:6379/0      (default: filesystem broker in var/broker)
    SALIENT_STORAGE         "local" (default) or "s3"
    AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    AWS_S3_REGION_NAME      for SALIENT_STORAGE=s3 (any S3-compatible store)
    AWS_QUERYSTRING_AUTH    "0" when renditions are public in the bucket (default: signed URLs)
    AWS_PRIVATE_BUCKET_NAME, AWS_PRIVATE_LOCATION  where originals and saliency maps go
                            (default: the same bucket, under "private/"; always signed)
    SALIENT_VAR_DIR         where embedded data lives (default: ./var)
    DJANGO_SECRET_KEY       default: generated on first start and kept in var/secret-key
                            (dam.instance.prepare, run by manage.py and dam.wsgi)
    DJANGO_DEBUG            "1" turns debug pages on (default off)
    DJANGO_ALLOWED_HOSTS    comma separated (default: localhost,127.0.0.1,[::1])

Security (the defaults pass ``manage.py check --deploy``; each of these weakens or
adapts them, and only on purpose):
    SALIENT_HTTPS           "0" for plain HTTP (``make run`` on loopback): no HTTPS
                            redirect, no HSTS, cookies not marked Secure (default "1")
    DJANGO_SECURE_PROXY_SSL_HEADER  "1" behind a TLS-terminating proxy that sets
                            X-Forwarded-Proto (trust it only when the proxy strips it)
    DJANGO_CSRF_TRUSTED_ORIGINS     comma separated, e.g. https://dam.example.com
    DJANGO_HSTS_SECONDS     HSTS max-age (default one year when SALIENT_HTTPS is on)
    DJANGO_HSTS_PRELOAD     "0" leaves the HSTS preload flag off (default on)

API and delivery:
    SALIENT_CORS_ORIGINS    comma separated origins that may call /api/, /d/ and /media/
                            from a browser, e.g. https://www.example.com (default none)

Sign-in policy, throttles, audit log (README "Sign-in policy"; access/conf.py):
    SALIENT_SIGNIN_FAILURES failed sign-ins, per account and per address, before sign-in
                            is paused for both (default 5)
    SALIENT_SIGNIN_COOLOFF  seconds the pause lasts, counted from the last failure
                            (default 900)
    SALIENT_THROTTLE_WRITES API writes per signed-in user, or per address (default 300/min)
    SALIENT_THROTTLE_NEW_FRAMES  frames rendered on first request, per address
                            (default 60/min); stored frames are never counted
    SALIENT_PROXY_COUNT     trusted proxies in front that append to X-Forwarded-For
                            (default 0: the connection's own address counts)
    SALIENT_CACHE_URL       redis://... for the throttles' counts (default: with a Redis
                            broker, the next database on its server; else files in var/cache)

Delivery behind nginx (README "An origin for a CDN"):
    SALIENT_ACCEL_REDIRECT  DAM["ACCEL_REDIRECT"], e.g. /_protected/: files go by
                            X-Accel-Redirect to that internal nginx location
    SALIENT_CONN_MAX_AGE    seconds a PostgreSQL connection is kept between requests
                            (default 600; health-checked before reuse)
    SALIENT_LEAN_DELIVERY   "0": no lean path for stable-URL hits (WSGI_MIDDLEWARE)

Reliability:
    SALIENT_SWEEP_INTERVAL  seconds between sweeps for stuck assets (default 60)
    SALIENT_STUCK_AFTER     DAM["STUCK_AFTER"]: seconds before a queued/processing
                            asset counts as stuck (default 900)
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dam import instance

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = instance.var_dir()  # made, with the secret key, by dam.instance.prepare()


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).lower() in {"1", "true", "yes", "on"}


SECRET_KEY = instance.secret_key()
if SECRET_KEY is None:
    raise ImproperlyConfigured(
        f"No secret key: set DJANGO_SECRET_KEY, or start Salient through manage.py or the WSGI "
        f"application (make run does), which generate {VAR_DIR}/secret-key.")
DEBUG = _flag("DJANGO_DEBUG", "0")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

# --- Transport security: on unless SALIENT_HTTPS=0 says the site is plain HTTP.
HTTPS = _flag("SALIENT_HTTPS", "1")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 31_536_000)) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and _flag("DJANGO_HSTS_PRELOAD", "1")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
if _flag("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
                        if o]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",  # API tokens, managed in the admin
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (the CSP allows 'self')
    "taggit",  # an asset's keywords (TAGGIT_CASE_INSENSITIVE below)
    "treebeard",  # nested collections (dam.models.Collection) and their admin
    "dam",
    "renditions",
    "webhooks",
    "axes",  # counts failed sign-ins, locks out (AXES_* below)
    "access",  # after axes: its receivers see axes' verdict; the audit log
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Headers for every response, the short-circuits below included.
    "dam.csp.CSPMiddleware",  # django-csp's, its header built once
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # CORS headers on the API and delivery (CORS_URLS_REGEX), preflights answered here;
    # above everything else that may answer (413, 503), so browsers can read those too.
    "corsheaders.middleware.CorsMiddleware",
    # Static files with DEBUG off, from the app's own process (no separate server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # 304 Not Modified for a delivery URL fetched again with its ETag
    "django.middleware.http.ConditionalGetMiddleware",
    # 413 for a body over DAM["MAX_UPLOAD_BYTES"], before anything reads it (CSRF does)
    "dam.middleware.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "access.middleware.RefusalAuditMiddleware",  # pages' 403s to the audit log
    "django.contrib.messages.middleware.MessageMiddleware",
    "dam.middleware.ServiceUnavailableMiddleware",
    # Last: turns a sign-in that axes refused into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dam.urls"
WSGI_APPLICATION = "dam.wsgi.application"
# WSGI middleware around Django's application (dam.wsgi): the stable URL's lean path
# answers a cached hit without the middleware chain (README "An origin for a CDN");
# SALIENT_LEAN_DELIVERY=0 sends every request through Django.
WSGI_MIDDLEWARE = ([] if os.environ.get("SALIENT_LEAN_DELIVERY", "1") == "0"
                   else ["renditions.wsgi.StableURLs"])

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
                "dam.roles.policy",  # can.<action> in templates
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        # Persistent connections (each thread keeps one), checked before each reuse:
        # a connection broken by a database restart is replaced, not a 503.
        conn_max_age=int(os.environ.get("SALIENT_CONN_MAX_AGE", 600)), conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and the worker processes write to the same file. WAL lets
    # readers go on while one writes; IMMEDIATE takes the write lock when a
    # transaction begins, so a writer waits (up to the timeout) instead of
    # failing at once with "database is locked" when it upgrades a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Axes first: a locked-out account or address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "access.backends.LockoutBackend",  # django-axes' AxesStandaloneBackend
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "library"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves what the finders see, so `make run` needs no collectstatic;
# production runs collectstatic into STATIC_ROOT, which it serves as well.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# Uploads: large photos go to a temporary file, never all into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 200


def _storages() -> dict:
    """``default`` holds renditions (public); ``private`` holds originals and analyses."""
    backend = os.environ.get("SALIENT_STORAGE", "local").lower()
    static = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}
    if backend == "s3":
        def s3(location: str, bucket: str, signed: bool) -> dict:
            return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
                "bucket_name": bucket, "location": location,
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
                "file_overwrite": False, "default_acl": None, "querystring_auth": signed,
                "querystring_expire": 600,
            }}
        bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "salient")
        return {
            # Renditions: signed URLs unless the bucket (or its CDN) serves them
            # publicly, which AWS_QUERYSTRING_AUTH=0 says.
            "default": s3("", bucket, _flag("AWS_QUERYSTRING_AUTH", "1")),
            # Originals and saliency maps: always signed, short-lived, and under
            # their own prefix (or bucket) that no public policy covers.
            "private": s3(os.environ.get("AWS_PRIVATE_LOCATION", "private"),
                          os.environ.get("AWS_PRIVATE_BUCKET_NAME", bucket), True),
            "staticfiles": static,
        }
    return {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(VAR_DIR / "private"),
                                "base_url": "/private/"}},  # dam.views.original_file
        "staticfiles": static,
    }


STORAGES = _storages()

# --- Celery -----------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
# Redis gives a dead worker's unacknowledged tasks back after this many seconds;
# the sweep (below) usually finds them first.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "dam.broker:Transport"  # whole messages only (see dam/broker.py)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        # kombu polls the folder once a second by default, which caps a worker
        # at about one task a second (measured by `python -m bench load`).
        "polling_interval": 0.1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent, so a crash re-runs them safely
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long CPU tasks: one at a time per process
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "salient"
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat runs the sweep for assets whose task was lost (a killed worker, a
# broker down at upload time); `make run` starts beat, production runs
# `celery -A dam beat` once (see the README).
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-assets": {"task": "renditions.tasks.sweep_stuck_assets",
                           "schedule": float(os.environ.get("SALIENT_SWEEP_INTERVAL", 60))},
    "sweep-webhook-deliveries": {"task": "webhooks.tasks.sweep_pending_deliveries",
                                 "schedule": float(os.environ.get("SALIENT_SWEEP_INTERVAL", 60))},
    # Embargoes lifting and licences ending: acted on within a minute (renditions.rights).
    "apply-rights": {"task": "renditions.tasks.apply_rights", "schedule": 60.0},
    "purge-trash": {"task": "renditions.tasks.purge_trash", "schedule": 3600.0},
}

# --- Cache: the API throttles' counts and the audit log's folding (access) --------
def _next_database(url: str) -> str:
    """The Redis URL with the next database number: the cache's keys (and a flush of
    them) never touch the broker's."""
    parts = urlsplit(url)
    return parts._replace(path=f"/{int(parts.path.strip('/') or 0) + 1}").geturl()


def _cache() -> dict:
    """Redis where there is one (shared by every web process and machine), else files
    under var/cache (shared by the web processes of one machine; `make run` starts two)."""
    url = os.environ.get("SALIENT_CACHE_URL")
    if not url and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        url = _next_database(CELERY_BROKER_URL)
    if url:  # a Redis that is down fails fast; the throttles then let requests through
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                "KEY_PREFIX": "salient",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 10_000}}


def _origin_cache() -> dict:
    """The stable URLs' cached lookup (renditions.origin): the same Redis under its own
    prefix, else its own folder, so its many entries never push the throttles' out."""
    cache = _cache()
    if cache["BACKEND"].endswith("RedisCache"):
        return {**cache, "KEY_PREFIX": "salient-origin"}
    return {**cache, "LOCATION": str(VAR_DIR / "cache-origin"),
            "OPTIONS": {"MAX_ENTRIES": 50_000}}


CACHES = {"default": _cache(), "origin": _origin_cache()}

# --- Sign-in policy (django-axes, access; README "Sign-in policy") -------------
# The sign-in page and the admin's both count. After AXES_FAILURE_LIMIT failures for
# one account name (from any address) or from one address (for any names), sign-in
# for it is refused unchecked, with a 429 page, until AXES_COOLOFF_TIME has passed
# since the last failure. An administrator unlocks sooner by deleting its rows in
# Admin > Axes > Access attempts (or `manage.py axes_reset_username NAME`).
AXES_FAILURE_LIMIT = int(os.environ.get("SALIENT_SIGNIN_FAILURES", 5))
AXES_COOLOFF_TIME = timedelta(seconds=int(os.environ.get("SALIENT_SIGNIN_COOLOFF", 900)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one at the limit locks
# Tries during a lockout neither count nor extend it, so the page's "paused for N
# minutes" holds however often the attacker (or the account's owner) tries meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success does not clear the count: it would clear its address's count too, so an
# attacker with an account of their own could sign in between guesses.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "access.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "access.addresses.client_address"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log (access.AuditEvent)
ACCESS = {"PROXY_COUNT": int(os.environ.get("SALIENT_PROXY_COUNT", 0))}

# --- Salient ----------------------------------------------------------------
# One namespaced dict; defaults live in dam.conf.DEFAULTS (documented there).
DAM = {}
if os.environ.get("SALIENT_STUCK_AFTER"):
    DAM["STUCK_AFTER"] = int(os.environ["SALIENT_STUCK_AFTER"])
if os.environ.get("SALIENT_ACCEL_REDIRECT"):  # behind nginx: README "An origin for a CDN"
    DAM["ACCEL_REDIRECT"] = os.environ["SALIENT_ACCEL_REDIRECT"]

# --- Content-Security-Policy: no inline scripts or styles anywhere (django-csp).
_IMG_SOURCES = ["'self'", "data:", "blob:"]
if os.environ.get("AWS_S3_ENDPOINT_URL"):
    _IMG_SOURCES.append(os.environ["AWS_S3_ENDPOINT_URL"])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _IMG_SOURCES,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- The API (renditions.api): DRF, its OpenAPI schema, CORS -----------------
REST_FRAMEWORK = {
    # Token first: an anonymous call then gets 401 with "WWW-Authenticate: Token".
    # Session auth keeps Django's CSRF check for the logged-in browser.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every view names its own permissions (renditions.api.permissions); this is the floor.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the browsable API's inline scripts would not run under the CSP.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS is a 405; the schema documents the API
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "renditions.api.errors.exception_handler",
    # Writes per user (token or session) or address; reads are not counted. The
    # new-frame rate is the delivery view's (renditions.api.throttling). A 429 says
    # when to try again (Retry-After).
    "DEFAULT_THROTTLE_CLASSES": ["renditions.api.throttling.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "write": os.environ.get("SALIENT_THROTTLE_WRITES", "300/min"),
        "new_frame": os.environ.get("SALIENT_THROTTLE_NEW_FRAMES", "60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Salient API",
    "DESCRIPTION": "Assets, their renditions and the editors' decisions, for downstream "
                   "sites. Points and boxes are normalised 0-1 unless a field says pixels.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,  # multipart uploads get their own request schema
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the public validator: the CSP allows images from 'self' only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "AssetStatusEnum": "dam.models.Asset.Status",
        "ReviewEnum": "renditions.models.CropDecision.Review",
        "ProfileFormatEnum": "renditions.models.RenditionProfile.Format",
    },
}
# Cross-origin browsers reach the API and delivery only from these origins.
CORS_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("SALIENT_CORS_ORIGINS", "").split(",")
                        if o.strip()]
CORS_URLS_REGEX = r"^/(api|d|media)/"
# Besides: any origin may GET one asset's JSON, for the <salient-img> element
# (renditions.element.cors_allowed; DAM["ELEMENT_CORS"], on by default).
CORS_ALLOW_CREDENTIALS = False  # tokens in a header; cookies stay same-site

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One handler, on the root: Celery's worker puts its own there, so nothing twice.
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "dam": {"level": "INFO"},
        "renditions": {"level": "INFO"},
    },
}

# --- Webhooks (webhooks.conf documents the WEBHOOKS defaults) ----------------
# The site's address as receivers reach it: the JSON's URLs are built on it,
# since a delivery is sent by a worker, outside any request.
SALIENT_PUBLIC_URL = os.environ.get("SALIENT_PUBLIC_URL", "http://127.0.0.1:8000")
WEBHOOKS = {}

# --- Keywords (django-taggit) ------------------------------------------------------
# "Paris" and "paris" are one keyword: the first spelling stored is kept.
TAGGIT_CASE_INSENSITIVE = True
