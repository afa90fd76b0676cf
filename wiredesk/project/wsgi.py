"""WSGI entry point, for operators who run another WSGI server (`wiredesk web` serves ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wiredesk.project.settings")
django_application = get_wsgi_application()

from wiredesk.web.caching import FRONT_HEADER  # noqa: E402  (needs the settings loaded above)


# The WSGI server writes Date itself as it sends the response (a second one would be a
# duplicate); it is no earlier than the Date Django capped Last-Modified at.
_DROPPED = {FRONT_HEADER.lower(), "date"}


def application(environ, start_response):
    """Django, minus the page front's internal header (there is no front under WSGI) and Date."""

    def start(status, headers, exc_info=None):
        return start_response(status, [(n, v) for n, v in headers if n.lower() not in _DROPPED], exc_info)

    return django_application(environ, start)
