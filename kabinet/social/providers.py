"""The configured providers: their known endpoints, the Authlib client of each, and who the provider says signed in.

OpenID Connect providers (Google, a company's Keycloak...) are found by their discovery URL and answer with a signed
ID token, which Authlib checks (signature, issuer, audience, expiry, nonce). VK ID, Yandex ID and Mail.ru are OAuth 2
with their own user APIs: their endpoints and the fields of their answers are written down here.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request
from joserfc.errors import JoseError
from requests import RequestException

EXTENSION = "kabinet_social"
OIDC_SCOPE = "openid email profile"

# Known providers. "userinfo" says where the person's profile is, how the access token goes there (a Bearer header,
# a query or a form parameter), which object of the answer holds the fields, and the fields' names.
PRESETS = {
    "google": {
        "title": "Google",
        "discovery_url": "https://accounts.google.com/.well-known/openid-configuration",
    },
    "yandex": {
        "title": "Яндекс ID",
        "authorize_url": "https://oauth.yandex.ru/authorize",
        "token_url": "https://oauth.yandex.ru/token",
        "scope": "login:email login:info",
        "userinfo": {
            "url": "https://login.yandex.ru/info?format=json",
            "token_in": ("query", "oauth_token"),
            "fields": {"sub": "id", "email": "default_email", "given_name": "first_name", "family_name": "last_name"},
        },
    },
    "mailru": {
        "title": "Mail.ru",
        "authorize_url": "https://oauth.mail.ru/login",
        "token_url": "https://oauth.mail.ru/token",
        "scope": "userinfo",
        "userinfo": {
            "url": "https://oauth.mail.ru/userinfo",
            "token_in": ("query", "access_token"),
            "fields": {"sub": "id", "email": "email", "given_name": "first_name", "family_name": "last_name"},
        },
    },
    "vk": {
        "title": "VK ID",
        "authorize_url": "https://id.vk.com/authorize",
        "token_url": "https://id.vk.com/oauth2/auth",
        "scope": "email",
        "callback_params": ("device_id",),  # VK ID wants the device_id of the callback back at its token endpoint
        "userinfo": {
            "url": "https://id.vk.com/oauth2/user_info",
            "method": "POST",
            "token_in": ("form", "access_token"),
            "with_client_id": True,
            "root": "user",
            "fields": {"sub": "user_id", "email": "email", "given_name": "first_name", "family_name": "last_name"},
        },
    },
}


@dataclass(frozen=True)
class Profile:
    """Who signed in at the provider, as it says: its stable id of the person and what it tells about them."""

    provider: str
    subject: str
    email: str = ""
    email_verified: bool = False
    first_name: str = ""
    last_name: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Denied(Exception):
    """The person cancelled at the provider, or the provider refused."""


class StateLost(Exception):
    """The callback's state is not one this browser started: a forged link, or a session that ended meanwhile."""


class Failed(Exception):
    """The provider's answer did not pass the checks, or the provider could not be reached."""


def settings(app: Flask) -> dict[str, dict]:
    """Each configured provider's settings: its known endpoints overlaid with the configuration."""
    merged = {}
    for name, configured in app.config.get("SOCIAL_PROVIDERS", {}).items():
        entry = {**PRESETS.get(name, {}), **{key: value for key, value in configured.items() if value}}
        entry.setdefault("title", name.capitalize())
        missing = [key for key in ("client_id", "client_secret") if not entry.get(key)]
        if not entry.get("discovery_url") and not entry.get("authorize_url"):
            missing.append("discovery_url")
        if missing:
            names = ", ".join(f"OIDC_{name.upper()}_{key.upper()}" for key in missing)
            raise RuntimeError(f"Social login {name!r} is half-configured: set {names}.")
        merged[name] = entry
    return merged


def init_app(app: Flask) -> None:
    """Register an Authlib client per configured provider, on a registry of this app's own."""
    oauth = OAuth(app)
    providers = settings(app)
    for name, entry in providers.items():
        kwargs = {"client_id": entry["client_id"], "client_secret": entry["client_secret"]}
        if entry.get("discovery_url"):
            kwargs["server_metadata_url"] = entry["discovery_url"]
        else:
            kwargs.update(authorize_url=entry["authorize_url"], access_token_url=entry["token_url"])
        scope = entry.get("scope", OIDC_SCOPE)
        oauth.register(name, client_kwargs={"scope": scope, "code_challenge_method": "S256"}, **kwargs)
    app.extensions[EXTENSION] = {"oauth": oauth, "providers": providers}


def configured() -> dict[str, dict]:
    """The providers of the running app, by name."""
    return current_app.extensions[EXTENSION]["providers"]


def title(name: str) -> str:
    return configured()[name]["title"]


def authorization_origins(app: Flask) -> list[str]:
    """Where the login buttons' forms end up (the CSP's form-action must allow their redirect)."""
    origins = []
    for entry in app.extensions[EXTENSION]["providers"].values():
        parts = urlsplit(entry.get("authorize_url") or entry["discovery_url"])
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def _client(name: str):
    return current_app.extensions[EXTENSION]["oauth"].create_client(name)


def authorize_redirect(name: str, redirect_uri: str):
    """The redirect to the provider; Authlib keeps the state, the nonce and the PKCE verifier in the session."""
    return _client(name).authorize_redirect(redirect_uri)


def fetch_profile(name: str) -> Profile:
    """Finish the code flow at the callback and say who signed in; raises Denied, StateLost or Failed."""
    client, entry = _client(name), configured()[name]
    if request.args.get("error"):
        raise Denied(request.args["error"])
    extra = {key: request.args[key] for key in entry.get("callback_params", ()) if key in request.args}
    try:
        if "userinfo" not in entry:
            extra["claims_options"] = _id_token_checks(client)
        token = client.authorize_access_token(**extra)
        claims = _openid_claims(client, token) if "userinfo" not in entry else _api_claims(client, entry, token)
    except MismatchingStateError as exc:
        raise StateLost from exc
    except OAuthError as exc:
        raise (Denied if exc.error == "access_denied" else Failed)(str(exc)) from exc
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError, TypeError) as exc:
        raise Failed(repr(exc)) from exc
    subject = str(claims.get("sub") or "")
    if not subject:
        raise Failed("no subject")
    return Profile(
        provider=name,
        subject=subject,
        email=str(claims.get("email") or "").strip(),
        email_verified=claims.get("email_verified") is True,
        first_name=str(claims.get("given_name") or "").strip()[:64],
        last_name=str(claims.get("family_name") or "").strip()[:64],
    )


def _id_token_checks(client) -> dict:
    """The ID token must come from the issuer of the discovery document and be meant for this client.

    Authlib's default checks the issuer only: an ID token issued to another client of the same provider (a wrong
    "aud" with our id as "azp") would pass without the audience named here.
    """
    issuer = client.load_server_metadata().get("issuer")
    if not issuer:
        raise Failed("no issuer in the discovery document")
    return {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client.client_id}}


def _openid_claims(client, token) -> dict:
    """The checked ID token's claims; completed from the userinfo endpoint when it lacks the e-mail."""
    claims = token.get("userinfo")
    if claims is None:  # Authlib checks the ID token only when there is one: an OpenID provider must send it
        raise Failed("no ID token")
    claims = dict(claims)
    endpoint = client.load_server_metadata().get("userinfo_endpoint")
    if not claims.get("email") and endpoint:
        more = client.get(endpoint, token=token)
        more.raise_for_status()
        extra = more.json()
        if str(extra.get("sub")) == str(claims["sub"]):  # OIDC Core 5.3.2: another sub must not be used
            claims = {**extra, **claims}
    return claims


def _api_claims(client, entry, token) -> dict:
    """The profile from an OAuth 2 provider's own user API, renamed to the OpenID claims."""
    spec = entry["userinfo"]
    where, param = spec.get("token_in", ("header", ""))
    options = {"withhold_token": where != "header", "token": token}
    values = {param: token["access_token"]} if where != "header" else {}
    if spec.get("with_client_id"):
        values["client_id"] = entry["client_id"]
    if where == "form" or spec.get("method") == "POST":
        options["data"] = values
    else:
        options["params"] = values
    answer = client.request(spec.get("method", "GET"), spec["url"], **options)
    answer.raise_for_status()
    data = answer.json()
    if spec.get("root"):
        data = data[spec["root"]]
    return {claim: data.get(field) for claim, field in spec["fields"].items()}
