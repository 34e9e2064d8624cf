"""Every table of the application, imported once so that ``Base.metadata`` is complete
(Alembic's autogenerate and the tests that compare the schema rely on it)."""

from notify.accounts.models import Account, ActivationCode, EmailToken, Holder
from notify.auth.models import (
    ApiClient,
    LoginFailure,
    Organisation,
    StaffMember,
    StaffRecoveryCode,
)
from notify.backoffice.models import StaffAccess
from notify.db import Base
from notify.decisions.models import Decision, PostalBatch
from notify.evidence.models import Event, EvidenceBatch
from notify.franceconnect.models import FranceConnectLink
from notify.jobs import JobRun
from notify.mail.models import OutboxMessage
from notify.registrations.models import (
    Application,
    Centre,
    Provider,
    ProviderStatusChange,
    Transition,
)

__all__ = ["Account", "ActivationCode", "ApiClient", "Application", "Base", "Centre", "Decision",
           "EmailToken", "Event", "EvidenceBatch", "FranceConnectLink", "Holder", "JobRun",
           "LoginFailure", "Organisation", "OutboxMessage", "PostalBatch", "Provider",
           "ProviderStatusChange", "StaffAccess", "StaffMember", "StaffRecoveryCode",
           "Transition"]
