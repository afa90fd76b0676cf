"""The daily email's services queue their tasks by name (wiredesk.digest.queue, so that no
service imports the tasks module): each name is a task the workers know, run with its ids."""

from wiredesk.digest import queue as digest_queue
from wiredesk.project.celery import app
from wiredesk.releases import queue as releases_queue


def test_every_queued_name_is_a_registered_task():
    app.loader.import_default_modules()
    names = [digest_queue.CONFIRMATION_TASK, digest_queue.EDITION_TASK,
             releases_queue.VERIFICATION_TASK, releases_queue.DECISION_TASK]
    assert [n for n in names if n not in app.tasks] == []
    assert app.tasks[digest_queue.EDITION_TASK].__name__ == "send_edition"
