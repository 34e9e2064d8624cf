"""Every table of the application, imported once so that ``Base.metadata`` is complete
(Alembic's autogenerate and the tests that compare the schema rely on it)."""

from notify.accounts.models import Account, ActivationCode, EmailToken, Holder, LoginFailure
from notify.auth.models import Organisation
from notify.db import Base
from notify.decisions.models import ApiToken, Decision, PostalBatch
from notify.evidence.models import Event, EvidenceBatch
from notify.mail.models import OutboxMessage
from notify.registrations.models import (
    Application,
    Centre,
    Provider,
    ProviderStatusChange,
    TrackingFailure,
    Transition,
)

__all__ = ["Account", "ActivationCode", "ApiToken", "Application", "Base", "Centre", "Decision",
           "EmailToken", "Event", "EvidenceBatch", "Holder", "LoginFailure", "Organisation",
           "OutboxMessage", "PostalBatch", "Provider", "ProviderStatusChange", "TrackingFailure",
           "Transition"]
