"""Operator commands of the outbox: ``notify outbox …``."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from notify.bootstrap import services

outbox = AppGroup("outbox", help="Courriels en attente, envoyés ou en échec.")


@outbox.command("status")
def outbox_status() -> None:
    """Compte les messages par état et liste ceux en échec ou en attente de nouvel essai."""
    from notify.mail.models import MessageState, OutboxMessage

    with services().db.unit_of_work() as uow:
        counts = dict(uow.session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
        for state in MessageState:
            click.echo(f"{state.value:>8} : {counts.get(state.value, 0)}")
        troubled = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.last_error.is_not(None),
                                        OutboxMessage.state != MessageState.SENT)
            .order_by(OutboxMessage.id))
        for m in troubled:
            click.echo(f"#{m.id} {m.kind} {m.state} essais={m.attempts} "
                       f"prochain={m.next_attempt_at.isoformat()} erreur={m.last_error}")


@outbox.command("retry")
@click.argument("message_id", type=int)
def outbox_retry(message_id: int) -> None:
    """Remet en attente un message en échec définitif."""
    from notify.mail.models import MessageState, OutboxMessage

    svc = services()
    with svc.db.unit_of_work() as uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is None or message.state != MessageState.FAILED:
            raise click.ClickException(f"Aucun message en échec n° {message_id}.")
        message.state = MessageState.PENDING
        message.next_attempt_at = svc.clock.now()
        uow.commit()
    click.echo(f"Message n° {message_id} remis en attente.")
