"""The gunicorn worker class of `wiredesk web`: uvicorn's, set up for this project.

- No lifespan protocol: Django has none, and uvicorn would log that at every start.
- No proxy headers: uvicorn would otherwise trust X-Forwarded-For and -Proto from loopback by
  itself. Which proxies to trust is the project's setting (WIREDESK_TRUSTED_PROXY_HOPS and
  the production SECURE_PROXY_SSL_HEADER), read by Django as before.
- No Server header.
"""

from uvicorn_worker import UvicornWorker


class WebWorker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "auto",
        "http": "auto",
        "lifespan": "off",
        "proxy_headers": False,
        "server_header": False,
    }
