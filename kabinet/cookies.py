"""The signed session cookie, read with less work: the same cookie, signature, lifetime and answers as Flask's own.

A browser sends the same session cookie with every page until the session changes, and Flask checks its signature
anew each time (the serializer built again, the HMAC, base64, the timestamp and the JSON: ~300 Python calls of a
logged-in page). Here the serializer is built once per app and a cookie that passed the check is kept with its
contents and the time it was signed, so the next request with the very same cookie only checks its age.
"""

import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

KEPT = 4096  # cookies remembered per app (a few per logged-in browser); then it starts afresh
PLAIN = (str, int, float, bool, type(None))


class KeptCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the serializer built once per app and verified cookies kept."""

    def get_signing_serializer(self, app: Flask):
        """Flask's serializer for the app's keys, built once: the keys do not change while the app runs."""
        if not app.secret_key:
            return None
        kept = app.extensions.setdefault("kabinet_session_serializer", {})
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in kept:
            kept.clear()
            kept[keys] = super().get_signing_serializer(app)
        return kept[keys]

    def open_session(self, app: Flask, request):
        """The session a cookie holds: from the kept cookies while it is the very string checked before and not
        older than the session's lifetime, else checked as Flask checks it."""
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        kept = app.extensions.setdefault("kabinet_sessions", {})
        max_age = int(app.permanent_session_lifetime.total_seconds())
        found = kept.get(value)
        if found is not None:
            signed_at, data = found
            if 0 <= int(time.time()) - signed_at <= max_age:  # itsdangerous' own rule for an expired signature
                return self.session_class(data)
            del kept[value]
        try:
            data, signed_at = self.get_signing_serializer(app).loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        # Only a flat session is kept: the session object copies the top level, and a nested dict changed in place
        # would otherwise change the kept one too.
        if isinstance(data, dict) and all(isinstance(item, PLAIN) for item in data.values()):
            if len(kept) >= KEPT:
                kept.clear()
            kept[value] = (int(signed_at.timestamp()), data)
        return self.session_class(data)
