"""The OpenID Connect exchange with FranceConnect: authorization code flow, checked answers.

Authlib's requests client does the HTTP (code exchange, client authentication, PKCE);
joserfc checks the ID token's signature against the provider's published keys, and
Authlib's ``CodeIDToken`` its claims (issuer, audience, expiry, nonce, ``at_hash``) at
the instant given by the caller, so that the service's clock decides, as everywhere else.

Nothing here logs or keeps tokens or identity claims; errors carry a short reason for
the logs and the French message shown to the holder lives in the views.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

TIMEOUT = 10  # seconds for each call to the provider
LEEWAY = 60  # seconds of clock difference accepted on exp and iat
# Asymmetric algorithms only: an HMAC "signature" made with the client secret would let
# anyone holding that secret forge an identity.
ALGORITHMS = ("RS256", "ES256")
# FranceConnect has one scope per claim of the pivot identity; only what linking needs
# (the family name and birth date compared with the register, the given names shown to
# the holder when he confirms) is asked for.
PIVOT_SCOPES = ("given_name", "family_name", "birthdate")


class ProviderError(Exception):
    """The sign-in cannot go on; ``reason`` is a short code for the logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(ProviderError):
    """The provider did not answer, or answered with a server error."""


class AnswerRefused(ProviderError):
    """An answer failed a check: state, signature, issuer, audience, expiry, nonce…"""


class AuthorizationDenied(ProviderError):
    """The provider sent the holder back with an error (he refused, or it did)."""


@dataclass(frozen=True)
class PivotIdentity:
    """What FranceConnect says of the person; kept only for the request that uses it."""

    sub: str
    family_name: str
    given_name: str
    birthdate: date | None


@dataclass(frozen=True)
class Authentication:
    identity: PivotIdentity
    id_token: str  # kept in the login session, as the hint of the logout request


def authorization_params(metadata: dict[str, Any]) -> dict[str, str]:
    """The parameters of the authorization request that depend on the provider.

    FranceConnect lists one scope per claim and asks for ``acr_values=eidas1``; a plain
    OpenID Connect provider (the tests' one) gives the same claims under ``profile``.
    PKCE (RFC 7636) is added where the provider advertises S256.
    """
    supported = set(metadata.get("scopes_supported") or ())
    scopes = PIVOT_SCOPES if set(PIVOT_SCOPES) <= supported else ("profile",)
    params = {"scope": " ".join(("openid", *scopes))}
    if "eidas1" in (metadata.get("acr_values_supported") or ()):
        params["acr_values"] = "eidas1"
    return params


def uses_pkce(metadata: dict[str, Any]) -> bool:
    return "S256" in (metadata.get("code_challenge_methods_supported") or ())


def _parse_birthdate(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


class Provider:
    """FranceConnect (or any OpenID Connect provider) at ``issuer``, for one client."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, *,
                 timeout: float = TIMEOUT) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout

    # --- HTTP ---------------------------------------------------------------------

    def _session(self, metadata: dict[str, Any], **kwargs) -> OAuth2Session:
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
        return OAuth2Session(self.client_id, self.client_secret,
                             token_endpoint_auth_method=method,
                             code_challenge_method="S256" if uses_pkce(metadata) else None,
                             **kwargs)

    def _get(self, url: str, what: str, **kwargs) -> requests.Response:
        try:
            response = requests.get(url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"{what}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise ProviderUnavailable(f"{what}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise AnswerRefused(f"{what}: HTTP {response.status_code}")
        return response

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            data = self._get(url, what).json()
        except ValueError as exc:
            raise AnswerRefused(f"{what}: not JSON") from exc
        if not isinstance(data, dict):
            raise AnswerRefused(f"{what}: not a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        """The discovery document; its issuer must be the configured one (Discovery §4.3)."""
        data = self._get_json(f"{self.issuer}/.well-known/openid-configuration", "discovery")
        if str(data.get("issuer", "")).rstrip("/") != self.issuer.rstrip("/"):
            raise AnswerRefused("discovery: issuer mismatch")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri",
                    "userinfo_endpoint"):
            if not isinstance(data.get(key), str):
                raise AnswerRefused(f"discovery: no {key}")
        return data

    def _keys(self, metadata: dict[str, Any]) -> KeySet:
        try:
            return KeySet.import_key_set(self._get_json(metadata["jwks_uri"], "jwks"))
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise AnswerRefused("jwks: unusable key set") from exc

    # --- the flow -----------------------------------------------------------------

    def start(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """The authorization URL to send the holder to, and what to keep until he returns
        (``state``, ``nonce`` and, with PKCE, the code verifier)."""
        metadata = self.metadata()
        pending = {"state": secrets.token_urlsafe(32), "nonce": secrets.token_urlsafe(32)}
        if uses_pkce(metadata):
            pending["code_verifier"] = secrets.token_urlsafe(48)
        with self._session(metadata, redirect_uri=redirect_uri) as session:
            url, _ = session.create_authorization_url(
                metadata["authorization_endpoint"], state=pending["state"],
                code_verifier=pending.get("code_verifier"), nonce=pending["nonce"],
                **authorization_params(metadata))
        return url, pending

    def finish(self, pending: dict[str, str], answer: dict[str, str], redirect_uri: str,
               now: datetime) -> Authentication:
        """Check the provider's answer on the redirect URI, exchange the code, check the ID
        token, read the userinfo."""
        if answer.get("error"):
            # An error grants nothing, so it is reported whatever its state (some
            # providers leave the state out of their error answers).
            raise AuthorizationDenied(str(answer["error"])[:64])
        state = answer.get("state") or ""
        if not hmac.compare_digest(state.encode(), pending["state"].encode()):
            raise AnswerRefused("state mismatch")
        if not answer.get("code"):
            raise AnswerRefused("no code")
        metadata = self.metadata()
        token = self._exchange(metadata, answer["code"], pending, redirect_uri)
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise AnswerRefused("no id_token")
        keys = self._keys(metadata)
        claims = self._check_id_token(id_token, keys, pending["nonce"], token["access_token"],
                                      metadata["issuer"], now)
        info = self._userinfo(metadata, keys, token["access_token"], now)
        if info.get("sub") != claims["sub"]:
            raise AnswerRefused("userinfo: sub differs from the id_token's")
        family_name = info.get("family_name")
        if not isinstance(family_name, str) or not family_name.strip():
            raise AnswerRefused("userinfo: no family_name")
        given_name = info.get("given_name")
        return Authentication(
            PivotIdentity(sub=claims["sub"], family_name=family_name,
                          given_name=given_name if isinstance(given_name, str) else "",
                          birthdate=_parse_birthdate(info.get("birthdate"))),
            id_token)

    def _exchange(self, metadata, code, pending, redirect_uri) -> dict[str, Any]:
        extra = {"code_verifier": pending["code_verifier"]} if "code_verifier" in pending else {}
        try:
            with self._session(metadata, redirect_uri=redirect_uri) as session:
                token = session.fetch_token(metadata["token_endpoint"], code=code,
                                            grant_type="authorization_code",
                                            timeout=self.timeout, **extra)
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"token: {type(exc).__name__}") from exc
        except OAuthError as exc:
            raise AnswerRefused(f"token: {exc.error}"[:80]) from exc
        except ValueError as exc:  # a body that is not JSON
            raise AnswerRefused("token: unreadable answer") from exc
        if not isinstance(token.get("access_token"), str):
            raise AnswerRefused("token: no access_token")
        return token

    def _check_id_token(self, id_token: str, keys: KeySet, nonce: str, access_token: str,
                        issuer: str, now: datetime) -> CodeIDToken:
        try:
            decoded = jwt.decode(id_token, keys, registry=JWSRegistry(
                algorithms=list(ALGORITHMS), strict_check_header=False))
        except JoseError as exc:
            raise AnswerRefused(f"id_token: {type(exc).__name__}") from exc
        claims = CodeIDToken(
            decoded.claims, decoded.header,
            {"iss": {"essential": True, "value": issuer},
             "aud": {"essential": True, "value": self.client_id},
             "sub": {"essential": True}},
            {"nonce": nonce, "client_id": self.client_id, "access_token": access_token})
        try:
            claims.validate(now=int(now.timestamp()), leeway=LEEWAY)
        except JoseError as exc:
            raise AnswerRefused(f"id_token: {type(exc).__name__} {exc}"[:120]) from exc
        return claims

    def _userinfo(self, metadata, keys: KeySet, access_token: str, now: datetime) -> dict:
        """FranceConnect v2 signs its userinfo (``application/jwt``); others send JSON."""
        response = self._get(metadata["userinfo_endpoint"], "userinfo",
                             headers={"Authorization": f"Bearer {access_token}"})
        if response.headers.get("Content-Type", "").startswith("application/jwt"):
            try:
                decoded = jwt.decode(response.text.strip(), keys, registry=JWSRegistry(
                    algorithms=list(ALGORITHMS), strict_check_header=False))
                jwt.JWTClaimsRegistry(
                    now=int(now.timestamp()), leeway=LEEWAY,
                    iss={"essential": True, "value": metadata["issuer"]},
                    aud={"essential": True, "value": self.client_id},
                ).validate(decoded.claims)
            except JoseError as exc:
                raise AnswerRefused(f"userinfo: {type(exc).__name__}") from exc
            return decoded.claims
        try:
            data = response.json()
        except ValueError as exc:
            raise AnswerRefused("userinfo: not JSON") from exc
        if not isinstance(data, dict):
            raise AnswerRefused("userinfo: not a JSON object")
        return data

    def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str:
        """RP-initiated logout at the provider (``end_session_endpoint``)."""
        metadata = self.metadata()
        endpoint = metadata.get("end_session_endpoint")
        if not isinstance(endpoint, str):
            raise AnswerRefused("discovery: no end_session_endpoint")
        return add_params_to_uri(endpoint, {
            "id_token_hint": id_token, "state": secrets.token_urlsafe(16),
            "post_logout_redirect_uri": post_logout_redirect_uri})
