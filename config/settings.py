"""Settings for Chuishao.

One module for every environment. Values come from the environment through the strict
helpers in config.env; the defaults are safe for a local `make run`:
- no DATABASE_URL  -> SQLite (WAL) under var/
- no broker URL    -> Celery's filesystem transport under var/ (worker with embedded beat)
Production sets DATABASE_URL (PostgreSQL) and REDIS_URL, DEBUG=0 and a SECRET_KEY.
"""

import datetime
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str, env_url_template
from config.logging_config import JSON_FORMATTER, REDACT_FILTER

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CHUISHAO_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", None)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "django_fsm",
    "import_export",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "governance",
    "responsibilities",
    "cases",
    "assessment",
    "admission",
    "routing",
    "insights",
    "bench",  # generate_province (issue 15); no models
]

MIDDLEWARE = [
    # First: health checks reach /healthz by 127.0.0.1, a host not in ALLOWED_HOSTS.
    "config.middleware.HealthzMiddleware",
    # Second: whatever the layers below answer under /api/ and /open311/ (a malformed multipart body,
    # a CSRF refusal, a 500) is turned into those interfaces' own error format.
    "config.middleware.ApiErrorFormatMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (settings CONTENT_SECURITY_POLICY; the map's tile origin added).
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.SessionTouchMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor authentication (governance.twofactor): request.user.is_verified(), then the enforcement.
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.chuishao",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", None)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # Embedded local mode only. WAL lets the web server read while the worker writes.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "chuishao.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
            # Tests on SQLite (tests/cases/test_sweep_sqlite.py) use a file, not shared-cache memory, so
            # that concurrent connections lock as in `make run`.
            "TEST": {"NAME": str(VAR_DIR / "test-chuishao.sqlite3")},
        }
    }
# Two database roles in production (config.db_roles): DATABASE_URL connects as the runtime role, which
# may only SELECT and INSERT the audit tables and owns nothing; MIGRATE_DATABASE_URL (same database,
# the owner's credentials) is the `owner` alias used by `manage.py migrate --database owner`, after
# which DATABASE_RUNTIME_ROLE is granted its privileges.
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL", None)
DATABASE_RUNTIME_ROLE = env_str("DATABASE_RUNTIME_ROLE", "")
if MIGRATE_DATABASE_URL:
    DATABASES["owner"] = dj_database_url.parse(MIGRATE_DATABASE_URL, conn_max_age=0)
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ---------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", None)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_EMBEDDED = CELERY_BROKER_URL is None
if CELERY_EMBEDDED:
    # Embedded local mode: a broker made of three folders under var/, no server needed.
    _broker_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://"
    # kombu's filesystem channel, writing each message whole and claiming it atomically (config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "data_folder_processed": str(_broker_dir / "processed"),
        # Broadcast/control messages (celery inspect, worker pidbox); without this kombu writes ./control/.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_BROKER_DIRS = [_broker_dir / "queue", _broker_dir / "processed", _broker_dir / "control"]
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
    CELERY_BROKER_DIRS = []
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for another worker
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "Asia/Shanghai"
# A request that enqueues after commit must not hang on a dead broker: publish fails within ~1 s,
# the row it wrote is the record (governance.outbox), the kick is only an optimisation.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Beat's schedule file; its folder is created at start-up (governance.apps), var/ need not exist.
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME", str(VAR_DIR / "celerybeat-schedule"))
DEADLINE_SWEEP_SECONDS = env_int("DEADLINE_SWEEP_SECONDS", 60, minimum=5)
EMAIL_OUTBOX_SECONDS = env_int("EMAIL_OUTBOX_SECONDS", 30, minimum=5)
ROUTING_RETRAIN_SECONDS = env_int("ROUTING_RETRAIN_SECONDS", 3600, minimum=60)
# PIPL: a resident's name and phone are anonymised this many days after the case is closed (cases.privacy).
RESIDENT_DATA_RETENTION_DAYS = env_int("RESIDENT_DATA_RETENTION_DAYS", 365, minimum=1)
CELERY_BEAT_SCHEDULE = {
    # Idempotent: running it twice, or on two beats, has the effect of running it once.
    "deadline-sweep": {"task": "cases.tasks.sweep_deadlines", "schedule": float(DEADLINE_SWEEP_SECONDS)},
    "admission-periodic-review": {"task": "admission.tasks.open_periodic_reviews", "schedule": 3600.0},
    # The email outbox (governance.outbox): delivers what a lost kick or a broker outage left pending.
    "email-outbox": {"task": "governance.tasks.deliver_notification_emails", "schedule": float(EMAIL_OUTBOX_SECONDS)},
    # Idempotent too: recomputes yesterday's and today's assessment facts (any day can be re-run by hand).
    "assessment-rollup": {"task": "assessment.tasks.rollup_recent_days", "schedule": 3600.0},
    # Idempotent too: the same decisions give no new model version.
    "routing-retrain": {"task": "routing.tasks.retrain", "schedule": float(ROUTING_RETRAIN_SECONDS)},
    # Idempotent too: rewrites the current month's findings (堵点) of every county.
    "insights-findings": {"task": "insights.tasks.compute_current_month", "schedule": 86400.0},
    # Idempotent too (each job is claimed by compare-and-set): list imports a broker outage left queued.
    "list-import-jobs-resume": {"task": "responsibilities.tasks.import_jobs_resume", "schedule": 60.0},
    # Idempotent too: anonymises residents' data past RESIDENT_DATA_RETENTION_DAYS (cases.privacy).
    "resident-data-retention": {"task": "cases.tasks.anonymise_resident_data", "schedule": 3600.0},
}
# The detectors' thresholds (insights.detectors). A county-specific override can be layered on later.
INSIGHTS_THRESHOLDS = {
    # Cases of an item seen in the period before any detector judges it.
    "min_cases": 3,
    # disputed_item: a case is disputed after this many hand-offs (returned, refused, declined, reassigned) ...
    "disputed_handoffs_per_case": 2,
    # ... and the item is flagged when at least this share of its cases are disputed.
    "disputed_share": 0.5,
    # wrong_owner: cases a department passed on to the same other department, and their share of its hand-offs.
    "wrong_owner_cases": 3,
    "wrong_owner_share": 0.6,
    # impossible_deadline: a claim within this many hours of the assignment counts as "claimed at once" ...
    "prompt_claim_hours": 4,
    # ... and the item is flagged when this share of such cases needed an extension or missed the deadline.
    "deadline_struggle_share": 0.5,
}
# Exemption requests (免责申请) are reviewed within this many working days.
ASSESSMENT_REVIEW_WORKING_DAYS = 5
# Further steps of the deadline sweep, each `step(now) -> dict` (the apps' own deadlines; see cases.tasks).
DEADLINE_SWEEP_STEPS = ["admission.sweep.step"]

if REDIS_URL:
    # Fails safe (config.cache): with Redis down, requests are answered from a per-process cache.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailSafeRedisCache", "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth, sessions, lockout ------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "governance.auth_backends.AccountThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Sessions end after this many seconds without a request (sliding expiry).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
# Re-saved at most once a minute (config.middleware.SessionTouchMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES

# Two-factor authentication (TOTP + backup codes, governance.twofactor). OTP_REQUIRED_ROLES: Role codes
# (dispatcher, supervisor, assessor, admission_reviewer, editor, officer, reporter) and "staff" (Django
# staff/superusers) who must enrol and give a code at every sign-in. Empty by default (the demo); see
# .env.example for production. Whoever enrolls of their own accord is asked for a code in any case.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES", [])
# governance.models.Role's codes (tests/governance/test_twofactor.py keeps the two in step) and "staff".
OTP_ROLE_CHOICES = {"reporter", "dispatcher", "officer", "supervisor", "editor", "assessor", "admission_reviewer", "staff"}
if set(OTP_REQUIRED_ROLES) - OTP_ROLE_CHOICES:
    raise ImproperlyConfigured(f"OTP_REQUIRED_ROLES: unknown {sorted(set(OTP_REQUIRED_ROLES) - OTP_ROLE_CHOICES)}; "
                               f"allowed: {sorted(OTP_ROLE_CHOICES)}.")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "吹哨平台")
# Seconds of wait after the first wrong code, doubled after each further one (django-otp's throttling).
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_THROTTLE_FACTOR", 1, minimum=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying: failures for one account from any addresses within the cool-off lock it too
# (governance.auth_backends), at a higher count so a lockout from one address does not lock its owner out.
ACCOUNT_FAILURE_LIMIT = env_int("ACCOUNT_FAILURE_LIMIT", 20, minimum=2)
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Lockouts are per client address. Behind N reverse proxies (nginx, a load balancer) the address is
# taken from X-Forwarded-For, trusting exactly that many hops; with none, from the socket.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Security headers -------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# Content-Security-Policy (django-csp 4): no inline script or style anywhere (templates load static files;
# the tests/browser journeys fail on any "Refused to" console message). Images also from data:/blob:
# (Leaflet and ECharts draw with them); the tile server's origin is added by
# config.middleware.ContentSecurityPolicyMiddleware when MAP_TILE_URL is set. The API docs page has its
# own, looser style policy (config.api_urls). CSP_REPORT_URI, when set, receives violation reports.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [env_str("CSP_REPORT_URI", "")]} if env_str("CSP_REPORT_URI", "") else {}),
    },
}

# --- Uploads ----------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: attachments go through access-checked views
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# 职责准入: duties first listed from this date on need an admission record, or a township may refuse them.
ADMISSION_IN_FORCE_FROM = datetime.date.fromisoformat(env_str("ADMISSION_IN_FORCE_FROM", "2026-10-01"))
# Working days for the admission review stages, and the township comment period (征求意见).
ADMISSION_REVIEW_DAYS = env_int("ADMISSION_REVIEW_DAYS", 10, minimum=1)
ADMISSION_COMMENT_DAYS = env_int("ADMISSION_COMMENT_DAYS", 5, minimum=1)
ADMISSION_DECISION_DAYS = env_int("ADMISSION_DECISION_DAYS", 5, minimum=1)
# Days before an admitted duty's expiry that its periodic review (期满复核) opens.
ADMISSION_RENEWAL_NOTICE_DAYS = env_int("ADMISSION_RENEWAL_NOTICE_DAYS", 60, minimum=1)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS_PER_UPLOAD = 5
# JSON request bodies of the API (config.api_parsers): refused before parsing when larger or deeper.
API_JSON_MAX_BYTES = env_int("API_JSON_MAX_BYTES", 1024 * 1024, minimum=1024)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32, minimum=4, maximum=200)

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email ------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (a folder of sent messages).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "吹哨平台 <noreply@chuishao.local>")

# Human-readable case numbers: <prefix>-<year>-<6 digits>, e.g. SZ-2026-000123 (cases.services).
CASE_NUMBER_PREFIX = env_str("CASE_NUMBER_PREFIX", "SZ")

# --- Case-flow defaults (a matched list item's own limits override these) --------------
# Hours are calendar hours unless the *_WORKING flag says working time.
CASE_DEADLINES = {
    "triage_hours": env_int("DEADLINE_TRIAGE_HOURS", 24, minimum=1),
    "response_hours": env_int("DEADLINE_RESPONSE_HOURS", 24, minimum=1),
    "resolution_working_days": env_int("DEADLINE_RESOLUTION_DAYS", 5, minimum=1),
    "feedback_working_days": env_int("DEADLINE_FEEDBACK_DAYS", 3, minimum=1),
    "urgent_triage_hours": env_int("DEADLINE_URGENT_TRIAGE_HOURS", 2, minimum=1),
    "urgent_response_hours": env_int("DEADLINE_URGENT_RESPONSE_HOURS", 2, minimum=1),
    "urgent_resolution_hours": env_int("DEADLINE_URGENT_RESOLUTION_HOURS", 24, minimum=1),
    "working_time": env_bool("DEADLINE_WORKING_TIME", True),
    # Office hours of a working day (governance.calendar): 9:00-17:00 = 8 working hours per day.
    "workday_start_hour": env_int("DEADLINE_WORKDAY_START_HOUR", 9, minimum=0, maximum=23),
    "workday_end_hour": env_int("DEADLINE_WORKDAY_END_HOUR", 17, minimum=1, maximum=23),
    "warning_fraction_percent": env_int("DEADLINE_WARNING_PERCENT", 80, minimum=1, maximum=99),
    "escalation_step_hours": env_int("ESCALATION_STEP_HOURS", 24, minimum=1),
}

# --- REST framework ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "no credentials" a 401 rather than a 403.
        "config.api_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "config.api_schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.api_common.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api_common.AnonThrottle", "config.api_common.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
        "open311": env_str("API_THROTTLE_OPEN311", "120/min"),
    },
    "EXCEPTION_HANDLER": "config.api_common.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    # JSON bodies only; the endpoints that take photos declare multipart themselves (cases.api). A form
    # encoding of typed fields ("null", "1.0") is not what the schema documents.
    "DEFAULT_PARSER_CLASSES": ["config.api_parsers.LimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_filters.no_nul_strings",
        "config.api_filters.empty_means_unset",
        "config.api_filters.form_bodies",
    ],
    "TITLE": "Chuishao API",
    "DESCRIPTION": (
        "吹哨平台 REST API: responsibility lists and the whistle-and-respond case flow.\n\n"
        "Sign in: POST /api/v1/auth/token/ with username and password, then send `Authorization: Token <key>` "
        "(a token expires after API_TOKEN_TTL_HOURS, 30 days by default, and is revoked by a password change, a "
        "deactivation, DELETE /api/v1/auth/token/ or the admin; GET /api/v1/auth/token/ shows it). Browser sessions work too (send the CSRF token on POST).\n\n"
        "Every action on a case is its own POST /api/v1/cases/{id}/{action}/; no endpoint sets `state`.\n\n"
        "Errors always have the body {\"detail\", \"code\", \"errors\"}: 400 bad input (errors by field), 401 no or "
        "bad credentials, 403 no role for the action, 404 not found or not visible to you, 409 the case's state no "
        "longer allows the action (or someone acted first), 429 throttled.\n\n"
        "Hotline systems may also use Open311 GeoReport v2 at /open311/v2/ (discovery.xml), with a township key."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,  # separate request/response components: multipart uploads, read-only fields
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "governance.models.UnitKind",
        "ItemKindEnum": "responsibilities.models.ItemKind",
        "CaseChannelEnum": "cases.models.Channel",
        "ReportChannelEnum": "cases.api.REPORT_CHANNELS",
        "CaseStateEnum": "cases.models.CaseState",
        "AdmissionStateEnum": "admission.models.AdmissionState",
    },
    "AUTHENTICATION_WHITELIST": [
        "rest_framework.authentication.SessionAuthentication",
        "config.api_auth.ExpiringTokenAuthentication",
    ],
}
# API tokens (config.api_auth) expire this many hours after they were issued.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 30 * 24, minimum=1)

# --- Logging: structured JSON to stdout -------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", {"DEBUG", "INFO", "WARNING", "ERROR"}, "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": JSON_FORMATTER,
    },
    # Every line goes through the secret-redacting filter (api_key, token, password ... -> [REDACTED]).
    "filters": {"redact": REDACT_FILTER},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json",
                            "filters": ["redact"]}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "celery": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "axes": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}

PLATFORM_NAME = _("吹哨平台")

# --- Maps (cases: the report form's pin, the case map) ---------------------------------------------
# A tile server the county licenses, e.g. 天地图 with its key. Empty: no map is drawn and no page asks
# any server for tiles; the coordinates fields and the "use my location" button still work.
MAP_TILE_URL = env_url_template("MAP_TILE_URL", "", placeholders=("{z}", "{x}", "{y}"))
MAP_ATTRIBUTION = env_str("MAP_ATTRIBUTION", "")
MAP_TILE_SUBDOMAINS = env_str("MAP_TILE_SUBDOMAINS", "abc")  # what {s} may be, one character each
MAP_CENTER_LAT = env_float("MAP_CENTER_LAT", 35.0, minimum=-90, maximum=90)
MAP_CENTER_LON = env_float("MAP_CENTER_LON", 105.0, minimum=-180, maximum=180)
MAP_DEFAULT_ZOOM = env_int("MAP_DEFAULT_ZOOM", 12, minimum=1, maximum=19)

# The public hotline offered when the lookup finds nothing (这件事归谁管？).
PUBLIC_HOTLINE = env_str("PUBLIC_HOTLINE", "12345")

