"""A real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1 in a background thread.

    with running_provider() as provider:
        provider.login_as(sub="u-1", email="ivan@example.org", email_verified=True,
                          given_name="Иван", family_name="Петров")
        ... point the app at provider.issuer, provider.client_id, provider.client_secret ...

It speaks the authorization code flow only, as a strict provider would: /authorize needs response_type=code, a
registered client, a redirect_uri on http://127.0.0.1 or http://localhost, scope with "openid", a state (passed back),
a nonce and PKCE S256; /token checks the client (client_secret_basic or client_secret_post, not both), the code (single
use, 60 s), the redirect_uri and the code_verifier. ID tokens are RS256 JWTs signed with a key generated at start and
published at /jwks; they carry iss, aud, azp, sub, nonce, iat, exp, auth_time, at_hash and the claims of the scopes
asked for ("email": email, email_verified; "profile": name, given_name, family_name). /userinfo answers the same
claims to the access token.

There is no login page: whoever was named by login_as() is "signed in" at the provider and every authorization is
approved at once as them, until login_as() names someone else. deny_next() and tamper_next() spoil only the next
authorization or the next ID token, the way a cancelling user or a forging attacker would.

For the app under test: Authlib's client (1.9.9) checks iss, exp, nonce, azp, at_hash and the signature of an ID token,
but not its aud (a token with a foreign aud and our azp passes). tamper_next(audience=True) makes exactly that token, so
the app must ask for the check itself: authorize_access_token(claims_options={"iss": {"values": [issuer]},
"aud": {"values": [client_id]}}) (claims_options replaces Authlib's default iss check, so keep iss in it).
"""

import base64
import hashlib
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlencode, urlsplit

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

CODE_LIFETIME = 60
TOKEN_LIFETIME = 3600
REDIRECT_HOSTS = {"127.0.0.1", "localhost"}
SCOPE_CLAIMS = {
    "email": ("email", "email_verified"),
    "profile": ("name", "given_name", "family_name"),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a code_verifier (RFC 7636, 4.2)."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def at_hash(access_token: str) -> str:
    """The at_hash claim for RS256: the left half of the SHA-256 of the access token (OIDC Core, 3.1.3.6)."""
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])


def new_rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True, auto_kid=True)


@dataclass
class Grant:
    """What an authorization code stands for, until /token redeems it."""

    client_id: str
    redirect_uri: str
    scope: list[str]
    nonce: str
    code_challenge: str
    person: dict
    expires_at: float
    auth_time: int


@dataclass
class Tamper:
    """How to spoil the next ID token."""

    nonce: bool = False
    audience: bool = False
    issuer: bool = False
    signature: bool = False
    expired: bool = False


@dataclass
class OIDCProvider:
    """The provider's state; the Flask app in build_app() serves it. Every attribute change happens under the lock."""

    client_id: str = "kabinet-test-client"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    issuer: str = ""
    key: RSAKey = field(default_factory=new_rsa_key)
    person: dict | None = None
    # every request the provider received, as (method, path, form or query dict): for asserting what the app sent
    requests: list = field(default_factory=list)
    _deny: tuple[str, str] | None = None
    _tamper: Tamper | None = None
    _codes: dict = field(default_factory=dict)
    _tokens: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what the tests call ------------------------------------------------------------------------------------

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def login_as(self, sub: str, email: str | None = None, email_verified: bool = False, **claims) -> None:
        """Who is signed in at the provider from now on: every authorization is approved as them."""
        person = {"sub": sub, "email": email, "email_verified": email_verified if email else None, **claims}
        if "name" not in person and (claims.get("given_name") or claims.get("family_name")):
            person["name"] = " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
        with self._lock:
            self.person = {k: v for k, v in person.items() if v is not None}

    def logout(self) -> None:
        """Nobody is signed in: the next authorization answers error=login_required."""
        with self._lock:
            self.person = None

    def deny_next(self, error: str = "access_denied", description: str = "The user cancelled the sign-in") -> None:
        """The next authorization answers with this error, as when the user presses "Cancel" at the provider."""
        with self._lock:
            self._deny = (error, description)

    def tamper_next(
        self,
        nonce: bool = False,
        audience: bool = False,
        issuer: bool = False,
        signature: bool = False,
        expired: bool = False,
    ) -> None:
        """The next ID token issued at /token is spoiled: a wrong nonce, aud, iss, a forged signature, or long expired.

        The forged signature is made with another RSA key under the real key's kid, so only the signature betrays it;
        the expired token's exp is an hour past, beyond any client's clock leeway.
        """
        if not (nonce or audience or issuer or signature or expired):
            raise ValueError("tamper_next() needs at least one thing to spoil")
        with self._lock:
            self._tamper = Tamper(nonce, audience, issuer, signature, expired)

    def reset(self) -> None:
        """Forget the signed-in person, pending denials and tampering, codes, tokens and the request log."""
        with self._lock:
            self.person, self._deny, self._tamper = None, None, None
            self._codes.clear()
            self._tokens.clear()
            self.requests.clear()

    def jwks(self) -> dict:
        """The public key set, as /jwks publishes it."""
        return KeySet([self.key]).as_dict(private=False)

    # --- what the endpoints do ----------------------------------------------------------------------------------

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "azp"]
            + [claim for claims in SCOPE_CLAIMS.values() for claim in claims],
        }

    def authorize(self, args) -> tuple[str | None, str | dict]:
        """Check an authorization request; returns (redirect_uri, answer) or (None, why it can't even redirect)."""
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != self.client_id:
            return None, "unknown client_id"
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in REDIRECT_HOSTS or parts.fragment:
            return None, "redirect_uri must be an http URL on 127.0.0.1 or localhost"
        answer = {"state": args["state"]} if args.get("state") else {}

        def error(code, description):
            return redirect_uri, {"error": code, "error_description": description, **answer}

        if args.get("response_type") != "code":
            return error("unsupported_response_type", "only response_type=code")
        scope = args.get("scope", "").split()
        if "openid" not in scope:
            return error("invalid_scope", "scope must include openid")
        if not args.get("state"):
            return error("invalid_request", "state is required")
        if not args.get("nonce"):
            return error("invalid_request", "nonce is required")
        if not args.get("code_challenge") or args.get("code_challenge_method") != "S256":
            return error("invalid_request", "PKCE with code_challenge_method=S256 is required")
        with self._lock:
            deny, self._deny = self._deny, None
            person = dict(self.person) if self.person else None
            if deny:
                return error(*deny)
            if person is None:
                return error("login_required", "nobody is signed in at the provider: call login_as() first")
            code = secrets.token_urlsafe(24)
            self._codes[code] = Grant(
                client_id=self.client_id,
                redirect_uri=redirect_uri,
                scope=scope,
                nonce=args["nonce"],
                code_challenge=args["code_challenge"],
                person=person,
                expires_at=time.time() + CODE_LIFETIME,
                auth_time=int(time.time()),
            )
        return redirect_uri, {"code": code, **answer}

    def authenticate_client(self, authorization, form) -> str | None:
        """The client's id if its credentials (Basic or in the body, exactly one way) are right, else None."""
        if authorization is not None and authorization.type == "basic":
            # RFC 6749, 2.3.1: both halves are form-urlencoded before the Basic encoding
            client_id, secret = unquote_plus(authorization.username or ""), unquote_plus(authorization.password or "")
            if "client_secret" in form or form.get("client_id", client_id) != client_id:
                return None
        elif authorization is None and "client_secret" in form:
            client_id, secret = form.get("client_id"), form.get("client_secret")
        else:
            return None
        ok = client_id == self.client_id and secrets.compare_digest(str(secret or ""), self.client_secret)
        return client_id if ok else None

    def token(self, authorization, form) -> tuple[int, dict]:
        """Redeem an authorization code for an access token and an ID token: (HTTP status, JSON body)."""
        client_id = self.authenticate_client(authorization, form)
        if client_id is None:
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)  # single use, even when the rest is wrong
        if grant is None or grant.client_id != client_id or grant.expires_at < time.time():
            return 400, {"error": "invalid_grant", "error_description": "unknown, used or expired code"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs from the authorization"}
        verifier = form.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128 or not secrets.compare_digest(s256(verifier), grant.code_challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE code_verifier does not match"}
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[access_token] = (grant, time.time() + TOKEN_LIFETIME)
            tamper, self._tamper = self._tamper, None  # spent only on a token actually issued
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "scope": " ".join(grant.scope),
            "id_token": self.id_token(grant, access_token, tamper or Tamper()),
        }

    def id_token(self, grant: Grant, access_token: str, tamper: Tamper) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer + "/evil" if tamper.issuer else self.issuer,
            "sub": grant.person["sub"],
            "aud": "someone-else" if tamper.audience else grant.client_id,
            "azp": grant.client_id,
            "nonce": "not-" + grant.nonce if tamper.nonce else grant.nonce,
            "iat": now - 7200 if tamper.expired else now,
            "exp": now - 3600 if tamper.expired else now + TOKEN_LIFETIME,
            "auth_time": grant.auth_time,
            "at_hash": at_hash(access_token),
            **self.claims_for(grant),
        }
        key = self.key
        if tamper.signature:
            key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid}, private=True)
        return jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, key)

    def claims_for(self, grant: Grant) -> dict:
        """The person's claims that the granted scopes release, with sub."""
        released = {"sub": grant.person["sub"]}
        for scope in grant.scope:
            for claim in SCOPE_CLAIMS.get(scope, ()):
                if claim in grant.person:
                    released[claim] = grant.person[claim]
        return released

    def userinfo(self, authorization) -> tuple[int, dict]:
        token = authorization.token if authorization is not None and authorization.type == "bearer" else None
        with self._lock:
            found = self._tokens.get(token or "")
        if found is None or found[1] < time.time():
            return 401, {"error": "invalid_token"}
        return 200, self.claims_for(found[0])


def build_app(provider: OIDCProvider) -> Flask:
    """The provider's HTTP face: discovery, JWKS, authorize, token, userinfo."""
    app = Flask("oidc_provider")
    app.json.ensure_ascii = False

    @app.before_request
    def log():
        data = request.form if request.method == "POST" else request.args
        with provider._lock:
            provider.requests.append((request.method, request.path, data.to_dict()))

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(provider.metadata())

    @app.get("/jwks")
    def jwks():
        return jsonify(provider.jwks())

    @app.get("/authorize")
    def authorize():
        redirect_uri, answer = provider.authorize(request.args)
        if redirect_uri is None:
            return f"Bad authorization request: {answer}\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
        glue = "&" if urlsplit(redirect_uri).query else "?"
        return redirect(redirect_uri + glue + urlencode(answer), 302)

    @app.post("/token")
    def token():
        status, body = provider.token(request.authorization, request.form)
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="oidc"'
        return jsonify(body), status, headers

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo():
        status, body = provider.userinfo(request.authorization)
        headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
        return jsonify(body), status, headers

    return app


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the access log line per request (errors are still logged)."""

    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def running_provider(host: str = "127.0.0.1", **settings):
    """Start a provider on a free port of 127.0.0.1 in a background thread; stop it when the block ends."""
    provider = OIDCProvider(**settings)
    server = make_server(host, 0, build_app(provider), threaded=True, request_handler=QuietHandler)
    provider.issuer = f"http://{host}:{server.server_port}"
    # a short poll interval makes shutdown() return at once instead of after up to half a second
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
