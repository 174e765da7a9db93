"""Sign in, register and link through a social network or an OpenID Connect provider ("Войти через соцсеть")."""

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from kabinet import messages, tokens
from kabinet.auth import services as auth
from kabinet.limits import per_address
from kabinet.messages import notify
from kabinet.registration.services import REGISTRATION_FIELDS, Taken
from kabinet.social import providers, services
from kabinet.social.forms import ButtonForm, FirstPasswordForm, SocialRegistrationForm
from kabinet.urls import external_url

bp = Blueprint("social", __name__, url_prefix="/social")
LINK_KEY = "social_link"  # the user who asked to link (their state's fingerprint), between the button and the callback


def _known(name: str) -> str:
    if name not in providers.configured():
        abort(404)
    return name


@bp.route("/<name>/login", methods=["POST"])
@per_address("RATELIMIT_LOGIN")
def login(name):
    """Send the browser to the provider (state, nonce and PKCE kept in the session); ?link=1 links to the profile."""
    _known(name)
    if not ButtonForm().validate_on_submit():
        notify(messages.FORM_EXPIRED)
        return redirect(url_for("auth.login"))
    session.pop(LINK_KEY, None)
    if request.args.get("link") == "1" and current_user.is_authenticated:
        session[LINK_KEY] = tokens.user_state(current_user)
    return providers.authorize_redirect(name, external_url("social.callback", name=name))


@bp.route("/<name>/callback")
def callback(name):
    """The provider's answer: log in a known identity, link a new one, or start registering a new person."""
    title = providers.title(_known(name))
    try:
        profile = providers.fetch_profile(name)
    except providers.Denied:
        return _back_to_login(messages.SOCIAL_DENIED, title)
    except providers.StateLost:
        return _back_to_login(messages.SOCIAL_STATE_LOST, title)
    except providers.Failed:
        return _back_to_login(messages.SOCIAL_FAILED, title)
    linking = session.pop(LINK_KEY, None)
    if current_user.is_authenticated:
        # An answer nobody asked for from this session, or asked for before a change of password, e-mail, block or
        # role: link nothing.
        if linking != tokens.user_state(current_user):
            if linking is not None:  # asked for, but the password, e-mail, block or role changed since
                notify(messages.SOCIAL_LINK_STALE, provider=title)
            return redirect(url_for("cabinet.home"))
        notify(services.link(current_user, profile), provider=title)
        return redirect(url_for("profile.index"))
    try:
        user = services.user_for_login(profile)
        if user is None:
            services.start_signup(session, profile)
            return redirect(url_for("social.register"))
    except services.Refused as refused:
        return _back_to_login(refused.message, title)
    return _log_in(user, name)


def _back_to_login(message, title):
    notify(message, provider=title)
    return redirect(url_for("auth.login"))


def _log_in(user, name, welcome=None):
    """Start the user's session as the password login does; the audit log notes the provider."""
    auth.log_in(user, remember=False, how=f"provider: {name}")
    if welcome:
        notify(welcome)
    return redirect(url_for("cabinet.home"))


@bp.route("/register", methods=["GET", "POST"])
@per_address("RATELIMIT_REGISTRATION")
def register():
    """A new person's account, prefilled from the provider: the phone and the agreement are asked."""
    profile = services.pending_signup(session)
    if profile is None or current_user.is_authenticated:
        notify(messages.SOCIAL_SIGNUP_EXPIRED)
        return redirect(url_for("auth.login"))
    form = SocialRegistrationForm(data=services.suggested(profile))
    if form.validate_on_submit():
        fields = {key: form[key].data for key in REGISTRATION_FIELDS if key not in ("password",)}
        try:
            user = services.register(profile, language=str(get_locale()), **fields)
        except Taken:
            form.login.errors.append(str(messages.REGISTRATION_TAKEN.text))
        else:
            session.pop(services.SIGNUP_KEY, None)
            if not user.is_confirmed:
                return redirect(url_for("registration.sent"))
            return _log_in(user, profile.provider, welcome=messages.SOCIAL_REGISTERED)
    return render_template("social/register.html", form=form, profile=profile, title=providers.title(profile.provider))


@bp.route("/identities/<int:identity_id>/unlink", methods=["POST"])
@login_required
def unlink(identity_id):
    """Unlink one of the user's identities, unless it is their last way to log in."""
    if ButtonForm().validate_on_submit():
        notify(services.unlink(current_user, identity_id))
    return redirect(url_for("profile.index"))


@bp.route("/password", methods=["POST"])
@login_required
def set_password():
    """A first password for a user who registered through a provider."""
    user = current_user._get_current_object()
    if services.has_password(user):
        abort(404)
    form = FirstPasswordForm(user, prefix="first")
    if form.validate_on_submit():
        services.set_first_password(user, form.password.data)
        notify(messages.SOCIAL_PASSWORD_SET)
    else:
        for error in form.password.errors + form.password_confirm.errors:
            notify(messages.Message(error, "danger"))
    return redirect(url_for("profile.index"))
