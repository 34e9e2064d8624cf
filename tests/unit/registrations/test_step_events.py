"""The fixed-shape writer of steps' evidence documents gives the general canonical
encoder's bytes (``notify.evidence.log.event_row``), awkward text included."""

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.evidence.log import EventForm, event_row
from notify.registrations.states import (
    INFORMATION_SERVICE,
    TRANSITIONS,
    ActorKind,
    Event,
    InformationService,
    State,
    Transition,
)
from notify.registrations.step_events import TAG, data_json, step_data

AT = datetime(2026, 11, 30, 9, 30, 12, 345678, tzinfo=UTC)
AWKWARD = [
    "", "Pièce illisible", "Cœur, Œdipe, «ÉTÉ» ça", 'il a dit "non"', "barre \\ oblique",
    "tab\tligne\nretour\r", "\x00\x01\x08\x0b\x0c\x1f", "\x7f\x80\x9f\xa0", "\u2028\u2029",
    "émoji 😀 et clé 𝄞", "\ufeffmarque", "</script><!--", "e\u0301 décomposé", "\\u00e9",
    "ﬁ ligature, ｆｕｌｌ ｗｉｄｔｈ", "مرحبا עברית",
]


def _both(subject: str, actor: str, seq: int, prev: str | None, step: Transition,
          at: datetime = AT) -> tuple[bytes, dict]:
    document = EventForm(TAG, actor, at).document(subject, seq, prev, data_json(step))
    expected = event_row(subject=subject, seq=seq, prev_hash=prev, tag=TAG, actor=actor,
                         at=at, data=step_data(step))
    return document.encode("utf-8"), expected


def _step(reason: str | None, service: InformationService | None = None) -> Transition:
    return Transition(Event.REQUEST_INFORMATION, State.UNDER_REVIEW,
                      State.AWAITING_INFORMATION, ActorKind.CENTRE, reason, service)


@pytest.mark.parametrize("text", AWKWARD)
@pytest.mark.parametrize("prev", [None, "0f" * 32])
@pytest.mark.parametrize("seq", [1, 9, 10, 2 ** 31, 10 ** 15])
def test_awkward_text_is_escaped_as_the_general_encoder_does(text, prev, seq):
    document, expected = _both(f"registration:{text}", f"centre:{text}", seq, prev,
                               _step(text, InformationService.TAX))
    assert document.decode("utf-8") == expected["document"]
    assert hashlib.sha256(document).hexdigest() == expected["hash"]


@pytest.mark.parametrize(("state", "event"), sorted(TRANSITIONS))
def test_every_step_of_the_table(state, event):
    rule = TRANSITIONS[(state, event)]
    for reason in (None, "Motif"):
        step = Transition(event, state, rule.to, ActorKind.STAFF, reason,
                          INFORMATION_SERVICE.get(event))
        document, expected = _both("registration:IMABCDEFGHJK", "staff:agent", 3, "ab" * 32,
                                   step)
        assert document.decode("utf-8") == expected["document"]


@pytest.mark.parametrize("at", [AT, AT.astimezone(timezone(timedelta(hours=2))),
                                datetime(2026, 1, 1, tzinfo=UTC)])
def test_instants_are_spelt_in_utc_as_the_log_does(at):
    document, expected = _both("registration:IMABCDEFGHJK", "centre:7", 1, None,
                               _step(None), at)
    assert document.decode("utf-8") == expected["document"]


@given(reason=st.text(), actor=st.text(), subject=st.text(),
       seq=st.integers(min_value=1, max_value=2 ** 63))
def test_any_text(reason, actor, subject, seq):
    document, expected = _both(subject, actor, seq, None, _step(reason))
    assert document.decode("utf-8") == expected["document"]


def test_a_lone_surrogate_fails_both_ways():
    step = _step("\ud800")  # refused by clean_text before; no UTF-8 can hold it anyway
    with pytest.raises(UnicodeEncodeError):
        EventForm(TAG, "centre:7", AT).document("s", 1, None, data_json(step)).encode("utf-8")
    with pytest.raises(UnicodeEncodeError):
        event_row(subject="s", seq=1, prev_hash=None, tag=TAG, actor="centre:7", at=AT,
                  data=step_data(step))
