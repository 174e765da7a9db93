"""The security baseline: who is logged in, and the headers every answer carries."""

from flask import Flask
from flask_login import current_user

from kabinet.extensions import login_manager
from kabinet.messages import N_

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action {form_action}; base-uri 'self'; object-src 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def init_app(app: Flask) -> None:
    from flask_babel import gettext

    login_manager.login_view = "auth.login"
    # Flask-Login keeps the message in the session cookie, so it is the plain msgid, translated when flashed.
    login_manager.login_message = N_("Войдите в личный кабинет, чтобы открыть эту страницу.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"

    csp = CSP.format(form_action=" ".join(["'self'", *app.config["FORM_ACTION_ORIGINS"]]))
    # Lower-cased once: each answer only asks which of them a view has set already (a header's name is
    # case-insensitive), instead of a lookup by name for each.
    headers = {"Content-Security-Policy": csp, **HEADERS}
    if app.config["SESSION_COOKIE_SECURE"]:  # served over HTTPS: browsers are to come back over HTTPS only
        headers["Strict-Transport-Security"] = "max-age=31536000"
    defaults = [(name.lower(), name, value) for name, value in headers.items()]

    @app.after_request
    def _headers(response):
        present = {name.lower() for name, _ in response.headers}
        response.headers.extend([(name, value) for key, name, value in defaults if key not in present])
        if response.mimetype == "text/html" and current_user.is_authenticated:
            # A tenant's pages must not come back from the browser's cache after logout on a shared computer.
            response.headers["Cache-Control"] = "no-store"
        return response
