"""Keep authorization codes and OAuth state out of request logs.

The bank sends the user back to /oauth/callback?code=...&state=...; a server's access log
would otherwise keep a live (if short-lived, one-use) credential.
"""
import logging
import re

_SECRET_PARAMS = re.compile(r"\b(code|state|access_token|refresh_token)=[^&\s\"']+")


def redact(text: str) -> str:
    return _SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=[redacted]", text)


class RedactOAuthParams(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install(logger_names=("werkzeug", "gunicorn.access")) -> None:
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactOAuthParams) for f in logger.filters):
            logger.addFilter(RedactOAuthParams())
