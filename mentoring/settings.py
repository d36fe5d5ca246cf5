"""Settings for the peer mentoring scheme manager.

Every setting that differs between machines comes from an environment variable; each one is
listed with its default and meaning in `.env.example` and the README. There is one settings
module; `settings_test.py` overrides the little that tests need.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the embedded set-up: SQLite file, Celery queue folder

env = environ.Env()

# Safe by default: debug mode must be asked for (the Makefile does so for `make run`).
DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=0 a secret key is required: set SECRET_KEY to a "
            "long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`), "
            "or set DEBUG=1 on a development machine."
        )
    SECRET_KEY = "development-only-insecure-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails must reach the server that sent them: without SITE_URL, follow PORT (as `make run`
# does), so `PORT=18801 make run` mails links to port 18801, not to a server that is not there.
_LOCAL_SITE_URL = f"http://127.0.0.1:{env.int('PORT', default=8000)}"
SITE_URL = env.str("SITE_URL", default=_LOCAL_SITE_URL).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_ratelimit",
    "csp",
    "django_guid",
    "accounts",
    "schemes",
    "matching",
    "meetings",
    "surveys",
    "supervision",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # First, so every log line of the request, and each task it enqueues, carries its request id.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Early, so redirects and error responses from the middleware below carry the policy too.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Between the two: an NHS sign-in that asserted multi-factor counts as the second step.
    "accounts.oidc.ProviderSecondStepMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.AbsoluteSessionLimitMiddleware",
    "accounts.two_factor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mentoring.urls"
WSGI_APPLICATION = "mentoring.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out account and address pair never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in with an NHS identity (accounts/oidc.py); declines everything else.
    "accounts.oidc.ProviderSignInBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:my-mentoring"
LOGOUT_REDIRECT_URL = "home"
EMAIL_CONFIRMATION_MAX_AGE = timedelta(days=3)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day, in seconds

# What a pair wrote is deleted this many days after the pair ends (meetings/retention.py).
MEETING_CONTENT_RETENTION_DAYS = env.int("MEETING_CONTENT_RETENTION_DAYS", default=365)

# Pounds an hour of scheme administration costs, for the dashboards' cost figures.
REPORTS_ADMIN_HOURLY_RATE = env.float("REPORTS_ADMIN_HOURLY_RATE", default=30)

# Counts of people from 1 to this less one are shown as "fewer than N" (schemes/disclosure.py).
DISCLOSURE_MIN_COUNT = env.int("DISCLOSURE_MIN_COUNT", default=5)

# Two-step sign-in (TOTP) for staff roles; trainees may turn it on. Switch off only for a demo.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Peer Mentoring"
# The admin never shows a device's key or its QR code (accounts/admin_base.py).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Sessions end after 30 idle minutes: every request pushes the expiry 30 minutes on.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)  # signed out after 12 hours however active

# Sign-in with an NHS identity over OpenID Connect (accounts/oidc.py): off unless
# SIGN_IN_PROVIDERS names providers (e.g. "nhsmail,cis2"), each configured by its own
# SIGN_IN_<KEY>_* variables (README: "Sign in with NHSmail").
SIGN_IN_PROVIDERS = {}
for _key in env.list("SIGN_IN_PROVIDERS", default=[]):
    if not re.fullmatch(r"[a-z0-9-]{1,40}", _key):
        raise ImproperlyConfigured(
            f"SIGN_IN_PROVIDERS: {_key!r} is not a key: use lower-case letters, digits and '-'."
        )
    _prefix = f"SIGN_IN_{_key.upper().replace('-', '_')}_"
    SIGN_IN_PROVIDERS[_key] = {
        "label": env.str(_prefix + "LABEL", default=_key),
        "issuer": env.str(_prefix + "ISSUER"),
        "client_id": env.str(_prefix + "CLIENT_ID"),
        "client_secret": env.str(_prefix + "CLIENT_SECRET", default=""),
        "allowed_domains": env.list(_prefix + "ALLOWED_DOMAINS"),
        "scopes": env.str(_prefix + "SCOPES", default="openid email profile"),
        "email_claim": env.str(_prefix + "EMAIL_CLAIM", default="email"),
        "email_verified_claim": env.str(_prefix + "EMAIL_VERIFIED_CLAIM", default="email_verified"),
        "mfa_amr": env.list(_prefix + "MFA_AMR", default=["mfa"]),
        "mfa_acr": env.list(_prefix + "MFA_ACR", default=[]),
    }
# How far the provider's clock may be from ours when an ID token's times are checked.
SIGN_IN_CLOCK_SKEW = timedelta(seconds=env.int("SIGN_IN_CLOCK_SKEW_SECONDS", default=60))

# Five failures for the same account from the same address lock that pair for 15 minutes.
# Locking on the pair, not the address alone, keeps a whole hospital behind one NAT address usable.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.forms.normalised_login_email"
AXES_VERBOSE = False
AXES_WHITELIST_CALLABLE = "accounts.oidc.axes_ignores"
# Behind a reverse proxy, read the client address from X-Forwarded-For (set AXES_BEHIND_PROXY=1).
if env.bool("AXES_BEHIND_PROXY", default=False):
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# Rate limits on sign-up, password reset, resend confirmation and the two-step forms
# (accounts/ratelimits.py): counted in the cache below, per client address as django-axes sees it.
RATELIMIT_IP_META_KEY = "accounts.ratelimits.client_address"

# --- Email ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Peer Mentoring <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
# Times on the 24-hour clock (13:35) wherever Django formats one: see mentoring/formats.
FORMAT_MODULE_PATH = ["mentoring.formats"]
USE_TZ = True  # stored times are UTC; pages show them in TIME_ZONE

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development WhiteNoise serves straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded evidence files: private, served only through views that check access. With several
# web machines this must be a shared volume.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security (all on unless DEBUG; `manage.py check --deploy` passes with DEBUG=0) -----------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer checks each node over plain HTTP on the private network: answer, not redirect.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto, set SECURE_PROXY_SSL_HEADER=1.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict Content-Security-Policy (django-csp): scripts, styles and everything else come from
# this site alone; no inline script, inline event handler, style attribute or eval. Pages pass
# data to their scripts as data-* attributes or json_script, and style with classes in
# static/css. img-src adds data: for the small SVG icons inside Bootstrap's stylesheet.
# tests/test_csp.py holds the header and the templates to this; the browser tests listen for
# violations on every page. The admin needs nothing looser.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Background work (Celery) -----------------------------------------------------------------
# With REDIS_URL unset, Celery uses kombu's filesystem transport in var/celery, so one machine
# needs no Redis. In production REDIS_URL points at the shared Redis.
REDIS_URL = env.str("REDIS_URL", default="")
# The cache holds the rate-limit counters, so every web process must share it. With Redis: Django's
# Redis cache (atomic increments; django-ratelimit lists only django-redis's, hence W001 silenced).
# Without Redis (one machine): a file cache in var/cache, shared by that machine's processes with
# no set-up step. django-ratelimit flags it (E003) because its increment is not atomic: two
# requests at the same instant may count once, loosening a limit by a request or two, which is
# acceptable here. (The local-memory cache would not be shared between processes at all.)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mentoring",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
CELERY_QUEUE_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "store_processed": False,
        # Its exchange table; kombu's default is a "control" folder wherever the process started.
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
    }
    for folder in ("queue", "processed", "control"):
        (CELERY_QUEUE_DIR / folder).mkdir(parents=True, exist_ok=True)
    # The filesystem transport has no broadcast, so remote control stays off there.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that publishes while Redis is down gives up quickly; the work is in the database
# and the next sweep enqueues it (accounts/queue.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Sweeps read the database and enqueue one small task per message that is due (DESIGN.md).
# Later features add their sweeps here; each is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "meetings-content-retention": {
        "task": "meetings.tasks.meeting_content_retention_sweep",
        "schedule": 24 * 60 * 60,
    },
    "notifications-resend-unsent": {
        "task": "accounts.tasks.notifications_sweep_unsent",
        "schedule": 15 * 60,
    },
    "meetings-reminders": {
        "task": "meetings.tasks.reminders_sweep",
        "schedule": 15 * 60,
    },
    "matching-requests-and-rounds": {
        "task": "matching.tasks.matching_sweep",
        "schedule": 15 * 60,
    },
    "supervision-reminders": {
        "task": "supervision.tasks.supervision_reminders_sweep",
        "schedule": 15 * 60,
    },
    "schemes-without-organiser": {
        "task": "schemes.tasks.schemes_without_organiser_sweep",
        "schedule": 24 * 60 * 60,
    },
    "schemes-placements-ending": {
        "task": "schemes.tasks.placements_ending_sweep",
        "schedule": 24 * 60 * 60,
    },
    "surveys-invite-and-remind": {
        "task": "surveys.tasks.surveys_sweep",
        "schedule": 60 * 60,
    },
}

# One request id follows a request across machines: taken from the load balancer's X-Request-ID
# header when it is a UUID, else made here; returned in the response's header; carried into each
# Celery task the request enqueues (and a fresh one for each task beat starts); and written on
# every log line as `request_id` (django-guid).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}

# Logs: one JSON object a line (python-json-logger), for a log collector gathering several
# machines' logs; plain text for a person reading a terminal (LOG_FORMAT=text, the default with
# DEBUG=1).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}: set it to json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django_guid": {"level": "WARNING"}},
}
