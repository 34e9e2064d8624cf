"""The site's timestamping device, as the application sees it.

By default the embedded authority of ``timestamp/`` signs in process, with the keys
made by ``notify tsa init`` in ``<instance>/tsa``. With ``NOTIFY_TSA_URL`` a remote
(ideally qualified) TSA is used instead, trusted through ``NOTIFY_TSA_TRUST_ANCHORS``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from notify.settings import Settings
from timestamp.authority import Authority
from timestamp.client import EmbeddedClient, RemoteClient, TimestampClient, TimestampUnavailable
from timestamp.pki import load_authority_files
from timestamp.serials import FileSerials

NOT_INITIALISED = ("the embedded timestamp authority is not initialised: "
                   "run `notify tsa init`")


def load_pem_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


class EmbeddedAuthority:
    """Loads the embedded authority on first use, so the site runs before ``tsa init``.

    Until then every timestamp request fails with ``TimestampUnavailable``: evidence
    batches wait, nothing is lost.
    """

    def __init__(self, settings: Settings, clock) -> None:
        self.settings = settings
        self.clock = clock

    @property
    def initialised(self) -> bool:
        return (self.settings.tsa_path / "tsa.key").exists()

    @cached_property
    def authority(self) -> Authority:
        if not self.initialised:
            raise TimestampUnavailable(NOT_INITIALISED)
        passphrase = self.settings.tsa_key_passphrase
        files = load_authority_files(self.settings.tsa_path,
                                     passphrase.encode() if passphrase else None)
        return Authority(files.key, files.tsa, files.chain,
                         policy_oid=self.settings.tsa_policy_oid,
                         serials=FileSerials(self.settings.tsa_path / "serial"),
                         clock=self.clock.now)

    @cached_property
    def client(self) -> EmbeddedClient:
        return EmbeddedClient(self.authority)

    @property
    def trust_anchors(self) -> list[x509.Certificate]:
        return self.client.trust_anchors

    def timestamp(self, digest: bytes, hash_name: str = "sha256") -> bytes:
        return self.client.timestamp(digest, hash_name)

    def chain_pem(self) -> bytes:
        if not self.initialised:
            raise TimestampUnavailable(NOT_INITIALISED)
        return (self.settings.tsa_path / "chain.pem").read_bytes()


def chain_pem(client: TimestampClient) -> bytes:
    """The PEM chain to ship in bundles: the embedded authority's, or the remote TSA's
    configured certificates."""
    if isinstance(client, EmbeddedAuthority):
        return client.chain_pem()
    certificates = [*getattr(client, "untrusted", []), *client.trust_anchors]
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def build_timestamp_client(settings: Settings, clock) -> TimestampClient:
    if settings.tsa_url:
        return RemoteClient(settings.tsa_url, load_pem_certificates(settings.tsa_trust_anchors),
                            policy_oid=None)
    return EmbeddedAuthority(settings, clock)
