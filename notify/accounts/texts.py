"""The versioned texts a holder accepts when opening an account (R. 223-3-1 I, 2° and 3°).

A published version is never edited: a new wording is a new file and a new version,
so that what a holder accepted can always be shown again, byte for byte. The SHA-256
of the file is recorded with each acceptance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

TEMPLATES_PATH = Path(__file__).resolve().parent.parent.parent / "templates"


@dataclass(frozen=True)
class LegalText:
    kind: str
    version: str
    title: str
    template: str

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256((TEMPLATES_PATH / self.template).read_bytes()).hexdigest()


CONDITIONS = LegalText(
    kind="conditions",
    version="cgu-2026-11",
    title="Conditions générales d'utilisation du service",
    template="legal/conditions-2026-11.html",
)

ATTESTATION = LegalText(
    kind="attestation",
    version="delais-2026-11",
    title="Modalités de computation du délai de recours",
    template="legal/attestation-2026-11.html",
)

ALL_TEXTS = {text.version: text for text in (CONDITIONS, ATTESTATION)}
