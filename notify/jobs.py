"""Scheduled jobs: each feature declares its own, this module runs them in one order.

A job is thin: it opens a unit of work, calls one operation, commits (``in_one_unit``);
a job over many rows commits chunk by chunk through ``notify.db.drain``. Features
register their jobs from their ``init_app`` (``register_jobs``); ``ORDER`` says in
which order ``notify jobs run-once`` and the scheduler's first round run them.

Every job runs isolated (``run_job``): what it raises is logged, recorded in
``job_runs`` (shown by ``notify jobs status``) and never stops the other jobs. They run
in the scheduler process (``notify scheduler``), never inside web workers. Every job is
safe to run twice at once: rows are taken with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, and SQLite serialises writers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from flask import Flask
from sqlalchemy import Float, String, Text, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from notify.bootstrap import Services
from notify.db import Base

log = logging.getLogger(__name__)

R = TypeVar("R")

# Certify first, so that what the later jobs make available or send rests on certified
# events; send after making available, so that a decision's alert leaves in the same run.
ORDER = (
    "certify_evidence",
    "close_accounts",
    "make_decisions_available",
    "send_decision_reminders",
    "send_outbox",
    "record_deemed_notifications",
    "forget_login_failures",
    "purge_decisions",
    "purge_outbox",
    "purge_access_log",
    "check_evidence",
)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    every_seconds: float
    run: Callable[[Services], object]
    every_setting: str | None = None  # a setting that overrides every_seconds

    def interval(self, settings) -> float:
        return getattr(settings, self.every_setting) if self.every_setting else self.every_seconds


def in_one_unit(operation: Callable[[Session, Services], R]) -> Callable[[Services], R]:
    """The shape of a job: one unit of work, one operation, one commit."""

    def run(services: Services) -> R:
        with services.db.unit_of_work() as uow:
            result = operation(uow.session, services)
            uow.commit()
        return result

    return run


def register_jobs(app: Flask, *jobs: Job) -> None:
    """Called by a feature's ``init_app``: its jobs join the scheduler's list."""
    registered = app.extensions.setdefault("notify_jobs", {})
    for job in jobs:
        if job.name not in ORDER:
            raise RuntimeError(f"job {job.name} has no place in notify.jobs.ORDER")
        registered[job.name] = job


def jobs_of(app: Flask) -> list[Job]:
    """The registered jobs, in ``ORDER``."""
    registered = app.extensions.get("notify_jobs", {})
    return [registered[name] for name in ORDER if name in registered]


class JobRun(Base):
    """The last run of a job, and its last failure."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    duration_seconds: Mapped[float] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(16))  # "ok" or "failed"
    result: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failed_at: Mapped[datetime | None]


@dataclass(frozen=True)
class JobOutcome:
    name: str
    ok: bool
    result: object = None
    error: str | None = None


def _record_run(services: Services, outcome: JobOutcome, started_at: datetime,
                duration: float) -> None:
    for _ in range(2):  # a second scheduler may insert the same job's first row
        with services.db.unit_of_work() as uow:
            run = uow.session.get(JobRun, outcome.name, with_for_update=True)
            if run is None:
                run = JobRun(name=outcome.name)
                uow.session.add(run)
            run.started_at = started_at
            run.finished_at = services.clock.now()
            run.duration_seconds = duration
            run.outcome = "ok" if outcome.ok else "failed"
            run.result = None if outcome.result is None else str(outcome.result)[:2000]
            if not outcome.ok:
                run.last_error = outcome.error
                run.last_failed_at = started_at
            try:
                uow.commit()
                return
            except IntegrityError:
                continue


def _summary(exc: Exception) -> str:
    """The error's type and first line: SQLAlchemy puts the statement and its parameters
    (personal data, possibly) on the following lines, PostgreSQL its DETAIL."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:500]


def run_job(app: Flask, job: Job, services: Services | None = None) -> JobOutcome:
    """Run one job in the app context. Never raises: a failure is logged and recorded."""
    with app.app_context():
        services = services or app.extensions["notify"]
        started_at = services.clock.now()
        started = time.monotonic()
        try:
            outcome = JobOutcome(job.name, True, result=job.run(services))
            log.info("job %s: %s", job.name, outcome.result)
        except Exception as exc:
            log.exception("job %s failed", job.name)
            outcome = JobOutcome(job.name, False, error=_summary(exc))
        try:
            _record_run(services, outcome, started_at, time.monotonic() - started)
        except SQLAlchemyError:
            log.exception("job %s: its run could not be recorded", job.name)
        return outcome


def last_runs(session: Session) -> dict[str, JobRun]:
    return {run.name: run for run in session.scalars(select(JobRun))}
