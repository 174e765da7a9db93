"""Signed tokens for e-mailed links: one serializer, a salt per purpose, expiry told apart from forgery."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Invalid(Exception):
    """The token was altered, made for another purpose, or never ours."""


class Expired(Invalid):
    """The token is genuine but older than it may be."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kabinet.{purpose}")


def dump(purpose: str, payload) -> str:
    """Sign payload for one purpose; a token of one purpose is worthless for another."""
    return _serializer(purpose).dumps(payload)


def load(purpose: str, token: str, max_age: int):
    """The payload of a token younger than max_age seconds; raises Expired or Invalid."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Expired(purpose) from exc
    except BadSignature as exc:
        raise Invalid(purpose) from exc
