"""Sign in and register through a social network or an OpenID Connect provider.

The app factory calls init_app(app) (the Authlib clients, the buttons' list, the origins the CSP's form-action must
allow: FORM_ACTION_ORIGINS) and registers the "social" blueprint; the profile page shows profile_section(user).
"""

from flask import Flask

from kabinet.social import providers


def init_app(app: Flask) -> None:
    """Register the configured providers' clients and what the templates need to show their buttons."""
    providers.init_app(app)
    # A login button's form is answered by a redirect to the provider: kabinet.security's CSP must allow where it goes.
    app.config["FORM_ACTION_ORIGINS"] = providers.authorization_origins(app)
    buttons = [(name, entry["title"]) for name, entry in app.extensions[providers.EXTENSION]["providers"].items()]

    @app.context_processor
    def _social_buttons():
        return {"social_providers": buttons}


def profile_section(user) -> dict:
    """What the profile's "Вход через соцсети" section shows: the linked identities, the buttons, a first password."""
    from kabinet.social import services
    from kabinet.social.forms import ButtonForm, FirstPasswordForm

    linked = services.identities(user)
    titles = {name: entry["title"] for name, entry in providers.configured().items()}
    return {
        "shown": not user.is_staff and bool(titles or linked),
        "identities": [(identity, titles.get(identity.provider, identity.provider)) for identity in linked],
        "can_unlink": {identity.id: services.can_unlink(user, identity) for identity in linked},
        "providers": titles,
        "has_password": services.has_password(user),
        "button": ButtonForm(formdata=None),
        "first_password": FirstPasswordForm(user, formdata=None, prefix="first"),
    }
