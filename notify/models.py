"""Every table of the application, imported once so that ``Base.metadata`` is complete
(Alembic's autogenerate and the tests that compare the schema rely on it)."""

from notify.accounts.models import Account, ActivationCode, EmailToken, Holder, LoginFailure
from notify.auth.models import Organisation
from notify.db import Base
from notify.decisions.models import ApiToken, Decision, PostalBatch
from notify.evidence.models import Event, EvidenceBatch
from notify.jobs import JobRun
from notify.mail.models import OutboxMessage

__all__ = ["Account", "ActivationCode", "ApiToken", "Base", "Decision", "EmailToken", "Event",
           "EvidenceBatch", "Holder", "JobRun", "LoginFailure", "Organisation", "OutboxMessage",
           "PostalBatch"]
