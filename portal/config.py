"""Default settings. Override with instance/config.py or TSUNAGU_* environment variables."""

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
    # Background sync: one scheduler per deployment (see README, "At scale").
    "SCHEDULER_ENABLED": True,
    "SYNC_DISPATCH_SECONDS": 1.0,
    "SYNC_WORKERS": 4,
    "SYNC_OVERLAP_DAYS": 7,
    # Scheduled sync (Japan time): a few times a day, inside typical bank hours.
    "SYNC_SCHEDULE_HOURS": "7,12,18",
    "SYNC_SCHEDULE_MINUTE": "5",
    "TOKEN_REFRESH_CHECK_SECONDS": 300,
    "STATEMENTS_PAGE_SIZE": 50,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_SECONDS": 300,
    "RUN_MIGRATIONS_ON_START": True,
    "PROXY_FIX": False,
    "BANK_HTTP_TIMEOUT": 15.0,
    "BANK_MAX_RETRY_WAIT": 30.0,
}
