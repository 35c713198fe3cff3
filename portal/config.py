"""Default settings. Override with instance/config.py or TSUNAGU_* environment variables."""


class ConfigError(RuntimeError):
    """A setting is missing or unusable: the process stops with this one line (app.py)."""


# The SECRET_KEY an earlier deploy/tsunagu.env.example carried: known to all, so refused.
PLACEHOLDER_SECRET_KEYS = frozenset({"change-me-to-a-long-random-string"})

DEFAULTS = {
    # SQLite in the instance folder unless DATABASE_URL says otherwise (set in create_app).
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    # Token encryption keys, "kid:base64url-32-bytes" separated by commas; the first encrypts.
    # Kept apart from SECRET_KEY so rotating one never touches the other.
    "TOKEN_KEYS": None,
    "BANK_CONNECTIONS_FILE": None,
    "BANK_CONNECTIONS": None,
    "SESSION_COOKIE_NAME": "tsunagu_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "BABEL_DEFAULT_LOCALE": "ja",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
    "LANGUAGES": ("ja", "en"),
    # Background work in the process create_app builds: "all" (sync threads and scheduled jobs:
    # make run, a one-process install) or "none" (web processes; `flask worker` and `flask
    # scheduler` run it). Unset, the older SCHEDULER_ENABLED decides (True = "all").
    # See README, "Running at scale".
    "BACKGROUND_JOBS": None,
    "SCHEDULER_ENABLED": False,
    "SYNC_DISPATCH_SECONDS": 1.0,
    "SYNC_WORKERS": 4,
    "SYNC_OVERLAP_DAYS": 7,
    # A worker renews its lease on a run with every page and every lease/3 seconds; a run
    # whose lease ran out (its worker died) is taken over by any worker.
    "SYNC_LEASE_SECONDS": 30,
    # Scheduled sync (Japan time): a few times a day, inside typical bank hours.
    "SYNC_SCHEDULE_HOURS": "7,12,18",
    "SYNC_SCHEDULE_MINUTE": "5",
    "TOKEN_REFRESH_CHECK_SECONDS": 300,
    "STATEMENTS_PAGE_SIZE": 50,
    # Sign-in limits (portal/views/rate_limits.py). Per account: LOGIN_MAX_FAILURES attempts
    # in LOGIN_LOCK_SECONDS (a short lock anyone can cause; a password reset ends it). Per
    # client address: every attempt counts. memory:// serves one process; use redis:// when
    # several processes serve the portal.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_SECONDS": 300,
    "LOGIN_ADDRESS_LIMIT": "30 per 10 minutes",
    "TWO_FACTOR_CODE_LIMIT": "5 per 5 minutes",
    "SIGNUP_ADDRESS_LIMIT": "10 per hour",
    "RESET_ADDRESS_LIMIT": "10 per hour",
    "RESET_ACCOUNT_LIMIT": "3 per 15 minutes",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_STRATEGY": "moving-window",
    # False: invitation only, /signup is closed (a self-hosted office).
    "SIGNUP_ENABLED": True,
    "SIGNUP_CONFIRM_HOURS": 24,
    # None: a sign-up is confirmed by mail whenever MAIL_HOST is set; False: never (make run).
    "SIGNUP_CONFIRM_BY_MAIL": None,
    "PASSWORD_RESET_MINUTES": 30,
    # Outgoing mail (password reset, sign-up confirmation). Without MAIL_HOST nothing is sent:
    # sign-up signs in at once and there is no reset by e-mail (README, "Sign-in").
    "MAIL_HOST": None,
    "MAIL_PORT": None,  # 587 (465 with MAIL_SECURITY "tls")
    "MAIL_FROM": None,
    "MAIL_USE_TLS": True,  # older setting: False = MAIL_SECURITY "none"
    "MAIL_SECURITY": None,  # "starttls" (default), "tls" (port 465) or "none"
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    # Links in mails sent outside a request (notifications): the portal's address as users
    # reach it, e.g. "https://tsunagu.example.jp".
    "PUBLIC_URL": None,
    "INVITATION_DAYS": 7,  # an invitation link's life
    "LONG_TASK_SECONDS": 60,  # an import or export taking longer mails its user when done
    "NOTICE_CHECK_SECONDS": 300,  # how often consents and syncs are checked for mails to send
    "NOTICE_MAX_ATTEMPTS": 5,  # a mail the SMTP server keeps refusing is given up after this
    # Tsunagu's API (/api/v1) and webhooks.
    "API_RATE_LIMIT": "120 per minute",  # per token
    "WEBHOOK_ALLOW_PRIVATE": False,  # True: targets on loopback/private networks (a lab only)
    "WEBHOOK_CHECK_SECONDS": 10,  # how often due deliveries are sent
    "WEBHOOK_DISABLE_AFTER": 5,  # deliveries given up in a row before an endpoint is switched off
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_LEASE_SECONDS": 120,
    "RUN_MIGRATIONS_ON_START": True,
    # Web processes keep the signed-in member and the home page's sync figures in memory,
    # forgotten when the database tells of a change (PostgreSQL: LISTEN/NOTIFY) or at any
    # commit to the file (SQLite: its data_version); portal/listen_cache.py. Off behind a
    # pooler that cannot LISTEN (PgBouncer in transaction mode): then every request reads
    # them from the database.
    "LISTEN_CACHE": True,
    "PROXY_FIX": False,
    "BANK_HTTP_TIMEOUT": 15.0,
    "BANK_MAX_RETRY_WAIT": 30.0,
    # A bank's rate limit (its `rate_limit` in the bank settings) is one budget for every
    # worker (portal/banks/rate_gate.py). Unset: PostgreSQL holds it when DATABASE_URL is
    # PostgreSQL, else this process alone (SQLite means one process); redis://host:6379 uses
    # Redis. Calls are spaced out over the limit's window stretched by BANK_RATE_HEADROOM
    # (network jitter), and a call waits at most BANK_RATE_MAX_WAIT seconds for its turn.
    "BANK_RATE_STORAGE_URI": None,
    "BANK_RATE_HEADROOM": 0.1,
    "BANK_RATE_MAX_WAIT": 30.0,
    # Request bodies over this are refused (413) before anything reads them, on every route;
    # a statement file has its own, lower limit (5 MB).
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    # Statement files uploaded but not imported yet, per office (README, "Statement files").
    "UPLOAD_PENDING_FILES": 10,
    "UPLOAD_PENDING_BYTES": 25 * 1024 * 1024,
}
