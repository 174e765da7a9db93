"""Login and logout."""

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from kabinet import audit, messages, passwords
from kabinet.auth import services, totp
from kabinet.auth.forms import LoginForm, LogoutForm, PasswordCheckForm, SecondFactorForm
from kabinet.auth.services import Admission
from kabinet.extensions import db, limiter, login_manager
from kabinet.limits import TooManyAttempts, per_address
from kabinet.messages import notify
from kabinet.staff.access import landing
from kabinet.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.record_once
def _sessions_name_users(state):
    """The login cookie carries a session record's id; Flask-Login finds its user through the record."""
    login_manager.user_loader(services.user_for_session)


@bp.route("/login", methods=["GET", "POST"])
@per_address("RATELIMIT_LOGIN")
def login():
    """Log a tenant in by login or e-mail and send them where they were going."""
    if current_user.is_authenticated:
        return redirect(url_for(landing(current_user) if current_user.is_staff else "cabinet.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        return _login_page(form)
    try:
        user = services.authenticate(form.login.data, form.password.data)
    except TooManyAttempts as refused:
        form.too_many(form.password, refused)
        return _login_page(form)
    if user is None:
        notify(messages.LOGIN_FAILED)
        return _login_page(form)
    admission = services.admission(user)
    if admission is Admission.BLOCKED:
        notify(messages.ACCOUNT_BLOCKED)
    elif admission is Admission.UNCONFIRMED:
        notify(messages.NOT_CONFIRMED)
        return _login_page(form, unconfirmed=user.login)
    elif admission is Admission.SECOND_FACTOR:
        services.await_second_factor(user, remember=form.remember.data, next_url=form.next.data or "")
        return redirect(url_for("auth.second_factor"))
    else:
        return _log_in(user, remember=form.remember.data, next_url=form.next.data)
    return _login_page(form)


def _login_page(form, *, unconfirmed=None):
    return render_template("auth/login.html", form=form, unconfirmed=unconfirmed), form.http_status


def _log_in(user, *, remember: bool, next_url: str):
    """Start the user's session and send them on: staff to the back office, tenants where they were going."""
    services.log_in(user, remember=remember)
    if user.is_staff and not next_url:
        return redirect(url_for(landing(user)))
    return redirect(safe_next(next_url))


@bp.route("/second-factor", methods=["GET", "POST"])
@per_address("RATELIMIT_LOGIN")
def second_factor():
    """The login's second step: the code from the authenticator app (or a recovery code) after the password."""
    pending = services.awaiting_second_factor()
    if pending is None:
        session.pop("second_factor", None)
        notify(messages.SECOND_FACTOR_EXPIRED)
        return redirect(url_for("auth.login"))
    user, remember, next_url = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            if totp.verify(user, form.code.data):
                return _log_in(user, remember=remember, next_url=next_url)
        except TooManyAttempts as refused:
            form.too_many(form.code, refused)
        else:
            audit.record("login_second_factor_failed", user=user)
            db.session.commit()
            form.code.errors.append(str(messages.TOTP_CODE_WRONG.text))
    return render_template("auth/second_factor.html", form=form), form.http_status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session on the server, so that copies of its cookies are refused too."""
    form = LogoutForm()
    if form.validate_on_submit():
        audit.record(audit.LOGOUT)
        services.end_session(current_user.current_session)
        session.clear()  # nothing of this person's stays in the browser: drafts, a password-reset grant
        logout_user()  # after the clearing: it leaves the note that the "remember me" cookie goes too
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
