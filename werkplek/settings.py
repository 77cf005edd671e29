"""Settings for werkplek, read from the environment (12-factor).

Every value has an embedded default that runs the app on one machine with nothing else
installed: SQLite under var/, Celery on kombu's filesystem transport, e-mail to the console.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, EMAIL_URL and HTTPS=true.
"""

import datetime
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# The default key only serves local runs; `check --deploy` flags it as insecure.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-werkplek-local-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "django_htmx",
    "csp",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "werkplek",
    "programs",
    "coaching",
    "kpis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped (static files come precompressed from whitenoise, above, and skip this).
    # BREACH, the attack on compressed pages, needs a secret in the page next to text an
    # attacker chose: Django masks the CSRF token afresh in every response and, since 4.2,
    # pads each gzip response with random bytes ("Heal the BREACH"), and no page carries other
    # secrets (no API keys, no reset tokens) beside reflected input. So compressing is safe here.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "werkplek.middleware.IdleSessionMiddleware",
    "werkplek.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "werkplek.middleware.TwoFactorRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that its lockout answer replaces the login page's response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "werkplek.urls"
WSGI_APPLICATION = "werkplek.wsgi.application"

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
                "werkplek.context_processors.roles",
                "werkplek.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'werkplek.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "werkplek.User"
# Axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Where the home page sends each role: the page where that role's daily work is. URL names,
# so the ground floor names no domain app in Python.
ROLE_HOME_PAGES = {
    "manager": "coaching:attention",
    "line_manager": "coaching:team",
    "coach": "coaching:home",
    "learner": "coaching:my-progress",
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Dutch first: the primary audience is Dutch; English is the source language.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language cookie remembers a signed-in person's language for the login page after logout.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates as each language writes them ("3 Feb 2027", "3 feb 2027"): werkplek/formats/<lang>/.
FORMAT_MODULE_PATH = ["werkplek.formats"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", default="Europe/Amsterdam")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Deployments run collectstatic and set COLLECTED_STATIC=true for hashed, far-future-cached
# names; local runs and tests serve straight from the source folders.
COLLECTED_STATIC = env.bool("COLLECTED_STATIC", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC
WHITENOISE_AUTOREFRESH = not COLLECTED_STATIC
# Collected files have hashed names: whitenoise serves those as immutable, cached for years,
# whatever this setting says. It is for names without a hash (favicon.ico from public/): a day.
if COLLECTED_STATIC:
    WHITENOISE_MAX_AGE = 24 * 60 * 60
# Files served at the site's root, such as /favicon.ico that browsers ask for on their own.
WHITENOISE_ROOT = BASE_DIR / "public"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    # The same, but it tells the outbox when a mail is past the point of no return.
    EMAIL_CONFIG["EMAIL_BACKEND"] = "werkplek.lib.mail.EmailBackend"
vars().update(EMAIL_CONFIG)
# Links in e-mails that are sent outside a request (invitations, reminders) start with this.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="werkplek <noreply@werkplek.local>")
# An SMTP server that hangs must not hold a worker: the attempt fails and the outbox retries.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The outbox (werkplek.outbox): tries per message, the first retry delay in seconds (doubling
# each time: 1, 2, 4, 8 minutes), and how long a row may stay 'sending' before the sweep takes
# its worker for dead. The lease outlasts CELERY_TASK_TIME_LIMIT, so a live worker keeps it.
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_RETRY_DELAY = 60
OUTBOX_LEASE = 600

# AVG/GDPR (werkplek.personal_data): the records of an enrolment are anonymised this many
# months after it ended, and a person whose every membership ended that long ago is erased.
AVG_RETENTION_MONTHS = env.int("AVG_RETENTION_MONTHS", default=24)

# Sign-in protection (werkplek/signin.py). Failed sign-ins are counted per account and per
# address (django-axes, in the database so every web process sees the same count); after
# SIGNIN_FAILURE_LIMIT failures within SIGNIN_COOLOFF_MINUTES that account, or that address,
# waits SIGNIN_COOLOFF_MINUTES from its last failure. Mind that an office behind one address
# shares the address count: raise the limit there rather than switch it off.
SIGNIN_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
SIGNIN_COOLOFF_MINUTES = env.int("SIGNIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A try during the lockout does not push its end further: "try again in 15 minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "werkplek.signin.account_of"
AXES_CLIENT_IP_CALLABLE = "werkplek.signin.client_address"
AXES_LOCKOUT_CALLABLE = "werkplek.views.signin_locked"
# Our own log line names the account and address of a lockout (werkplek.signin); axes' own
# lines mask both, and no banner at start-up. Neither ever logs or stores a password.
AXES_VERBOSE = False
# Failures are kept only until their cool-off ends; successful sign-ins are not recorded with
# address and browser at all (personal data that nothing here reads, AVG).
AXES_DISABLE_ACCESS_LOG = True
# Password-reset requests: at most this many mails to one account per hour (counted in the
# outbox, where each mail is a row) and this many requests from one address per hour.
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)
PASSWORD_RESET_REQUESTS_PER_HOUR = env.int("PASSWORD_RESET_REQUESTS_PER_HOUR", default=10)
# The shared cache for the address counter; Redis in production (CACHE_URL), one process's
# memory locally.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# A session ends after this many idle seconds (default 8 hours) and with a password change
# (Django ties each session to the password). werkplek.middleware.IdleSessionMiddleware
# renews the expiry at most every SESSION_RENEW_INTERVAL seconds, not on every request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 60 * 60)
SESSION_RENEW_INTERVAL = 5 * 60

# Two-step sign-in (TOTP, django-otp): the name authenticator apps show; wrong codes wait
# 1, 2, 4, … seconds (django-otp's throttle).
OTP_TOTP_ISSUER = "werkplek"
# How long the code step after a correct password may take.
SIGNIN_CODE_TIMEOUT = 5 * 60

# History rows are the audit trail: the admin shows them and never rolls a row back to one.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Served over HTTPS behind a proxy: everything `check --deploy` asks for.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# How many proxies stand in front of the app, each adding the address it was reached from to
# X-Forwarded-For; a client's address (for sign-in throttles) is the entry the nearest one
# added. HTTPS=true means one TLS proxy (README); 0: people reach the app directly.
PROXY_COUNT = env.int("PROXY_COUNT", default=1 if HTTPS else 0)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Health checks come from the load balancer over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]

# No inline scripts or styles anywhere: everything comes from static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport under var/,
# which still runs a real worker and beat (eager mode would hide every concurrency bug).
REDIS_URL = env("REDIS_URL", default="")
CELERY_QUEUE_DIR = VAR_DIR / "celery" / "queue"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A dead or silent broker costs a caller seconds, never a hang: the outbox's rows wait
    # for the sweep (the probe found /healthz/ and the reset form hanging without these).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
    }
else:
    CELERY_QUEUE_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's transport, writing each message whole before a worker can take it.
    CELERY_BROKER_TRANSPORT = "werkplek.lib.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "processed_folder": str(CELERY_QUEUE_DIR.parent / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR.parent / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 120
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # fontTools logs every glyph it keeps when fpdf2 embeds the certificate's font.
    "loggers": {"fontTools": {"level": "WARNING"}},
}

# Privacy, "nothing below n": an aggregate about people shows only from this many of them, so
# that nobody can be recognised in it. The one default of the two minimums that apply the
# rule: the KPIs' (below) and each program's evaluation minimum (programs.models).
MIN_GROUP_SIZE_DEFAULT = 5
# KPIs: an aggregate over fewer people than this says "too little data" and shows no number,
# so that no value can be traced back to one person. The installation's, for every program.
KPI_MIN_GROUP_SIZE = env.int("KPI_MIN_GROUP_SIZE", default=MIN_GROUP_SIZE_DEFAULT)
