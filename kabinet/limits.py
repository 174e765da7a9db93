"""Rate limits: the volume of POSTs from one address or to one mailbox, how often a tenant files something, and the
one limiter every check of a secret goes through (passwords, code words, confirmation codes, TOTP and recovery codes,
control strings). All of them count in Flask-Limiter's storage (RATELIMIT_STORAGE_URI), shared by every app server,
and count an IPv6 visitor by their /64 (kabinet.extensions.client_address).

The secret limiter keeps two counters (limits from the config, in Flask-Limiter's notation):

- RATELIMIT_SECRET: attempts at one subject (a login as typed, an account) from one address, or from one browser the
  user has logged in from before (a signed device cookie); counted before the secret is checked, so that requests
  sent at once cannot slip past it together, and cleared by a success;
- RATELIMIT_SECRET_PER_SUBJECT: failures for the subject from every address together, slower. It holds back the
  addresses that have failed since their last success, never a browser the user logged in from before, so strangers'
  guesses cannot lock the owner out. For a second-factor code it holds back every address but the user's browsers:
  whoever types one already has the password.

A refused check does not look at the secret, so the answer says nothing about whether it was right; unknown logins
are counted like known ones.
"""

import secrets
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import Flask, Response, after_this_request, current_app, has_request_context, request
from flask_babel import format_timedelta
from flask_login import current_user
from limits import RateLimitItem, parse_many

from kabinet import audit, messages, tokens
from kabinet.clock import steady
from kabinet.extensions import client_address, db, limiter

STRICT = {"totp"}  # kinds whose subject-wide limit holds back every address but the user's own browsers
DEVICE_KEPT_FOR = timedelta(days=365)


class TooManyAttempts(Exception):
    """A check of a secret refused before it was made: too many failures; `wait` says until when, in words."""

    def __init__(self, wait: str):
        super().__init__(wait)
        self.wait = wait

    @property
    def message(self) -> str:
        return str(messages.TOO_MANY_ATTEMPTS.text) % {"wait": self.wait}


def wait_words(until: float) -> str:
    """How long until a moment (a Unix time), in the page's language: «через 42 минуты»."""
    return format_timedelta(timedelta(seconds=max(until - time.time(), 1)), add_direction=True)


def per_address(setting: str):
    """Limit the POSTs from one address to the config's `setting` (e.g. "5/minute;20/hour")."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def per_recipient(setting: str, recipient: Callable[[], str], answer: Callable[[], Response] | None = None):
    """Limit the POSTs that e-mail one mailbox, from whatever addresses they come: nobody is mail-bombed through us.
    `recipient()` names the mailbox from the request (unknown logins by what was typed, so they look the same).

    `answer()`, when given, is what a refused POST gets instead of the 429 page: the answer of a sent e-mail. A
    stranger who used up the limit then learns nothing, and the owner finds the latest e-mail (still valid) in their
    mailbox: the limit cannot be turned against them."""
    return limiter.limit(
        lambda: current_app.config[setting],
        key_func=lambda: f"to:{recipient()}",
        methods=["POST"],
        on_breach=(lambda _limit: _steadily(answer)) if answer else None,
    )


def _steadily(answer: Callable[[], Response]) -> Response:
    # As slow as a sent e-mail's answer: a quick one would tell that this mailbox is the one the limit counts.
    with steady():
        return answer()


# --- the secret limiter ------------------------------------------------------------------------------------------


def check_secret(kind: str, subjects: str | Iterable[str], verify: Callable[[], bool], *, typed: str = "") -> bool:
    """Run `verify()` (the check of a typed secret of this kind) unless one of the subjects is held back, and count it
    against each. `typed` (a login or an e-mail as typed) keys the per-address counter where a subject has two names,
    so that failures under one name do not tell whether the other is the same person's. Raises TooManyAttempts
    without calling verify()."""
    subjects = [subjects] if isinstance(subjects, str) else list(subjects)
    if not current_app.config["RATELIMIT_ENABLED"]:
        return verify()
    device = _trusted_device()
    pair, whole = _limits("RATELIMIT_SECRET"), _limits("RATELIMIT_SECRET_PER_SUBJECT")
    counted = []
    for subject in subjects:
        trusted = device is not None and device[0] == subject
        client = f"device:{device[1]}" if trusted else (client_address() if has_request_context() else "")
        pair_keys = ("secret", kind, typed.strip().lower() or subject, client)
        whole_keys = None if trusted else ("secret", kind, subject)
        failed_before = _used(pair, pair_keys)
        if not all([limiter.limiter.hit(item, *pair_keys) for item in pair]):
            _refuse(kind, subject, pair, pair_keys)
        if whole_keys and (kind in STRICT or failed_before) and _held(whole, whole_keys):
            _refuse(kind, subject, whole, whole_keys)
        counted.append((pair_keys, whole_keys))
    if verify():
        for pair_keys, _ in counted:
            for item in pair:
                limiter.limiter.clear(item, *pair_keys)
        return True
    for _, whole_keys in counted:
        for item in whole if whole_keys else ():
            limiter.limiter.hit(item, *whole_keys)
    return False


def trust_this_device(user) -> None:
    """After a login: mark this browser as the user's own with a signed cookie, so that the subject-wide limit never
    holds it back (its own per-browser limit still does)."""
    config = current_app.config
    value = tokens.dump("device", {"s": f"user:{user.id}", "d": secrets.token_hex(8)})

    @after_this_request
    def _set(response):
        response.set_cookie(
            config["DEVICE_COOKIE_NAME"],
            value,
            max_age=int(DEVICE_KEPT_FOR.total_seconds()),
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


def _trusted_device() -> tuple[str, str] | None:
    """The subject ("user:5") and the browser's id that this browser's device cookie names, if it is genuine."""
    if not has_request_context():
        return None
    try:
        payload = tokens.load("device", request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"], ""),
                              int(DEVICE_KEPT_FOR.total_seconds()))  # fmt: skip
    except tokens.Invalid:
        return None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(key), str) for key in ("s", "d")):
        return None
    return payload["s"], payload["d"]


def _limits(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


def _held(items: list[RateLimitItem], keys: tuple) -> bool:
    return not all(limiter.limiter.test(item, *keys) for item in items)


def _used(items: list[RateLimitItem], keys: tuple) -> bool:
    """Whether the counter has counted anything in its windows (attempts since the last success)."""
    return any(limiter.limiter.get_window_stats(item, *keys).remaining < item.amount for item in items)


def _refuse(kind: str, subject: str, items: list[RateLimitItem], keys: tuple):
    windows = [limiter.limiter.get_window_stats(item, *keys) for item in items]
    until = max((window.reset_time for window in windows if window.remaining == 0), default=time.time())
    if has_request_context():
        audit.record(audit.RATE_LIMITED, target=request.endpoint or request.path, actor=subject, details=kind)
        db.session.commit()
    raise TooManyAttempts(wait_words(until))


# --- what tenants file -------------------------------------------------------------------------------------------


def filed_too_often() -> str | None:
    """Count this POST of a tenant's form (a dispatch request, a comment, a complaints-book entry) per login
    (RATELIMIT_SUBMISSIONS) and per address (RATELIMIT_SUBMISSIONS_PER_ADDRESS), each form on its own counters. Over a
    limit: the refusal noted in the audit log, and how long to wait in words; None while within the limits.

    The view asks before it validates, so that the tenant gets the form back (429) with what they typed and no photo
    is decoded: a Flask-Limiter decorator would refuse before the view and lose the text."""
    return counted_too_often(
        {
            "RATELIMIT_SUBMISSIONS": f"user:{current_user.id}",
            "RATELIMIT_SUBMISSIONS_PER_ADDRESS": f"address:{client_address()}",
        }
    )


def counted_too_often(counters: dict[str, str]) -> str | None:
    """Count this POST of the form on each counter ({setting: whom it counts}); over a limit: the refusal noted in
    the audit log, and how long to wait in words; None while within the limits (or with the limits off)."""
    return _form_refused(counters, count=True)


def used_up(counters: dict[str, str]) -> str | None:
    """Whether a counter of the form ({setting: whom it counts}) is used up already, counting nothing: how long to
    wait in words (the refusal noted in the audit log), None while this POST may still be counted."""
    return _form_refused(counters, count=False)


def _form_refused(counters: dict[str, str], *, count: bool) -> str | None:
    if not current_app.config["RATELIMIT_ENABLED"]:
        return None
    allows = limiter.limiter.hit if count else limiter.limiter.test
    resets = []
    for setting, who in counters.items():
        keys = ("submission", request.endpoint, who)
        for item in _limits(setting):
            if not allows(item, *keys):
                resets.append(limiter.limiter.get_window_stats(item, *keys).reset_time)
    if not resets:
        return None
    audit.record(audit.RATE_LIMITED, target=request.endpoint)
    db.session.commit()
    return wait_words(max(resets))


# --- the check before every request ------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Run Flask-Limiter's check before a request only when some limit could apply to any request (RATELIMIT_DEFAULT,
    RATELIMIT_APPLICATION, RATELIMIT_META, a blueprint's limit, the in-memory fallback). Kabinet has none of those:
    its limits decorate the views that need them, which check them themselves. Flask-Limiter's check before every
    other request (~280 Python calls) then finds nothing to count. Call after limiter.init_app(app)."""
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit not in hooks:  # RATELIMIT_ENABLED is off: Flask-Limiter installed nothing
        return
    checks = hooks.index(limiter._check_request_limit)

    def _check_request_wide_limits():
        """Flask-Limiter's own check, when a limit it would look at exists."""
        if _request_wide_limits():
            limiter._check_request_limit()

    hooks[checks] = _check_request_wide_limits


def _request_wide_limits() -> bool:
    # What Flask-Limiter's check in front of a view looks at (flask_limiter 4.1: _extension.__filter_limits and
    # _manager.resolve_limits), read from its private lists: its public properties parse the limits anew. The
    # decorated limits are checked by the decorated view itself.
    manager = limiter.limit_manager
    return bool(
        manager._application_limits
        or manager._default_limits
        or manager._blueprint_limits
        or limiter._meta_limits
        or limiter._in_memory_fallback_enabled
    )
