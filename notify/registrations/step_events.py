"""The ``data`` of a file's step event, as its canonical JSON, for the bulk writer.

A step's event is ``event_row``'s (``notify.evidence.log``) byte for byte: subject
``registration:<number>``, tag ``registration_transition``, the actor's label, the
instant, ``data`` ``{"event", "from", "reason", "service", "to"}``. ``data_json`` writes
that ``data`` without the general encoder's walk of a dictionary: the keys are known and
sorted in advance, every string goes through the encoder's own escaping
(``canonical_string``); the rest of the document is ``EventForm``'s, and the events are
chained and inserted by ``append_encoded_events``.
``tests/unit/registrations/test_step_events.py`` compares the bytes with ``event_row``'s
over awkward values (accents, quotes, backslashes, control characters, non-BMP text).
"""

from __future__ import annotations

from typing import Any

from notify.evidence.log import canonical_string
from notify.evidence.models import EventTag
from notify.registrations.states import Transition

TAG = EventTag.REGISTRATION_TRANSITION


def _string(value: str | None) -> str:
    return "null" if value is None else canonical_string(value)


def data_json(step: Transition) -> str:
    """The canonical JSON of a step's ``data``, keys in sorted order."""
    service = step.information_service
    return "".join((
        '{"event":', _string(step.event.value), ',"from":', _string(step.from_state.value),
        ',"reason":', _string(step.reason),
        ',"service":', _string(service.value if service is not None else None),
        ',"to":', _string(step.to_state.value), "}"))


def step_data(step: Transition) -> dict[str, Any]:
    """The same ``data`` as a dictionary (the general encoder's input)."""
    return {"event": step.event.value, "from": step.from_state.value, "to": step.to_state.value,
            "reason": step.reason,
            "service": (step.information_service.value
                        if step.information_service is not None else None)}
