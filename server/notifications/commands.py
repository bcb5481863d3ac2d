"""``flask outbox …``: what operators need to see of notification delivery."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from server import clock
from server.extensions import db
from server.notifications.models import Delivery
from server.notifications.service import FAILED, PENDING

cli = AppGroup("outbox", help="Notification deliveries: counts, failures, retries.")


@cli.command("status")
@click.option("--failures", default=10, show_default=True, help="how many recent problems to list")
def status(failures: int):
    """Deliveries by channel and status, then the latest that failed or are being retried."""
    rows = db.session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
        .order_by(Delivery.channel, Delivery.status)
    ).all()
    if not rows:
        click.echo("the outbox is empty")
    for channel, state, count in rows:
        click.echo(f"{channel:10} {state:10} {count:>8}")
    troubled = db.session.scalars(
        select(Delivery).where(
            (Delivery.status == FAILED) | ((Delivery.status == PENDING) & (Delivery.attempts > 0)))
        .order_by(Delivery.id.desc()).limit(failures)
    ).all()
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    now = clock.now()
    due, later, first, last = db.session.execute(
        select(func.count().filter(Delivery.next_attempt_at <= now),
               func.count().filter(Delivery.next_attempt_at > now),
               func.min(Delivery.next_attempt_at), func.max(Delivery.next_attempt_at))
        .where(Delivery.status == PENDING)
    ).one()
    if due or later:
        click.echo(f"\npending: {due} due now, {later} later"
                   + (f"; next due {_local(first, zone)}, last due {_local(last, zone)}" if first else ""))
    if troubled:
        click.echo("\nproblems (newest first):")
    for d in troubled:
        nxt = "gave up" if d.status == FAILED else f"next {_local(d.next_attempt_at, zone)}"
        click.echo(f"#{d.id} {d.channel} {d.notification.kind} attempts={d.attempts} {nxt}: {d.last_error}")


def _local(value, zone) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).isoformat()


@cli.command("retry")
@click.argument("delivery_id", type=int)
def retry(delivery_id: int):
    """Put a delivery that gave up back in the queue (after fixing its cause)."""
    from server import clock

    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != FAILED:
        raise click.ClickException(f"no failed delivery #{delivery_id}")
    delivery.status, delivery.next_attempt_at = PENDING, clock.now()
    db.session.commit()
    click.echo(f"#{delivery_id} queued again")
