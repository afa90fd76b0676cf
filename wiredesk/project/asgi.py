"""ASGI entry point: the page front (wiredesk/web/front.py), which runs Django's WSGI handler.

`wiredesk web` serves this with gunicorn managing uvicorn workers
(wiredesk/project/web_worker.py).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")

from wiredesk.project.wsgi import django_application  # noqa: E402
from wiredesk.web.front import PageFront  # noqa: E402

application = PageFront(django_application)
