"""Login and logout."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from kabinet import audit, messages, passwords
from kabinet.auth import services, totp
from kabinet.auth.forms import LoginForm, LogoutForm, PasswordCheckForm, SecondFactorForm
from kabinet.extensions import db, limiter
from kabinet.limits import per_address, per_login
from kabinet.messages import notify
from kabinet.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@per_address("RATELIMIT_LOGIN")
@per_login("RATELIMIT_LOGIN_PER_ACCOUNT", deduct_when=lambda response: response.status_code != 302)  # failures only
def login():
    """Log a tenant in by login or e-mail and send them where they were going."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.home" if current_user.is_staff else "cabinet.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            audit.record(audit.LOGIN_FAILED, actor=form.login.data)
            db.session.commit()
            notify(messages.LOGIN_FAILED)
        elif user.blocked_at is not None:
            notify(messages.ACCOUNT_BLOCKED)
        elif not user.is_confirmed:
            notify(messages.NOT_CONFIRMED)
            return render_template("auth/login.html", form=form, unconfirmed=user.login)
        elif totp.is_enabled(user):
            session.clear()
            services.await_second_factor(session, user, remember=form.remember.data, next_url=form.next.data or "")
            return redirect(url_for("auth.second_factor"))
        else:
            return _log_in(user, remember=form.remember.data, next_url=form.next.data)
    return render_template("auth/login.html", form=form, unconfirmed=None)


def _log_in(user, *, remember: bool, next_url: str):
    """Start the user's session and send them on: staff to the back office, tenants where they were going."""
    session.clear()  # a fresh cookie for a fresh login: nothing from before carries over
    record = services.start_session(
        user, remember=remember, ip=request.remote_addr or "", user_agent=request.user_agent.string
    )
    login_user(user, remember=record.remember)
    audit.record(audit.LOGIN, user=user)
    db.session.commit()
    if user.is_staff and not next_url:
        return redirect(url_for("staff.home"))
    return redirect(safe_next(next_url))


def _pending_user_key() -> str:
    """The rate limit's key on the second step: the user whose password was right, whatever the address."""
    pending = session.get("second_factor")
    return f"second-factor:{pending.get('u') if isinstance(pending, dict) else request.remote_addr}"


@bp.route("/second-factor", methods=["GET", "POST"])
@per_address("RATELIMIT_LOGIN")
@limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_PER_ACCOUNT"],
    key_func=_pending_user_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,  # failures only
)
def second_factor():
    """The login's second step: the code from the authenticator app (or a recovery code) after the password."""
    pending = services.awaiting_second_factor(session)
    if pending is None:
        session.pop("second_factor", None)
        notify(messages.SECOND_FACTOR_EXPIRED)
        return redirect(url_for("auth.login"))
    user, remember, next_url = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        if totp.verify(user, form.code.data):
            return _log_in(user, remember=remember, next_url=next_url)
        audit.record("login_second_factor_failed", user=user)
        db.session.commit()
        form.code.errors.append(str(messages.TOTP_CODE_WRONG.text))
    return render_template("auth/second_factor.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session on the server, so that copies of its cookies are refused too."""
    form = LogoutForm()
    if form.validate_on_submit():
        audit.record(audit.LOGOUT)
        services.end_session(current_user.current_session)
        logout_user()
        notify(messages.LOGGED_OUT)
    return redirect(url_for("auth.login"))


@bp.route("/password-check", methods=["POST"])
@limiter.limit("60/minute")
def password_check():
    """The live strength indicator asks the same rules the server applies on submit."""
    form = PasswordCheckForm()
    if not form.validate_on_submit():
        return jsonify(score=0, problems=[]), 400
    if current_user.is_authenticated:  # the profile's form has no login or name fields: the user has them
        user = current_user
        login, email, names = user.login, user.email, (user.first_name, user.middle_name, user.last_name)
    else:
        login, email = form.login.data or "", form.email.data or ""
        names = (form.first_name.data or "", form.middle_name.data or "", form.last_name.data or "")
    min_length = passwords.min_length_for(current_user) if current_user.is_authenticated else None
    verdict = passwords.check(form.password.data or "", login=login, email=email, names=names, min_length=min_length)
    return jsonify(score=verdict.score, problems=verdict.problems)
