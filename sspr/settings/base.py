"""Settings shared by every environment; everything that varies comes from the environment."""

import shutil
from pathlib import Path

import django
import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- Django core -----------------------------------------------------------------------------

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "sspr.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "phonenumber_field",
    "captcha",
    "accounts",
    "verification",
    "reset",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.PoliciesReadOnceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.BadInputMiddleware",
    "accounts.middleware.MustChangePasswordMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "sspr.middleware.ServiceUnavailableMiddleware",
    "verification.middleware.SetupReminderMiddleware",
]

ROOT_URLCONF = "sspr.urls"
WSGI_APPLICATION = "sspr.wsgi.application"

# The pages in Jinja2 (sspr.jinja2), first so that a view's template name finds them; the
# admin and the message bodies in Django's template language.
TEMPLATES = [
    {
        "BACKEND": "sspr.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2",
                 Path(django.__file__).parent / "forms" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "sspr.jinja2.environment",
            # The backend gives `request`, `csrf_input` and `csrf_token` itself.
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sspr.context_processors.portal",
            ],
        },
    },
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
                "sspr.context_processors.portal",
            ],
        },
    },
]

# --- Data: database, cache, sessions ---------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The Celery worker's hundred threads share a pool of at most this many connections, each taken
# only for a claim or a record (accounts.delivery) instead of a new session per message (about
# 1 ms CPU in the worker and 4 ms in PostgreSQL). 0, as in the web's gunicorn workers, which
# serve one request at a time: one persistent connection each (DJANGO_CONN_MAX_AGE).
_pool_size = env.int("DJANGO_DB_POOL_SIZE", default=0)
if _pool_size:
    # Django hands a pooled connection back on close, and allows no persistent one with it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, _pool_size),
        "max_size": _pool_size,
        # Seconds a thread waits for a free connection; then its messages are queued again.
        "timeout": env.float("DJANGO_DB_POOL_TIMEOUT", default=10),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is the shared cache behind rate limits and the Celery broker; without it (laptop) the
# cache is per process and tasks run in the web process.
REDIS_URL = env("REDIS_URL", default="")
CACHES = {"default": env.cache_url("REDIS_URL", default="locmemcache://")}
if REDIS_URL:
    CACHES["default"]["BACKEND"] = "sspr.cache.RedisCache"  # one client per server, kept

# Sessions live in the database so that web processes stay stateless and a user's sessions
# can be listed and ended together: Django's backend, with its read compiled once.
SESSION_ENGINE = "sspr.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Every cookie says where it may be sent: a cross-site POST carries none of them.
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 3600)

# --- Authentication and passwords -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "accounts:overview"
LOGOUT_REDIRECT_URL = "home"

AUTHENTICATION_BACKENDS = [
    # Binds against the directory when SSPR_DIRECTORY names one; steps aside otherwise.
    "accounts.directory.backend.DirectoryBackend",
    "accounts.backends.IdentifierBackend",
]

# Argon2id first (SPEC 6.3); the others only let old hashes be verified and upgraded.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# One password policy (SPEC 6.2) wherever a password is set; length first, so that
# over-long input is refused before anything expensive looks at it.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_policy.LengthValidator"},
    {"NAME": "accounts.password_policy.BlocklistValidator"},
    {"NAME": "accounts.password_policy.PersonalDataValidator"},
    {"NAME": "accounts.password_policy.CharacterClassesValidator"},
    {"NAME": "accounts.password_policy.StrengthValidator"},
    {"NAME": "accounts.password_policy.HistoryValidator"},
]

# --- Messages: email, Celery ----------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    # Django's SMTP backend, extended to deliver to Unicode local parts (accounts.mail).
    EMAIL_BACKEND = "accounts.mail.EmailBackend"
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
# Re-queue messages recorded while the broker was down, or whose worker died mid-send.
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-messages": {
        "task": "verification.tasks.sweep_pending_messages",
        "schedule": env.int("SSPR_SWEEP_SECONDS", default=60),
    },
    "sweep-messages": {
        "task": "accounts.tasks.sweep_messages",
        "schedule": env.int("SSPR_SWEEP_SECONDS", default=60),
    },
    "sweep-admin-reset-jobs": {
        "task": "accounts.tasks.sweep_admin_reset_jobs",
        "schedule": env.int("SSPR_SWEEP_SECONDS", default=60),
    },
    # Reminders go out the day they fall due; an hourly look is more than often enough.
    "sweep-password-expiry-reminders": {
        "task": "accounts.tasks.sweep_password_expiry_reminders",
        "schedule": 3600,
    },
    # Rows of IDs nobody has tried for a day, locked no more (accounts.lockout).
    "sweep-sign-in-lockouts": {
        "task": "accounts.tasks.sweep_sign_in_lockouts",
        "schedule": 3600,
    },
}

# --- Languages and static files -------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Europe/Stockholm")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Security headers (SPEC 8.7) ------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
# No inline script or style, nothing from another origin: a CDN or injected markup cannot run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Logging: one JSON object a line, never a secret ----------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "sspr.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# --- Third-party apps -----------------------------------------------------------------------

# Form and widget templates from the first engine that has them: Django's own in Jinja2 and
# ours (the CAPTCHA's accessible markup) from the pages' engine, the admin's widgets from
# Django's template language; see sspr.jinja2.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
CAPTCHA_LENGTH = 5
CAPTCHA_IMAGE_SIZE = (180, 60)
CAPTCHA_FONT_SIZE = 36
CAPTCHA_TIMEOUT = 15  # minutes, the life of a reset attempt
# Letters that cannot be mistaken for one another when read or heard.
CAPTCHA_CHALLENGE_FUNCT = "reset.captcha.challenge"
# The library's arcs and dots; ours draws the same dots in one call.
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_arcs", "reset.captcha.noise_dots")
# The library's smoothing, then the quickest PNG compression (no larger a file, for noise).
CAPTCHA_FILTER_FUNCTIONS = ("captcha.helpers.post_smooth", "reset.captcha.fast_png")
# The spoken alternative: flite reads English (Debian package "flite"), espeak-ng's voice
# Swedish ("espeak-ng"); a page whose language has no voice installed offers no audio.
CAPTCHA_FLITE_PATH = shutil.which("flite")
CAPTCHA_ESPEAK_PATH = shutil.which("espeak-ng")

PHONENUMBER_DEFAULT_REGION = env("SSPR_DEFAULT_REGION", default="SE")
# Shown in authenticator apps next to the account name.
OTP_TOTP_ISSUER = env("SSPR_ORGANISATION_NAME", default="Example Organisation")
# No drift learning: a code accepted a step early or late must not move the window, or the
# code the app shows can stop working (verification.totp keeps the window fixed).
OTP_TOTP_SYNC = False
RATELIMIT_IP_META_KEY = "accounts.network.client_ip"

# --- The portal's own knobs (SSPR_*) --------------------------------------------------------

# Shown in the page header and in every message.
SSPR_ORGANISATION_NAME = env("SSPR_ORGANISATION_NAME", default="Example Organisation")
# Scheme and host that links in emails are built from; never the request's Host (SPEC 8.6).
SSPR_BASE_URL = env("SSPR_BASE_URL")
# How many reverse proxies append to X-Forwarded-For (accounts.network.client_ip, the one
# source of the client address); 0 trusts only the socket address. Production defaults to 1.
SSPR_TRUSTED_PROXY_COUNT = env.int("SSPR_TRUSTED_PROXY_COUNT", default=0)
# Argon2id cost: passes, KiB of memory and lanes; Django's defaults unless tuned per machine.
SSPR_ARGON2_TIME_COST = env.int("SSPR_ARGON2_TIME_COST", default=2)
SSPR_ARGON2_MEMORY_COST = env.int("SSPR_ARGON2_MEMORY_COST", default=102400)
SSPR_ARGON2_PARALLELISM = env.int("SSPR_ARGON2_PARALLELISM", default=8)
# Password length bounds, in characters (NFKC-normalised).
SSPR_PASSWORD_MIN_LENGTH = env.int("SSPR_PASSWORD_MIN_LENGTH", default=12)
SSPR_PASSWORD_MAX_LENGTH = env.int("SSPR_PASSWORD_MAX_LENGTH", default=128)
# Gzipped list of common passwords, one a line; Django's own 20,000 by default.
SSPR_COMMON_PASSWORDS_FILE = env(
    "SSPR_COMMON_PASSWORDS_FILE",
    default=str(Path(django.__file__).parent / "contrib/auth/common-passwords.txt.gz"),
)
# Sign-in lockout of an account (accounts.lockout): wrong passwords before it locks, seconds
# of the first lockout, doubled at each further one, up to the cap. The account is locked,
# not the address: one office behind a NAT shares an IP, and locking it would let one person
# lock everyone out; addresses get their own limit (SSPR_SIGN_IN_IP_RATE).
SSPR_SIGN_IN_FAILURE_LIMIT = env.int("SSPR_SIGN_IN_FAILURE_LIMIT", default=10)
SSPR_LOCKOUT_SECONDS = env.int("SSPR_LOCKOUT_SECONDS", default=60)
SSPR_LOCKOUT_MAX_SECONDS = env.int("SSPR_LOCKOUT_MAX_SECONDS", default=3600)
# Sign-in attempts one client address may make (django-ratelimit rate), whatever the account.
SSPR_SIGN_IN_IP_RATE = env("SSPR_SIGN_IN_IP_RATE", default="30/5m")
# Wrong current passwords allowed on the change-password form, per user (django-ratelimit).
SSPR_CHANGE_PASSWORD_RATE = env("SSPR_CHANGE_PASSWORD_RATE", default="5/15m")
# Live password-policy checks one client address may ask for while typing.
SSPR_PASSWORD_CHECK_RATE = env("SSPR_PASSWORD_CHECK_RATE", default="120/m")
# Seconds a typed password counts as recent for changing methods (re-authentication).
SSPR_REAUTH_SECONDS = env.int("SSPR_REAUTH_SECONDS", default=600)
# Password confirmations one client address may try (django-ratelimit rate); each also counts
# toward the account's sign-in lockout.
SSPR_REAUTH_IP_RATE = env("SSPR_REAUTH_IP_RATE", default="10/5m")
# The reset wizard: seconds an attempt lives; starts and failed gates an account may have in
# an hour before self-service reset is refused for SSPR_RESET_BLOCK_SECONDS (SPEC 6.1).
SSPR_RESET_ATTEMPT_SECONDS = env.int("SSPR_RESET_ATTEMPT_SECONDS", default=900)
SSPR_RESET_STARTS_PER_HOUR = env.int("SSPR_RESET_STARTS_PER_HOUR", default=5)
SSPR_RESET_FAILED_GATES_PER_HOUR = env.int("SSPR_RESET_FAILED_GATES_PER_HOUR", default=5)
SSPR_RESET_BLOCK_SECONDS = env.int("SSPR_RESET_BLOCK_SECONDS", default=86400)
# Wizard starts per client address (django-ratelimit rate), and helpdesk requests.
SSPR_RESET_IDENTIFY_IP_RATE = env("SSPR_RESET_IDENTIFY_IP_RATE", default="30/m")
SSPR_HELPDESK_IP_RATE = env("SSPR_HELPDESK_IP_RATE", default="5/h")
# Callable (dotted path) giving the addresses, besides the work email, that notices about an
# account go to: the registered alternate email.
SSPR_NOTICE_ADDRESSES = "verification.services.notice_addresses"
# Users an administrator's reset job claims and records per transaction (and per step of
# its progress bar); bigger chunks commit less often.
SSPR_ADMIN_RESET_CHUNK_SIZE = env.int("SSPR_ADMIN_RESET_CHUNK_SIZE", default=500)
# Seconds a reset job holds a user between its authority check and its record; nobody can
# promote the user meanwhile. A killed worker's users wait this long to be taken up again.
SSPR_ADMIN_RESET_LEASE_SECONDS = env.int("SSPR_ADMIN_RESET_LEASE_SECONDS", default=120)
# Seconds the key that reveals a reset job's generated passwords stays in the admin's browser.
SSPR_REVEAL_KEY_SECONDS = env.int("SSPR_REVEAL_KEY_SECONDS", default=3600)
# Where passwords live: "local" (the portal's own accounts), "ldap" (OpenLDAP/389 with
# ppolicy) or "ad" (Active Directory). The rest of this block is for ldap and ad only.
SSPR_DIRECTORY = env("SSPR_DIRECTORY", default="local")
# ldaps://host:636, or ldap://host:389 which the portal always upgrades with StartTLS.
SSPR_DIRECTORY_URL = env("SSPR_DIRECTORY_URL", default="")
# PEM file of the CA that signed the directory's certificate; the certificate is verified.
SSPR_DIRECTORY_CA_FILE = env("SSPR_DIRECTORY_CA_FILE", default="")
# Where people are searched for, and the portal's service account (password: environment only).
SSPR_DIRECTORY_BASE_DN = env("SSPR_DIRECTORY_BASE_DN", default="")
SSPR_DIRECTORY_BIND_DN = env("SSPR_DIRECTORY_BIND_DN", default="")
SSPR_DIRECTORY_BIND_PASSWORD = env("SSPR_DIRECTORY_BIND_PASSWORD", default="")
# Attributes a typed user ID is matched against, in order; empty: the kind's defaults
# (ad: sAMAccountName,userPrincipalName,mail; ldap: uid,mail).
SSPR_DIRECTORY_ID_ATTRIBUTES = env.list("SSPR_DIRECTORY_ID_ATTRIBUTES", default=[])
# LDAP filter every person matches; empty: the kind's default.
SSPR_DIRECTORY_USER_FILTER = env("SSPR_DIRECTORY_USER_FILTER", default="")
# Portal field=directory attribute overrides (username, email, first_name, last_name,
# display_name, phone), e.g. "phone=mobile".
SSPR_DIRECTORY_ATTRIBUTES = env.dict("SSPR_DIRECTORY_ATTRIBUTES", default={})
# Seconds to connect, and for each operation, before the directory counts as unavailable.
SSPR_DIRECTORY_CONNECT_TIMEOUT = env.float("SSPR_DIRECTORY_CONNECT_TIMEOUT", default=5)
SSPR_DIRECTORY_TIMEOUT = env.float("SSPR_DIRECTORY_TIMEOUT", default=10)
# Dotted path of the object that knows who registered reset methods (see accounts.policies);
# the verification app provides it, accounts alone answers "unknown".
SSPR_REGISTRATION_DATA = env("SSPR_REGISTRATION_DATA",
                             default="verification.services.RegistrationData")
# Language (en or sv) of the mail to the helpdesk address; administrators get their own.
SSPR_HELPDESK_LANGUAGE = env("SSPR_HELPDESK_LANGUAGE", default=LANGUAGE_CODE)
# Password expiry reminders sent at most per hour, spread over it: a new expiry rule must not
# mail everyone at once (SMTP limits, spam filters, a helpdesk flooded with questions).
SSPR_EXPIRY_REMINDERS_PER_HOUR = env.int("SSPR_EXPIRY_REMINDERS_PER_HOUR", default=200)
# Days of history the administrators' insights dashboard charts.
SSPR_INSIGHTS_DAYS = env.int("SSPR_INSIGHTS_DAYS", default=30)
# The development outbox page; only ever on in local mode.
SSPR_DEV_OUTBOX = False

# Verification codes (SPEC 6.1). Seconds a code lives; capped at 10 minutes whatever is set.
SSPR_CODE_LIFETIME_SECONDS = min(env.int("SSPR_CODE_LIFETIME_SECONDS", default=300), 600)
# Wrong tries before a code is dead: 5 tries of 10^6 codes keeps a guess at 1 in 200,000.
SSPR_CODE_MAX_TRIES = env.int("SSPR_CODE_MAX_TRIES", default=5)
# Seconds before another code may be sent to the same person for the same purpose.
SSPR_CODE_RESEND_SECONDS = env.int("SSPR_CODE_RESEND_SECONDS", default=60)
# Email codes one account may be sent in 10 minutes: stops mail-bombing an inbox.
SSPR_EMAIL_CODES_PER_10_MINUTES = env.int("SSPR_EMAIL_CODES_PER_10_MINUTES", default=10)
# Texts and calls to one number per hour and per day: stops pumping premium numbers (toll fraud).
SSPR_PHONE_MESSAGES_PER_HOUR = env.int("SSPR_PHONE_MESSAGES_PER_HOUR", default=5)
SSPR_PHONE_MESSAGES_PER_DAY = env.int("SSPR_PHONE_MESSAGES_PER_DAY", default=10)
# Codes one client address may have sent per hour, whatever the account or channel.
SSPR_CODES_PER_IP_PER_HOUR = env.int("SSPR_CODES_PER_IP_PER_HOUR", default=20)
# ISO 3166 regions texts and calls may go to (comma-separated); default: this deployment's own.
SSPR_PHONE_COUNTRIES = env.list("SSPR_PHONE_COUNTRIES", default=[PHONENUMBER_DEFAULT_REGION])
# Texts and calls per hour for the whole portal; above it phone methods switch off and staff
# are alerted, so a bug or an attack cannot run up an unbounded Twilio bill.
SSPR_PHONE_HOURLY_BUDGET = env.int("SSPR_PHONE_HOURLY_BUDGET", default=200)
# Seconds before the first retry of a message a provider failed to take; doubled each time.
SSPR_SEND_RETRY_SECONDS = env.float("SSPR_SEND_RETRY_SECONDS", default=5)
# Provider calls per message at most (first try included); then it is failed and staff told.
SSPR_SEND_MAX_TRIES = env.int("SSPR_SEND_MAX_TRIES", default=6)
# Seconds a worker may spend on one provider call before another may take the message over
# (its worker died); longer than any provider timeout.
SSPR_SEND_LEASE_SECONDS = env.int("SSPR_SEND_LEASE_SECONDS", default=120)
# Seconds after a failed-delivery alert during which further failures email staff no more.
SSPR_DELIVERY_ALERT_SECONDS = env.int("SSPR_DELIVERY_ALERT_SECONDS", default=3600)
# Seconds a message may be overdue (never queued, retry lost) before the sweep queues it.
SSPR_SWEEP_GRACE_SECONDS = env.int("SSPR_SWEEP_GRACE_SECONDS", default=30)
# Sender classes (dotted paths), one per channel; local mode and tests use the outbox ones.
SSPR_SMS_SENDER = env("SSPR_SMS_SENDER", default="verification.senders.twilio.TwilioSmsSender")
SSPR_VOICE_SENDER = env("SSPR_VOICE_SENDER",
                        default="verification.senders.twilio.TwilioVoiceSender")
SSPR_EMAIL_SENDER = env("SSPR_EMAIL_SENDER",
                        default="verification.senders.email.EmailCodeSender")
# Twilio REST base URL; change only for a regional edge (or a local fake server in the tests).
SSPR_TWILIO_API_BASE_URL = env("SSPR_TWILIO_API_BASE_URL", default="https://api.twilio.com")
# Seconds before a Twilio call gives up (the task then retries with backoff).
SSPR_TWILIO_TIMEOUT = env.float("SSPR_TWILIO_TIMEOUT", default=10)

# Twilio credentials and the number messages come from; required when a Twilio sender is used.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
