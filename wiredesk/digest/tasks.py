"""Celery tasks of the daily email: thin wrappers that take ids and call a service.

Services queue these by name through wiredesk.digest.queue, so this module may import them."""

from celery import shared_task

from wiredesk.digest.services.editions import editions_tick
from wiredesk.digest.services.sending import edition_send
from wiredesk.digest.services.subscriptions import confirmation_send

# The emails are acknowledged once sent, not when taken: a worker killed while sending one
# hands it back and it is sent again (at least once; a reader may, rarely, get it twice).


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_confirmation_email(subscriber_id: int) -> None:
    confirmation_send(subscriber_id=subscriber_id)


@shared_task(ignore_result=True)
def send_edition(edition_id: int) -> None:
    edition_send(edition_id=edition_id)


@shared_task(ignore_result=True)
def digest_tick() -> None:
    editions_tick()
