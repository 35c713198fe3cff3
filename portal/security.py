"""Security headers, with a CSP that htmx works under (no eval, no inline styles)."""
from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user


def _bank_origins() -> str:
    registry = current_app.extensions["bank_registry"]
    origins = set()
    for code in registry.codes():
        parts = urlsplit(registry.get(code).authorization_endpoint)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return " ".join(sorted(origins))


def init_app(app) -> None:
    @app.after_request
    def _headers(response):
        # form-action must allow the banks: the consent start is a POST answered by a
        # redirect to the bank, and browsers apply form-action to that redirect.
        csp = app.extensions.get("csp")
        if csp is None:  # the banks are known once the app is built: written once
            csp = app.extensions["csp"] = (
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                f"form-action 'self' {_bank_origins()}; frame-ancestors 'none'; base-uri 'self'"
            )
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.blueprint == "api" or request.headers.get("HX-Request") or (
                request.endpoint != "static" and current_user.is_authenticated):
            # A signed-in page (statements, balances, the CSV export) must not be kept by the
            # browser or a proxy: after logout, the back button or a shared PC would show it.
            response.headers["Cache-Control"] = "no-store"
        response.vary.add("HX-Request")
        return response
