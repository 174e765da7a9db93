"""The staff's second factor: a TOTP secret confirmed by a first code, and one-time recovery codes for a lost phone."""

import time

import pyotp
import segno
from sqlalchemy import delete, func, select

from kabinet import audit, codes
from kabinet.clock import utcnow
from kabinet.extensions import db
from kabinet.limits import check_secret
from kabinet.models import RecoveryCode, User
from kabinet.organizations import current_organization

RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 10
DIGITS = 6


def is_enabled(user: User) -> bool:
    return user.totp_enabled_at is not None


def draft_secret(user: User) -> str:
    """The secret being set up: kept on the user, unused until a first code confirms it."""
    if is_enabled(user):
        raise ValueError("the second factor is already on")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
    return user.totp_secret


def qr_code(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as a data: URI (the CSP allows data: images, not inline scripts)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=current_organization().name)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def _step_of(secret: str, typed: str) -> int | None:
    """The time step whose code was typed, or None. One step either side: a phone's clock a few seconds off, or a
    code typed as it turns."""
    typed = "".join(typed.split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    totp, now = pyotp.TOTP(secret), time.time()  # a Unix time: pyotp reads a naive datetime as local time
    current = totp.timecode(now)
    return next((current + shift for shift in (-1, 0, 1) if totp.at(now, counter_offset=shift) == typed), None)


def _limited(user: User, check) -> bool:
    """Every check of a code goes through the one secret limiter (raises kabinet.limits.TooManyAttempts)."""
    return check_secret("totp", f"user:{user.id}", check)


def enable(user: User, typed: str) -> list[str] | None:
    """Turn the second factor on if the code fits the draft secret; the recovery codes to show once, or None."""
    if is_enabled(user) or not user.totp_secret:
        return None
    steps = []  # the one time step the code fits, found by the check the limiter lets run

    def fits() -> bool:
        steps.append(_step_of(user.totp_secret, typed))
        return steps[0] is not None

    if not _limited(user, fits):
        return None
    user.totp_enabled_at, user.totp_last_step = utcnow(), steps[0]
    recovery = _new_recovery_codes(user)
    audit.record("totp.enabled", target=user, user=user)
    db.session.commit()
    return recovery


def reset(user: User, *, by: User) -> None:
    """The admin turns off the second factor of a staff user who lost both the phone and the recovery codes; they set
    it up again at their next visit (and must, where the organization requires it)."""
    _turn_off(user)
    audit.record("totp.reset", target=user, details=user.login, user=by)
    db.session.commit()


def _turn_off(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, typed: str) -> bool:
    """Turn the second factor off, proven by a current code (or a recovery code)."""
    if not is_enabled(user) or not verify(user, typed):
        return False
    _turn_off(user)
    audit.record("totp.disabled", target=user, user=user)
    db.session.commit()
    return True


def verify(user: User, typed: str) -> bool:
    """Whether the typed code is the app's current one or an unused recovery code (spent by this call)."""
    return is_enabled(user) and _limited(user, lambda: _verify(user, typed))


def _verify(user: User, typed: str) -> bool:
    step = _step_of(user.totp_secret, typed)
    if step is not None:
        # A code works once: one overheard or shoulder-surfed is no good a second time within its 90 seconds.
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False
        user.totp_last_step = step
        return True
    spare = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == codes.digest(typed),
        )
    )
    if spare is None:
        return False
    spare.used_at = utcnow()
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; only their digests are kept, so these are shown now or never."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    fresh = [codes.new_code(RECOVERY_CODE_LENGTH) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=codes.digest(code)) for code in fresh)
    half = RECOVERY_CODE_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in fresh]
