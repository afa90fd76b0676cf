"""Celery tasks of news releases: thin wrappers that take ids and call a service.

Services queue these by name through wiredesk.releases.queue, so this module may import them."""

from celery import shared_task

from wiredesk.releases.services.moderation import decision_send, submissions_tick
from wiredesk.releases.services.submissions import verification_send

# The emails are acknowledged once sent, not when taken: a worker killed while sending one
# hands it back and it is sent again (at least once; a reader may, rarely, get it twice).


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_verification_email(submission_id: int) -> None:
    verification_send(submission_id=submission_id)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def send_decision_email(submission_id: int) -> None:
    decision_send(submission_id=submission_id)


@shared_task(ignore_result=True)
def releases_tick() -> None:
    submissions_tick()
