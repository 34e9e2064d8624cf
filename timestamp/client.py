"""Getting time-stamp tokens: from the embedded authority or from a remote TSA.

Whichever the source, a caller receives only tokens that passed `verify_token`
against its trust anchors, so a token stored as evidence of the date of notification
(R. 223-3-1 III, Code de la route) is known to be verifiable when it is stored, not
years later when it is needed.
"""

from __future__ import annotations

import http.client
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Protocol

import rfc3161ng
from cryptography import x509

from timestamp import oids
from timestamp.authority import Authority, AuthorityError
from timestamp.verify import VerificationError, verify_token


class TimestampUnavailable(Exception):
    """No token could be obtained now (transport failure, TSA down or refusing).

    Callers retry later; the evidence must not be recorded without its token.
    """


class TimestampClient(Protocol):
    def timestamp(self, digest: bytes, hash_name: str = "sha256") -> bytes:
        """Token DER (ContentInfo) for `digest`, verified; raises TimestampUnavailable."""
        ...


def _check_digest(digest: bytes, hash_name: str) -> None:
    if hash_name not in oids.DIGEST_SIZES:
        raise ValueError(f"unsupported hash {hash_name!r}: use sha256, sha384 or sha512")
    if len(digest) != oids.DIGEST_SIZES[hash_name]:
        raise ValueError(f"a {hash_name} digest has {oids.DIGEST_SIZES[hash_name]} bytes")


class EmbeddedClient:
    """Tokens from the authority running in this process, without HTTP.

    Without explicit `trust_anchors`, tokens are checked against the self-signed
    certificates of the authority's own chain: in process, this catches an expired or
    mismatched certificate before a token that no one could verify is stored.
    """

    def __init__(
        self, authority: Authority, trust_anchors: Sequence[x509.Certificate] | None = None
    ) -> None:
        self.authority = authority
        self.trust_anchors = list(
            trust_anchors
            if trust_anchors is not None
            else [c for c in (authority.cert, *authority.chain) if c.issuer == c.subject]
        )
        if not self.trust_anchors:
            raise ValueError("no trust anchor given and none in the authority's chain")

    def timestamp(self, digest: bytes, hash_name: str = "sha256") -> bytes:
        _check_digest(digest, hash_name)
        nonce = secrets.randbits(64)
        try:
            token = self.authority.timestamp(digest, hash_name, nonce=nonce)
        except AuthorityError as exc:
            raise TimestampUnavailable(str(exc)) from exc
        verify_token(
            token, digest=digest, hash_name=hash_name, nonce=nonce, trust_anchors=self.trust_anchors
        )
        return token


def exponential_backoff(attempt: int) -> float:
    """Seconds to wait before retry `attempt` (1, 2, ...): 0.5 s, 1 s, 2 s..., at most 30 s."""
    return min(30.0, 0.5 * 2 ** (attempt - 1))


class RemoteClient:
    """An RFC 3161 TSA over HTTP (RFC 3161 §3.4), requests built by rfc3161ng.

    Each request has a SHA-2 imprint, a random 64-bit nonce and certReq true; the
    response is verified by our own verifier, nonce included (rfc3161ng's own check
    is too weak for evidence, see verify.py). The response bytes are read with urllib
    rather than through rfc3161ng's decode/re-encode, so the stored token is exactly the
    one the TSA signed.
    """

    def __init__(
        self,
        url: str,
        trust_anchors: Sequence[x509.Certificate],
        *,
        untrusted: Sequence[x509.Certificate] = (),
        timeout: float = 10,
        retries: int = 3,
        backoff: Callable[[int], float] = exponential_backoff,
        sleep: Callable[[float], None] = time.sleep,
        policy_oid: str | None = None,
    ) -> None:
        if not trust_anchors:
            raise ValueError("a remote TSA needs at least one trust anchor")
        self.url = url
        self.trust_anchors = list(trust_anchors)
        self.untrusted = list(untrusted)
        self.timeout = timeout
        self.attempts = 1 + retries
        self.backoff = backoff
        self._sleep = sleep
        self.policy_oid = policy_oid

    def timestamp(self, digest: bytes, hash_name: str = "sha256") -> bytes:
        _check_digest(digest, hash_name)
        failures = []
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.backoff(attempt))
            nonce = secrets.randbits(64)
            try:
                response = self._post(self._request(digest, hash_name, nonce))
                verified = verify_token(
                    response,
                    digest=digest,
                    hash_name=hash_name,
                    nonce=nonce,
                    trust_anchors=self.trust_anchors,
                    untrusted=self.untrusted,
                )
            except TimestampUnavailable as exc:
                failures.append(str(exc))
                continue
            except VerificationError as exc:
                if exc.reason not in ("status", "malformed"):
                    raise  # a forged or misissued token is not retried away
                failures.append(exc.message)
                continue
            if self.policy_oid is not None and verified.policy_oid != self.policy_oid:
                raise VerificationError(
                    "policy", f"token under policy {verified.policy_oid}, not {self.policy_oid}"
                )
            return verified.token
        raise TimestampUnavailable(
            f"{self.url}: no token after {self.attempts} attempts: {'; '.join(failures)}"
        )

    def _request(self, digest: bytes, hash_name: str, nonce: int) -> bytes:
        request = rfc3161ng.make_timestamp_request(
            digest=digest,
            hashname=hash_name,
            include_tsa_certificate=True,
            nonce=nonce,
            tsa_policy_id=self.policy_oid,
        )
        return rfc3161ng.encode_timestamp_request(request)

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/timestamp-query"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                content_type = reply.headers.get("Content-Type", "").split(";")[0].strip()
                payload = reply.read()
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the connection open
            raise TimestampUnavailable(f"HTTP {exc.code} from {self.url}") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise TimestampUnavailable(f"cannot reach {self.url}: {exc}") from exc
        if content_type != "application/timestamp-reply":
            raise TimestampUnavailable(f"{self.url} answered {content_type or 'no content type'}")
        return payload
