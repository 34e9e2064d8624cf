"""The e-mail outbox: messages are rows written with the change that causes them,
sent over SMTP by a job after the commit."""


def init_app(app) -> None:
    """Register the outbox's CLI commands and jobs on ``app``."""
    from notify.jobs import register_jobs
    from notify.mail.cli import outbox
    from notify.mail.jobs import JOBS

    app.cli.add_command(outbox)
    register_jobs(app, *JOBS)
