"""Login and logout."""

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from kabinet import audit, messages, passwords
from kabinet.auth import services
from kabinet.auth.forms import LoginForm, LogoutForm, PasswordCheckForm
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
        else:
            session.clear()  # a fresh cookie for a fresh login: nothing from before carries over
            record = services.start_session(
                user,
                remember=form.remember.data,
                ip=request.remote_addr or "",
                user_agent=request.user_agent.string,
            )
            login_user(user, remember=record.remember)
            audit.record(audit.LOGIN, user=user)
            db.session.commit()
            if user.is_staff and not form.next.data:
                return redirect(url_for("staff.home"))
            return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form, unconfirmed=None)


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
    verdict = passwords.check(form.password.data or "", login=login, email=email, names=names)
    return jsonify(score=verdict.score, problems=verdict.problems)
