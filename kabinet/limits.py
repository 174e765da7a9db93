"""Rate limits on the forms a guesser or a bot would hammer, per address and per login, set in the config."""

from flask import current_app, request

from kabinet.auth.services import find_user
from kabinet.extensions import limiter


def submitted_login() -> str:
    """Whom a POST is about: the user its login or e-mail names (one counter, whichever is typed), or the text."""
    typed = request.form.get("login", "").strip().lower()[:254]
    user = find_user(typed)
    return f"user:{user.id}" if user else f"login:{typed}"


def per_address(setting: str):
    """Limit the POSTs from one address to the config's `setting` (e.g. "5/minute;20/hour")."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def per_login(setting: str, **options):
    """Limit the POSTs about one login, from whatever addresses they come."""
    return limiter.limit(lambda: current_app.config[setting], key_func=submitted_login, methods=["POST"], **options)
