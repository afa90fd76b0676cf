"""The gunicorn worker class of `wiredesk web`: uvicorn's, set up for this project.

- No lifespan protocol: Django has none, and uvicorn would log that at every start.
- No proxy headers: uvicorn would otherwise trust X-Forwarded-For and -Proto from loopback by
  itself. Which proxies to trust is the project's setting (WIREDESK_TRUSTED_PROXY_HOPS and
  the production SECURE_PROXY_SSL_HEADER), read by Django as before.
- No Server header.
- No Date header of uvicorn's: it is refreshed only once a second, so it could be older than a
  Last-Modified a page just took; the page front writes Date on every response as it leaves
  (RFC 9110 section 8.8.2.1: Last-Modified is never later than Date).
"""

from uvicorn_worker import UvicornWorker


class WebWorker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "auto",
        "http": "auto",
        "lifespan": "off",
        "proxy_headers": False,
        "server_header": False,
        "date_header": False,
    }
