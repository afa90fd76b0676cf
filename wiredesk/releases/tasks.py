"""Celery tasks of news releases: thin wrappers that take ids and call a service."""

from celery import shared_task


@shared_task(ignore_result=True)
def send_verification_email(submission_id: int) -> None:
    from wiredesk.releases.services.submissions import send_verification

    send_verification(submission_id)


@shared_task(ignore_result=True)
def send_decision_email(submission_id: int) -> None:
    from wiredesk.releases.services.moderation import send_decision

    send_decision(submission_id)


@shared_task(ignore_result=True)
def releases_tick() -> None:
    from wiredesk.releases.services.moderation import tick

    tick()
