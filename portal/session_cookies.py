"""The session cookie: Flask's signed cookie, with two rules of ours.

- The API answers to bearer tokens only: its responses set no session cookie.
- A cookie once verified is remembered with the time it was signed. The home page's poll
  sends the same cookie every second; building the serializer, checking the HMAC and
  decoding the payload again was a sixth of what an unchanged poll cost (about 65 of
  410 µs, in process). A remembered cookie is still refused once older
  than the session's lifetime, and only a cookie that passed the full check is remembered:
  the memo holds exactly the answers the check would give again.
"""
import copy
import time

from flask import request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

VERIFIED_KEEP = 4096  # cookies remembered per process; all are forgotten when it is full


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._verified: dict[str, tuple[float, dict]] = {}
        self._keys: tuple = ()

    def open_session(self, app, req):
        val = req.cookies.get(self.get_cookie_name(app))
        if not val or not app.secret_key:
            return super().open_session(app, req)
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys != self._keys:  # another key: what it verified proves nothing now
            self._verified, self._keys = {}, keys
        max_age = int(app.permanent_session_lifetime.total_seconds())  # as Flask reads it
        known = self._verified.get(val)
        if known is None:
            try:
                data, signed = self.get_signing_serializer(app).loads(
                    val, max_age=max_age, return_timestamp=True)
            except BadSignature:  # also an expired one (SignatureExpired)
                return self.session_class()
            if len(self._verified) >= VERIFIED_KEEP:
                self._verified = {}
            known = self._verified[val] = (signed.timestamp(), data)
        elif not 0 <= time.time() - known[0] <= max_age:
            return self.session_class()
        # A copy: the request may change its session (flash appends to a list in place).
        return self.session_class(copy.deepcopy(known[1]))

    def save_session(self, app, session, response) -> None:
        if request.blueprint == "api":
            return
        super().save_session(app, session, response)
