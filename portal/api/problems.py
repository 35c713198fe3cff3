"""Errors of the API as RFC 9457 problem details (application/problem+json): a `type` URI
per kind of problem, its `title`, the `status`, a `detail` for this occurrence, and `code`,
the same word as the type's last part, for clients that switch on it. The texts are English
and not translated: an API client has no language of its own, and codes stay stable."""
from flask import current_app

MEDIA_TYPE = "application/problem+json"
BASE = "https://tsunagu.example/problems/"

TITLES = {
    "invalid-request": "The request is not valid",
    "bad-cursor": "The cursor is not one this API gave",
    "unauthorized": "A valid bearer token is needed",
    "insufficient-scope": "The token lacks a scope this needs",
    "not-found": "Not found",
    "not-linked": "The account is not linked to its bank",
    "rate-limited": "Too many requests",
    "bad-url": "The URL is not valid",
    "https-required": "The URL must use https",
    "private-target": "The URL points to a local or private address",
    "no-events": "No event is chosen",
    "bad-event": "An event is not one of the webhook events",
}


class ApiProblem(Exception):
    """Raised by a view; the blueprint answers it as a problem response."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict | None = None,
                 **extra):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers, self.extra = headers or {}, extra


def body(status: int, code: str, detail: str, **extra) -> dict:
    return {"type": BASE + code, "title": TITLES.get(code, code), "status": status,
            "detail": detail, "code": code, **extra}


def response(status: int, code: str, detail: str, *, headers: dict | None = None, **extra):
    answer = current_app.json.response(body(status, code, detail, **extra))
    answer.status_code = status
    answer.mimetype = MEDIA_TYPE
    answer.headers.update(headers or {})
    answer.headers["Cache-Control"] = "no-store"
    return answer


def of(exc: ApiProblem):
    return response(exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)


def unauthorized(detail: str, *, invalid: bool = False):
    """401 with the challenge of RFC 6750; `invalid`: a token was sent but is not good."""
    challenge = 'Bearer realm="tsunagu"' + (', error="invalid_token"' if invalid else "")
    return response(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})


def not_found(what: str = "No such resource in this office.") -> ApiProblem:
    return ApiProblem(404, "not-found", what)
