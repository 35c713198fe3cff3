"""The per-app bundle every view reaches through `sandbox()`."""

from __future__ import annotations

from flask import Flask, abort, current_app, request

from .faults import FaultBoard
from .oauth_server import BankAuthorizationServer
from .ratelimit import RateLimiter
from .store import State


class Sandbox:
    def __init__(self, app: Flask, config: dict):
        self.config = config
        self.state = State(config)
        self.faults = FaultBoard()
        self.limiter = RateLimiter()
        self.servers = {
            code: BankAuthorizationServer(app, self.state, code, self.issuer)
            for code in self.state.profiles
        }

    def base_url(self) -> str:
        return (self.config.get("PUBLIC_URL") or request.url_root).rstrip("/")

    def issuer(self, code: str) -> str:
        return f"{self.base_url()}/banks/{code}"


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]


def bank_or_404(code: str):
    profile = sandbox().state.profile(code)
    if profile is None:
        abort(404)
    return profile
