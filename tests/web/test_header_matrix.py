"""The security headers on every kind of response of the production server (reliability S2).

`wiredesk web` as deployed: WIREDESK_ENV=production behind a TLS proxy (X-Forwarded-Proto),
static files collected and served by WhiteNoise, the page front of each web worker. Every
response class is asked for twice (the second answer may come from the page front instead of
Django) and each must carry HSTS for a year, nosniff and the referrer policy; HTML must also
carry the strict CSP (no inline script, no framing), X-Frame-Options, COOP and a UTF-8
charset. A plain-HTTP request is sent to HTTPS.
"""

from __future__ import annotations

import http.client
import json
import secrets
import subprocess
import time

import pytest

from tests.core.test_run import WIREDESK, accepts, clean_env, free_port, query, wiredesk
from wiredesk.demo.server import DemoWireServer

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only, pytest.mark.timeout(240)]

HOST = "harbour.localhost"


def _get(port: int, path: str, host: str = HOST, https: bool = True):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Host": host}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def _check(status: int, headers: dict, where: str) -> list[str]:
    problems = []
    hsts = headers.get("strict-transport-security", "")
    if "max-age=" not in hsts or int(hsts.split("max-age=")[1].split(";")[0]) < 31536000:
        problems.append(f"HSTS {hsts!r}")
    if headers.get("x-content-type-options") != "nosniff":
        problems.append("nosniff")
    if headers.get("referrer-policy") != "strict-origin-when-cross-origin":
        problems.append(f"Referrer-Policy {headers.get('referrer-policy')!r}")
    if headers.get("content-type", "").startswith("text/html"):
        csp = headers.get("content-security-policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ") if d}
        if directives.get("frame-ancestors") != ["'none'"] or "'unsafe-inline'" in directives.get("script-src", ["x"]) \
                or not directives.get("script-src"):
            problems.append(f"CSP {csp!r}")
        if headers.get("x-frame-options") != "DENY":
            problems.append("X-Frame-Options")
        if headers.get("cross-origin-opener-policy") != "same-origin":
            problems.append("COOP")
        if "charset=utf-8" not in headers.get("content-type", "").lower():
            problems.append(f"charset in {headers.get('content-type')!r}")
    return [f"{where} ({status}): {p}" for p in problems]


def test_every_response_class_carries_the_security_headers(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    env = clean_env(data, WIREDESK_PORT=str(port), WIREDESK_ENV="production",
                    WIREDESK_SECRET_KEY=secrets.token_urlsafe(64), WIREDESK_TRUSTED_PROXY_HOPS="1")
    wiredesk(env, "migrate", "--noinput", "-v", "0", timeout=120)
    wiredesk(env, "collectstatic", "--noinput", "-v", "0", timeout=120)
    with DemoWireServer(port=0, interval=3600) as wires:
        wiredesk(env, "demo_load", "--wires-url", wires.url(""))
        wiredesk(env, "fetch", "--all", timeout=120)
    (article_id, slug), = query(data / "wiredesk.sqlite3", "SELECT id, slug FROM stories_article ORDER BY id LIMIT 1")
    manifest = json.loads((data / "static" / "staticfiles.json").read_text())["paths"]
    css = "/static/" + manifest["wiredesk/site.css"]
    paths = {
        "front": "/", "section": "/section/world/", "article": f"/story/{article_id}-{slug}/",
        "search": "/search/?q=harbour", "archive": "/archive/", "newsletter": "/newsletter/",
        "release form": "/releases/submit/", "404": "/story/999999-missing/", "rss": "/feeds/rss.xml",
        "atom": "/feeds/atom.xml", "json feed": "/feeds/feed.json", "sitemap": "/sitemap.xml",
        "news sitemap": "/news-sitemap.xml", "robots": "/robots.txt", "brand css": "/brand.css",
        "static": css, "admin login": "/admin/login/", "admin (redirect)": "/admin/", "health (redirect)": "/admin/health/",
    }
    web = subprocess.Popen([str(WIREDESK), "web", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    problems, statuses = [], {}
    try:
        deadline = time.monotonic() + 60
        while not accepts(port):
            assert time.monotonic() < deadline and web.poll() is None, "the web server did not start"
            time.sleep(0.2)
        for name, path in paths.items():
            for attempt in (1, 2):  # the second may be the page front's copy
                status, headers = _get(port, path)
                statuses[name] = status
                problems += _check(status, headers, f"{name} #{attempt}")
        status, headers = _get(port, "/", host="unknown.example")  # an unknown host: 400
        statuses["unknown host"] = status
        problems += _check(status, headers, "unknown host")
        status, headers = _get(port, "/section/world/", https=False)
        assert status == 301 and headers["location"].startswith("https://"), (status, headers)
    finally:
        web.terminate()
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
    assert statuses["article"] == statuses["front"] == statuses["static"] == statuses["rss"] == 200, statuses
    assert statuses["404"] == 404 and statuses["unknown host"] == 400 and statuses["admin (redirect)"] == 302, statuses
    assert not problems, "\n".join(problems)
