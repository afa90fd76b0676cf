"""WSGI entry point, for operators who run another WSGI server (`wiredesk web` serves ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
django_application = get_wsgi_application()

from wiredesk.web.caching import FRONT_HEADER  # noqa: E402  (needs the settings loaded above)


def application(environ, start_response):
    """Django, minus the page front's internal header (there is no front under WSGI)."""

    def start(status, headers, exc_info=None):
        return start_response(status, [(n, v) for n, v in headers if n != FRONT_HEADER], exc_info)

    return django_application(environ, start)
