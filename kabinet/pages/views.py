"""Public pages: the home page, the user agreement, the language switch."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

from kabinet.auth.forms import LoginForm
from kabinet.language import keep_language, known
from kabinet.organizations import current_organization
from kabinet.pages import services
from kabinet.pages.forms import LanguageForm
from kabinet.urls import safe_next

bp = Blueprint("pages", __name__)

YEAR = 365 * 24 * 3600


@bp.route("/")
def index():
    """The public home page: the login form, what a tenant can do after logging in, and how many already do."""
    if current_user.is_authenticated:
        return redirect(url_for("cabinet.home"))
    return render_template("pages/index.html", form=LoginForm(), counters=services.counters())


@bp.route("/agreement")
def agreement():
    """The user agreement: the organization's own text, else AGREEMENT_FILE's, else the bundled one."""
    return render_template("pages/agreement.html", custom_text=services.agreement_text(current_organization()))


@bp.route("/language", methods=["POST"])
def language():
    """Remember the chosen language (for a year in the browser, and for good in a logged-in user's profile) and
    return to the page."""
    form = LanguageForm()
    response = redirect(safe_next(form.next.data))
    if form.validate_on_submit() and known(form.lang.data):
        if current_user.is_authenticated:
            keep_language(current_user, form.lang.data)
        response.set_cookie(
            "lang",
            form.lang.data,
            max_age=YEAR,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
