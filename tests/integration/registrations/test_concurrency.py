"""Two writers move the same file at the same instant: exactly one step is recorded.

Commits for real, each writer with its own engine, on a database of the test's own
(SQLite file, and PostgreSQL when NOTIFY_TEST_DATABASE_URL is set).
"""

from __future__ import annotations

from sqlalchemy import func, select

from notify import db as database
from notify.auth.models import Organisation
from notify.errors import Conflict
from notify.evidence.models import Event as EvidenceEvent
from notify.registrations import operations as reg
from notify.registrations.models import Application, Centre, Transition


def test_two_centres_agents_deciding_at_once_record_one_decision(run_together, committed_url,
                                                                 clock):
    db = database.Database.from_url(committed_url)
    staff = reg.Actor.staff("agent")
    with db.unit_of_work() as uow:
        s = uow.session
        cert = Organisation(slug="cert", name="CERT", kind="centre", created_at=clock.now())
        s.add(cert)
        s.flush()
        s.add(Centre(organisation_id=cert.id, code="CERT", name="CERT", contact="-"))
        s.flush()
        filed = reg.file_application(s, staff, {
            "procedure": "duplicata", "vin": "VF1RFA00067123456", "plate": "AB-123-CD",
            "centre": "CERT", "applicant": {"name": "A", "email": "a@example.fr"}},
            now=clock.now(), mandate_days=15, test_domains=True)
        filed.application.owner_mail = False
        number = filed.application.number
        for event in ("submit", "record_payment"):
            reg.transition(s, staff, number, event, now=clock.now(), base_url="-")
        uow.commit()
    centre = reg.Actor.centre(cert.id)
    outcomes = []

    def decide(event):
        def work():
            own = database.Database.from_url(committed_url)
            try:
                with own.unit_of_work() as uow:
                    reg.transition(uow.session, centre, number, event, now=clock.now(),
                                   base_url="-", reason="motif")
                    uow.commit()
                outcomes.append(event)
            except Conflict:
                outcomes.append("conflict")
            finally:
                own.engine.dispose()
        return work

    # Approving and rejecting exclude each other: whoever comes second finds the file
    # moved (``UPDATE … WHERE state = 'en_instruction'`` touches no row).
    run_together(decide("approve"), decide("reject"), decide("approve"))
    [winner] = [o for o in outcomes if o != "conflict"]
    assert outcomes.count("conflict") == 2
    with db.unit_of_work() as uow:
        s = uow.session
        assert s.scalar(select(Application.state)) == {"approve": "validee",
                                                       "reject": "rejetee"}[winner]
        assert s.scalar(select(func.count()).select_from(Transition)) == 4
        assert s.scalar(select(func.count()).select_from(EvidenceEvent)
                        .where(EvidenceEvent.subject == f"registration:{number}")) == 4
    db.engine.dispose()
