"""Backlog queries on both databases, against figures worked out by hand."""

from __future__ import annotations

from datetime import timedelta

from notify.registrations import operations as reg
from notify.registrations import queries

BASE = "https://notify.test"


def _move(session, clock, actor, number, *events):
    for event in events:
        reg.transition(session, actor, number, event, now=clock.now(), base_url=BASE,
                       reason="motif")


def test_backlog_figures(ctx, session, clock, registration_world):
    w = registration_world
    start = clock.now()
    # Five files filed a day apart at Lyon, one at Paris, one unassigned.
    lyon = []
    for _ in range(5):
        lyon.append(w.file().application)
        clock.advance(timedelta(days=1))
    paris = w.file(centre="CERT-PARIS").application
    unassigned = w.file(centre=None).application
    # Each Lyon file is submitted after 1, 2, 3, 4, 5 hours (time spent "à compléter").
    for hours, application in enumerate(lyon, start=1):
        clock.set(application.filed_at + timedelta(hours=hours))
        _move(session, clock, w.garage_actor, application.number, "submit")
    clock.set(start + timedelta(days=40))
    _move(session, clock, w.garage_actor, lyon[0].number, "record_payment")
    _move(session, clock, w.lyon_actor, lyon[0].number, "reject")
    now = start + timedelta(days=40)

    per_centre = queries.files_per_centre_and_state(session)
    assert (("CERT-LYON", "en_attente_paiement", 4) in per_centre
            and ("CERT-LYON", "rejetee", 1) in per_centre
            and ("CERT-PARIS", "a_completer", 1) in per_centre
            and (None, "a_completer", 1) in per_centre)

    # Open files: 4 at Lyon (filed 36-39 days ago), Paris and the unassigned (35 days).
    assert queries.age_distribution(session, now) == [
        ("moins de 7 jours", 0), ("7 à 30 jours", 0), ("30 à 90 jours", 6),
        ("plus de 90 jours", 0)]
    assert queries.age_distribution(session, start + timedelta(days=5, hours=12)) == [
        ("moins de 7 jours", 6), ("7 à 30 jours", 0), ("30 à 90 jours", 0),
        ("plus de 90 jours", 0)]
    oldest = queries.oldest_files(session, limit=2)
    assert [a.number for a in oldest] == [lyon[1].number, lyon[2].number]
    assert [a.number for a in queries.oldest_files(session, centre_id=paris.centre_id)] == [
        paris.number]

    # Last steps: Lyon's at 1 d 2 h, 2 d 3 h, 3 d 4 h, 4 d 5 h; Paris and the other at 5 d.
    stale = queries.stale_files(session, now, days=35)
    assert {a.number for a in stale} == {a.number for a in (*lyon[1:], paris, unassigned)}
    assert [a.number for a in queries.stale_files(session, now, days=36)] == [
        a.number for a in lyon[1:4]]
    assert queries.stale_files(session, now, days=60) == []

    delays = {d.state: d for d in queries.step_delays(session)}
    # Times in « à compléter »: 1 h … 5 h. Nearest rank: median = 3rd, p90 = 5th.
    assert delays["a_completer"] == queries.StepDelay("a_completer", 5, 3 * 3600, 5 * 3600)
    assert delays["en_instruction"].count == 1
    assert queries.step_delays(session, "en_attente_paiement")[0].median_seconds == \
        40 * 86400 - 3600

    # The dashboard's recent delays, to the hour: whole hours here, so the same figures;
    # only the steps taken since the instant given count.
    recent = {d.state: d for d in queries.recent_step_delays(session, start)}
    assert recent["a_completer"] == delays["a_completer"]
    assert recent["en_attente_paiement"] == queries.StepDelay(
        "en_attente_paiement", 1, 39 * 86400 + 23 * 3600, 39 * 86400 + 23 * 3600)
    assert queries.recent_step_delays(session, now + timedelta(seconds=1)) == []
    assert [(c, s, n) for c, s, n in queries.files_per_centre_and_state(
        session, open_only=True) if c == "CERT-LYON"] == [
        ("CERT-LYON", "en_attente_paiement", 4)]

    weeks = queries.weekly_intake_and_completions(session, now, weeks=6)
    assert [intake for _s, intake, _d in weeks] == [5, 2, 0, 0, 0, 0]
    assert weeks[0][0] == now - timedelta(days=42)
    assert weeks[-1][2] == 0 and sum(done for *_x, done in weeks) == 0
    weeks = queries.weekly_intake_and_completions(session, now + timedelta(seconds=1),
                                                  weeks=6)
    assert weeks[-1][2] == 1  # the rejection, at ``now``


def test_late_files_per_provider(ctx, session, clock, registration_world):
    w = registration_world
    on_time = w.file(mandate_signed_at="2026-11-19T10:00:00Z").application
    late = w.file(mandate_signed_at="2026-10-20T10:00:00Z").application  # delay ran out
    pending = w.file(mandate_signed_at="2026-11-01T10:00:00Z").application  # 16 Nov
    w.file(w.other_actor, mandate_signed_at="2026-11-18T10:00:00Z")
    for application in (on_time, late):
        reg.submit(session, w.garage_actor, application.number, now=clock.now(),
                   base_url=BASE)
    [row] = queries.late_files_per_provider(session, clock.now())
    assert (row.name, row.habilitation_number, row.transmitted_late, row.overdue) == (
        "Garage des Lilas", "HAB-69-0001", 1, 1)
    assert {a.number for a in queries.late_files_of_provider(
        session, row.provider_id, clock.now())} == {late.number, pending.number}


def test_guarantees_expiring_are_listed_for_staff(ctx, session, clock, registration_world):
    from datetime import date

    w = registration_world
    garage = reg.provider_of(session, w.garage_actor)
    other = reg.provider_of(session, w.other_actor)
    garage.guarantee_expires_on = date(2027, 1, 10)
    other.guarantee_expires_on = date(2027, 6, 1)
    session.flush()
    today = date(2026, 11, 20)
    assert [(p.habilitation_number, name) for p, name in queries.guarantees_expiring(
        session, today)] == [("HAB-69-0001", "Garage des Lilas")]
    assert len(queries.guarantees_expiring(session, today, within_days=365)) == 2
    reg.withdraw_provider(session, w.staff, garage.id, reason="Fraude", legal_ground="fraud",
                          now=clock.now(), base_url=BASE)
    assert queries.guarantees_expiring(session, today) == []
