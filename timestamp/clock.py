"""The clock behind genTime (RFC 3161 §2.4.2), injected so that tests never sleep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Any callable returning an aware datetime; the authority converts it to UTC."""


class SystemClock:
    """The host clock. The only place in this package allowed to read the time.

    R. 223-3-1 III makes the notification date the one "certifiée par le dispositif
    d'horodatage du site": the host must be synchronised (NTP against a stratum-1
    source, e.g. the French legal time of LNE-SYRTE) for the stated 1 s accuracy to hold.
    """

    def __call__(self) -> datetime:
        return datetime.now(UTC)
