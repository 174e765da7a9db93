"""The local OpenID Connect provider the social-login tests run against: it must be a strict, honest provider."""

import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError
from joserfc.jwk import KeySet

from tests.oidc_provider import at_hash, running_provider, s256

REDIRECT_URI = "http://127.0.0.1:5000/social/local/callback"
IVAN = {
    "sub": "u-1",
    "email": "ivan@example.org",
    "email_verified": True,
    "given_name": "Иван",
    "family_name": "Петров",
}


@pytest.fixture
def provider():
    with running_provider() as provider:
        provider.login_as(**IVAN)
        yield provider


def authorize(provider, **overrides):
    """Send the browser to /authorize; returns (the HTTP response, the query the provider redirected back with)."""
    verifier = secrets.token_urlsafe(48)
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile",
        "state": "the-state",
        "nonce": "the-nonce",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **overrides,
    }
    params = {key: value for key, value in params.items() if value is not None}
    response = requests.get(provider.issuer + "/authorize", params=params, allow_redirects=False, timeout=5)
    query = {}
    if response.status_code == 302:
        query = {key: values[0] for key, values in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    query["verifier"] = verifier
    return response, query


def redeem(provider, code, verifier, auth="basic", **overrides):
    """POST the code to /token, authenticating the client the given way."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    basic = auth if isinstance(auth, tuple) else None
    if auth == "basic":
        basic = (provider.client_id, provider.client_secret)
    elif auth == "post":
        form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    form |= overrides
    form = {key: value for key, value in form.items() if value is not None}
    return requests.post(provider.issuer + "/token", data=form, auth=basic, timeout=5)


def code_flow(provider, **overrides):
    """A whole authorization: returns the /token JSON."""
    _, query = authorize(provider, **overrides)
    response = redeem(provider, query["code"], query["verifier"])
    assert response.status_code == 200, response.text
    return response.json()


def verified_claims(provider, id_token):
    """Check the ID token's signature against the provider's published JWKS, as a client would."""
    jwks = requests.get(provider.metadata()["jwks_uri"], timeout=5).json()
    return jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])


def test_discovery(provider):
    response = requests.get(provider.issuer + "/.well-known/openid-configuration", timeout=5)
    meta = response.json()

    assert response.status_code == 200
    assert meta["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:")
    for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert meta[endpoint].startswith(provider.issuer + "/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}
    keys = requests.get(meta["jwks_uri"], timeout=5).json()["keys"]
    assert [(key["kty"], key["alg"], key["kid"]) for key in keys] == [("RSA", "RS256", provider.key.kid)]
    assert "d" not in keys[0], "the private half must not be published"


@pytest.mark.parametrize("auth", ["basic", "post"])
def test_full_code_flow(provider, auth):
    response, query = authorize(provider)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    assert query["state"] == "the-state"

    answer = redeem(provider, query["code"], query["verifier"], auth=auth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    token = answer.json()
    assert token["token_type"] == "Bearer"

    claims = verified_claims(provider, token["id_token"]).claims
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == provider.client_id
    assert claims["nonce"] == "the-nonce"
    assert claims["iat"] <= time.time() < claims["exp"]
    assert claims["at_hash"] == at_hash(token["access_token"])
    person = IVAN | {"name": "Иван Петров"}
    assert claims.items() >= person.items()

    userinfo = requests.get(
        provider.issuer + "/userinfo", headers={"Authorization": "Bearer " + token["access_token"]}, timeout=5
    )
    assert userinfo.json() == person


def test_scopes_limit_the_claims(provider):
    token = code_flow(provider, scope="openid")

    claims = verified_claims(provider, token["id_token"]).claims
    assert claims["sub"] == "u-1"
    assert "email" not in claims and "given_name" not in claims


def test_unverified_email_is_said_so(provider):
    provider.login_as(sub="u-2", email="anna@example.org")

    claims = verified_claims(provider, code_flow(provider)["id_token"]).claims

    assert (claims["sub"], claims["email"], claims["email_verified"]) == ("u-2", "anna@example.org", False)


@pytest.mark.parametrize(
    "verifier",
    [pytest.param(secrets.token_urlsafe(48), id="another verifier"), pytest.param(None, id="no verifier")],
)
def test_pkce_mismatch_refused(provider, verifier):
    _, query = authorize(provider)

    response = redeem(provider, query["code"], verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "id_token" not in response.json()


def test_a_code_works_once(provider):
    _, query = authorize(provider)
    assert redeem(provider, query["code"], "x" * 43).status_code == 400  # a failed attempt burns the code too

    response = redeem(provider, query["code"], query["verifier"])

    assert response.json()["error"] == "invalid_grant"


def test_expired_code_refused(provider):
    _, query = authorize(provider)
    provider._codes[query["code"]].expires_at = time.time() - 1

    assert redeem(provider, query["code"], query["verifier"]).json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization(provider):
    _, query = authorize(provider)

    response = redeem(provider, query["code"], query["verifier"], redirect_uri="http://127.0.0.1:5000/elsewhere")

    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "auth, overrides",
    [
        ("basic", {"client_secret": "also-in-the-body"}),
        (("kabinet-test-client", "wrong"), {}),
        ("post", {"client_secret": "wrong"}),
        ("post", {"client_id": "someone-else"}),
        ("none", {}),
        ("none", {"client_id": "kabinet-test-client"}),
    ],
    ids=[
        "two methods at once",
        "wrong basic secret",
        "wrong post secret",
        "unknown client",
        "no credentials",
        "public client",
    ],
)
def test_client_authentication_refused(provider, auth, overrides):
    _, query = authorize(provider)

    response = redeem(provider, query["code"], query["verifier"], auth=auth, **overrides)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"state": None}, "invalid_request"),
        ({"scope": "email profile"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorization_requests_answered_with_an_error(provider, overrides, error):
    response, query = authorize(provider, **overrides)

    assert response.status_code == 302
    assert query["error"] == error
    assert "code" not in query
    if "state" not in overrides:
        assert query["state"] == "the-state"


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "http://evil.example.org/callback"},
        {"redirect_uri": "https://127.0.0.1.evil.example.org/callback"},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": None},
    ],
)
def test_authorization_never_redirects_to_an_unknown_place(provider, overrides):
    response, _ = authorize(provider, **overrides)

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_localhost_redirect_keeps_its_query(provider):
    response, query = authorize(provider, redirect_uri="http://localhost/callback?next=%2Fprofile")

    assert response.headers["Location"].startswith("http://localhost/callback?next=%2Fprofile&")
    assert query["next"] == "/profile" and query["code"]


def test_deny_next_is_the_user_cancelling_once(provider):
    provider.deny_next()

    _, denied = authorize(provider)
    _, approved = authorize(provider)

    assert (denied["error"], denied["state"]) == ("access_denied", "the-state")
    assert "code" not in denied
    assert approved["code"]


def test_nobody_signed_in(provider):
    provider.logout()

    _, query = authorize(provider)

    assert query["error"] == "login_required"


def test_login_as_changes_who_is_signed_in(provider):
    provider.login_as(sub="u-9", email="olga@example.org", email_verified=True)

    claims = verified_claims(provider, code_flow(provider)["id_token"]).claims

    assert (claims["sub"], claims["email"]) == ("u-9", "olga@example.org")
    assert "given_name" not in claims


@pytest.mark.parametrize(
    "spoil, claim, honest",
    [
        ("nonce", "nonce", "the-nonce"),
        ("audience", "aud", "kabinet-test-client"),
        ("issuer", "iss", None),
    ],
)
def test_tamper_next_spoils_one_claim_of_one_token(provider, spoil, claim, honest):
    provider.tamper_next(**{spoil: True})
    honest = honest or provider.issuer

    spoiled = verified_claims(provider, code_flow(provider)["id_token"]).claims
    next_one = verified_claims(provider, code_flow(provider)["id_token"]).claims

    assert spoiled[claim] != honest
    assert next_one[claim] == honest


def test_tamper_waits_for_a_token_actually_issued(provider):
    provider.tamper_next(nonce=True)
    _, query = authorize(provider)
    assert redeem(provider, query["code"], "x" * 43).status_code == 400

    assert verified_claims(provider, code_flow(provider)["id_token"]).claims["nonce"] != "the-nonce"


def test_tamper_next_forges_the_signature(provider):
    provider.tamper_next(signature=True)
    token = code_flow(provider)["id_token"]

    with pytest.raises(BadSignatureError):
        verified_claims(provider, token)
    verified_claims(provider, code_flow(provider)["id_token"])


def test_tamper_next_expires_the_token(provider):
    provider.tamper_next(expired=True)

    claims = verified_claims(provider, code_flow(provider)["id_token"]).claims

    assert claims["exp"] < time.time() - 600


def test_tamper_next_needs_something_to_spoil(provider):
    with pytest.raises(ValueError):
        provider.tamper_next()


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic a2FiaW5ldDpzZWNyZXQ="])
def test_userinfo_needs_a_valid_access_token(provider, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = requests.get(provider.issuer + "/userinfo", headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_requests_are_logged(provider):
    code_flow(provider)

    assert [(method, path) for method, path, _ in provider.requests] == [("GET", "/authorize"), ("POST", "/token")]
    assert provider.requests[0][2]["code_challenge_method"] == "S256"


def test_stops_at_the_end_of_the_block():
    with running_provider() as provider:
        issuer = provider.issuer
        assert requests.get(issuer + "/jwks", timeout=5).status_code == 200

    with pytest.raises(requests.ConnectionError):
        requests.get(issuer + "/jwks", timeout=5)


# --- the client the app uses: Authlib's Flask integration, over real HTTP ------------------------------------------


def authlib_client(provider):
    """A minimal relying party built like the app's: Authlib's Flask client, discovery, PKCE, checks on iss and aud."""
    app = Flask("relying_party")
    app.secret_key = "test"
    oauth = OAuth(app)
    oauth.register(
        "local",
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )

    @app.get("/login")
    def login():
        return oauth.local.authorize_redirect(REDIRECT_URI)

    @app.get("/social/local/callback")
    def callback():
        claims_options = {"iss": {"values": [provider.issuer]}, "aud": {"values": [provider.client_id]}}
        token = oauth.local.authorize_access_token(claims_options=claims_options)
        return dict(token["userinfo"])

    app.config["PROPAGATE_EXCEPTIONS"] = True
    return app.test_client()


def through_provider(client):
    """Follow the relying party's redirect to the provider and the provider's back, as a browser would."""
    to_provider = client.get("/login").headers["Location"]
    back = requests.get(to_provider, allow_redirects=False, timeout=5).headers["Location"]
    return urlsplit(back)._replace(scheme="", netloc="").geturl()


def test_authlib_client_signs_in(provider):
    client = authlib_client(provider)

    userinfo = client.get(through_provider(client)).get_json()

    assert (userinfo["sub"], userinfo["email"], userinfo["given_name"]) == ("u-1", "ivan@example.org", "Иван")
    token_request = next(form for method, path, form in provider.requests if path == "/token")
    assert token_request["code_verifier"] and "client_secret" not in token_request  # PKCE, client_secret_basic


@pytest.mark.parametrize(
    "spoil, error",
    [
        ("nonce", InvalidClaimError),
        ("audience", InvalidClaimError),
        ("issuer", InvalidClaimError),
        ("signature", BadSignatureError),
        ("expired", ExpiredTokenError),
    ],
)
def test_authlib_client_refuses_a_spoiled_token(provider, spoil, error):
    client = authlib_client(provider)
    provider.tamper_next(**{spoil: True})

    with pytest.raises(error):
        client.get(through_provider(client))
