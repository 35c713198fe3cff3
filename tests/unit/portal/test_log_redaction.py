"""Request logs never keep an authorization code or OAuth state."""
import logging

from portal.log_redaction import RedactOAuthParams, install, redact


def test_redact_callback_query():
    line = '"GET /oauth/callback?code=abc123&state=xyz&iss=http://127.0.0.1:5001/banks/0001 HTTP/1.1"'
    out = redact(line)
    assert "abc123" not in out and "xyz" not in out
    assert "code=[redacted]&state=[redacted]&iss=http://127.0.0.1:5001/banks/0001" in out


def test_filter_rewrites_werkzeug_style_records():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
                               ("127.0.0.1", "now", "GET /oauth/callback?code=secret HTTP/1.1",
                                "303", "-"), None)
    RedactOAuthParams().filter(record)
    assert "secret" not in record.getMessage()


def test_install_is_idempotent():
    install()
    install()
    assert sum(isinstance(f, RedactOAuthParams) for f in logging.getLogger("werkzeug").filters) == 1
